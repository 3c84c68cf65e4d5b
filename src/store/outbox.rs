//! The xAPI outbox in the store: trainees whose learning records changed (marked by
//! triggers), and the statements owed to the learning record store until it has them.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::portal::ts;
use super::tests_store::{owner_column, owner_columns};
use super::{Store, StoreError, TestOwner};

/// A statement waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub id: i64,
    pub body: String,
    pub tries: i64,
}

/// How far a class's or course's statements have got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub queued: i64,
    pub sent: i64,
    pub refused: i64,
}

impl Store<'_> {
    /// Trainees whose records changed since their statements were last built, with the
    /// change's generation, at most `limit`.
    pub fn xapi_dirty(&self, limit: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT trainee_id, generation FROM xapi_dirty ORDER BY trainee_id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The class or course a trainee belongs to, if any (the demo trainee has none).
    pub fn owner_of_trainee(&self, trainee: i64) -> Result<Option<TestOwner>, StoreError> {
        if let Some(c) = self.class_of_trainee(trainee)? {
            return Ok(Some(TestOwner::Class(c)));
        }
        Ok(self
            .conn
            .prepare_cached("SELECT course_id FROM learners WHERE trainee_id = ?1")?
            .query_row([trainee], |r| r.get(0))
            .optional()?
            .map(TestOwner::Course))
    }

    /// Queue statements not queued before (by statement id), and clear the trainees' marks
    /// that have not changed again meanwhile. Returns how many were new.
    pub fn xapi_queue(
        &self,
        statements: &[(TestOwner, String, String)],
        cleared: &[(i64, i64)],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let at = ts(now);
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO xapi_outbox (statement_id, class_id, course_id, body, queued_at, next_try_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (statement_id) DO NOTHING",
        )?;
        let mut new = 0;
        for (owner, id, body) in statements {
            let (class, course) = owner_columns(*owner);
            new += insert.execute(params![id, class, course, body, at])?;
        }
        let mut clear = self
            .conn
            .prepare_cached("DELETE FROM xapi_dirty WHERE trainee_id = ?1 AND generation = ?2")?;
        for (trainee, generation) in cleared {
            clear.execute(params![trainee, generation])?;
        }
        Ok(new)
    }

    /// Statements due to be sent at `now`, oldest first, at most `limit`.
    pub fn xapi_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Queued>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body, tries FROM xapi_outbox
             WHERE state = 'queued' AND next_try_at <= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![ts(now), limit], |r| {
            Ok(Queued {
                id: r.get(0)?,
                body: r.get(1)?,
                tries: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The LRS has these (`sent`) or will never take them (`refused`, with why): their
    /// bodies are dropped, their ids kept.
    pub fn xapi_done(
        &self,
        ids: &[i64],
        refused: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE xapi_outbox SET state = ?2, done_at = ?3, body = '', last_error = ?4,
                    tries = tries + 1
             WHERE id = ?1 AND state = 'queued'",
        )?;
        let state = if refused.is_some() { "refused" } else { "sent" };
        for id in ids {
            stmt.execute(params![id, state, ts(now), refused.unwrap_or("")])?;
        }
        Ok(())
    }

    /// Sending these failed for a reason that may pass (the LRS down, a timeout): try
    /// again at `next`.
    pub fn xapi_retry(
        &self,
        ids: &[i64],
        next: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE xapi_outbox SET tries = tries + 1, next_try_at = ?2, last_error = ?3
             WHERE id = ?1 AND state = 'queued'",
        )?;
        for id in ids {
            stmt.execute(params![id, ts(next), error])?;
        }
        Ok(())
    }

    /// How many of the class's or course's statements are waiting, sent and refused, and
    /// the latest error of one still waiting.
    pub fn xapi_counts(&self, owner: TestOwner) -> Result<(OutboxCounts, String), StoreError> {
        let (column, id) = owner_column(owner);
        let mut counts = OutboxCounts::default();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT state, COUNT(*) FROM xapi_outbox WHERE {column} = ?1 GROUP BY state"
        ))?;
        let rows = stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            match state.as_str() {
                "queued" => counts.queued = n,
                "sent" => counts.sent = n,
                _ => counts.refused = n,
            }
        }
        let error: Option<String> = self
            .conn
            .prepare_cached(&format!(
                "SELECT last_error FROM xapi_outbox WHERE {column} = ?1 AND state <> 'sent'
                   AND last_error <> '' ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok((counts, error.unwrap_or_default()))
    }
}
