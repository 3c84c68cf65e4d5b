//! Lab prior states that change the company's own records so the bureau sees something to
//! act on: a return filed with the wrong sales (over: tax overpaid to ask back; under: a
//! 申报异常 alert to correct), or the records behind one risk alert of the course's five
//! kinds (`risk_alert`). Each plants facts, never an alert: the bureau works the alert out
//! from them as it would from anyone's records, and the setup checks that it did. Also
//! the forged invoice among the company's own for 发票查验.

use chrono::{Duration, Months, NaiveDate};

use super::setup::{MaterialFile, Materials, tiny_pdf};
use crate::bureau::login::LoginError;
use crate::bureau::returns::{self, Filer, ReturnError};
use crate::domain::entities::{
    CreditEventKind, InvoiceDirection, LedgerMonth, ReturnKind, TaxpayerType,
};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;
use crate::domain::tax::{Policy, late_fee};
use crate::store::{CompanyId, StoreError, TenantScope};

/// The categories a lab can plant (`arrears` comes from a `@C` preset's history).
pub const PLANTED: &[&str] = &["filing", "invoice", "business", "late"];

fn failed(what: impl std::fmt::Display) -> LoginError {
    LoginError::Store(StoreError::Other(format!("lab setup: {what}")))
}

pub(super) fn setup_error(e: ReturnError) -> LoginError {
    match e {
        ReturnError::Store(e) => LoginError::Store(e),
        other => failed(other),
    }
}

/// The return's values from the records, its sales `shift` off them (more when positive,
/// less when negative), placed on the lines the period's rule gives.
fn shifted(basis: &returns::form::Basis, kind: ReturnKind, shift: Fen) -> returns::form::Values {
    if kind == ReturnKind::VatGeneral {
        let mut values = basis.prefill(kind);
        let now = values
            .get("sales_13pct")
            .and_then(|v| Fen::parse_yuan(v).ok())
            .unwrap_or_default();
        values.insert(
            "sales_13pct".into(),
            (now + shift).max(Fen::ZERO).to_string(),
        );
        values
    } else {
        let mut wrong = basis.clone();
        wrong.invoiced_other = (wrong.invoiced_other + shift).max(Fen::ZERO);
        wrong.prefill(kind)
    }
}

/// File the return of `kind` for `period` on time (by its deadline) with `values`, and pay
/// it (the bank topped up if short).
fn file_and_pay(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ReturnKind,
    period: TaxPeriod,
    values: &returns::form::Values,
) -> Result<(), LoginError> {
    let company = who.company;
    let filed = returns::submit(scope, who, kind, period, values, true).map_err(setup_error)?;
    scope.set_tripartite(company, true)?;
    let balance = scope.bank_account(company)?.value.balance;
    let needed = filed.filing.total_due + Fen::from_yuan(10_000);
    if balance < needed {
        scope.set_bank_balance(company, needed)?;
    }
    match returns::pay(scope, who, kind, period) {
        Ok(_) | Err(ReturnError::NothingToPay) => Ok(()),
        Err(e) => Err(setup_error(e)),
    }
}

/// The return of `kind` for `period`, filed on time with sales `extra` too high, and paid.
pub(super) fn over_declared(
    scope: &TenantScope<'_>,
    mut who: Filer,
    kind: ReturnKind,
    period: TaxPeriod,
    extra: Fen,
) -> Result<(), LoginError> {
    who.today = who.today.min(returns::deadline(period));
    let basis =
        returns::open_return(scope, who.company, kind, period, who.today).map_err(setup_error)?;
    file_and_pay(scope, &who, kind, period, &shifted(&basis, kind, extra))
}

