//! Sandbox staff (admin, instructor, assistant), classes, seats and the audit log.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::portal::{parse_ts, ts};
use super::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    Admin,
    Instructor,
    Assistant,
}

impl UserRole {
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Admin => "admin",
            UserRole::Instructor => "instructor",
            UserRole::Assistant => "assistant",
        }
    }

    pub fn parse(s: &str) -> Option<UserRole> {
        match s {
            "admin" => Some(UserRole::Admin),
            "instructor" => Some(UserRole::Instructor),
            "assistant" => Some(UserRole::Assistant),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: UserRole,
    pub password_hash: String,
    pub disabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassState {
    /// Seats provisioned, trainees may join.
    Ready,
    Running,
    Paused,
    Ended,
}

impl ClassState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClassState::Ready => "ready",
            ClassState::Running => "running",
            ClassState::Paused => "paused",
            ClassState::Ended => "ended",
        }
    }

    fn parse(s: &str) -> Result<ClassState, StoreError> {
        match s {
            "ready" => Ok(ClassState::Ready),
            "running" => Ok(ClassState::Running),
            "paused" => Ok(ClassState::Paused),
            "ended" => Ok(ClassState::Ended),
            other => Err(StoreError::BadData(format!("class state {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClassRecord {
    pub id: i64,
    pub name: String,
    pub pack_id: String,
    pub class_seed: u64,
    pub seats: u32,
    pub join_code: String,
    pub owner_id: i64,
    pub state: ClassState,
    pub created_at: DateTime<Utc>,
    pub launch_ms: Option<i64>,
    pub notice: String,
    /// Exam mode: trainees take the pack as a timed exam.
    pub exam: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

pub struct NewClass<'a> {
    pub name: &'a str,
    pub pack_id: &'a str,
    pub class_seed: u64,
    pub seats: u32,
    pub join_code: &'a str,
    pub owner_id: i64,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SeatRecord {
    pub id: i64,
    pub seat_no: u32,
    pub name: String,
    pub student_no: String,
    pub trainee_id: i64,
    pub joined: bool,
    /// Given at first join; rejoining needs it.
    #[serde(skip)]
    pub pin: Option<String>,
    /// Wrong PINs since the last right one (the seat refuses rejoining at [`SEAT_PIN_TRIES`]).
    pub pin_failures: i64,
}

/// How long a console sign-in lasts (a teaching day).
pub const BROWSER_SESSION_HOURS: i64 = 12;

/// How long a staff API token lasts.
pub const API_TOKEN_DAYS: i64 = 30;

/// Wrong seat PINs after which only the instructor can let the seat be rejoined.
pub const SEAT_PIN_TRIES: i64 = 5;

type Raw<T> = rusqlite::Result<Result<T, StoreError>>;

fn user_row(r: &Row<'_>) -> Raw<User> {
    let role: String = r.get(3)?;
    let (id, username, display_name, password_hash, disabled) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(4)?, r.get(5)?);
    Ok(UserRole::parse(&role)
        .ok_or_else(|| StoreError::BadData(format!("user role {role:?}")))
        .map(|role| User {
            id,
            username,
            display_name,
            role,
            password_hash,
            disabled,
        }))
}

const CLASS_COLUMNS: &str = "id, name, pack_id, class_seed, seats, join_code, owner_id, state, created_at, launch_ms, notice, exam, starts_at, ends_at";

/// The classes that could be read; one that cannot (a value out of range written by an
/// older version) is logged and left out instead of failing the list it is in.
fn readable(rows: Vec<Result<ClassRecord, StoreError>>) -> Vec<ClassRecord> {
    rows.into_iter()
        .filter_map(|r| {
            r.map_err(|e| tracing::warn!(error = %e, "a class row could not be read; skipped"))
                .ok()
        })
        .collect()
}

fn class_row(r: &Row<'_>) -> Raw<ClassRecord> {
    let (id, name, pack_id, seed, seats, join_code, owner_id): (
        i64,
        String,
        String,
        i64,
        u32,
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
    let (state, created, launch_ms, notice, exam): (String, String, Option<i64>, String, bool) =
        (r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?);
    let (starts, ends): (Option<String>, Option<String>) = (r.get(12)?, r.get(13)?);
    Ok((|| {
        Ok(ClassRecord {
            id,
            name,
            pack_id,
            class_seed: seed as u64,
            seats,
            join_code,
            owner_id,
            state: ClassState::parse(&state)?,
            created_at: parse_ts(&created)?,
            launch_ms,
            notice,
            exam,
            starts_at: starts.as_deref().map(parse_ts).transpose()?,
            ends_at: ends.as_deref().map(parse_ts).transpose()?,
        })
    })())
}

impl Store<'_> {
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, username, display_name, role, password_hash, disabled FROM users ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], user_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    pub fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.conn
            .prepare_cached("SELECT id, username, display_name, role, password_hash, disabled FROM users WHERE username = ?1")?.query_row([username],
                user_row)
            .optional()?
            .transpose()
    }

    pub fn create_user(
        &self,
        username: &str,
        display_name: &str,
        role: UserRole,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.conn.prepare_cached("INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![username, display_name, role.as_str(), password_hash, ts(now)])?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn open_user_session(
        &self,
        user: i64,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = hex::encode(rand::random::<[u8; 32]>());
        self.conn.prepare_cached("INSERT INTO user_sessions (token, user_id, kind, created_at) VALUES (?1, ?2, ?3, ?4)")?.execute(params![token, user, kind, ts(now)])?;
        Ok(token)
    }

    /// The enabled user a console session or API token belongs to, unless it has expired
    /// ([`BROWSER_SESSION_HOURS`], [`API_TOKEN_DAYS`]).
    pub fn session_user(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let browser_since = ts(now - chrono::Duration::hours(BROWSER_SESSION_HOURS));
        let api_since = ts(now - chrono::Duration::days(API_TOKEN_DAYS));
        self.conn
            .prepare_cached(
                "SELECT u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled
                 FROM user_sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token = ?1 AND u.disabled = 0
                   AND s.created_at >= CASE s.kind WHEN 'api' THEN ?3 ELSE ?2 END",
            )?
            .query_row(params![token, browser_since, api_since], user_row)
            .optional()?
            .transpose()
    }

    /// A staff account's new password (already hashed).
    pub fn set_user_password(&self, user: i64, hash: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
            .execute(params![user, hash])?;
        Ok(())
    }

    /// End every console sign-in and API token of a user but `keep`; returns how many.
    pub fn close_other_user_sessions(&self, user: i64, keep: &str) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM user_sessions WHERE user_id = ?1 AND token != ?2")?
            .execute(params![user, keep])?)
    }

    /// Forget console sign-ins and API tokens past their lifetime.
    pub fn drop_expired_user_sessions(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "DELETE FROM user_sessions
                 WHERE created_at < CASE kind WHEN 'api' THEN ?2 ELSE ?1 END",
            )?
            .execute(params![
                ts(now - chrono::Duration::hours(BROWSER_SESSION_HOURS)),
                ts(now - chrono::Duration::days(API_TOKEN_DAYS))
            ])?)
    }

    /// Revoke every API token of a user; returns how many there were.
    pub fn revoke_api_tokens(&self, user: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM user_sessions WHERE user_id = ?1 AND kind = 'api'")?
            .execute([user])?)
    }

    pub fn close_user_session(&self, token: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM user_sessions WHERE token = ?1")?
            .execute([token])?;
        Ok(())
    }

    pub fn create_class(&self, c: &NewClass<'_>) -> Result<i64, StoreError> {
        self.conn.prepare_cached("INSERT INTO classes (name, pack_id, class_seed, seats, join_code, owner_id, state, created_at, starts_at, ends_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'ready', ?7, ?8, ?9)")?.execute(params![
                c.name,
                c.pack_id,
                c.class_seed as i64,
                c.seats,
                c.join_code,
                c.owner_id,
                ts(c.now),
                c.starts_at.map(ts),
                c.ends_at.map(ts)
            ])?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn class(&self, id: i64) -> Result<ClassRecord, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {CLASS_COLUMNS} FROM classes WHERE id = ?1"
            ))?
            .query_row([id], class_row)?
    }

    pub fn class_by_code(&self, code: &str) -> Result<Option<ClassRecord>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {CLASS_COLUMNS} FROM classes WHERE join_code = ?1"
            ))?
            .query_row([code], class_row)
            .optional()?
            .transpose()
    }

    /// Every class (for an admin), or those the user owns or assists.
    pub fn classes(&self, user: Option<i64>) -> Result<Vec<ClassRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CLASS_COLUMNS} FROM classes WHERE ?1 IS NULL OR owner_id = ?1
             OR id IN (SELECT class_id FROM class_assistants WHERE user_id = ?1) ORDER BY id DESC"
        ))?;
        let rows = stmt
            .query_map([user], class_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(readable(rows))
    }

    /// Classes not ended whose end time is at or before `now`.
    pub fn classes_due(&self, now: DateTime<Utc>) -> Result<Vec<ClassRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CLASS_COLUMNS} FROM classes WHERE state != 'ended' AND ends_at IS NOT NULL AND ends_at <= ?1"
        ))?;
        let rows = stmt
            .query_map([ts(now)], class_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(readable(rows))
    }

    pub fn set_class_state(&self, id: i64, state: ClassState) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE classes SET state = ?2 WHERE id = ?1")?
            .execute(params![id, state.as_str()])?;
        Ok(())
    }

    /// Pause a class (keeping when it first paused) or resume it; resuming answers when it
    /// paused, if it was.
    pub fn set_class_paused(
        &self,
        id: i64,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let since: Option<String> = self
            .conn
            .prepare_cached("SELECT paused_at FROM classes WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?;
        let (state, at) = if paused {
            ("paused", Some(since.clone().unwrap_or_else(|| ts(now))))
        } else {
            ("running", None)
        };
        self.conn
            .prepare_cached("UPDATE classes SET state = ?2, paused_at = ?3 WHERE id = ?1")?
            .execute(params![id, state, at])?;
        since.map(|t| super::portal::parse_ts(&t)).transpose()
    }

    /// Move by `by` every deadline of the class's trainees (lab exams and tests) that was
    /// still ahead at `since`, finished or not: an exam sitting's labs keep one deadline.
    pub fn extend_class_deadlines(
        &self,
        class: i64,
        since: DateTime<Utc>,
        by: chrono::Duration,
    ) -> Result<usize, StoreError> {
        let mut n = 0;
        for table in ["attempts", "test_attempts"] {
            let found: Vec<(i64, String)> = self
                .conn
                .prepare_cached(&format!(
                    "SELECT a.id, a.deadline_at FROM {table} a JOIN seats s ON s.trainee_id = a.trainee_id
                     WHERE s.class_id = ?1 AND a.deadline_at > ?2"
                ))?
                .query_map(params![class, ts(since)], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut update = self.conn.prepare_cached(&format!(
                "UPDATE {table} SET deadline_at = ?2 WHERE id = ?1"
            ))?;
            for (id, deadline) in found {
                let moved = super::portal::parse_ts(&deadline)? + by;
                n += update.execute(params![id, ts(moved)])?;
            }
        }
        Ok(n)
    }

    pub fn raise_hand(
        &self,
        class: i64,
        trainee: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // one open request per trainee is enough
        self.conn
            .prepare_cached(
                "INSERT INTO help_requests (class_id, trainee_id, at)
             SELECT ?1, ?2, ?3 WHERE NOT EXISTS
             (SELECT 1 FROM help_requests WHERE trainee_id = ?2 AND resolved_at IS NULL)",
            )?
            .execute(params![class, trainee, ts(now)])?;
        Ok(())
    }

    /// Trainees of a class with an open help request, and since when.
    pub fn open_hands(&self, class: i64) -> Result<Vec<(i64, DateTime<Utc>)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT trainee_id, at FROM help_requests WHERE class_id = ?1 AND resolved_at IS NULL",
        )?;
        let rows = stmt
            .query_map([class], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(t, at)| Ok((t, parse_ts(&at)?)))
            .collect()
    }

    pub fn resolve_hand(
        &self,
        class: i64,
        trainee: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached("UPDATE help_requests SET resolved_at = ?3 WHERE class_id = ?1 AND trainee_id = ?2 AND resolved_at IS NULL")?.execute(params![class, trainee, ts(now)])?;
        Ok(())
    }

    /// Move the sandbox date of every tenant of a class's trainees (their own and their
    /// current lab's) by `days`.
    pub fn shift_class_dates(&self, class: i64, days: i64) -> Result<usize, StoreError> {
        Ok(self.conn.prepare_cached("UPDATE tenants SET sandbox_date = date(sandbox_date, ?2 || ' days') WHERE id IN (
               SELECT t.tenant_id FROM seats s JOIN trainees t ON t.id = s.trainee_id WHERE s.class_id = ?1
               UNION
               SELECT a.tenant_id FROM seats s JOIN trainees t ON t.id = s.trainee_id
                 JOIN attempts a ON a.id = t.current_attempt WHERE s.class_id = ?1 AND a.tenant_id IS NOT NULL)")?.execute(params![class, format!("{days:+}")])?)
    }

    pub fn set_exam(&self, id: i64, on: bool) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE classes SET exam = ?2 WHERE id = ?1")?
            .execute(params![id, on])?;
        Ok(())
    }

    pub fn set_notice(&self, id: i64, text: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE classes SET notice = ?2 WHERE id = ?1")?
            .execute(params![id, text])?;
        Ok(())
    }

    /// The notice of the class a trainee sits in, if any and not empty.
    pub fn notice_of_trainee(&self, trainee: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT c.notice FROM seats s JOIN classes c ON c.id = s.class_id
                 WHERE s.trainee_id = ?1 AND c.notice != ''",
            )?
            .query_row([trainee], |r| r.get(0))
            .optional()?)
    }

    pub fn set_launch(&self, id: i64, now: DateTime<Utc>, ms: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE classes SET launched_at = ?2, launch_ms = ?3 WHERE id = ?1")?
            .execute(params![id, ts(now), ms])?;
        Ok(())
    }

    pub fn add_seat(
        &self,
        class: i64,
        seat_no: u32,
        name: &str,
        student_no: &str,
        trainee: i64,
    ) -> Result<(), StoreError> {
        self.conn.prepare_cached("INSERT INTO seats (class_id, seat_no, name, student_no, trainee_id) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![class, seat_no, name, student_no, trainee])?;
        Ok(())
    }

    pub fn seats(&self, class: i64) -> Result<Vec<SeatRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, seat_no, name, student_no, trainee_id, joined_at IS NOT NULL, pin,
                    pin_failures FROM seats
             WHERE class_id = ?1 ORDER BY seat_no",
        )?;
        let rows = stmt
            .query_map([class], |r| {
                Ok(SeatRecord {
                    id: r.get(0)?,
                    seat_no: r.get(1)?,
                    name: r.get(2)?,
                    student_no: r.get(3)?,
                    trainee_id: r.get(4)?,
                    joined: r.get(5)?,
                    pin: r.get(6)?,
                    pin_failures: r.get(7)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A seat taken by a trainee joining: their name (if the roster had none).
    pub fn take_seat(&self, seat: i64, name: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE seats SET joined_at = COALESCE(joined_at, ?3),
                 name_typed = CASE WHEN name = '' THEN 1 ELSE name_typed END,
                 name = CASE WHEN name = '' THEN ?2 ELSE name END WHERE id = ?1",
            )?
            .execute(params![seat, name, ts(now)])?;
        self.conn
            .prepare_cached(
                "UPDATE trainees SET name = (SELECT name FROM seats WHERE id = ?1)
             WHERE id = (SELECT trainee_id FROM seats WHERE id = ?1)",
            )?
            .execute([seat])?;
        Ok(())
    }

    /// Give a seat its PIN (at first join, or after the instructor freed it), clearing
    /// its wrong tries.
    pub fn set_seat_pin(&self, seat: i64, pin: Option<&str>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE seats SET pin = ?2, pin_failures = 0 WHERE id = ?1")?
            .execute(params![seat, pin])?;
        Ok(())
    }

    /// Count a wrong PIN for a seat.
    pub fn seat_pin_failed(&self, seat: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE seats SET pin_failures = pin_failures + 1 WHERE id = ?1")?
            .execute([seat])?;
        Ok(())
    }

    /// Free a seat: nobody sits there any more (a name the trainee typed goes; a roster's
    /// stays), no PIN, and a new trainee behind it, so the next to join starts afresh (the
    /// old trainee's attempts stay, out of the class).
    pub fn free_seat(&self, seat: i64, trainee: i64) -> Result<(), StoreError> {
        // the old trainee's lab tenants prepared at launch and never used go too
        let prepared: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT tenant_id FROM prepared_tenants
                 WHERE trainee_id = (SELECT trainee_id FROM seats WHERE id = ?1)",
            )?
            .query_map([seat], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for t in prepared {
            self.drop_prepared_tenant(super::TenantId(t))?;
        }
        self.conn
            .prepare_cached(
                "UPDATE seats SET joined_at = NULL, pin = NULL, pin_failures = 0, trainee_id = ?2,
                 name = CASE WHEN name_typed THEN '' ELSE name END, name_typed = 0
                 WHERE id = ?1",
            )?
            .execute(params![seat, trainee])?;
        Ok(())
    }

    /// Remove a class whose launch failed, with everything launching made (its seats,
    /// their trainees and tenants, prepared lab tenants): a failed request leaves nothing.
    /// The audit log keeps its entries.
    pub fn discard_class(&self, class: i64) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM prepared_tenants WHERE trainee_id IN
                 (SELECT trainee_id FROM seats WHERE class_id = ?1)",
            "DELETE FROM tenants WHERE id IN (SELECT tenant_id FROM attempts WHERE trainee_id IN
                 (SELECT trainee_id FROM seats WHERE class_id = ?1))",
            "DELETE FROM classes WHERE id = ?1",
            "DELETE FROM tenants WHERE label LIKE 'class' || ?1 || '-%'",
        ] {
            self.conn.prepare_cached(sql)?.execute([class])?;
        }
        Ok(())
    }

    /// Whether a seat's name came from the roster (not typed by whoever joined).
    pub fn roster_seat(&self, seat: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT name_typed = 0 AND name != '' FROM seats WHERE id = ?1")?
            .query_row([seat], |r| r.get(0))?)
    }

    /// End every sandbox session of a trainee.
    pub fn close_trainee_sessions(&self, trainee: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM sandbox_sessions WHERE trainee_id = ?1")?
            .execute([trainee])?;
        Ok(())
    }

    /// The class a trainee sits in, if any.
    pub fn class_of_trainee(&self, trainee: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT class_id FROM seats WHERE trainee_id = ?1")?
            .query_row([trainee], |r| r.get(0))
            .optional()?)
    }
}
