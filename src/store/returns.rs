//! Returns filed in the sandbox: versions of a return, the payments they create, payment
//! documents (电子缴款书), drafts (暂存), the bank balance. Tenant-scoped like the rest.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

use super::portal::{parse_ts, ts};
use super::records::CompanyId;
use super::records::PaymentRecord;
use super::tenants::{date, parse_opt};
use super::{StoreError, TenantScope};
use crate::domain::entities::{CreditEventKind, ReturnKind, TaxItem};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;

/// One version of a return for a tax and period: the generated history's (version 1, no
/// number) or one filed in the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledReturn {
    pub id: i64,
    pub kind: ReturnKind,
    pub period: TaxPeriod,
    pub version: u32,
    pub filing_no: Option<String>,
    pub deadline: NaiveDate,
    pub filed_on: NaiveDate,
    pub submitted_at: Option<DateTime<Utc>>,
    pub person_id: Option<i64>,
    pub total_due: Fen,
    pub assessment_json: String,
    /// The values the filer entered (JSON), for returns filed in the sandbox.
    pub form: Option<String>,
    pub reason: String,
    /// What the company's records give for a VAT return filed in the sandbox.
    pub records_total: Option<Fen>,
}

/// A return to record.
pub struct NewReturn<'a> {
    pub company: CompanyId,
    pub kind: ReturnKind,
    pub period: TaxPeriod,
    pub version: u32,
    pub deadline: NaiveDate,
    pub filed_on: NaiveDate,
    pub submitted_at: DateTime<Utc>,
    pub person: i64,
    pub total_due: Fen,
    pub assessment_json: &'a str,
    pub form: &'a str,
    pub reason: &'a str,
    /// What the company's records give (VAT returns filed in the sandbox).
    pub records_total: Option<Fen>,
}

/// A payment document (电子缴款书).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remittance {
    pub id: i64,
    pub company: CompanyId,
    pub number: String,
    pub paid_on: NaiveDate,
    pub paid_at: DateTime<Utc>,
    pub tax: Fen,
    pub late_fee: Fen,
    pub bank_name: String,
    pub account_no: String,
}

/// A draft as it was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub form: String,
    pub saved_at: DateTime<Utc>,
    /// Saved by itself (timeout or auto-save) rather than by 暂存.
    pub auto: bool,
}

const RETURN_COLUMNS: &str = "id, kind, period, version, filing_no, deadline, filed_on, submitted_at, person_id, total_due_fen, assessment, form, reason, records_total_fen";

/// [`RETURN_COLUMNS`] without the working and the form as filed (left empty): what lists
/// need, without copying kilobytes of JSON a row.
const RETURN_HEAD_COLUMNS: &str = "id, kind, period, version, filing_no, deadline, filed_on, submitted_at, person_id, total_due_fen, '', '', reason, records_total_fen";

fn return_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<FiledReturn, StoreError>> {
    let (kind, period, deadline, filed, submitted): (
        String,
        String,
        String,
        String,
        Option<String>,
    ) = (r.get(1)?, r.get(2)?, r.get(5)?, r.get(6)?, r.get(7)?);
    let (id, version, filing_no, person_id, total, assessment_json, form, reason) = (
        r.get(0)?,
        r.get(3)?,
        r.get(4)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
    );
    let records_total: Option<i64> = r.get(13)?;
    Ok((|| {
        Ok(FiledReturn {
            id,
            kind: parse_opt("return kind", &kind, ReturnKind::parse)?,
            period: TaxPeriod::parse(&period)
                .map_err(|_| StoreError::BadData(format!("period {period:?}")))?,
            version,
            filing_no,
            deadline: date(&deadline)?,
            filed_on: date(&filed)?,
            submitted_at: submitted.as_deref().map(parse_ts).transpose()?,
            person_id,
            total_due: Fen::new(total),
            assessment_json,
            form,
            reason,
            records_total: records_total.map(Fen::new),
        })
    })())
}

