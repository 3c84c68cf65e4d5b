//! 我要查询: the company's own records as the bureau's 一户式查询 shows them — its filings
//! (申报信息查询), payments (缴款信息查询), arrears with the late fee to date (欠税信息查询) and
//! invoices (发票信息查询) — filtered, paged ten to a page, and exported whole. Everything is
//! read through the session's tenant and company; nothing here writes.

pub mod check;
mod credit;
mod filter;

pub use credit::{CreditRecord, Deduction, YearDeducted, credit};
pub use filter::{Filter, FilterProblem, Params};

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::entities::{Invoice, InvoiceDirection, InvoiceKind, ReturnKind, TaxItem};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;
use crate::domain::tax::{Policy, late_fee};
use crate::store::{CompanyId, StoreError, TenantScope};

/// Rows to a page, as the bureau pages them (共 N 项数据 · 10 条/页).
pub const PAGE_SIZE: usize = 10;
/// The most rows one export holds.
pub const EXPORT_MAX: usize = 5_000;

/// The queries of 我要查询 that are tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Query {
    Filings,
    Payments,
    Arrears,
    Invoices,
}

impl Query {
    pub const ALL: [Query; 4] = [
        Query::Filings,
        Query::Payments,
        Query::Arrears,
        Query::Invoices,
    ];

    pub fn parse(text: &str) -> Option<Query> {
        Query::ALL.into_iter().find(|q| q.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Query::Filings => "filings",
            Query::Payments => "payments",
            Query::Arrears => "arrears",
            Query::Invoices => "invoices",
        }
    }

    /// The filters the query offers (their names in [`Params`]).
    pub fn filters(self) -> &'static [&'static str] {
        match self {
            Query::Filings => &[
                "kind",
                "period_from",
                "period_to",
                "date_from",
                "date_to",
                "correction",
            ],
            Query::Payments => &["item", "date_from", "date_to"],
            Query::Arrears => &["item"],
            Query::Invoices => &[
                "direction",
                "invoice_kind",
                "date_from",
                "date_to",
                "counterparty",
                "amount_min",
                "amount_max",
            ],
        }
    }

    /// The columns of its table: catalogue keys `query.col.<name>`.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Query::Filings => &[
                "kind",
                "filed_on",
                "period_from",
                "period_to",
                "total_due",
                "correction",
                "filing_no",
            ],
            Query::Payments => &[
                "item",
                "kind",
                "period",
                "amount",
                "late_fee",
                "due_on",
                "paid_on",
                "remittance",
            ],
            Query::Arrears => &[
                "item",
                "kind",
                "period",
                "due_on",
                "amount",
                "days_late",
                "late_fee_to_date",
            ],
            Query::Invoices => &[
                "number",
                "issued_on",
                "direction",
                "invoice_kind",
                "counterparty",
                "counterparty_uscc",
                "amount",
                "rate",
                "tax",
            ],
        }
    }
}

/// One filing (every version: a correction is its own row).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilingRow {
    #[schema(value_type = String)]
    pub kind: ReturnKind,
    pub period: String,
    pub period_from: String,
    pub period_to: String,
    pub filed_on: String,
    pub version: u32,
    /// A correction (更正申报) rather than the first filing.
    pub correction: bool,
    pub total_due: String,
    /// The 申报序号 (returns filed before the sandbox's history have none).
    pub filing_no: Option<String>,
}

/// One tax item of a return and its payment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentRow {
    #[schema(value_type = String)]
    pub item: TaxItem,
    #[schema(value_type = String)]
    pub kind: ReturnKind,
    pub period: String,
    pub amount: String,
    pub late_fee: String,
    pub due_on: String,
    pub paid_on: Option<String>,
    /// The 电子缴款书 that paid it, when paid in the sandbox.
    pub remittance: Option<String>,
}

