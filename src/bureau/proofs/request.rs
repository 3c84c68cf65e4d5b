//! What a certificate listing payments is asked for: the taxes, a range of 入（退）库 dates
//! or of 税款所属期 (a year at most), and a 纳税记录's purpose — read as typed, each problem
//! at its field.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{ProofError, ProofKind};
use crate::domain::entities::TaxItem;

/// Which dates a range is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOf {
    /// 入（退）库日期: when the money reached the treasury.
    Paid,
    /// 税款所属期: the period the tax is for (a payment counts when its period lies inside).
    Period,
}

impl RangeOf {
    pub fn as_str(self) -> &'static str {
        match self {
            RangeOf::Paid => "paid",
            RangeOf::Period => "period",
        }
    }
}

/// A request as typed (the page's form, the API's body): the taxes ticked, the range and
/// which dates it is of, the purpose of a 纳税记录.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Asked {
    #[serde(default)]
    pub date_from: String,
    #[serde(default)]
    pub date_to: String,
    #[serde(default)]
    pub items: Vec<String>,
    /// `paid` (default) or `period`.
    #[serde(default)]
    pub range_of: String,
    #[serde(default)]
    pub purpose: String,
}

/// The longest purpose a 纳税记录 prints.
pub const PURPOSE_MAX: usize = 40;

/// A certificate listing payments, asked for: the taxes, the range and what it is of, the
/// purpose (纳税记录).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub items: Vec<TaxItem>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub range_of: RangeOf,
    pub purpose: Option<String>,
}

pub(super) fn bad(field: &'static str, code: &'static str) -> ProofError {
    ProofError::Request { field, code }
}

impl PaymentRequest {
    /// Read a request for a certificate of `kind` as typed: taxes (none ticked means all),
    /// dates as YYYY-MM-DD, the range at most a year; a range of 入（退）库 dates not after the
    /// sandbox date; a 文书式 by 税款所属期 only; a 纳税记录's purpose given.
    pub fn read(
        kind: ProofKind,
        asked: &Asked,
        today: NaiveDate,
    ) -> Result<PaymentRequest, ProofError> {
        let mut chosen = Vec::new();
        for i in asked.items.iter().filter(|i| !i.trim().is_empty()) {
            let item = TaxItem::parse(i.trim()).ok_or(bad("items", "bad_item"))?;
            if !chosen.contains(&item) {
                chosen.push(item);
            }
        }
        if chosen.is_empty() {
            chosen = TaxItem::ALL.to_vec();
        }
        let range_of = match (kind, asked.range_of.trim()) {
            (ProofKind::PaymentVoucher, _) | (_, "period") => RangeOf::Period,
            (_, "" | "paid") => RangeOf::Paid,
            _ => return Err(bad("range_of", "bad_range_of")),
        };
        let date = |text: &str, field| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| (2000..=2100).contains(&d.year()))
                .ok_or(bad(field, "bad_date"))
        };
        let (from, to) = (
            date(&asked.date_from, "date_from")?,
            date(&asked.date_to, "date_to")?,
        );
        if from > to {
            return Err(bad("date_to", "date_order"));
        }
        if to > today && range_of == RangeOf::Paid {
            return Err(bad("date_to", "future"));
        }
        // at most a year: up to the day before the same date a year on
        let year_on = from
            .checked_add_months(chrono::Months::new(12))
            .unwrap_or(from);
        if to >= year_on {
            return Err(bad("date_to", "range_too_long"));
        }
        let purpose = match kind {
            ProofKind::TaxRecord => {
                let p = asked.purpose.trim();
                if p.is_empty() {
                    return Err(bad("purpose", "purpose_missing"));
                }
                if p.chars().count() > PURPOSE_MAX || p.chars().any(char::is_control) {
                    return Err(bad("purpose", "purpose_too_long"));
                }
                Some(p.to_owned())
            }
            _ => None,
        };
        Ok(PaymentRequest {
            items: chosen,
            from,
            to,
            range_of,
            purpose,
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
    fn a_request_is_read_with_every_problem_at_its_field() {
        let asked = |items: &[&str], from: &str, to: &str| Asked {
            items: items.iter().map(|s| s.to_string()).collect(),
            date_from: from.to_owned(),
            date_to: to.to_owned(),
            ..Asked::default()
        };
        let table = ProofKind::PaymentTable;
        let r = PaymentRequest::read(table, &asked(&[], "2026-01-01", "2026-09-30"), today());
        let r = r.unwrap();
        assert_eq!(r.items.len(), 6, "none ticked means all");
        assert_eq!((r.range_of, r.purpose), (RangeOf::Paid, None));
        let code = |items: &[&str], from: &str, to: &str| {
            PaymentRequest::read(table, &asked(items, from, to), today())
                .map(|_| "ok")
                .unwrap_or_else(|e| e.code())
        };
        assert_eq!(code(&["vat"], "2026-01-01", "2026-09-30"), "ok");
        assert_eq!(code(&["stamp"], "2026-01-01", "2026-09-30"), "bad_item");
        assert_eq!(code(&[], "2026-02-30", "2026-09-30"), "bad_date");
        assert_eq!(code(&[], "2026-09-30", "2026-01-01"), "date_order");
        assert_eq!(code(&[], "2026-01-01", "2026-12-31"), "future");
        assert_eq!(code(&[], "2025-01-01", "2026-01-01"), "range_too_long");
        assert_eq!(code(&[], "2025-01-02", "2026-01-01"), "ok");
        // a range of 税款所属期 may reach past today (nothing is paid for it yet)
        let mut by_period = asked(&[], "2026-01-01", "2026-12-31");
        by_period.range_of = "period".into();
        let r = PaymentRequest::read(table, &by_period, today()).unwrap();
        assert_eq!(r.range_of, RangeOf::Period);
        by_period.range_of = "tomorrow".into();
        let e = PaymentRequest::read(table, &by_period, today()).unwrap_err();
        assert_eq!((e.field(), e.code()), (Some("range_of"), "bad_range_of"));
        // a 文书式 is always by 税款所属期
        let r = PaymentRequest::read(ProofKind::PaymentVoucher, &by_period, today()).unwrap();
        assert_eq!(r.range_of, RangeOf::Period);
        // a 纳税记录 says what it is for
        let record = ProofKind::TaxRecord;
        let mut asked_record = asked(&["vat"], "2026-01-01", "2026-09-30");
        let e = PaymentRequest::read(record, &asked_record, today()).unwrap_err();
        assert_eq!((e.field(), e.code()), (Some("purpose"), "purpose_missing"));
        asked_record.purpose = "投".repeat(PURPOSE_MAX + 1);
        let e = PaymentRequest::read(record, &asked_record, today()).unwrap_err();
        assert_eq!(e.code(), "purpose_too_long");
        asked_record.purpose = " 投标 ".into();
        let r = PaymentRequest::read(record, &asked_record, today()).unwrap();
        assert_eq!(r.purpose.as_deref(), Some("投标"));
    }
}
