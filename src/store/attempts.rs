//! Lab attempts (one tenant each) and the faults of a tenant.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::portal::{parse_ts, ts};
use super::{Store, StoreError, TenantId, TenantScope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Hints, "check my work" at any time, feedback as you go.
    Practice,
    /// No hints, timed, feedback only at the end.
    Exam,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Practice => "practice",
            Mode::Exam => "exam",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "practice" => Some(Mode::Practice),
            "exam" => Some(Mode::Exam),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub trainee_id: i64,
    pub lab_id: String,
    pub lab_digest: String,
    pub pack_id: Option<String>,
    pub mode: Mode,
    pub tenant: Option<TenantId>,
    pub started_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// JSON (`labs::setup::Materials`).
    pub materials: String,
    /// (step, hint), 0-based, in the order opened.
    pub hints: Vec<(usize, usize)>,
    /// The task panel's questions answered: topic → the latest answer.
    pub answers: std::collections::BTreeMap<String, String>,
    pub checks_run: i64,
    /// The latest grade as JSON, its score and whether it passed.
    pub grade: Option<String>,
    pub score: Option<i64>,
    pub passed: Option<bool>,
}

/// A seat's current attempt as the dashboard polls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveHead {
    pub trainee: i64,
    pub attempt: i64,
    pub tenant: TenantId,
    pub hints: i64,
    pub trace_head: i64,
    pub lab: String,
    pub started_at: DateTime<Utc>,
}

/// A finished attempt as the dashboard's cells show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub trainee: i64,
    pub lab: String,
    pub score: Option<i64>,
    pub passed: Option<bool>,
}

/// A [`LiveHead`] as read, before its time is parsed.
struct RawHead {
    trainee: i64,
    attempt: i64,
    tenant: TenantId,
    hints: i64,
    trace_head: i64,
    lab: String,
    started_at: String,
}

const COLUMNS: &str = "id, trainee_id, lab_id, lab_digest, pack_id, mode, tenant_id, started_at, deadline_at, finished_at, materials, hints, checks_run, grade, score, passed, answers";

type Raw<T> = rusqlite::Result<Result<T, StoreError>>;

fn attempt_row(r: &Row<'_>) -> Raw<Attempt> {
    let mode: String = r.get(5)?;
    let started: String = r.get(7)?;
    let deadline: Option<String> = r.get(8)?;
    let finished: Option<String> = r.get(9)?;
    let hints: String = r.get(11)?;
    let answers: String = r.get(16)?;
    let (id, trainee_id, lab_id, lab_digest, pack_id, tenant): (
        i64,
        i64,
        String,
        String,
        Option<String>,
        Option<i64>,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(6)?,
    );
    let (materials, checks_run, grade, score, passed): (
        String,
        i64,
        Option<String>,
        Option<i64>,
        Option<bool>,
    ) = (r.get(10)?, r.get(12)?, r.get(13)?, r.get(14)?, r.get(15)?);
    Ok((|| {
        Ok(Attempt {
            id,
            trainee_id,
            lab_id,
            lab_digest,
            pack_id,
            mode: Mode::parse(&mode)
                .ok_or_else(|| StoreError::BadData(format!("mode {mode:?}")))?,
            tenant: tenant.map(TenantId),
            started_at: parse_ts(&started)?,
            deadline_at: deadline.as_deref().map(parse_ts).transpose()?,
            finished_at: finished.as_deref().map(parse_ts).transpose()?,
            materials,
            hints: serde_json::from_str(&hints).map_err(|e| StoreError::BadData(e.to_string()))?,
            answers: serde_json::from_str(&answers)
                .map_err(|e| StoreError::BadData(e.to_string()))?,
            checks_run,
            grade,
            score,
            passed,
        })
    })())
}

/// A new attempt, before its tenant exists.
pub struct NewAttempt<'a> {
    pub trainee_id: i64,
    pub lab_id: &'a str,
    pub lab_digest: &'a str,
    pub pack_id: Option<&'a str>,
    pub mode: Mode,
    pub started_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
}