/// Tax due and unpaid past its deadline, with the late fee to the sandbox date.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArrearsRow {
    #[schema(value_type = String)]
    pub item: TaxItem,
    #[schema(value_type = String)]
    pub kind: ReturnKind,
    pub period: String,
    pub due_on: String,
    pub amount: String,
    pub days_late: i64,
    pub late_fee_to_date: String,
}

/// An invoice issued or received.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvoiceRow {
    pub number: String,
    pub issued_on: String,
    #[schema(value_type = String)]
    pub direction: InvoiceDirection,
    #[schema(value_type = String)]
    pub invoice_kind: InvoiceKind,
    pub counterparty: String,
    pub counterparty_uscc: String,
    pub item: String,
    pub amount: String,
    pub rate: String,
    pub tax: String,
}

impl From<&Invoice> for InvoiceRow {
    fn from(i: &Invoice) -> InvoiceRow {
        InvoiceRow {
            number: i.number.to_string(),
            issued_on: i.issued_on.to_string(),
            direction: i.direction,
            invoice_kind: i.kind,
            counterparty: i.counterparty_name.clone(),
            counterparty_uscc: i.counterparty_uscc.to_string(),
            item: i.item.clone(),
            amount: i.amount.to_string(),
            rate: i.rate.to_string(),
            tax: i.tax.to_string(),
        }
    }
}

/// The rows of a query, every one that matches (the caller pages or exports them).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Rows {
    Filings(Vec<FilingRow>),
    Payments(Vec<PaymentRow>),
    Arrears(Vec<ArrearsRow>),
    Invoices(Vec<InvoiceRow>),
}

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Filings(r) => r.len(),
            Rows::Payments(r) => r.len(),
            Rows::Arrears(r) => r.len(),
            Rows::Invoices(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows `from..to` only.
    pub fn slice(self, from: usize, to: usize) -> Rows {
        fn cut<T>(v: Vec<T>, from: usize, to: usize) -> Vec<T> {
            v.into_iter()
                .skip(from)
                .take(to.saturating_sub(from))
                .collect()
        }
        match self {
            Rows::Filings(r) => Rows::Filings(cut(r, from, to)),
            Rows::Payments(r) => Rows::Payments(cut(r, from, to)),
            Rows::Arrears(r) => Rows::Arrears(cut(r, from, to)),
            Rows::Invoices(r) => Rows::Invoices(cut(r, from, to)),
        }
    }
}

/// One page of a query's answer.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub query: Query,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub rows: Rows,
}

/// Page `filter.page` of the rows (the last page when asked beyond it).
pub fn page(q: Query, rows: Rows, filter: &Filter) -> Answer {
    let total = rows.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = filter.page.min(pages);
    let from = (page - 1) * PAGE_SIZE;
    Answer {
        query: q,
        total,
        page,
        pages,
        rows: rows.slice(from, from + PAGE_SIZE),
    }
}

/// Answer a query as the filer: read the filters, find every matching row, and record it in
/// the trace (`query.run`: the query, the filters as typed, the rows found, and `via` — the
/// page, the API or an export), so a lab can check which queries a trainee ran. Filters that
/// cannot be read are traced as refused and come back as problems.
pub fn answer(
    scope: &TenantScope<'_>,
    who: &crate::bureau::returns::Filer,
    q: Query,
    params: &Params,
    via: &'static str,
) -> Result<Result<(Rows, Filter), Vec<FilterProblem>>, StoreError> {
    match params.read(q, who.today) {
        Ok(f) => {
            let rows = run(scope, who.company, q, &f, who.today)?;
            scope.trace(
                who.now,
                Some(who.person),
                "query.run",
                "ok",
                &serde_json::json!({
                    "query": q.as_str(), "params": params, "total": rows.len(), "via": via,
                }),
            )?;
            Ok(Ok((rows, f)))
        }
        Err(problems) => {
            scope.trace(
                who.now,
                Some(who.person),
                "query.run",
                "bad_filter",
                &serde_json::json!({ "query": q.as_str(), "params": params, "problems": problems, "via": via }),
            )?;
            Ok(Err(problems))
        }
    }
}