/// The VAT return due, filed on time with part of the invoiced sales left out — the least
/// share (from 15%) whose return asks at least the alert's threshold less tax, its sales
/// still on the lines the real records give — and paid. Returns the sales left out.
fn under_declared(
    scope: &TenantScope<'_>,
    mut who: Filer,
    kind: ReturnKind,
    period: TaxPeriod,
) -> Result<Fen, LoginError> {
    use returns::form;
    who.today = who.today.min(returns::deadline(period));
    let basis =
        returns::open_return(scope, who.company, kind, period, who.today).map_err(setup_error)?;
    // the return's tax, where the form is valid; sales the period's rule places on
    // another line (below the threshold, exempt) are moved where the check says
    let settle = |mut values: form::Values| -> Option<(form::Values, i64)> {
        for _ in 0..3 {
            let f = form::parse(kind, &values).ok()?;
            let errors = basis.check(kind, &f).0;
            if errors.is_empty() {
                let a = basis.compute(kind, &f).ok()?;
                return Some((values, form::total_due(kind, &a).fen()));
            }
            for p in errors {
                let want = p.args.iter().find(|(k, _)| *k == "amount");
                match (p.code, want) {
                    ("misplaced_sales", Some((_, amount))) => {
                        values.insert(p.field.to_owned(), amount.clone());
                    }
                    _ => return None,
                }
            }
        }
        None
    };
    let right = settle(basis.prefill(kind)).map_or(0, |(_, t)| t);
    let under = Policy::embedded().risk.filing.under_percent + 2;
    let sales = if kind == ReturnKind::VatGeneral {
        basis.sales_by_rate.values().copied().sum::<Fen>()
    } else {
        basis.invoiced_other
    };
    for percent in (15..=60).step_by(5) {
        let cut = Fen::new(sales.fen() * percent / 100 / 100 * 100);
        let Some((values, total)) = settle(shifted(&basis, kind, Fen::ZERO - cut)) else {
            continue;
        };
        if total * 100 <= right * (100 - under) {
            file_and_pay(scope, &who, kind, period, &values)?;
            return Ok(cut);
        }
    }
    Err(failed(
        "risk_alert filing: no share of the sales makes a valid return",
    ))
}

/// Plant the records behind a risk alert of `category` (one of [`PLANTED`]) and check the
/// bureau raises it; the values and files the story needs go into `m`.
pub(super) fn risk_alert(
    scope: &TenantScope<'_>,
    who: Filer,
    category: &str,
    period: TaxPeriod,
    m: &mut Materials,
) -> Result<(), LoginError> {
    let (company, today) = (who.company, who.today);
    let quarter = crate::bureau::risk::last_quarter(today);
    match category {
        "filing" => {
            // a third of the invoiced sales left out of the return due
            let kind = if scope.company(company)?.value.taxpayer_type == TaxpayerType::General {
                ReturnKind::VatGeneral
            } else {
                ReturnKind::VatSmall
            };
            let cut = under_declared(scope, who, kind, period)?;
            m.values.insert("under_declared".into(), cut.to_string());
            m.values.insert("risk_period".into(), period.to_string());
        }
        "invoice" => {
            // stock bought in for a large order: purchases at 150% of the quarter's sales
            let totals = scope.invoice_totals(company, quarter.first_day(), quarter.last_day())?;
            let sum = |d: InvoiceDirection| -> i128 {
                totals
                    .iter()
                    .filter(|t| t.direction == d)
                    .map(|t| i128::from(t.amount.fen()))
                    .sum()
            };
            let (sales, bought) = (
                sum(InvoiceDirection::Sales),
                sum(InvoiceDirection::Purchase),
            );
            if sales <= 0 || bought <= 0 {
                return Err(failed("risk_alert invoice needs sales and purchases"));
            }
            let percent = (sales * 150 / bought + 1).max(100) as i64;
            scope.scale_purchases(company, (quarter.first_day(), quarter.last_day()), percent)?;
            m.values.insert("risk_period".into(), quarter.to_string());
            m.files.push(MaterialFile {
                name: "purchase-contract.pdf".into(),
                text: tiny_pdf(&format!(
                    "Purchase contract (sandbox): stock bought in {quarter} for a large order delivered next quarter"
                )),
            });
        }
        "business" => {
            // a main customer cut its orders while a new warehouse's rent began
            let before = TaxPeriod::quarter_of(quarter.first_month().prev());
            let ledger = scope.ledger(company)?;
            let of = |p: TaxPeriod| {
                ledger
                    .iter()
                    .filter(move |l| p.months().any(|x| x == l.month))
            };
            let total = |p: TaxPeriod, f: fn(&LedgerMonth) -> Fen| -> i128 {
                of(p).map(|l| i128::from(f(l).fen())).sum()
            };
            let (rev0, rev) = (total(before, |l| l.revenue), total(quarter, |l| l.revenue));
            let cost0 = total(before, |l| l.cost + l.expenses);
            let (cost, spent) = (total(quarter, |l| l.cost), total(quarter, |l| l.expenses));
            if rev0 <= 0 || rev <= 0 || cost <= 0 || of(quarter).count() < 3 {
                return Err(failed("risk_alert business needs two quarters of books"));
            }
            let (rev_to, cost_to) = (rev0 * 70 / 100, cost0 * 115 / 100 - spent);
            for l in of(quarter) {
                let scale = |v: Fen, to: i128, from: i128| {
                    Fen::new((i128::from(v.fen()) * to / from) as i64)
                };
                scope.set_ledger_month(
                    company,
                    l.month,
                    scale(l.revenue, rev_to, rev),
                    scale(l.cost, cost_to.max(cost + 100), cost),
                )?;
            }
            m.values.insert("risk_period".into(), quarter.to_string());
            m.files.push(MaterialFile {
                name: "warehouse-lease.pdf".into(),
                text: tiny_pdf(&format!(
                    "Lease (sandbox): a new warehouse rented from {} ; main customer order cut notice attached",
                    quarter.first_day()
                )),
            });
        }
        "late" => late_returns(scope, company, today, m)?,
        other => return Err(failed(format!("risk_alert {other:?} cannot be planted"))),
    }
    let raised = crate::bureau::risk::alerts(scope, company, today)?
        .iter()
        .any(|a| a.category == category && a.status == "open");
    if raised {
        Ok(())
    } else {
        Err(failed(format!(
            "risk_alert {category}: the records raised no alert"
        )))
    }
}

