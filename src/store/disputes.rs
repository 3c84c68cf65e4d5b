//! 争议处理 records: disputes over a surcharge charged on a payment, or over a refused
//! refund. Tenant-scoped.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;

use super::portal::{parse_ts, ts};
use super::records::{CompanyId, Stored};
use super::tenants::date;
use super::{StoreError, TenantScope};
use crate::domain::money::Fen;

/// A dispute and its schedule; the decision is made when it is filed, given on `decide_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    pub number: String,
    pub payment: i64,
    pub reason: String,
    pub file_name: Option<String>,
    pub person: i64,
    pub filed_on: NaiveDate,
    pub filed_at: DateTime<Utc>,
    /// Handled first (the grade's `priority_disputes`).
    pub priority: bool,
    pub review_on: NaiveDate,
    pub mediation_on: NaiveDate,
    pub decide_on: NaiveDate,
    pub upheld: bool,
    /// The surcharge charged, and the one the rule gives.
    pub charged: Fen,
    pub due: Fen,
    /// When an upheld dispute's difference reaches the bank account.
    pub treasury_on: Option<NaiveDate>,
    /// A dispute over a refused refund (`refund_refusals.id`; `payment` is then 0).
    pub refusal: Option<i64>,
}

impl TenantScope<'_> {
    pub fn disputes(&self, company: CompanyId) -> Result<Vec<Stored<Dispute>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, number, payment_id, reason, file_name, person_id, filed_on, filed_at, priority,
                    review_on, mediation_on, decide_on, upheld, charged_fen, due_fen, treasury_on, refusal_id
             FROM disputes WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let dates: [String; 5] = [r.get(6)?, r.get(7)?, r.get(9)?, r.get(10)?, r.get(11)?];
                let treasury: Option<String> = r.get(15)?;
                let refusal: Option<i64> = r.get(16)?;
                let (
                    id,
                    number,
                    payment,
                    reason,
                    file_name,
                    person,
                    priority,
                    upheld,
                    charged,
                    due,
                ) = (
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(8)?,
                    r.get(12)?,
                    r.get(13)?,
                    r.get(14)?,
                );
                Ok((|| {
                    let [filed, at, review, mediation, decide] = dates;
                    Ok(Stored {
                        id,
                        value: Dispute {
                            number,
                            payment,
                            reason,
                            file_name,
                            person,
                            filed_on: date(&filed)?,
                            filed_at: parse_ts(&at)?,
                            priority,
                            review_on: date(&review)?,
                            mediation_on: date(&mediation)?,
                            decide_on: date(&decide)?,
                            upheld,
                            charged: Fen::new(charged),
                            due: Fen::new(due),
                            treasury_on: treasury.as_deref().map(date).transpose()?,
                            refusal,
                        },
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    pub fn add_dispute(
        &self,
        company: CompanyId,
        d: &Dispute,
        file: Option<(&str, &[u8])>,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached(
            "INSERT INTO disputes (tenant_id, company_id, number, payment_id, reason, file_name, file_mime, file_content, person_id,
                                   filed_on, filed_at, priority, review_on, mediation_on, decide_on, upheld, charged_fen, due_fen, treasury_on, refusal_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        )?
        .execute(params![
            self.t(),
            company.0,
            d.number,
            d.payment,
            d.reason,
            d.file_name,
            file.map(|(m, _)| m),
            file.map(|(_, b)| b),
            d.person,
            d.filed_on.to_string(),
            ts(d.filed_at),
            d.priority,
            d.review_on.to_string(),
            d.mediation_on.to_string(),
            d.decide_on.to_string(),
            d.upheld,
            d.charged.fen(),
            d.due.fen(),
            d.treasury_on.map(|t| t.to_string()),
            d.refusal,
        ])?;
        Ok(())
    }

    /// Set the surcharge a payment carried (a lab's prior state: a surcharge charged wrongly).
    pub fn set_late_fee(&self, payment: i64, fee: Fen) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE payments SET late_fee_fen = ?3 WHERE tenant_id = ?1 AND id = ?2",
            )?
            .execute(params![self.t(), payment, fee.fen()])?;
        Ok(())
    }
}
