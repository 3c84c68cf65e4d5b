//! Housekeeping the server does every few minutes, in short writes: demo visitors idle long
//! enough go with their tenants; abandoned attempts' tenants lose their business data (their
//! trace and the attempt's record stay for the reports); a finished class's unused prepared
//! tenants go; counted attempts older than a day are forgotten.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::portal::{parse_ts, ts};
use super::{Store, StoreError, TenantId, Trainee, TraineeKind};

impl Store<'_> {
    /// A demo visitor: a demo trainee working in `tenant` (made for them), from `ip`.
    pub fn create_demo_visitor(
        &self,
        tenant: TenantId,
        ip: &str,
        now: DateTime<Utc>,
    ) -> Result<Trainee, StoreError> {
        let t = self.create_trainee(tenant, "demo", TraineeKind::Demo, now)?;
        self.conn
            .prepare_cached(
                "INSERT INTO demo_visitors (trainee_id, ip, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![t.id, ip, ts(now)])?;
        Ok(t)
    }

    /// How many demo visitors have a tenant now.
    pub fn demo_visitor_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM demo_visitors")?
            .query_row([], |r| r.get(0))?)
    }

    /// Demo visitors who have done nothing since `cut` (no trace in any of their tenants,
    /// and arrived before it), at most `limit`.
    pub fn idle_demo_visitors(
        &self,
        cut: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.trainee_id FROM demo_visitors d JOIN trainees t ON t.id = d.trainee_id
             WHERE d.created_at < ?1
               AND NOT EXISTS (
                   SELECT 1 FROM trace_events e
                   WHERE e.tenant_id IN (SELECT t.tenant_id
                                         UNION SELECT tenant_id FROM attempts
                                               WHERE trainee_id = t.id AND tenant_id IS NOT NULL)
                     AND e.at >= ?1)
             ORDER BY d.created_at LIMIT ?2",
        )?;
        let ids = stmt
            .query_map(params![ts(cut), limit as i64], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }

    /// Remove a demo visitor and every tenant they had (the visitor's own and their lab
    /// attempts'); with the tenants go the trainee, sessions and attempts.
    pub fn remove_demo_visitor(&self, trainee: i64) -> Result<(), StoreError> {
        let tenants: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT tenant_id FROM attempts WHERE trainee_id = ?1 AND tenant_id IS NOT NULL
                 UNION SELECT tenant_id FROM trainees
                       WHERE id = ?1 AND id IN (SELECT trainee_id FROM demo_visitors)",
            )?
            .query_map([trainee], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        self.conn
            .prepare_cached("DELETE FROM trainees WHERE id = ?1")?
            .execute([trainee])?;
        for t in tenants {
            self.conn
                .prepare_cached("DELETE FROM tenants WHERE id = ?1")?
                .execute([t])?;
        }
        Ok(())
    }

    /// Tenants of attempts abandoned before `cut`: never finished, and no longer their
    /// trainee's current attempt; not yet pruned. At most `limit`.
    pub fn abandoned_attempt_tenants(
        &self,
        cut: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<TenantId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.tenant_id FROM attempts a
             JOIN trainees t ON t.id = a.trainee_id
             JOIN tenants n ON n.id = a.tenant_id
             WHERE a.finished_at IS NULL AND a.started_at < ?1
               AND t.current_attempt IS NOT a.id AND n.pruned_at IS NULL
             LIMIT ?2",
        )?;
        let ids = stmt
            .query_map(params![ts(cut), limit as i64], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids.into_iter().map(TenantId).collect())
    }

    /// Remove a tenant's business data (people, companies and all they hold, faults), keeping
    /// the tenant row and its trace.
    pub fn prune_tenant(&self, t: TenantId, now: DateTime<Utc>) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM companies WHERE tenant_id = ?1",
            "DELETE FROM people WHERE tenant_id = ?1",
            "DELETE FROM faults WHERE tenant_id = ?1",
        ] {
            self.conn.prepare_cached(sql)?.execute([t.0])?;
        }
        self.conn
            .prepare_cached("UPDATE tenants SET pruned_at = ?2 WHERE id = ?1")?
            .execute(params![t.0, ts(now)])?;
        Ok(())
    }

    /// Tenants prepared for seats of ended classes that nobody used, at most `limit`.
    pub fn unused_prepared_tenants(&self, limit: usize) -> Result<Vec<TenantId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.tenant_id FROM prepared_tenants p
             JOIN seats s ON s.trainee_id = p.trainee_id
             JOIN classes c ON c.id = s.class_id
             WHERE c.state = 'ended' LIMIT ?1",
        )?;
        let ids = stmt
            .query_map([limit as i64], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids.into_iter().map(TenantId).collect())
    }

    /// Delete a prepared tenant nobody will use.
    pub fn drop_prepared_tenant(&self, t: TenantId) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM prepared_tenants WHERE tenant_id = ?1")?
            .execute([t.0])?;
        self.conn
            .prepare_cached("DELETE FROM tenants WHERE id = ?1")?
            .execute([t.0])?;
        Ok(())
    }

    /// When a tenant's business data was pruned, if it was.
    pub fn tenant_pruned_at(&self, t: TenantId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<String> = self
            .conn
            .prepare_cached("SELECT pruned_at FROM tenants WHERE id = ?1")?
            .query_row([t.0], |r| r.get(0))?;
        at.map(|a| parse_ts(&a)).transpose()
    }
}

/// What one round of housekeeping did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub demo_visitors: usize,
    pub pruned: usize,
    pub prepared: usize,
    pub counted: usize,
    /// Expired console sign-ins and staff API tokens.
    pub sessions: usize,
}

/// The most of each kind one round removes (the rest wait for the next round, so each write
/// stays short).
pub const ROUND: usize = 50;

/// One round of housekeeping, in the caller's write. `demo_idle`: how long a demo visitor
/// may do nothing before their tenant goes; `abandoned_after`: how old an abandoned
/// attempt is before its tenant is pruned.
pub fn sweep(
    s: &Store<'_>,
    now: DateTime<Utc>,
    demo_idle: chrono::Duration,
    abandoned_after: chrono::Duration,
) -> Result<Swept, StoreError> {
    let mut out = Swept::default();
    for t in s.idle_demo_visitors(now - demo_idle, ROUND)? {
        s.remove_demo_visitor(t)?;
        out.demo_visitors += 1;
    }
    for t in s.abandoned_attempt_tenants(now - abandoned_after, ROUND)? {
        s.prune_tenant(t, now)?;
        out.pruned += 1;
    }
    for t in s.unused_prepared_tenants(ROUND)? {
        s.drop_prepared_tenant(t)?;
        out.prepared += 1;
    }
    out.counted = s.rate_prune(now)?;
    out.sessions = s.drop_expired_user_sessions(now)?;
    Ok(out)
}
