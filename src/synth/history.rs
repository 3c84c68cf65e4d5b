//! Past returns and payments, computed by the tax engine from the company's own
//! invoices and ledger: some on time, some late, some unpaid.

use chrono::{Duration, NaiveDate};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::business::{Business, first_month};
use super::draw;
use super::tables::Preset;
use crate::domain::entities::{
    Company, CreditEvent, CreditEventKind, Filing, InvoiceDirection, InvoiceKind, Payment,
    ReturnKind, TaxItem, TaxpayerType,
};
use crate::domain::money::{Fen, Rate};
use crate::domain::period::TaxPeriod;
use crate::domain::tax::cit::{self, CitInput, QuarterSize, SmallLowProfit};
use crate::domain::tax::credit::Grade;
use crate::domain::tax::vat_general::{self, VatGeneralInput};
use crate::domain::tax::vat_small::{self, VatSmallInput};
use crate::domain::tax::{Assessment, Policy, PolicyError, late_fee};

pub struct History {
    pub filings: Vec<Filing>,
    pub payments: Vec<Payment>,
    pub credit_events: Vec<CreditEvent>,
}

pub fn generate(
    rng: &mut ChaCha8Rng,
    preset: &Preset,
    company: &Company,
    business: &Business,
    today: NaiveDate,
) -> Result<History, PolicyError> {
    let policy = Policy::embedded();
    let behaviour = Behaviour::of(preset, company);
    let mut h = History {
        filings: Vec::new(),
        payments: Vec::new(),
        credit_events: Vec::new(),
    };
    let start = first_month(business.due_vat);

    // VAT returns, oldest first, up to (not including) the one due now.
    let mut period = if company.vat_quarterly {
        TaxPeriod::quarter_of(start)
    } else {
        TaxPeriod::Month(start)
    };
    let mut carried_credit = Fen::ZERO;
    while period < business.due_vat {
        let a = match company.taxpayer_type {
            TaxpayerType::SmallScale => {
                vat_small::assess(policy, &small_input(company, business, period))?
            }
            TaxpayerType::General => {
                let a = vat_general::assess(
                    policy,
                    &general_input(company, business, period, carried_credit),
                )?;
                carried_credit = a.money("carry_forward_credit");
                a
            }
        };
        let kind = match company.taxpayer_type {
            TaxpayerType::SmallScale => ReturnKind::VatSmall,
            TaxpayerType::General => ReturnKind::VatGeneral,
        };
        let items = [
            (TaxItem::Vat, a.money("vat_due")),
            (
                TaxItem::UrbanMaintenance,
                surcharge(&a, "surcharge.urban_maintenance"),
            ),
            (TaxItem::Education, surcharge(&a, "surcharge.education")),
            (
                TaxItem::LocalEducation,
                surcharge(&a, "surcharge.local_education"),
            ),
        ];
        let last = period.next() == business.due_vat;
        record(rng, &behaviour, &mut h, kind, &a, &items, today, last);
        period = period.next();
    }

    // CIT prepayments, each quarter year to date, up to the one due now.
    let mut quarter = TaxPeriod::quarter_of(start);
    let mut paid_this_year = Fen::ZERO;
    while quarter < business.due_cit {
        if quarter.quarters_to_date() == 1 {
            paid_this_year = Fen::ZERO;
        }
        let mut a = cit::assess(
            policy,
            &cit_input(company, business, quarter, paid_this_year),
        )?;
        crate::bureau::returns::grid::renumber(&mut a, ReturnKind::CitQuarterly);
        let due = a.money("tax_due");
        paid_this_year += due;
        let last = quarter.next() == business.due_cit;
        let items = [(TaxItem::Cit, due)];
        record(
            rng,
            &behaviour,
            &mut h,
            ReturnKind::CitQuarterly,
            &a,
            &items,
            today,
            last,
        );
        quarter = quarter.next();
    }
    Ok(h)
}