pub(super) fn payment_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<Result<PaymentRecord, StoreError>> {
    let (item, due, paid): (String, String, Option<String>) = (r.get(2)?, r.get(4)?, r.get(5)?);
    let (id, filing_id, amount, fee) = (r.get(0)?, r.get(1)?, r.get(3)?, r.get(6)?);
    Ok((|| {
        Ok(PaymentRecord {
            id,
            filing_id,
            item: parse_opt("tax item", &item, TaxItem::parse)?,
            amount: Fen::new(amount),
            due_on: date(&due)?,
            paid_on: paid.as_deref().map(date).transpose()?,
            late_fee: Fen::new(fee),
        })
    })())
}

const REMITTANCE_COLUMNS: &str =
    "id, company_id, number, paid_on, paid_at, tax_fen, late_fee_fen, bank_name, account_no";

fn remittance_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Remittance, StoreError>> {
    let (paid_on, paid_at): (String, String) = (r.get(3)?, r.get(4)?);
    let (id, company, number, tax, fee, bank_name, account_no): (
        i64,
        i64,
        String,
        i64,
        i64,
        String,
        String,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    );
    Ok((|| {
        Ok(Remittance {
            id,
            company: CompanyId(company),
            number,
            paid_on: date(&paid_on)?,
            paid_at: parse_ts(&paid_at)?,
            tax: Fen::new(tax),
            late_fee: Fen::new(fee),
            bank_name,
            account_no,
        })
    })())
}

