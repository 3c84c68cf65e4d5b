//! The filters of 我要查询 as typed, read into a [`Filter`] with every problem at its field.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Query;
use crate::domain::entities::{InvoiceDirection, InvoiceKind, ReturnKind, TaxItem};
use crate::domain::money::Fen;
use crate::domain::period::YearMonth;

/// The longest date range a query takes.
const MAX_RANGE_DAYS: i64 = 3 * 366;
/// The longest counterparty name searched for.
const MAX_TEXT_CHARS: usize = 50;
/// The largest amount a filter takes, in yuan.
const MAX_AMOUNT_YUAN: i64 = 1_000_000_000_000;

/// The filters as typed (a query string or a JSON request's parameters), every one text.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Params {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub period_from: String,
    #[serde(default)]
    pub period_to: String,
    #[serde(default)]
    pub date_from: String,
    #[serde(default)]
    pub date_to: String,
    #[serde(default)]
    pub correction: String,
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub invoice_kind: String,
    #[serde(default)]
    pub counterparty: String,
    #[serde(default)]
    pub amount_min: String,
    #[serde(default)]
    pub amount_max: String,
    #[serde(default)]
    pub page: String,
}

/// The filters read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub kind: Option<ReturnKind>,
    pub item: Option<TaxItem>,
    pub period_from: Option<YearMonth>,
    pub period_to: Option<YearMonth>,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    /// `Some(true)`: corrections only; `Some(false)`: first filings only.
    pub correction: Option<bool>,
    pub direction: Option<InvoiceDirection>,
    pub invoice_kind: Option<InvoiceKind>,
    pub counterparty: Option<String>,
    pub amount_min: Option<Fen>,
    pub amount_max: Option<Fen>,
    pub page: usize,
}

/// A filter that cannot be read; its text is `query.error.<code>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterProblem {
    pub field: &'static str,
    pub code: &'static str,
}

fn problem(field: &'static str, code: &'static str) -> FilterProblem {
    FilterProblem { field, code }
}

fn parse_date(text: &str, field: &'static str) -> Result<Option<NaiveDate>, FilterProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| problem(field, "date"))?;
    if !(2000..=2100).contains(&d.year()) {
        return Err(problem(field, "date_range"));
    }
    Ok(Some(d))
}

fn parse_month(text: &str, field: &'static str) -> Result<Option<YearMonth>, FilterProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let m = YearMonth::parse(text).map_err(|_| problem(field, "month"))?;
    if !(2000..=2100).contains(&m.year) {
        return Err(problem(field, "date_range"));
    }
    Ok(Some(m))
}

fn parse_amount(text: &str, field: &'static str) -> Result<Option<Fen>, FilterProblem> {
    let text = text.trim().replace([',', '，'], "");
    if text.is_empty() {
        return Ok(None);
    }
    let a = Fen::parse_yuan(&text).map_err(|_| problem(field, "amount"))?;
    if a.is_negative() || a > Fen::from_yuan(MAX_AMOUNT_YUAN) {
        return Err(problem(field, "amount_range"));
    }
    Ok(Some(a))
}

/// The value, or `None` with the problem kept.
fn keep<T>(problems: &mut Vec<FilterProblem>, r: Result<Option<T>, FilterProblem>) -> Option<T> {
    r.unwrap_or_else(|p| {
        problems.push(p);
        None
    })
}