fn surcharge(a: &Assessment, key: &str) -> Fen {
    a.steps
        .iter()
        .find(|s| s.key == key && s.line.is_some())
        .and_then(|s| match s.value {
            crate::domain::tax::Value::Money(m) => Some(m),
            _ => None,
        })
        .unwrap_or(Fen::ZERO)
}

fn invoices_in(
    business: &Business,
    period: TaxPeriod,
) -> impl Iterator<Item = &crate::domain::entities::Invoice> {
    let (from, to) = (period.first_day(), period.last_day());
    business
        .invoices
        .iter()
        .filter(move |i| i.issued_on >= from && i.issued_on <= to)
}

fn small_input(company: &Company, business: &Business, period: TaxPeriod) -> VatSmallInput {
    let mut special = Fen::ZERO;
    let mut other = Fen::ZERO;
    let (mut lease_special, mut lease_other) = (Fen::ZERO, Fen::ZERO);
    for inv in invoices_in(business, period).filter(|i| i.direction == InvoiceDirection::Sales) {
        match (inv.item == super::business::SHOP_RENT_ITEM, inv.kind) {
            (false, InvoiceKind::Special) => special += inv.amount,
            (false, InvoiceKind::Ordinary) => other += inv.amount,
            (true, InvoiceKind::Special) => lease_special += inv.amount,
            (true, InvoiceKind::Ordinary) => lease_other += inv.amount,
        }
    }
    let mut input = VatSmallInput::empty(period);
    let column = if company.sells_goods() {
        &mut input.goods
    } else {
        &mut input.services
    };
    column.sales_3pct_special = special;
    column.sales_3pct_other = other;
    input.lease_5pct_special = lease_special;
    input.lease_5pct_other = lease_other;
    input.tier = Some(company.tier);
    input
}

fn general_input(
    company: &Company,
    business: &Business,
    period: TaxPeriod,
    carried: Fen,
) -> VatGeneralInput {
    let mut by_rate: Vec<(Rate, Fen)> = Vec::new();
    let mut input_tax = Fen::ZERO;
    for inv in invoices_in(business, period) {
        match inv.direction {
            InvoiceDirection::Sales => match by_rate.iter_mut().find(|(r, _)| *r == inv.rate) {
                Some((_, total)) => *total += inv.amount,
                None => by_rate.push((inv.rate, inv.amount)),
            },
            InvoiceDirection::Purchase if inv.kind == InvoiceKind::Special => input_tax += inv.tax,
            InvoiceDirection::Purchase => {}
        }
    }
    VatGeneralInput {
        period,
        sales: by_rate,
        zero_rated_sales: Fen::ZERO,
        exempt_sales: Fen::ZERO,
        input_tax,
        carried_credit: carried,
        input_transferred_out: Fen::ZERO,
        prepaid_tax: Fen::ZERO,
        tier: Some(company.tier),
        small_low_profit: false,
    }
}

fn cit_input(company: &Company, business: &Business, quarter: TaxPeriod, prepaid: Fen) -> CitInput {
    let year = quarter.year();
    let ytd = business
        .ledger
        .iter()
        .filter(|m| m.month.year == year && m.month <= quarter.last_month());
    let (mut revenue, mut cost, mut profit) = (Fen::ZERO, Fen::ZERO, Fen::ZERO);
    for m in ytd {
        revenue += m.revenue;
        cost += m.cost;
        profit += m.profit;
    }
    let size = QuarterSize::steady(company.headcount, company.total_assets);
    CitInput {
        period: quarter,
        revenue,
        cost,
        total_profit: profit,
        specific_business_income: Fen::ZERO,
        non_taxable_income: Fen::ZERO,
        exempt_income: Fen::ZERO,
        accelerated_depreciation: Fen::ZERO,
        loss_offset: Fen::ZERO,
        prepaid_tax: prepaid,
        specific_prepaid_tax: Fen::ZERO,
        restricted_industry: company.restricted_industry,
        small_low_profit: SmallLowProfit::FromSize(vec![size; quarter.quarters_to_date() as usize]),
    }
}

