//! 发票查验 (公众服务): is an invoice genuine? Its number, date and amount (excluding VAT) are
//! looked up among the invoices of the trainee's world — the tenant's companies, sales and
//! purchases alike. Genuine shows the invoice's face; otherwise the details do not match, or
//! there is no such invoice. The sandbox's invoices are 数电发票 (20-digit numbers, no check
//! code), so no check code is asked for.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::entities::InvoiceDirection;
use crate::domain::money::Fen;
use crate::store::{StoreError, TenantScope};

/// What was typed, read: a 20-digit number, a date, an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRequest {
    pub number: String,
    pub issued_on: NaiveDate,
    pub amount: Fen,
}

/// A field that cannot be read; its text is `invoice_check.error.<code>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckProblem {
    pub field: &'static str,
    pub code: &'static str,
}

impl CheckRequest {
    pub fn read(number: &str, date: &str, amount: &str) -> Result<CheckRequest, CheckProblem> {
        let bad = |field, code| CheckProblem { field, code };
        let number = number.trim();
        if number.len() != 20 || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("number", "number"));
        }
        let issued_on = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&d.year()))
            .ok_or(bad("date", "date"))?;
        let amount = Fen::parse_yuan(&amount.trim().replace([',', '，'], ""))
            .ok()
            .filter(|a| !a.is_negative())
            .ok_or(bad("amount", "amount"))?;
        Ok(CheckRequest {
            number: number.to_owned(),
            issued_on,
            amount,
        })
    }
}

/// The face of a genuine invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InvoiceFace {
    pub number: String,
    pub issued_on: String,
    /// `special` or `ordinary`.
    pub invoice_kind: String,
    pub seller: String,
    pub seller_uscc: String,
    pub buyer: String,
    pub buyer_uscc: String,
    pub item: String,
    pub amount: String,
    pub rate: String,
    pub tax: String,
    /// 价税合计.
    pub total: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckVerdict {
    Genuine(Box<InvoiceFace>),
    /// An invoice with this number exists, but its date or amount differ.
    Mismatch,
    NotFound,
}

impl CheckVerdict {
    pub fn code(&self) -> &'static str {
        match self {
            CheckVerdict::Genuine(_) => "genuine",
            CheckVerdict::Mismatch => "mismatch",
            CheckVerdict::NotFound => "not_found",
        }
    }
}

/// Look the invoice up and trace the check (`invoice.check`).
pub fn check(
    scope: &TenantScope<'_>,
    req: &CheckRequest,
    person: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<CheckVerdict, StoreError> {
    let found = scope.invoices_numbered(&req.number)?;
    // the seller's record first: it is the one issued
    let mut ordered = found.clone();
    ordered.sort_by_key(|(_, i)| i.direction != InvoiceDirection::Sales);
    let verdict = match ordered.first() {
        None => CheckVerdict::NotFound,
        Some((_, i)) if i.issued_on != req.issued_on || i.amount != req.amount => {
            CheckVerdict::Mismatch
        }
        Some((company, i)) => {
            let co = scope.company(*company)?.value;
            let (seller, seller_uscc, buyer, buyer_uscc) = match i.direction {
                InvoiceDirection::Sales => (
                    co.name.clone(),
                    co.uscc.to_string(),
                    i.counterparty_name.clone(),
                    i.counterparty_uscc.to_string(),
                ),
                InvoiceDirection::Purchase => (
                    i.counterparty_name.clone(),
                    i.counterparty_uscc.to_string(),
                    co.name.clone(),
                    co.uscc.to_string(),
                ),
            };
            CheckVerdict::Genuine(Box::new(InvoiceFace {
                number: i.number.to_string(),
                issued_on: i.issued_on.to_string(),
                invoice_kind: i.kind.as_str().to_owned(),
                seller,
                seller_uscc,
                buyer,
                buyer_uscc,
                item: i.item.clone(),
                amount: i.amount.to_string(),
                rate: i.rate.to_string(),
                tax: i.tax.to_string(),
                total: (i.amount + i.tax).to_string(),
            }))
        }
    };
    scope.trace(
        now,
        person,
        "invoice.check",
        verdict.code(),
        &serde_json::json!({ "number": req.number }),
    )?;
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_reads_a_twenty_digit_number_a_date_and_an_amount() {
        let ok = CheckRequest::read("26442000000012345678", "2026-09-30", "1,234.50").unwrap();
        assert_eq!(ok.amount, Fen::parse_yuan("1234.50").unwrap());
        let field = |n: &str, d: &str, a: &str| CheckRequest::read(n, d, a).unwrap_err().field;
        assert_eq!(field("123", "2026-09-30", "1"), "number");
        assert_eq!(field("2644200000001234567x", "2026-09-30", "1"), "number");
        assert_eq!(field("26442000000012345678", "2026-02-30", "1"), "date");
        assert_eq!(field("26442000000012345678", "2026-09-30", "-1"), "amount");
        assert_eq!(
            field("26442000000012345678", "2026-09-30", "1.234"),
            "amount"
        );
    }
}
