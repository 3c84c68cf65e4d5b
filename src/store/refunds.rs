//! 退抵税 records: what amendments left overpaid, refund applications with the dates of
//! their stages, and the supporting files. Tenant-scoped.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::portal::{parse_ts, ts};
use super::records::{CompanyId, Stored};
use super::tenants::date;
use super::{StoreError, TenantScope};
use crate::domain::entities::ReturnKind;
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;

/// Tax a return's payments exceed what its latest version asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overpayment {
    pub return_kind: ReturnKind,
    pub period: TaxPeriod,
    pub amount: Fen,
    /// When the tax now overpaid was paid (the three years to ask run from then).
    pub paid_on: NaiveDate,
}

/// A refund application and the dates of its stages as far as they are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// 退税申请编号.
    pub number: String,
    pub return_kind: ReturnKind,
    pub period: TaxPeriod,
    pub amount: Fen,
    pub reason: String,
    pub person: i64,
    pub applied_on: NaiveDate,
    pub applied_at: DateTime<Utc>,
    /// Through the green channel.
    pub green: bool,
    /// Working days from a complete file to 审批.
    pub approve_days: u32,
    /// 补正: when the office asked for missing materials.
    pub correction_on: Option<NaiveDate>,
    /// When the last missing material arrived.
    pub complete_on: Option<NaiveDate>,
    pub approve_on: Option<NaiveDate>,
    /// 退库: when the money reaches the company's account.
    pub treasury_on: Option<NaiveDate>,
}

/// A supporting file, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundFile {
    pub material: String,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub added_on: NaiveDate,
}

const REFUND_COLUMNS: &str = "id, number, return_kind, period, amount_fen, reason, person_id, applied_on, applied_at, green, approve_days, correction_on, complete_on, approve_on, treasury_on";

fn opt_date(text: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    text.as_deref().map(date).transpose()
}

fn refund_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Stored<Refund>, StoreError>> {
    let (kind, period, applied, at): (String, String, String, String) =
        (r.get(2)?, r.get(3)?, r.get(7)?, r.get(8)?);
    let dates: [Option<String>; 4] = [r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?];
    let (id, number, amount, reason, person, green, days): (
        i64,
        String,
        i64,
        String,
        i64,
        bool,
        u32,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(9)?,
        r.get(10)?,
    );
    Ok((|| {
        let [correction, complete, approve, treasury] = dates;
        Ok(Stored {
            id,
            value: Refund {
                number,
                return_kind: ReturnKind::parse(&kind)
                    .ok_or_else(|| StoreError::BadData(format!("return kind {kind:?}")))?,
                period: TaxPeriod::parse(&period)
                    .map_err(|_| StoreError::BadData(format!("period {period:?}")))?,
                amount: Fen::new(amount),
                reason,
                person,
                applied_on: date(&applied)?,
                applied_at: parse_ts(&at)?,
                green,
                approve_days: days,
                correction_on: opt_date(correction)?,
                complete_on: opt_date(complete)?,
                approve_on: opt_date(approve)?,
                treasury_on: opt_date(treasury)?,
            },
        })
    })())
}