/// File the return on time or late, and pay each item on time, late or not at all.
/// How often a company was late or left tax unpaid: the preset's rates, scaled by its
/// credit grade (a model taxpayer never is: the course's M grade asks for three years
/// without a failing; a D-grade one often).
struct Behaviour {
    late_filing: Rate,
    late_payment: Rate,
    unpaid: Rate,
    /// Leave the last VAT period unpaid if nothing else is, so the company has arrears.
    ensure_arrears: bool,
}

impl Behaviour {
    fn of(preset: &Preset, company: &Company) -> Behaviour {
        let percent: i64 = match company.credit_grade {
            Grade::M => 0,
            Grade::A => 50,
            Grade::B => 100,
            Grade::C => 200,
            Grade::D => 300,
        };
        let scale = |r: Rate| Rate::from_ppm((r.ppm() * percent / 100).min(1_000_000));
        Behaviour {
            late_filing: scale(preset.late_filing),
            late_payment: scale(preset.late_payment),
            // A model or A-grade taxpayer has no arrears.
            unpaid: if matches!(company.credit_grade, Grade::M | Grade::A) {
                Rate::ZERO
            } else {
                scale(preset.unpaid)
            },
            ensure_arrears: !matches!(company.credit_grade, Grade::M | Grade::A),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn record(
    rng: &mut ChaCha8Rng,
    behaviour: &Behaviour,
    h: &mut History,
    kind: ReturnKind,
    a: &Assessment,
    items: &[(TaxItem, Fen)],
    today: NaiveDate,
    last_chance: bool,
) {
    let policy = Policy::embedded();
    let period = a.period;
    let deadline = policy.calendar.filing_deadline(period).date;
    let window_opens = period.last_month().next().first_day();
    let yesterday = today - Duration::days(1);
    let filed_on = if draw::chance(rng, behaviour.late_filing) {
        (deadline + Duration::days(rng.random_range(1..=25))).min(yesterday)
    } else {
        (deadline - Duration::days(rng.random_range(0..=10)))
            .max(window_opens)
            .min(yesterday)
    };
    let total_due: Fen = items.iter().map(|(_, f)| *f).sum();
    let filing = h.filings.len();
    h.filings.push(Filing {
        kind,
        period,
        deadline,
        filed_on,
        total_due,
        assessment_json: a.form_json(),
    });
    let deductions = &policy.credit.deductions;
    if filed_on > deadline {
        h.credit_events.push(CreditEvent {
            on: filed_on,
            kind: CreditEventKind::LateFiling,
            period,
            return_kind: Some(kind),
            points: deductions.late_filing,
        });
    }
    if total_due <= Fen::ZERO {
        return;
    }
    let already_owing = h.payments.iter().any(|p| p.paid_on.is_none());
    let unpaid = draw::chance(rng, behaviour.unpaid)
        || (last_chance && behaviour.ensure_arrears && !already_owing);
    let paid_on = if unpaid {
        None
    } else if draw::chance(rng, behaviour.late_payment) {
        Some((deadline + Duration::days(rng.random_range(1..=40))).max(filed_on))
    } else {
        Some(filed_on)
    }
    .filter(|d| *d < today);
    match paid_on {
        Some(d) if d > deadline => h.credit_events.push(CreditEvent {
            on: d,
            kind: CreditEventKind::LatePayment,
            period,
            return_kind: Some(kind),
            points: deductions.late_payment,
        }),
        None => h.credit_events.push(CreditEvent {
            on: deadline + Duration::days(1),
            kind: CreditEventKind::Arrears,
            period,
            return_kind: Some(kind),
            points: deductions.arrears,
        }),
        Some(_) => {}
    }
    for &(item, amount) in items.iter().filter(|(_, amount)| *amount > Fen::ZERO) {
        let late_fee = paid_on.map_or(Fen::ZERO, |d| {
            late_fee::fee(policy, amount, deadline, d).unwrap_or(Fen::ZERO)
        });
        h.payments.push(Payment {
            filing,
            item,
            amount,
            due_on: deadline,
            paid_on,
            late_fee,
        });
    }
}
