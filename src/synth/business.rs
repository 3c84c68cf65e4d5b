//! A company's months of business: sales and purchase invoices and the ledger.

use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::draw;
use super::identity;
use super::tables::{Preset, Tables};
use crate::domain::entities::{
    Company, Invoice, InvoiceDirection, InvoiceKind, LedgerMonth, TaxpayerType,
};
use crate::domain::ids::{InvoiceNo, Uscc};
use crate::domain::money::{Fen, Rate};
use crate::domain::period::{TaxPeriod, YearMonth};
pub use crate::domain::tax::deadline::due_periods;
use crate::domain::tax::policy::rule_for;
use crate::domain::tax::{Policy, PolicyError};

pub struct Business {
    pub invoices: Vec<Invoice>,
    pub ledger: Vec<LedgerMonth>,
    /// The VAT period whose return is due on the sandbox date (left unfiled).
    pub due_vat: TaxPeriod,
    /// The CIT quarter whose prepayment is due on the sandbox date (left unfiled).
    pub due_cit: TaxPeriod,
}

/// History runs from January of the year twelve months before the due period ends,
/// so at least twelve months exist and every CIT year-to-date figure is complete.
pub fn first_month(due_vat: TaxPeriod) -> YearMonth {
    let mut m = due_vat.last_month();
    for _ in 0..11 {
        m = m.prev();
    }
    YearMonth {
        year: m.year,
        month: 1,
    }
}

struct Counterparty {
    name: String,
    uscc: Uscc,
    province: String,
}

fn counterparties(rng: &mut ChaCha8Rng, tables: &Tables, n: usize) -> Vec<Counterparty> {
    (0..n)
        .map(|_| {
            let division = draw::pick(rng, &tables.divisions);
            let industry = draw::pick(rng, &tables.industries);
            Counterparty {
                name: identity::company_name(rng, tables, division, &industry.name_words),
                uscc: {
                    let modern = rng.random_range(0..2) == 0;
                    identity::uscc(rng, &division.code, modern)
                },
                province: division.code[..2].to_owned(),
            }
        })
        .collect()
}

/// The rate a small-scale seller's invoice shows in a month: the reduced rate where one applies.
fn small_scale_rate(month: YearMonth) -> Result<Rate, PolicyError> {
    let policy = Policy::embedded();
    rule_for(&policy.vat_small, "vat_small", TaxPeriod::Month(month))
        .map(|r| r.reduced_rate.unwrap_or(r.levy_rate))
}

/// The invoice item of a shop's rent.
pub const SHOP_RENT_ITEM: &str = "*不动产经营租赁服务*商铺租金";

/// The levy rate for a small-scale company's real estate (sale or rent) in a month.
fn real_estate_rate(month: YearMonth) -> Result<Rate, PolicyError> {
    let policy = Policy::embedded();
    rule_for(&policy.vat_small, "vat_small", TaxPeriod::Month(month)).map(|r| r.real_estate_rate)
}