fn parse_choice<T>(
    text: &str,
    field: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, FilterProblem> {
    match text.trim() {
        "" | "all" => Ok(None),
        t => parse(t).map(Some).ok_or(problem(field, "choice")),
    }
}

impl Params {
    /// Read the filters a query offers (the others are ignored), every problem at its field.
    /// Dates default to the first of January last year until the sandbox date.
    pub fn read(&self, q: Query, today: NaiveDate) -> Result<Filter, Vec<FilterProblem>> {
        let mut problems = Vec::new();
        let offered = q.filters();
        // a filter the query does not offer is ignored
        let text = |field: &str, value: &str| -> String {
            if offered.contains(&field) {
                value.to_owned()
            } else {
                String::new()
            }
        };
        let p = &mut problems;
        let kind = keep(
            p,
            parse_choice(&text("kind", &self.kind), "kind", ReturnKind::parse),
        );
        let item = keep(
            p,
            parse_choice(&text("item", &self.item), "item", TaxItem::parse),
        );
        let period_from = keep(
            p,
            parse_month(&text("period_from", &self.period_from), "period_from"),
        );
        let period_to = keep(
            p,
            parse_month(&text("period_to", &self.period_to), "period_to"),
        );
        let date_from = keep(
            p,
            parse_date(&text("date_from", &self.date_from), "date_from"),
        );
        let date_to = keep(p, parse_date(&text("date_to", &self.date_to), "date_to"));
        let correction = keep(
            p,
            parse_choice(
                &text("correction", &self.correction),
                "correction",
                |t| match t {
                    "1" | "true" | "correction" => Some(true),
                    "0" | "false" | "first" => Some(false),
                    _ => None,
                },
            ),
        );
        let direction = keep(
            p,
            parse_choice(
                &text("direction", &self.direction),
                "direction",
                InvoiceDirection::parse,
            ),
        );
        let invoice_kind = keep(
            p,
            parse_choice(
                &text("invoice_kind", &self.invoice_kind),
                "invoice_kind",
                InvoiceKind::parse,
            ),
        );
        let amount_min = keep(
            p,
            parse_amount(&text("amount_min", &self.amount_min), "amount_min"),
        );
        let amount_max = keep(
            p,
            parse_amount(&text("amount_max", &self.amount_max), "amount_max"),
        );
        let cp_t = text("counterparty", &self.counterparty);
        let counterparty = {
            let t = cp_t.trim();
            if t.chars().count() > MAX_TEXT_CHARS || t.chars().any(char::is_control) {
                problems.push(problem("counterparty", "text"));
                None
            } else {
                Some(t.to_owned()).filter(|t| !t.is_empty())
            }
        };
        let page = match self.page.trim() {
            "" => 1,
            t => match t.parse::<usize>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                _ => {
                    problems.push(problem("page", "page"));
                    1
                }
            },
        };
        let default_from = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
        let (date_from, date_to) = (date_from.unwrap_or(default_from), date_to.unwrap_or(today));
        if problems.iter().all(|p| !p.field.starts_with("date")) {
            if date_from > date_to {
                problems.push(problem("date_to", "date_order"));
            } else if (date_to - date_from).num_days() > MAX_RANGE_DAYS {
                problems.push(problem("date_to", "date_span"));
            }
        }
        if let (Some(a), Some(b)) = (period_from, period_to)
            && a > b
        {
            problems.push(problem("period_to", "period_order"));
        }
        if let (Some(a), Some(b)) = (amount_min, amount_max)
            && a > b
        {
            problems.push(problem("amount_max", "amount_order"));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Filter {
            kind,
            item,
            period_from,
            period_to,
            date_from,
            date_to,
            correction,
            direction,
            invoice_kind,
            counterparty,
            amount_min,
            amount_max,
            page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 12).unwrap()
    }

    #[test]
    fn dates_default_to_last_january_until_today() {
        let f = Params::default().read(Query::Filings, today()).unwrap();
        assert_eq!(f.date_from.to_string(), "2025-01-01");
        assert_eq!(f.date_to, today());
        assert_eq!(f.page, 1);
    }

    #[test]
    fn every_bad_filter_is_a_problem_at_its_field() {
        let p = Params {
            kind: "vat_big".into(),
            period_from: "2026-13".into(),
            date_from: "2026-02-30".into(),
            amount_min: "-1".into(),
            page: "0".into(),
            ..Params::default()
        };
        let problems = p.read(Query::Filings, today()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        // amount_min is not a filter of 申报信息查询: ignored
        assert_eq!(fields, ["kind", "period_from", "date_from", "page"]);
        let p = Params {
            date_from: "2020-01-01".into(),
            date_to: "2026-01-01".into(),
            ..Params::default()
        };
        assert_eq!(
            p.read(Query::Invoices, today()).unwrap_err(),
            [problem("date_to", "date_span")]
        );
        let p = Params {
            date_from: "2026-05-01".into(),
            date_to: "2026-04-01".into(),
            amount_min: "9".into(),
            amount_max: "1".into(),
            counterparty: "x".repeat(51),
            ..Params::default()
        };
        let codes: Vec<&str> = p
            .read(Query::Invoices, today())
            .unwrap_err()
            .iter()
            .map(|p| p.code)
            .collect();
        assert_eq!(codes, ["text", "date_order", "amount_order"]);
    }
}