/// Every row of the query that matches the filter, newest first.
pub fn run(
    scope: &TenantScope<'_>,
    company: CompanyId,
    q: Query,
    f: &Filter,
    today: NaiveDate,
) -> Result<Rows, StoreError> {
    Ok(match q {
        Query::Filings => Rows::Filings(filings(scope, company, f)?),
        Query::Payments => Rows::Payments(payments(scope, company, f)?),
        Query::Arrears => Rows::Arrears(arrears(scope, company, f, today)?),
        Query::Invoices => Rows::Invoices(invoices(scope, company, f)?),
    })
}

fn in_periods(f: &Filter, p: TaxPeriod) -> bool {
    f.period_from.is_none_or(|m| p.last_month() >= m)
        && f.period_to.is_none_or(|m| p.first_month() <= m)
}

fn filings(
    scope: &TenantScope<'_>,
    company: CompanyId,
    f: &Filter,
) -> Result<Vec<FilingRow>, StoreError> {
    let mut rows: Vec<FilingRow> = scope
        .return_heads_of(company)?
        .into_iter()
        .filter(|r| f.kind.is_none_or(|k| k == r.kind))
        .filter(|r| in_periods(f, r.period))
        .filter(|r| r.filed_on >= f.date_from && r.filed_on <= f.date_to)
        .filter(|r| f.correction.is_none_or(|c| c == (r.version > 1)))
        .map(|r| FilingRow {
            kind: r.kind,
            period: r.period.to_string(),
            period_from: r.period.first_day().to_string(),
            period_to: r.period.last_day().to_string(),
            filed_on: r.filed_on.to_string(),
            version: r.version,
            correction: r.version > 1,
            total_due: r.total_due.to_string(),
            filing_no: r.filing_no,
        })
        .collect();
    rows.sort_by(|a, b| {
        (&b.filed_on, &b.period, b.version).cmp(&(&a.filed_on, &a.period, a.version))
    });
    Ok(rows)
}

fn payments(
    scope: &TenantScope<'_>,
    company: CompanyId,
    f: &Filter,
) -> Result<Vec<PaymentRow>, StoreError> {
    let mut rows: Vec<PaymentRow> = scope
        .payments_of(company)?
        .into_iter()
        .filter(|p| f.item.is_none_or(|i| i == p.payment.item))
        .filter(|p| {
            // paid ones by the day they were paid, the rest by their deadline
            let day = p.payment.paid_on.unwrap_or(p.payment.due_on);
            day >= f.date_from && day <= f.date_to
        })
        .map(|p| PaymentRow {
            item: p.payment.item,
            kind: p.kind,
            period: p.period.to_string(),
            amount: p.payment.amount.to_string(),
            late_fee: p.payment.late_fee.to_string(),
            due_on: p.payment.due_on.to_string(),
            paid_on: p.payment.paid_on.map(|d| d.to_string()),
            remittance: p.remittance,
        })
        .collect();
    rows.sort_by(|a, b| (&b.due_on, &b.period).cmp(&(&a.due_on, &a.period)));
    Ok(rows)
}

fn arrears(
    scope: &TenantScope<'_>,
    company: CompanyId,
    f: &Filter,
    today: NaiveDate,
) -> Result<Vec<ArrearsRow>, StoreError> {
    let policy = Policy::embedded();
    let mut rows = Vec::new();
    for p in scope.payments_of(company)? {
        let pay = &p.payment;
        if pay.paid_on.is_some() || pay.due_on >= today || pay.amount <= Fen::ZERO {
            continue;
        }
        if f.item.is_some_and(|i| i != pay.item) {
            continue;
        }
        // a rule missing for the dates shows no fee rather than failing the query
        let fee = late_fee::fee(policy, pay.amount, pay.due_on, today).unwrap_or_default();
        rows.push(ArrearsRow {
            item: pay.item,
            kind: p.kind,
            period: p.period.to_string(),
            due_on: pay.due_on.to_string(),
            amount: pay.amount.to_string(),
            days_late: late_fee::days_late(pay.due_on, today),
            late_fee_to_date: fee.to_string(),
        });
    }
    rows.sort_by(|a, b| (&a.due_on, &a.period).cmp(&(&b.due_on, &b.period)));
    Ok(rows)
}