/// 留抵: the general taxpayer's purchases of the VAT period due (`period`) scaled so their
/// input tax is twice the period's output tax (raw materials and equipment bought in for
/// a large order): the return due ends with excess input credit (line 20) to refund.
pub(super) fn excess_credit(
    scope: &TenantScope<'_>,
    company: CompanyId,
    period: TaxPeriod,
) -> Result<(), LoginError> {
    if scope.company(company)?.value.taxpayer_type != TaxpayerType::General {
        return Err(failed("excess_credit needs a general taxpayer"));
    }
    let totals = scope.invoice_totals(company, period.first_day(), period.last_day())?;
    let tax = |d: InvoiceDirection| -> i128 {
        totals
            .iter()
            .filter(|t| t.direction == d)
            .map(|t| i128::from(t.tax.fen()))
            .sum()
    };
    let (output, input) = (
        tax(InvoiceDirection::Sales),
        tax(InvoiceDirection::Purchase),
    );
    if input <= 0 {
        return Err(failed(
            "excess_credit needs purchase invoices in the period due",
        ));
    }
    let percent = (output * 200 / input + 1).max(100) as i64;
    scope.scale_purchases(company, (period.first_day(), period.last_day()), percent)?;
    Ok(())
}

/// 逾期申报: the two latest VAT returns of the last year that were filed and paid on time
/// are made a week late instead (surcharge charged, the credit points deducted), so the
/// late-returns alert stands until both are repaired.
fn late_returns(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
    m: &mut Materials,
) -> Result<(), LoginError> {
    let policy = Policy::embedded();
    let since = today - Months::new(policy.risk.window_months);
    let payments = scope.payments(company)?;
    let mut filings: Vec<_> = scope
        .filings(company)?
        .into_iter()
        .filter(|f| {
            matches!(f.value.kind, ReturnKind::VatSmall | ReturnKind::VatGeneral)
                && f.value.filed_on <= f.value.deadline
                && f.value.deadline + Duration::days(7) < today
                && f.value.deadline >= since
                && f.value.total_due > Fen::ZERO
                && payments
                    .iter()
                    .filter(|p| p.filing_id == f.id)
                    .all(|p| p.paid_on.is_some())
        })
        .collect();
    filings.sort_by_key(|f| std::cmp::Reverse(f.value.period));
    filings.truncate(policy.risk.late.late_returns);
    if filings.len() < policy.risk.late.late_returns {
        return Err(failed(
            "risk_alert late needs returns filed and paid this year",
        ));
    }
    let points = &policy.credit.deductions;
    let mut periods = Vec::new();
    for f in &filings {
        let on = f.value.deadline + Duration::days(7);
        scope.refile_on(f.id, on)?;
        let key = (f.value.kind, f.value.period);
        scope.add_credit_event(
            company,
            on,
            CreditEventKind::LateFiling,
            key,
            points.late_filing,
        )?;
        for p in payments.iter().filter(|p| p.filing_id == f.id) {
            let fee = late_fee::fee(policy, p.amount, p.due_on, on).unwrap_or(Fen::ZERO);
            scope.set_late_fee(p.id, fee)?;
        }
        scope.add_credit_event(
            company,
            on,
            CreditEventKind::LatePayment,
            key,
            points.late_payment,
        )?;
        periods.push(f.value.period.to_string());
    }
    periods.reverse();
    m.values.insert("late_periods".into(), periods.join("、"));
    Ok(())
}