impl TenantScope<'_> {
    /// Keep what a return's payments now exceed (zero removes it).
    pub fn set_overpayment(&self, company: CompanyId, o: &Overpayment) -> Result<(), StoreError> {
        if o.amount <= Fen::ZERO {
            self.conn.prepare_cached("DELETE FROM overpayments WHERE tenant_id = ?1 AND company_id = ?2 AND return_kind = ?3 AND period = ?4")?
                .execute(params![self.t(), company.0, o.return_kind.as_str(), o.period.to_string()])?;
            return Ok(());
        }
        self.conn.prepare_cached(
            "INSERT INTO overpayments (tenant_id, company_id, return_kind, period, amount_fen, paid_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (tenant_id, company_id, return_kind, period) DO UPDATE SET amount_fen = excluded.amount_fen, paid_on = excluded.paid_on",
        )?
        .execute(params![self.t(), company.0, o.return_kind.as_str(), o.period.to_string(), o.amount.fen(), o.paid_on.to_string()])?;
        Ok(())
    }

    pub fn overpayments(&self, company: CompanyId) -> Result<Vec<Overpayment>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT return_kind, period, amount_fen, paid_on FROM overpayments WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY period, return_kind",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let (kind, period, amount, paid): (String, String, i64, String) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                Ok((|| {
                    Ok(Overpayment {
                        return_kind: ReturnKind::parse(&kind)
                            .ok_or_else(|| StoreError::BadData(format!("return kind {kind:?}")))?,
                        period: TaxPeriod::parse(&period)
                            .map_err(|_| StoreError::BadData(format!("period {period:?}")))?,
                        amount: Fen::new(amount),
                        paid_on: date(&paid)?,
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// The company's refund applications, oldest first.
    pub fn refunds(&self, company: CompanyId) -> Result<Vec<Stored<Refund>>, StoreError> {
        let sql = format!(
            "SELECT {REFUND_COLUMNS} FROM refunds WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params![self.t(), company.0], refund_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// One of the company's applications by its number.
    pub fn refund(
        &self,
        company: CompanyId,
        number: &str,
    ) -> Result<Option<Stored<Refund>>, StoreError> {
        let sql = format!(
            "SELECT {REFUND_COLUMNS} FROM refunds WHERE tenant_id = ?1 AND company_id = ?2 AND number = ?3"
        );
        self.conn
            .prepare_cached(&sql)?
            .query_row(params![self.t(), company.0, number], refund_row)
            .optional()?
            .transpose()
    }

    pub fn add_refund(&self, company: CompanyId, r: &Refund) -> Result<i64, StoreError> {
        self.conn.prepare_cached(
            "INSERT INTO refunds (tenant_id, company_id, number, kind, return_kind, period, amount_fen, reason, person_id, applied_on, applied_at, green, approve_days, correction_on, complete_on, approve_on, treasury_on)
             VALUES (?1, ?2, ?3, 'overpaid', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
            self.t(),
            company.0,
            r.number,
            r.return_kind.as_str(),
            r.period.to_string(),
            r.amount.fen(),
            r.reason,
            r.person,
            r.applied_on.to_string(),
            ts(r.applied_at),
            r.green,
            r.approve_days,
            r.correction_on.map(|d| d.to_string()),
            r.complete_on.map(|d| d.to_string()),
            r.approve_on.map(|d| d.to_string()),
            r.treasury_on.map(|d| d.to_string()),
        ])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The file is complete on `complete_on`: 审批 and 退库 follow on their dates.
    pub fn complete_refund(
        &self,
        id: i64,
        complete_on: NaiveDate,
        approve_on: NaiveDate,
        treasury_on: NaiveDate,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached(
            "UPDATE refunds SET complete_on = ?3, approve_on = ?4, treasury_on = ?5 WHERE tenant_id = ?1 AND id = ?2",
        )?
        .execute(params![self.t(), id, complete_on.to_string(), approve_on.to_string(), treasury_on.to_string()])?;
        Ok(())
    }

    /// Keep a supporting file of application `refund` (one of this tenant's).
    pub fn add_refund_file(
        &self,
        refund: i64,
        f: &RefundFile,
        content: &[u8],
    ) -> Result<(), StoreError> {
        let n = self.conn.prepare_cached(
            "INSERT INTO refund_files (refund_id, material, name, mime, size, content, added_on)
             SELECT id, ?3, ?4, ?5, ?6, ?7, ?8 FROM refunds WHERE tenant_id = ?1 AND id = ?2",
        )?
        .execute(params![self.t(), refund, f.material, f.name, f.mime, f.size, content, f.added_on.to_string()])?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// An application's files, oldest first.
    pub fn refund_files(&self, refund: i64) -> Result<Vec<RefundFile>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.material, f.name, f.mime, f.size, f.added_on FROM refund_files f JOIN refunds r ON r.id = f.refund_id
             WHERE r.tenant_id = ?1 AND f.refund_id = ?2 ORDER BY f.id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), refund], |r| {
                let added: String = r.get(4)?;
                Ok((|| {
                    Ok(RefundFile {
                        material: r.get(0)?,
                        name: r.get(1)?,
                        mime: r.get(2)?,
                        size: r.get(3)?,
                        added_on: date(&added)?,
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }
}

/// A company's explanation of a risk alert (情况说明).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskResponse {
    pub alert: String,
    pub text: String,
    pub file_name: Option<String>,
    pub person: i64,
    pub sent_on: NaiveDate,
    pub answer_on: NaiveDate,
    pub accepted: bool,
}

impl TenantScope<'_> {
    pub fn risk_responses(&self, company: CompanyId) -> Result<Vec<RiskResponse>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT alert, text, file_name, person_id, sent_on, answer_on, accepted FROM risk_responses
             WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let (sent, answer): (String, String) = (r.get(4)?, r.get(5)?);
                let (alert, text, file_name, person, accepted) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(6)?);
                Ok((|| {
                    Ok(RiskResponse {
                        alert,
                        text,
                        file_name,
                        person,
                        sent_on: date(&sent)?,
                        answer_on: date(&answer)?,
                        accepted,
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// Keep an explanation, with its file (name, type, content) if any.
    pub fn add_risk_response(
        &self,
        company: CompanyId,
        r: &RiskResponse,
        file: Option<(&str, &[u8])>,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached(
            "INSERT INTO risk_responses (tenant_id, company_id, alert, text, file_name, file_mime, file_content, person_id, sent_on, answer_on, accepted)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            self.t(),
            company.0,
            r.alert,
            r.text,
            r.file_name,
            file.map(|(mime, _)| mime),
            file.map(|(_, bytes)| bytes),
            r.person,
            r.sent_on.to_string(),
            r.answer_on.to_string(),
            r.accepted,
        ])?;
        Ok(())
    }
}