impl TenantScope<'_> {
    /// The form each earlier quarter's CIT return of `period`'s year was filed with (the
    /// latest version of each), by quarter: `None` where the filing kept no form.
    pub fn earlier_cit_forms(
        &self,
        company: CompanyId,
        period: TaxPeriod,
    ) -> Result<Vec<(TaxPeriod, Option<String>)>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT period, form FROM filings
             WHERE tenant_id = ?1 AND company_id = ?2 AND kind = 'cit_quarterly'
               AND period >= ?3 AND period < ?4
             ORDER BY period, version",
        )?;
        let rows = stmt
            .query_map(
                params![
                    self.t(),
                    company.0,
                    format!("{}Q1", period.year()),
                    period.to_string()
                ],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        let mut latest: BTreeMap<TaxPeriod, Option<String>> = BTreeMap::new();
        for (p, form) in rows {
            let p = TaxPeriod::parse(&p).map_err(|e| StoreError::Other(e.to_string()))?;
            latest.insert(p, form);
        }
        Ok(latest.into_iter().collect())
    }

    /// Every version of a company's return for a tax and period, oldest first.
    /// A filed return's stored working (`assessment_json`), by its row id.
    pub fn return_assessment(&self, id: i64) -> Result<String, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT assessment FROM filings WHERE tenant_id = ?1 AND id = ?2")?
            .query_row(params![self.t(), id], |r| r.get(0))?)
    }

    /// The (kind, period) of every return the company has filed, each once, by period.
    pub fn filed_periods(
        &self,
        company: CompanyId,
    ) -> Result<Vec<(ReturnKind, TaxPeriod)>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT DISTINCT kind, period FROM filings WHERE tenant_id = ?1 AND company_id = ?2
             ORDER BY period, kind",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(kind, period)| {
                Ok((
                    parse_opt("return kind", &kind, ReturnKind::parse)?,
                    TaxPeriod::parse(&period)
                        .map_err(|_| StoreError::BadData(format!("period {period:?}")))?,
                ))
            })
            .collect()
    }

    /// Every version of one return, oldest first.
    pub fn return_versions(
        &self,
        company: CompanyId,
        kind: ReturnKind,
        period: TaxPeriod,
    ) -> Result<Vec<FiledReturn>, StoreError> {
        self.filings_with(RETURN_COLUMNS, company, Some((kind, period)))
    }

    /// [`TenantScope::return_versions`] without `assessment_json` and `form` (empty).
    pub fn return_version_heads(
        &self,
        company: CompanyId,
        kind: ReturnKind,
        period: TaxPeriod,
    ) -> Result<Vec<FiledReturn>, StoreError> {
        self.filings_with(RETURN_HEAD_COLUMNS, company, Some((kind, period)))
    }

    /// Every return of a company (all versions), by period.
    pub fn returns_of(&self, company: CompanyId) -> Result<Vec<FiledReturn>, StoreError> {
        self.filings_with(RETURN_COLUMNS, company, None)
    }

    /// [`TenantScope::returns_of`] without `assessment_json` and `form` (empty).
    pub fn return_heads_of(&self, company: CompanyId) -> Result<Vec<FiledReturn>, StoreError> {
        self.filings_with(RETURN_HEAD_COLUMNS, company, None)
    }

    /// The company's filings (`columns`: the full row or its head), of one return or all.
    fn filings_with(
        &self,
        columns: &str,
        company: CompanyId,
        one: Option<(ReturnKind, TaxPeriod)>,
    ) -> Result<Vec<FiledReturn>, StoreError> {
        let rows = match one {
            Some((kind, period)) => self
                .conn()
                .prepare_cached(&format!(
                    "SELECT {columns} FROM filings WHERE tenant_id = ?1 AND company_id = ?2
                     AND kind = ?3 AND period = ?4 ORDER BY version"
                ))?
                .query_map(
                    params![self.t(), company.0, kind.as_str(), period.to_string()],
                    return_row,
                )?
                .collect::<Result<Vec<_>, _>>()?,
            None => self
                .conn()
                .prepare_cached(&format!(
                    "SELECT {columns} FROM filings WHERE tenant_id = ?1 AND company_id = ?2
                     ORDER BY period, kind, version"
                ))?
                .query_map(params![self.t(), company.0], return_row)?
                .collect::<Result<Vec<_>, _>>()?,
        };
        rows.into_iter().collect()
    }

    /// The return with this 申报序号, in this tenant.
    pub fn return_by_number(&self, number: &str) -> Result<Option<FiledReturn>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {RETURN_COLUMNS} FROM filings WHERE tenant_id = ?1 AND filing_no = ?2"
            ))?
            .query_row(params![self.t(), number], return_row)
            .optional()?
            .transpose()
    }

    /// Record a return and give it its 申报序号 (`1` + sandbox date + the row id, 20 digits).
    /// A version that exists already is a [`StoreError::Conflict`].
    pub fn insert_return(&self, r: &NewReturn<'_>) -> Result<FiledReturn, StoreError> {
        self.conn().prepare_cached("INSERT INTO filings (tenant_id, company_id, kind, period, deadline, filed_on, total_due_fen,
             assessment, version, submitted_at, person_id, form, reason, records_total_fen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)")?.execute(params![
                self.t(),
                r.company.0,
                r.kind.as_str(),
                r.period.to_string(),
                r.deadline.to_string(),
                r.filed_on.to_string(),
                r.total_due.fen(),
                r.assessment_json,
                r.version,
                ts(r.submitted_at),
                r.person,
                r.form,
                r.reason,
                r.records_total.map(Fen::fen)
            ])?;
        let id = self.conn().last_insert_rowid();
        let number = format!("1{}{id:011}", r.filed_on.format("%Y%m%d"));
        self.conn()
            .prepare_cached("UPDATE filings SET filing_no = ?2 WHERE id = ?1")?
            .execute(params![id, number])?;
        self.return_by_number(&number)?.ok_or(StoreError::NotFound)
    }

    /// Every payment a return (all its versions) created, paid or not.
    pub fn return_payments(
        &self,
        company: CompanyId,
        kind: ReturnKind,
        period: TaxPeriod,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT p.id, p.filing_id, p.item, p.amount_fen, p.due_on, p.paid_on, p.late_fee_fen
             FROM payments p JOIN filings f ON f.id = p.filing_id
             WHERE p.tenant_id = ?1 AND p.company_id = ?2 AND f.kind = ?3 AND f.period = ?4
             ORDER BY p.id",
        )?;
        let rows = stmt
            .query_map(
                params![self.t(), company.0, kind.as_str(), period.to_string()],
                payment_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    pub fn add_payment(
        &self,
        company: CompanyId,
        filing: i64,
        item: TaxItem,
        amount: Fen,
        due_on: NaiveDate,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("INSERT INTO payments (tenant_id, company_id, filing_id, item, amount_fen, due_on, paid_on, late_fee_fen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 0)")?.execute(params![self.t(), company.0, filing, item.as_str(), amount.fen(), due_on.to_string()])?;
        Ok(())
    }

    /// Drop an unpaid payment (a correction replaces it).
    pub fn drop_unpaid_payment(&self, id: i64) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "DELETE FROM payments WHERE tenant_id = ?1 AND id = ?2 AND paid_on IS NULL",
            )?
            .execute(params![self.t(), id])?;
        Ok(())
    }

    /// Mark a payment paid by a payment document, with its late fee.
    pub fn settle_payment(
        &self,
        id: i64,
        paid_on: NaiveDate,
        late_fee: Fen,
        remittance: i64,
    ) -> Result<(), StoreError> {
        let n = self
            .conn()
            .prepare_cached(
                "UPDATE payments SET paid_on = ?3, late_fee_fen = ?4, remittance_id = ?5
             WHERE tenant_id = ?1 AND id = ?2 AND paid_on IS NULL",
            )?
            .execute(params![
                self.t(),
                id,
                paid_on.to_string(),
                late_fee.fen(),
                remittance
            ])?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "payment {id} is paid already"
            )))
        }
    }

    /// Record a payment document; its number is `3` + the date + the row id (20 digits).
    #[allow(clippy::too_many_arguments)]
    pub fn insert_remittance(
        &self,
        company: CompanyId,
        paid_on: NaiveDate,
        paid_at: DateTime<Utc>,
        tax: Fen,
        late_fee: Fen,
        bank_name: &str,
        account_no: &str,
    ) -> Result<Remittance, StoreError> {
        self.conn().prepare_cached("INSERT INTO remittances (tenant_id, company_id, number, paid_on, paid_at, tax_fen, late_fee_fen, bank_name, account_no)
             VALUES (?1, ?2, '', ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(params![
                self.t(),
                company.0,
                paid_on.to_string(),
                ts(paid_at),
                tax.fen(),
                late_fee.fen(),
                bank_name,
                account_no
            ])?;
        let id = self.conn().last_insert_rowid();
        let number = format!("3{}{id:011}", paid_on.format("%Y%m%d"));
        self.conn()
            .prepare_cached("UPDATE remittances SET number = ?2 WHERE id = ?1")?
            .execute(params![id, number])?;
        self.remittance(&number)?.ok_or(StoreError::NotFound)
    }

    pub fn remittance(&self, number: &str) -> Result<Option<Remittance>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {REMITTANCE_COLUMNS} FROM remittances WHERE tenant_id = ?1 AND number = ?2"
            ))?
            .query_row(params![self.t(), number], remittance_row)
            .optional()?
            .transpose()
    }

    /// What a payment document settled: each payment with its return's tax and period.
    pub fn remittance_items(
        &self,
        remittance: i64,
    ) -> Result<Vec<(PaymentRecord, ReturnKind, TaxPeriod)>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT p.id, p.filing_id, p.item, p.amount_fen, p.due_on, p.paid_on, p.late_fee_fen, f.kind, f.period
             FROM payments p JOIN filings f ON f.id = p.filing_id
             WHERE p.tenant_id = ?1 AND p.remittance_id = ?2 ORDER BY p.id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), remittance], |r| {
                let (kind, period): (String, String) = (r.get(7)?, r.get(8)?);
                let p = payment_row(r)?;
                Ok(p.and_then(|p| {
                    Ok((
                        p,
                        parse_opt("return kind", &kind, ReturnKind::parse)?,
                        TaxPeriod::parse(&period)
                            .map_err(|_| StoreError::BadData(format!("period {period:?}")))?,
                    ))
                }))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// The payment documents that settled a return's payments.
    pub fn return_remittances(
        &self,
        company: CompanyId,
        kind: ReturnKind,
        period: TaxPeriod,
    ) -> Result<Vec<Remittance>, StoreError> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {REMITTANCE_COLUMNS} FROM remittances WHERE tenant_id = ?1 AND company_id = ?2 AND id IN (
               SELECT p.remittance_id FROM payments p JOIN filings f ON f.id = p.filing_id
               WHERE p.tenant_id = ?1 AND f.kind = ?3 AND f.period = ?4) ORDER BY id"
        ))?;
        let rows = stmt
            .query_map(
                params![self.t(), company.0, kind.as_str(), period.to_string()],
                remittance_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// Take money from the company's account (the caller has checked the balance).
    pub fn debit_bank(&self, account: i64, amount: Fen) -> Result<(), StoreError> {
        self.conn().prepare_cached("UPDATE bank_accounts SET balance_fen = balance_fen - ?3 WHERE tenant_id = ?1 AND id = ?2")?.execute(params![self.t(), account, amount.fen()])?;
        Ok(())
    }

    /// Set an account's balance (a lab's prior state).
    pub fn set_bank_balance(&self, company: CompanyId, balance: Fen) -> Result<(), StoreError> {
        self.conn().prepare_cached("UPDATE bank_accounts SET balance_fen = ?3 WHERE tenant_id = ?1 AND company_id = ?2")?.execute(params![self.t(), company.0, balance.fen()])?;
        Ok(())
    }

    /// Sign or cancel the tripartite agreement (三方协议).
    pub fn set_tripartite(&self, company: CompanyId, signed: bool) -> Result<(), StoreError> {
        self.conn().prepare_cached("UPDATE bank_accounts SET tripartite_agreement = ?3 WHERE tenant_id = ?1 AND company_id = ?2")?.execute(params![self.t(), company.0, signed])?;
        Ok(())
    }

    pub fn add_credit_event(
        &self,
        company: CompanyId,
        on: NaiveDate,
        kind: CreditEventKind,
        (return_kind, period): (ReturnKind, TaxPeriod),
        points: u32,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("INSERT INTO credit_events (tenant_id, company_id, occurred_on, kind, period, points, return_kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![
                self.t(),
                company.0,
                on.to_string(),
                kind.as_str(),
                period.to_string(),
                points,
                return_kind.as_str()
            ])?;
        Ok(())
    }

    pub fn save_draft(
        &self,
        company: CompanyId,
        kind: ReturnKind,
        period: TaxPeriod,
        form: &str,
        now: DateTime<Utc>,
        auto: bool,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("INSERT INTO return_drafts (tenant_id, company_id, kind, period, form, saved_at, auto)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (tenant_id, company_id, kind, period)
             DO UPDATE SET form = excluded.form, saved_at = excluded.saved_at, auto = excluded.auto")?.execute(params![self.t(), company.0, kind.as_str(), period.to_string(), form, ts(now), auto])?;
        Ok(())
    }

    pub fn draft(
        &self,
        company: CompanyId,
        kind: ReturnKind,
        period: TaxPeriod,
    ) -> Result<Option<Draft>, StoreError> {
        self.conn()
            .prepare_cached(
                "SELECT form, saved_at, auto FROM return_drafts
                 WHERE tenant_id = ?1 AND company_id = ?2 AND kind = ?3 AND period = ?4",
            )?
            .query_row(
                params![self.t(), company.0, kind.as_str(), period.to_string()],
                |r| {
                    let (form, saved, auto): (String, String, bool) =
                        (r.get(0)?, r.get(1)?, r.get(2)?);
                    Ok(parse_ts(&saved).map(|saved_at| Draft {
                        form,
                        saved_at,
                        auto,
                    }))
                },
            )
            .optional()?
            .transpose()
    }

    pub fn drop_draft(
        &self,
        company: CompanyId,
        kind: ReturnKind,
        period: TaxPeriod,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("DELETE FROM return_drafts WHERE tenant_id = ?1 AND company_id = ?2 AND kind = ?3 AND period = ?4")?.execute(params![self.t(), company.0, kind.as_str(), period.to_string()])?;
        Ok(())
    }
}