pub fn generate(
    rng: &mut ChaCha8Rng,
    tables: &Tables,
    preset: &Preset,
    company: &Company,
    today: NaiveDate,
    company_index: usize,
) -> Result<Business, PolicyError> {
    let (due_vat, due_cit) = due_periods(today, company.vat_quarterly);
    let industry = tables
        .industry(&company.industry_code)
        .unwrap_or(&tables.industries[0]);
    let customers = counterparties(rng, tables, 6);
    let suppliers = counterparties(rng, tables, 4);
    let special_share = draw::rate(rng, preset.special_invoice_share);
    let purchase_share = draw::rate(rng, preset.purchase_share);
    let expense_share = draw::rate(rng, preset.expense_share);
    let general = company.taxpayer_type == TaxpayerType::General;
    let own_province = &company.division_code[..2];

    // Invoice sequence numbers: a per-company block keeps a tenant's numbers unique.
    let block = (company_index as u64 + 1) * 10_000_000_000_000;
    let mut sales_seq = block + rng.random_range(0..1_000_000_000);
    let mut purchase_seq = 500_000_000_000_000 + block + rng.random_range(0..1_000_000_000);

    // Sales are drawn per VAT period, so a preset's range holds for the period as a whole,
    // then split exactly over the period's months.
    let mut monthly_sales = Vec::new();
    let mut period = if company.vat_quarterly {
        TaxPeriod::quarter_of(first_month(due_vat))
    } else {
        TaxPeriod::Month(first_month(due_vat))
    };
    while period <= due_vat {
        let range = if period == due_vat {
            preset.due_period_sales
        } else {
            preset.history_period_sales
        };
        let total = draw::fen(rng, range);
        let months: Vec<YearMonth> = period.months().collect();
        monthly_sales.extend(
            months
                .iter()
                .copied()
                .zip(draw::split(rng, total, months.len())),
        );
        period = period.next();
    }

    // A shop rented out: one rent for the whole history, invoiced monthly.
    let shop_rent = match preset.shop_rent {
        Some(range) if !general => Some(draw::fen(rng, range)),
        _ => None,
    };
    let mut invoices = Vec::new();
    let mut ledger = Vec::new();
    for (month, sales_total) in monthly_sales {
        let small_rate = small_scale_rate(month)?;
        let n_sales = rng.random_range(if general { 5..=10 } else { 3..=7 });
        let mut revenue = Fen::ZERO;
        for amount in draw::split(rng, sales_total, n_sales) {
            let customer = draw::pick(rng, &customers);
            let kind = if draw::chance(rng, special_share) {
                InvoiceKind::Special
            } else {
                InvoiceKind::Ordinary
            };
            let rate = if general { industry.rate } else { small_rate };
            sales_seq += 1;
            invoices.push(Invoice {
                direction: InvoiceDirection::Sales,
                number: invoice_no(month, own_province, sales_seq),
                kind,
                issued_on: day_in(rng, month),
                counterparty_name: customer.name.clone(),
                counterparty_uscc: customer.uscc.clone(),
                item: draw::pick(rng, &industry.sales_items).clone(),
                amount,
                rate,
                tax: amount.times(rate),
            });
            revenue += amount;
        }
        if let Some(rent) = shop_rent {
            let rate = real_estate_rate(month)?;
            sales_seq += 1;
            invoices.push(Invoice {
                direction: InvoiceDirection::Sales,
                number: invoice_no(month, own_province, sales_seq),
                kind: InvoiceKind::Ordinary,
                issued_on: month.day(5),
                counterparty_name: customers[0].name.clone(),
                counterparty_uscc: customers[0].uscc.clone(),
                item: SHOP_RENT_ITEM.to_owned(),
                amount: rent,
                rate,
                tax: rent.times(rate),
            });
            revenue += rent;
        }

        let purchases_total = revenue.times(purchase_share);
        let n_purchases = rng.random_range(if general { 3..=6 } else { 2..=4 });
        let mut cost = Fen::ZERO;
        for amount in draw::split(rng, purchases_total, n_purchases) {
            let supplier = draw::pick(rng, &suppliers);
            let bought = draw::pick(rng, &industry.purchase_items);
            let (item, rate) = (bought.item.clone(), bought.rate);
            purchase_seq += 1;
            invoices.push(Invoice {
                direction: InvoiceDirection::Purchase,
                number: invoice_no(month, &supplier.province, purchase_seq),
                kind: if general || rng.random_range(0..3) == 0 {
                    InvoiceKind::Special
                } else {
                    InvoiceKind::Ordinary
                },
                issued_on: day_in(rng, month),
                counterparty_name: supplier.name.clone(),
                counterparty_uscc: supplier.uscc.clone(),
                item,
                amount,
                rate,
                tax: amount.times(rate),
            });
            cost += amount;
        }
        let expenses = revenue.times(expense_share);
        ledger.push(LedgerMonth {
            month,
            revenue,
            cost,
            expenses,
            profit: revenue - cost - expenses,
        });
    }
    invoices.sort_by(|a, b| {
        (a.issued_on, a.direction.as_str(), a.number.as_str()).cmp(&(
            b.issued_on,
            b.direction.as_str(),
            b.number.as_str(),
        ))
    });
    Ok(Business {
        invoices,
        ledger,
        due_vat,
        due_cit,
    })
}

fn day_in(rng: &mut ChaCha8Rng, month: YearMonth) -> NaiveDate {
    month.day(rng.random_range(1..=month.last_day().day()))
}

fn invoice_no(month: YearMonth, province: &str, seq: u64) -> InvoiceNo {
    InvoiceNo::assemble(month.year, province, 1, seq)
        .unwrap_or_else(|e| panic!("generated invoice number: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_reaches_back_to_january_and_covers_a_year() {
        let due = TaxPeriod::parse("2026Q3").unwrap();
        assert_eq!(first_month(due).to_string(), "2025-01");
        let due = TaxPeriod::parse("2026-12").unwrap();
        assert_eq!(first_month(due).to_string(), "2026-01");
    }
}