/// The company's three latest purchase invoices as a file to check (CSV), one of them
/// forged: another number, never issued, with the face of the one it replaces. Returns the
/// file and the forged number. The same seed picks the same one.
pub(super) fn forged_invoices(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: chrono::NaiveDate,
    seed: u64,
) -> Result<(MaterialFile, String), LoginError> {
    use crate::domain::entities::InvoiceDirection;
    let since = today - Duration::days(366);
    let mut received: Vec<_> = scope
        .invoices(company, since, today)?
        .into_iter()
        .map(|i| i.value)
        .filter(|i| i.direction == InvoiceDirection::Purchase)
        .collect();
    received
        .sort_by(|a, b| (b.issued_on, b.number.as_str()).cmp(&(a.issued_on, a.number.as_str())));
    received.truncate(3);
    if received.is_empty() {
        return Err(LoginError::Store(StoreError::Other(
            "lab setup: forged_invoice needs a company with purchase invoices".into(),
        )));
    }
    let at = (seed % received.len() as u64) as usize;
    // the forged number: the replaced invoice's with other last digits, issued by nobody
    let real = received[at].number.as_str().to_owned();
    let mut forged = None;
    for k in 1..1000u64 {
        let tail: u64 = real[14..].parse().unwrap_or(0);
        let candidate = format!(
            "{}{:06}",
            &real[..14],
            (tail + k * 7919 + seed % 97) % 1_000_000
        );
        if scope.invoices_numbered(&candidate)?.is_empty() {
            forged = Some(candidate);
            break;
        }
    }
    let forged = forged.ok_or_else(|| {
        LoginError::Store(StoreError::Other(
            "lab setup: no free invoice number".into(),
        ))
    })?;
    let cat = crate::i18n::Catalog::embedded();
    let z = |k: &str| cat.text(crate::i18n::Lang::Zh, k).to_owned();
    let mut text = [
        "query.col.number",
        "query.col.issued_on",
        "lab.forged_invoice.seller",
        "lab.forged_invoice.seller_uscc",
        "query.col.amount",
        "query.col.tax",
    ]
    .map(z)
    .join(",");
    text.push('\n');
    for (i, inv) in received.iter().enumerate() {
        let number = if i == at {
            forged.clone()
        } else {
            inv.number.as_str().to_owned()
        };
        text.push_str(&format!(
            "{number},{},{},{},{},{}\n",
            inv.issued_on, inv.counterparty_name, inv.counterparty_uscc, inv.amount, inv.tax
        ));
    }
    let file = MaterialFile {
        name: format!("{}.csv", z("lab.forged_invoice.file")),
        text,
    };
    Ok((file, forged))
}
