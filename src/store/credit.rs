//! 纳税信用 records: the applications a company makes about its credit (a repair of one
//! failing, M-grade recognition), and what a repair weighs about the return a failing
//! concerns. Tenant-scoped.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;

use super::portal::{parse_ts, ts};
use super::records::{CompanyId, Stored};
use super::tenants::date;
use super::{StoreError, TenantScope};
use crate::domain::entities::ReturnKind;
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;

/// What an application asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationKind {
    /// 信用修复 of one credit event.
    Repair,
    /// 申请M级纳税人认定.
    MGrade,
}

impl ApplicationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationKind::Repair => "repair",
            ApplicationKind::MGrade => "m_grade",
        }
    }
}

/// An application, with the answer decided when it was made and given on `answer_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditApplication {
    pub kind: ApplicationKind,
    /// The credit event a repair is for.
    pub event: Option<i64>,
    pub person: i64,
    pub applied_on: NaiveDate,
    pub answer_on: NaiveDate,
    pub approved: bool,
    /// The points a repair gives back.
    pub points: u32,
    /// Why it is refused (catalogue keys' last parts).
    pub reasons: Vec<String>,
    pub applied_at: DateTime<Utc>,
}

/// What the return a failing concerns weighs: its tax, and when it was put right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnSettled {
    /// The tax of the original return (the tax involved).
    pub tax: Fen,
    /// The last day anything of it was paid, once nothing is left owing.
    pub paid_in_full: Option<NaiveDate>,
    /// Whether anything of it is left owing.
    pub owing: bool,
}

impl TenantScope<'_> {
    /// The company's credit applications, oldest first.
    pub fn credit_applications(
        &self,
        company: CompanyId,
    ) -> Result<Vec<Stored<CreditApplication>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, event_id, person_id, applied_on, answer_on, approved, points, reasons, applied_at
             FROM credit_applications WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let (kind, applied, answer, reasons, at): (String, String, String, String, String) =
                    (r.get(1)?, r.get(4)?, r.get(5)?, r.get(8)?, r.get(9)?);
                let (id, event, person, approved, points) =
                    (r.get(0)?, r.get(2)?, r.get(3)?, r.get(6)?, r.get(7)?);
                Ok((|| {
                    Ok(Stored {
                        id,
                        value: CreditApplication {
                            kind: match kind.as_str() {
                                "repair" => ApplicationKind::Repair,
                                "m_grade" => ApplicationKind::MGrade,
                                other => {
                                    return Err(StoreError::BadData(format!(
                                        "credit application kind {other:?}"
                                    )));
                                }
                            },
                            event,
                            person,
                            applied_on: date(&applied)?,
                            answer_on: date(&answer)?,
                            approved,
                            points,
                            reasons: serde_json::from_str(&reasons).map_err(|e| {
                                StoreError::BadData(format!("credit application reasons: {e}"))
                            })?,
                            applied_at: parse_ts(&at)?,
                        },
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    pub fn add_credit_application(
        &self,
        company: CompanyId,
        a: &CreditApplication,
    ) -> Result<i64, StoreError> {
        let reasons = serde_json::to_string(&a.reasons)
            .map_err(|e| StoreError::BadData(format!("credit application reasons: {e}")))?;
        self.conn.prepare_cached(
            "INSERT INTO credit_applications (tenant_id, company_id, kind, event_id, person_id, applied_on, answer_on, approved, points, reasons, applied_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            self.t(),
            company.0,
            a.kind.as_str(),
            a.event,
            a.person,
            a.applied_on.to_string(),
            a.answer_on.to_string(),
            a.approved,
            a.points,
            reasons,
            ts(a.applied_at),
        ])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The return of `kind` (any kind where unknown) for `period`: its tax and how far it
    /// is paid. `None` when no such return was filed.
    pub fn return_settled(
        &self,
        company: CompanyId,
        kind: Option<ReturnKind>,
        period: TaxPeriod,
    ) -> Result<Option<ReturnSettled>, StoreError> {
        let kind = kind.map(ReturnKind::as_str);
        let found: Option<(i64, i64, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT (SELECT f.total_due_fen FROM filings f WHERE f.tenant_id = ?1 AND f.company_id = ?2
                           AND f.period = ?3 AND (?4 IS NULL OR f.kind = ?4) ORDER BY f.id LIMIT 1),
                        (SELECT count(*) FROM payments p JOIN filings f ON f.tenant_id = p.tenant_id AND f.id = p.filing_id
                           WHERE f.tenant_id = ?1 AND f.company_id = ?2 AND f.period = ?3 AND (?4 IS NULL OR f.kind = ?4)
                           AND p.paid_on IS NULL AND p.amount_fen > 0),
                        (SELECT max(p.paid_on) FROM payments p JOIN filings f ON f.tenant_id = p.tenant_id AND f.id = p.filing_id
                           WHERE f.tenant_id = ?1 AND f.company_id = ?2 AND f.period = ?3 AND (?4 IS NULL OR f.kind = ?4))",
            )?
            .query_row(params![self.t(), company.0, period.to_string(), kind], |r| {
                let tax: Option<i64> = r.get(0)?;
                let (unpaid, last_paid): (i64, Option<String>) = (r.get(1)?, r.get(2)?);
                Ok(tax.map(|t| (t, unpaid, last_paid)))
            })?;
        let Some((tax, unpaid, last_paid)) = found else {
            return Ok(None);
        };
        Ok(Some(ReturnSettled {
            tax: Fen::new(tax),
            owing: unpaid > 0,
            paid_in_full: if unpaid > 0 {
                None
            } else {
                last_paid.as_deref().map(date).transpose()?
            },
        }))
    }
}