impl Store<'_> {
    pub fn create_attempt(&self, a: &NewAttempt<'_>) -> Result<i64, StoreError> {
        self.conn.prepare_cached("INSERT INTO attempts (trainee_id, lab_id, lab_digest, pack_id, mode, started_at, deadline_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![
                a.trainee_id,
                a.lab_id,
                a.lab_digest,
                a.pack_id,
                a.mode.as_str(),
                ts(a.started_at),
                a.deadline_at.map(ts)
            ])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Attach the generated tenant and the lab's materials, and make it the trainee's
    /// current attempt.
    pub fn begin_attempt(
        &self,
        id: i64,
        tenant: TenantId,
        materials: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE attempts SET tenant_id = ?2, materials = ?3 WHERE id = ?1")?
            .execute(params![id, tenant.0, materials])?;
        self.conn.prepare_cached("UPDATE trainees SET current_attempt = ?1 WHERE id = (SELECT trainee_id FROM attempts WHERE id = ?1)")?.execute([id])?;
        Ok(())
    }

    /// One of this trainee's attempts; another trainee's is not found.
    pub fn attempt_of(&self, trainee: i64, id: i64) -> Result<Attempt, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM attempts WHERE id = ?1 AND trainee_id = ?2"
            ))?
            .query_row(params![id, trainee], attempt_row)?
    }

    /// The trainee's current attempt, finished or not.
    pub fn current_attempt(&self, trainee: i64) -> Result<Option<Attempt>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM attempts WHERE id = (SELECT current_attempt FROM trainees WHERE id = ?1)"
                ))?.query_row([trainee],
                attempt_row)
            .optional()?
            .transpose()
    }

    /// The trainee's attempts, newest first.
    pub fn attempts_of(&self, trainee: i64) -> Result<Vec<Attempt>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM attempts WHERE trainee_id = ?1 ORDER BY id DESC"
        ))?;
        let rows = stmt
            .query_map([trainee], attempt_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// Keep a tenant prepared for the trainee's first attempt at a lab (at this digest).
    pub fn prepare_tenant(
        &self,
        trainee: i64,
        lab: &str,
        digest: &str,
        tenant: TenantId,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO prepared_tenants (trainee_id, lab_id, lab_digest, tenant_id) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![trainee, lab, digest, tenant.0])?;
        Ok(())
    }

    /// The tenant prepared for the trainee's attempt at a lab, taken (it is used once), and
    /// relabelled as `label`. None if there is none, or it was prepared for another version
    /// of the lab.
    pub fn take_prepared_tenant(
        &self,
        trainee: i64,
        lab: &str,
        digest: &str,
        label: &str,
    ) -> Result<Option<TenantId>, StoreError> {
        let found: Option<(i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT tenant_id, lab_digest FROM prepared_tenants WHERE trainee_id = ?1 AND lab_id = ?2",
            )?
            .query_row(params![trainee, lab], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((tenant, prepared_for)) = found else {
            return Ok(None);
        };
        self.conn
            .prepare_cached("DELETE FROM prepared_tenants WHERE trainee_id = ?1 AND lab_id = ?2")?
            .execute(params![trainee, lab])?;
        if prepared_for != digest {
            return Ok(None);
        }
        self.conn
            .prepare_cached("UPDATE tenants SET label = ?2 WHERE id = ?1")?
            .execute(params![tenant, label])?;
        Ok(Some(TenantId(tenant)))
    }

    /// For each seated trainee of a class working in a lab: the attempt, its tenant, how
    /// many hints it opened and the newest trace id of its tenant (what changes whenever
    /// the trainee does anything), for the dashboard to regrade only what changed.
    pub fn class_live_heads(&self, class: i64) -> Result<Vec<LiveHead>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, a.id, a.tenant_id, json_array_length(a.hints),
                    (SELECT max(e.id) FROM trace_events e WHERE e.tenant_id = a.tenant_id),
                    a.lab_id, a.started_at
             FROM seats st JOIN trainees t ON t.id = st.trainee_id
             JOIN attempts a ON a.id = t.current_attempt AND a.finished_at IS NULL
                            AND a.tenant_id IS NOT NULL
             WHERE st.class_id = ?1",
        )?;
        let rows = stmt
            .query_map([class], |r| {
                Ok(RawHead {
                    trainee: r.get(0)?,
                    attempt: r.get(1)?,
                    tenant: TenantId(r.get(2)?),
                    hints: r.get(3)?,
                    trace_head: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
                    lab: r.get(5)?,
                    started_at: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|h| {
                Ok(LiveHead {
                    trainee: h.trainee,
                    attempt: h.attempt,
                    tenant: h.tenant,
                    hints: h.hints,
                    trace_head: h.trace_head,
                    lab: h.lab,
                    started_at: parse_ts(&h.started_at)?,
                })
            })
            .collect()
    }

    /// Every finished attempt of a class's seated trainees, in short, newest first.
    pub fn class_finished(&self, class: i64) -> Result<Vec<Finished>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.trainee_id, a.lab_id, a.score, a.passed
             FROM seats st JOIN attempts a ON a.trainee_id = st.trainee_id
             WHERE st.class_id = ?1 AND a.finished_at IS NOT NULL ORDER BY a.id DESC",
        )?;
        let rows = stmt
            .query_map([class], |r| {
                Ok(Finished {
                    trainee: r.get(0)?,
                    lab: r.get(1)?,
                    score: r.get(2)?,
                    passed: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every finished attempt at a lab, oldest first (for regrading after the lab is fixed).
    pub fn finished_attempts_of_lab(&self, lab: &str) -> Result<Vec<Attempt>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM attempts WHERE lab_id = ?1 AND finished_at IS NOT NULL ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([lab], attempt_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// Attempts still running (their tenant ready) of trainees seated in ended classes,
    /// oldest first, at most `limit`: what ending a class still has to hand in.
    pub fn unfinished_in_ended_classes(&self, limit: i64) -> Result<Vec<Attempt>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM attempts WHERE finished_at IS NULL AND tenant_id IS NOT NULL
               AND trainee_id IN (SELECT st.trainee_id FROM seats st
                                  JOIN classes c ON c.id = st.class_id WHERE c.state = 'ended')
             ORDER BY id LIMIT ?1"
        ))?;
        let rows = stmt
            .query_map([limit], attempt_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// The faults in force at `now` where each seat of the class is working (the current
    /// lab's tenant, else the trainee's own): (seat number, kind, the fault as stated).
    pub fn class_faults(
        &self,
        class: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<(u32, String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT st.seat_no, f.kind, f.params FROM seats st
             JOIN trainees t ON t.id = st.trainee_id
             LEFT JOIN attempts a ON a.id = t.current_attempt AND a.finished_at IS NULL
                                 AND a.tenant_id IS NOT NULL
             JOIN faults f ON f.tenant_id = COALESCE(a.tenant_id, t.tenant_id)
             WHERE st.class_id = ?1 AND f.starts_at <= ?2
               AND (f.ends_at IS NULL OR f.ends_at > ?2) AND (f.remaining IS NULL OR f.remaining > 0)
             ORDER BY st.seat_no, f.id",
        )?;
        let rows = stmt
            .query_map(params![class, ts(now)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Finish an attempt without a grade (its lab is no longer on offer).
    pub fn finish_ungraded(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE attempts SET finished_at = ?2 WHERE id = ?1 AND finished_at IS NULL",
            )?
            .execute(params![id, ts(now)])?;
        Ok(())
    }

    /// Leave the current attempt (back to the trainee's own tenant).
    pub fn leave_attempt(&self, trainee: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE trainees SET current_attempt = NULL WHERE id = ?1")?
            .execute([trainee])?;
        Ok(())
    }

    pub fn record_answers(
        &self,
        id: i64,
        answers: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(answers).map_err(|e| StoreError::Other(e.to_string()))?;
        self.conn
            .prepare_cached("UPDATE attempts SET answers = ?2 WHERE id = ?1")?
            .execute(params![id, json])?;
        Ok(())
    }

    pub fn record_hint(&self, id: i64, hints: &[(usize, usize)]) -> Result<(), StoreError> {
        let json = serde_json::to_string(hints).map_err(|e| StoreError::Other(e.to_string()))?;
        self.conn
            .prepare_cached("UPDATE attempts SET hints = ?2 WHERE id = ?1")?
            .execute(params![id, json])?;
        Ok(())
    }

    /// Store a grade; `finished` ends the attempt.
    pub fn save_grade(
        &self,
        id: i64,
        grade: &str,
        score: u32,
        passed: bool,
        finished: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached("UPDATE attempts SET grade = ?2, score = ?3, passed = ?4, checks_run = checks_run + 1,
             finished_at = COALESCE(finished_at, ?5) WHERE id = ?1")?.execute(params![id, grade, score, passed, finished.map(ts)])?;
        Ok(())
    }
}

/// A fault in force in a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRow {
    pub id: i64,
    pub kind: String,
    pub params: String,
    pub ends_at: Option<DateTime<Utc>>,
    pub remaining: Option<i64>,
}

impl TenantScope<'_> {
    pub fn add_fault(
        &self,
        kind: &str,
        params_json: &str,
        now: DateTime<Utc>,
        ends_at: Option<DateTime<Utc>>,
        remaining: Option<i64>,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("INSERT INTO faults (tenant_id, kind, params, starts_at, ends_at, remaining) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![self.t(), kind, params_json, ts(now), ends_at.map(ts), remaining])?;
        Ok(())
    }

    /// Faults of this kind in force at `now` (started, not ended, not used up).
    pub fn faults(&self, kind: &str, now: DateTime<Utc>) -> Result<Vec<FaultRow>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, kind, params, ends_at, remaining FROM faults
             WHERE tenant_id = ?1 AND kind = ?2 AND starts_at <= ?3
             AND (ends_at IS NULL OR ends_at > ?3) AND (remaining IS NULL OR remaining > 0) ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), kind, ts(now)], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get(4)?,
                ))
            })?
            .collect::<Result<Vec<(i64, String, String, Option<String>, Option<i64>)>, _>>()?;
        rows.into_iter()
            .map(|(id, kind, params, ends, remaining)| {
                Ok(FaultRow {
                    id,
                    kind,
                    params,
                    ends_at: ends.as_deref().map(parse_ts).transpose()?,
                    remaining,
                })
            })
            .collect()
    }

    /// Remove every fault of this tenant.
    pub fn clear_faults(&self) -> Result<usize, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("DELETE FROM faults WHERE tenant_id = ?1")?
            .execute([self.t()])?)
    }

    /// Use up one strike of a counted fault.
    pub fn spend_fault(&self, id: i64) -> Result<(), StoreError> {
        self.conn().prepare_cached("UPDATE faults SET remaining = remaining - 1 WHERE tenant_id = ?1 AND id = ?2 AND remaining > 0")?.execute(params![self.t(), id])?;
        Ok(())
    }
}
