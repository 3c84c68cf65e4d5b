//! The audit log (操作日志): sandbox actions (joins, sign-ins, console controls) with actor,
//! tenant, time, IP and outcome, and a class's view of it merged with its trainees' trace.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::portal::{parse_ts, ts};
use super::{Store, StoreError, TenantId};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `sandbox` (the audit log: joins, console actions) or `portal` (a trainee's trace in
    /// the simulated bureau).
    pub source: &'static str,
    pub actor: String,
    pub class_id: Option<i64>,
    pub ip: String,
    pub action: String,
    pub outcome: String,
    pub detail: String,
    /// A trainee's trace: the tenant's sandbox date when it happened.
    pub sandbox_date: Option<chrono::NaiveDate>,
}

impl Store<'_> {
    /// A class's sandbox date now: its trainees' own tenants share it (the class clock moves
    /// them together); none before anyone has joined.
    pub fn class_sandbox_date(&self, class: i64) -> Result<Option<chrono::NaiveDate>, StoreError> {
        let date: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT n.sandbox_date FROM seats s JOIN trainees t ON t.id = s.trainee_id
                 JOIN tenants n ON n.id = t.tenant_id WHERE s.class_id = ?1 ORDER BY s.seat_no LIMIT 1",
            )?
            .query_row([class], |r| r.get(0))
            .optional()?;
        Ok(date.and_then(|d| d.parse().ok()))
    }

    /// The portal actions of a class's trainees (their trace in every tenant they worked
    /// in), newest first, optionally only those mentioning `q`.
    pub fn class_trace(
        &self,
        class: i64,
        q: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "WITH tt(tenant_id, trainee_id) AS (
               SELECT t.tenant_id, t.id FROM seats s JOIN trainees t ON t.id = s.trainee_id WHERE s.class_id = ?1
               UNION
               SELECT a.tenant_id, a.trainee_id FROM attempts a JOIN seats s ON s.trainee_id = a.trainee_id
               WHERE s.class_id = ?1 AND a.tenant_id IS NOT NULL)
             SELECT e.id, e.at, 'trainee:' || tt.trainee_id, e.action, e.result, e.detail,
               COALESCE(json_extract(e.detail, '$.ip'), ''), e.sandbox_date
             FROM trace_events e JOIN tt ON tt.tenant_id = e.tenant_id
             WHERE ?2 = '' OR e.action LIKE '%' || ?2 || '%' OR e.result LIKE '%' || ?2 || '%'
               OR e.detail LIKE '%' || ?2 || '%' OR ('trainee:' || tt.trainee_id) = ?2
             ORDER BY e.at DESC, e.id DESC LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![class, q, limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, at, actor, action, outcome, detail, ip, date)| {
                Ok(AuditEntry {
                    id,
                    at: parse_ts(&at)?,
                    source: "portal",
                    actor,
                    class_id: Some(class),
                    ip,
                    action,
                    outcome,
                    detail,
                    sandbox_date: date.parse().ok(),
                })
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    pub fn audit(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        class: Option<i64>,
        tenant: Option<TenantId>,
        ip: &str,
        action: &str,
        outcome: &str,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached("INSERT INTO audit_log (at, actor, class_id, tenant_id, ip, action, outcome, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(params![
                ts(now),
                actor,
                class,
                tenant.map(TenantId::get),
                ip,
                action,
                outcome,
                detail.to_string()
            ])?;
        Ok(())
    }

    /// [`Store::audit`] returning the entry's id (for an attempt whose outcome is known only
    /// later: see [`Store::set_audit_outcome`]).
    #[allow(clippy::too_many_arguments)]
    pub fn audit_id(
        &self,
        now: DateTime<Utc>,
        actor: &str,
        ip: &str,
        action: &str,
        outcome: &str,
        detail: &serde_json::Value,
    ) -> Result<i64, StoreError> {
        self.audit(now, actor, None, None, ip, action, outcome, detail)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Settle an entry's outcome (and actor, once known).
    pub fn set_audit_outcome(&self, id: i64, actor: &str, outcome: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE audit_log SET outcome = ?2, actor = ?3 WHERE id = ?1")?
            .execute(params![id, outcome, actor])?;
        Ok(())
    }

    /// A class's audit entries, newest first, optionally only those mentioning `q`.
    pub fn audit_of_class(
        &self,
        class: i64,
        q: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, actor, class_id, ip, action, outcome, detail FROM audit_log
             WHERE class_id = ?1 AND (?2 = '' OR action LIKE '%' || ?2 || '%' OR actor LIKE '%' || ?2 || '%'
             OR detail LIKE '%' || ?2 || '%' OR outcome LIKE '%' || ?2 || '%')
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![class, q, limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, at, actor, class_id, ip, action, outcome, detail)| {
                Ok(AuditEntry {
                    id,
                    at: parse_ts(&at)?,
                    source: "sandbox",
                    actor,
                    class_id,
                    ip,
                    action,
                    outcome,
                    detail,
                    sandbox_date: None,
                })
            })
            .collect()
    }

    /// How many `action` entries with `outcome` were made since `since` by this IP, or
    /// (when `key` is given) whose detail's `key` field equals `value`: what rate limits count.
    pub fn recent_audits(
        &self,
        action: &str,
        outcome: &str,
        since: DateTime<Utc>,
        ip: Option<&str>,
        detail: Option<(&str, &str)>,
    ) -> Result<i64, StoreError> {
        let (key, value) = detail.map_or((None, None), |(k, v)| (Some(format!("$.{k}")), Some(v)));
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM audit_log WHERE action = ?1 AND outcome = ?2 AND at >= ?3
             AND (?4 IS NULL OR ip = ?4) AND (?5 IS NULL OR json_extract(detail, ?5) = ?6)",
            )?
            .query_row(params![action, outcome, ts(since), ip, key, value], |r| {
                r.get(0)
            })?)
    }
}