fn invoices(
    scope: &TenantScope<'_>,
    company: CompanyId,
    f: &Filter,
) -> Result<Vec<InvoiceRow>, StoreError> {
    let needle = f.counterparty.as_deref().map(str::to_lowercase);
    let mut rows: Vec<InvoiceRow> = scope
        .invoices(company, f.date_from, f.date_to)?
        .iter()
        .map(|s| &s.value)
        .filter(|i| f.direction.is_none_or(|d| d == i.direction))
        .filter(|i| f.invoice_kind.is_none_or(|k| k == i.kind))
        .filter(|i| f.amount_min.is_none_or(|m| i.amount >= m))
        .filter(|i| f.amount_max.is_none_or(|m| i.amount <= m))
        .filter(|i| {
            needle.as_deref().is_none_or(|n| {
                i.counterparty_name.to_lowercase().contains(n)
                    || i.counterparty_uscc.as_str().to_lowercase().contains(n)
            })
        })
        .map(InvoiceRow::from)
        .collect();
    rows.reverse();
    Ok(rows)
}

/// One invoice of the company by its number, if it has it (traced as `query.invoice`).
pub fn invoice(
    scope: &TenantScope<'_>,
    who: &crate::bureau::returns::Filer,
    number: &str,
) -> Result<Option<InvoiceRow>, StoreError> {
    let found = scope
        .invoice_by_number(who.company, number)?
        .as_ref()
        .map(InvoiceRow::from);
    scope.trace(
        who.now,
        Some(who.person),
        "query.invoice",
        if found.is_some() { "ok" } else { "not_found" },
        &serde_json::json!({ "number": number.chars().take(40).collect::<String>() }),
    )?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 12).unwrap()
    }

    #[test]
    fn every_benefit_event_column_and_error_has_its_text() {
        let c = crate::i18n::Catalog::embedded();
        let p = Policy::embedded();
        for kind in [
            crate::domain::tax::credit::CreditProfileKind::Course,
            crate::domain::tax::credit::CreditProfileKind::National,
        ] {
            for g in &p.credit_profile(kind).grade {
                for b in &g.benefits {
                    assert!(c.has(&format!("credit.benefit.{b}")), "{b}");
                }
            }
        }
        for e in ["late_filing", "late_payment", "arrears"] {
            assert!(c.has(&format!("credit.event.{e}")), "{e}");
        }
        for q in Query::ALL {
            assert!(c.has(&format!("query.name.{}", q.as_str())));
            for col in q.columns() {
                assert!(c.has(&format!("query.col.{col}")), "{col}");
            }
        }
        for code in [
            "date",
            "date_range",
            "month",
            "amount",
            "amount_range",
            "choice",
            "text",
            "page",
            "date_order",
            "date_span",
            "period_order",
            "amount_order",
        ] {
            assert!(c.has(&format!("query.error.{code}")), "{code}");
        }
    }

    #[test]
    fn a_page_beyond_the_last_shows_the_last() {
        let rows = Rows::Arrears(
            (0..23)
                .map(|i| ArrearsRow {
                    item: TaxItem::Vat,
                    kind: ReturnKind::VatSmall,
                    period: i.to_string(),
                    due_on: String::new(),
                    amount: String::new(),
                    days_late: 0,
                    late_fee_to_date: String::new(),
                })
                .collect(),
        );
        let f = Params {
            page: "9".into(),
            ..Params::default()
        }
        .read(Query::Arrears, today())
        .unwrap();
        let a = page(Query::Arrears, rows, &f);
        assert_eq!((a.total, a.pages, a.page, a.rows.len()), (23, 3, 3, 3));
    }
}
