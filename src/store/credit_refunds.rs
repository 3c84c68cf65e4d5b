//! 增量留抵退税 applications and the office's refusals (bureau::credit_refund). Tenant-scoped.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;

use super::portal::{parse_ts, ts};
use super::records::{CompanyId, Stored};
use super::tenants::date;
use super::{StoreError, TenantScope};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;

/// An application, the figures it was worked from, and its schedule (decided when filed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditRefund {
    pub number: String,
    /// The period whose end-of-period credit is refunded.
    pub period: TaxPeriod,
    pub end_credit: Fen,
    pub increment: Fen,
    /// 进项构成比例, in millionths.
    pub ratio_ppm: i64,
    pub share_percent: u32,
    pub amount: Fen,
    pub reason: String,
    pub person: i64,
    pub applied_on: NaiveDate,
    pub applied_at: DateTime<Utc>,
    pub approve_on: NaiveDate,
    pub treasury_on: NaiveDate,
    pub file_name: Option<String>,
}

/// 不予退税: an application refused, with the conditions found unmet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRefusal {
    pub number: String,
    pub period: TaxPeriod,
    pub amount: Fen,
    /// The conditions' keys (`credit_refund.condition.<key>`).
    pub unmet: Vec<String>,
    pub refused_on: NaiveDate,
    pub person: i64,
}

const COLUMNS: &str = "id, number, period, end_credit_fen, increment_fen, ratio_ppm, share_percent, amount_fen, reason, person_id, applied_on, applied_at, approve_on, treasury_on, file_name";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Stored<CreditRefund>, StoreError>> {
    let (period, applied, at, approve, treasury): (String, String, String, String, String) =
        (r.get(2)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?);
    let (id, number, end_credit, increment, ratio, share, amount, reason, person, file) = (
        r.get::<_, i64>(0)?,
        r.get::<_, String>(1)?,
        r.get::<_, i64>(3)?,
        r.get::<_, i64>(4)?,
        r.get::<_, i64>(5)?,
        r.get::<_, u32>(6)?,
        r.get::<_, i64>(7)?,
        r.get::<_, String>(8)?,
        r.get::<_, i64>(9)?,
        r.get::<_, Option<String>>(14)?,
    );
    Ok((|| {
        Ok(Stored {
            id,
            value: CreditRefund {
                number,
                period: TaxPeriod::parse(&period)
                    .map_err(|_| StoreError::BadData(format!("period {period:?}")))?,
                end_credit: Fen::new(end_credit),
                increment: Fen::new(increment),
                ratio_ppm: ratio,
                share_percent: share,
                amount: Fen::new(amount),
                reason,
                person,
                applied_on: date(&applied)?,
                applied_at: parse_ts(&at)?,
                approve_on: date(&approve)?,
                treasury_on: date(&treasury)?,
                file_name: file,
            },
        })
    })())
}

impl TenantScope<'_> {
    /// The company's 留抵退税 applications, oldest first.
    pub fn credit_refunds(
        &self,
        company: CompanyId,
    ) -> Result<Vec<Stored<CreditRefund>>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM credit_refunds WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params![self.t(), company.0], row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// Keep an application with its form (`(mime, bytes)`).
    pub fn add_credit_refund(
        &self,
        company: CompanyId,
        c: &CreditRefund,
        file: Option<(&str, &[u8])>,
    ) -> Result<i64, StoreError> {
        self.conn.prepare_cached(
            "INSERT INTO credit_refunds (tenant_id, company_id, number, period, end_credit_fen, increment_fen, ratio_ppm, share_percent,
                                         amount_fen, reason, person_id, applied_on, applied_at, approve_on, treasury_on, file_name, file_mime, file)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?
        .execute(params![
            self.t(),
            company.0,
            c.number,
            c.period.to_string(),
            c.end_credit.fen(),
            c.increment.fen(),
            c.ratio_ppm,
            c.share_percent,
            c.amount.fen(),
            c.reason,
            c.person,
            c.applied_on.to_string(),
            ts(c.applied_at),
            c.approve_on.to_string(),
            c.treasury_on.to_string(),
            c.file_name,
            file.map(|(m, _)| m),
            file.map(|(_, b)| b),
        ])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The refunded credit that reached the company's account from `from` to `to` (the
    /// return of that period transfers it out).
    pub fn credit_refunded_between(
        &self,
        company: CompanyId,
        (from, to): (NaiveDate, NaiveDate),
    ) -> Result<Fen, StoreError> {
        let fen: i64 = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(SUM(amount_fen), 0) FROM credit_refunds
                 WHERE tenant_id = ?1 AND company_id = ?2 AND treasury_on BETWEEN ?3 AND ?4",
            )?
            .query_row(
                params![self.t(), company.0, from.to_string(), to.to_string()],
                |r| r.get(0),
            )?;
        Ok(Fen::new(fen))
    }

    /// Keep a refusal (one a period: a later one replaces it).
    pub fn add_refund_refusal(
        &self,
        company: CompanyId,
        r: &RefundRefusal,
    ) -> Result<(), StoreError> {
        let unmet = serde_json::to_string(&r.unmet).unwrap_or_default();
        self.conn.prepare_cached(
            "INSERT INTO refund_refusals (tenant_id, company_id, number, period, amount_fen, unmet, refused_on, person_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (tenant_id, company_id, period) DO UPDATE SET amount_fen = excluded.amount_fen,
                 unmet = excluded.unmet, refused_on = excluded.refused_on, person_id = excluded.person_id",
        )?
        .execute(params![
            self.t(),
            company.0,
            r.number,
            r.period.to_string(),
            r.amount.fen(),
            unmet,
            r.refused_on.to_string(),
            r.person
        ])?;
        Ok(())
    }

    /// The company's refusals, oldest first.
    pub fn refund_refusals(
        &self,
        company: CompanyId,
    ) -> Result<Vec<Stored<RefundRefusal>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, number, period, amount_fen, unmet, refused_on, person_id FROM refund_refusals
             WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let (id, number, period, amount, unmet, on, person): (
                    i64,
                    String,
                    String,
                    i64,
                    String,
                    String,
                    i64,
                ) = (
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                );
                Ok((|| {
                    Ok(Stored {
                        id,
                        value: RefundRefusal {
                            number,
                            period: TaxPeriod::parse(&period)
                                .map_err(|_| StoreError::BadData(format!("period {period:?}")))?,
                            amount: Fen::new(amount),
                            unmet: serde_json::from_str(&unmet)
                                .map_err(|_| StoreError::BadData(format!("unmet {unmet:?}")))?,
                            refused_on: date(&on)?,
                            person,
                        },
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }
}
