//! Self-paced courses and their learners, and the assistants of a class.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::portal::{parse_ts, ts};
use super::{Store, StoreError, User};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CourseRecord {
    pub id: i64,
    pub name: String,
    pub pack_id: String,
    pub course_seed: u64,
    pub enrol_code: String,
    pub owner_id: i64,
    /// New learners may register.
    pub open: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LearnerRecord {
    pub id: i64,
    pub course_id: i64,
    pub no: u32,
    pub login: String,
    pub name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub trainee_id: i64,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completion_no: Option<String>,
}

const COURSE_COLUMNS: &str =
    "id, name, pack_id, course_seed, enrol_code, owner_id, open, created_at";

fn course_row(r: &Row<'_>) -> rusqlite::Result<Result<CourseRecord, StoreError>> {
    let created: String = r.get(7)?;
    let seed: i64 = r.get(3)?;
    let (id, name, pack_id, enrol_code, owner_id, open) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    );
    Ok(parse_ts(&created).map(|created_at| CourseRecord {
        id,
        name,
        pack_id,
        course_seed: seed as u64,
        enrol_code,
        owner_id,
        open,
        created_at,
    }))
}

const LEARNER_COLUMNS: &str = "id, course_id, no, login, name, password_hash, trainee_id, created_at, completed_at, completion_no";

fn learner_row(r: &Row<'_>) -> rusqlite::Result<Result<LearnerRecord, StoreError>> {
    let (created, completed): (String, Option<String>) = (r.get(7)?, r.get(8)?);
    let (id, course_id, no, login, name) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    let (password_hash, trainee_id, completion_no) = (r.get(5)?, r.get(6)?, r.get(9)?);
    Ok((|| {
        Ok(LearnerRecord {
            id,
            course_id,
            no,
            login,
            name,
            password_hash,
            trainee_id,
            created_at: parse_ts(&created)?,
            completed_at: completed.as_deref().map(parse_ts).transpose()?,
            completion_no,
        })
    })())
}

/// A new learner's row.
pub struct NewLearner<'a> {
    pub course_id: i64,
    pub no: u32,
    pub login: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub trainee_id: i64,
    pub now: DateTime<Utc>,
}

impl Store<'_> {
    pub fn create_course(
        &self,
        name: &str,
        pack_id: &str,
        seed: u64,
        code: &str,
        owner: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO courses (name, pack_id, course_seed, enrol_code, owner_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![name, pack_id, seed as i64, code, owner, ts(now)])?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn course(&self, id: i64) -> Result<CourseRecord, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COURSE_COLUMNS} FROM courses WHERE id = ?1"
            ))?
            .query_row([id], course_row)?
    }

    pub fn course_by_code(&self, code: &str) -> Result<Option<CourseRecord>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COURSE_COLUMNS} FROM courses WHERE enrol_code = ?1"
            ))?
            .query_row([code], course_row)
            .optional()?
            .transpose()
    }

    /// Every course (for an admin) or the owner's, newest first.
    pub fn courses(&self, owner: Option<i64>) -> Result<Vec<CourseRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COURSE_COLUMNS} FROM courses WHERE ?1 IS NULL OR owner_id = ?1 ORDER BY id DESC"
        ))?;
        let rows = stmt
            .query_map([owner], course_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    pub fn set_course_open(&self, id: i64, open: bool) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE courses SET open = ?2 WHERE id = ?1")?
            .execute(params![id, open])?;
        Ok(())
    }

    /// The next learner number of a course (1 for the first).
    pub fn next_learner_no(&self, course: i64) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(no), 0) + 1 FROM learners WHERE course_id = ?1")?
            .query_row([course], |r| r.get(0))?)
    }

    /// Add a learner; a login already taken in the course is a conflict.
    pub fn create_learner(&self, l: &NewLearner<'_>) -> Result<i64, StoreError> {
        self.conn.prepare_cached("INSERT INTO learners (course_id, no, login, name, password_hash, trainee_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![
                l.course_id,
                l.no,
                l.login,
                l.name,
                l.password_hash,
                l.trainee_id,
                ts(l.now)
            ])?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn learner_by_login(
        &self,
        course: i64,
        login: &str,
    ) -> Result<Option<LearnerRecord>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {LEARNER_COLUMNS} FROM learners WHERE course_id = ?1 AND login = ?2"
            ))?
            .query_row(params![course, login], learner_row)
            .optional()?
            .transpose()
    }

    pub fn learner_of_trainee(&self, trainee: i64) -> Result<Option<LearnerRecord>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {LEARNER_COLUMNS} FROM learners WHERE trainee_id = ?1"
            ))?
            .query_row([trainee], learner_row)
            .optional()?
            .transpose()
    }

    pub fn learners(&self, course: i64) -> Result<Vec<LearnerRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LEARNER_COLUMNS} FROM learners WHERE course_id = ?1 ORDER BY no"
        ))?;
        let rows = stmt
            .query_map([course], learner_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// Record a learner's completion once; a second call keeps the first record.
    pub fn complete_learner(
        &self,
        learner: i64,
        number: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE learners SET completed_at = ?2, completion_no = ?3
             WHERE id = ?1 AND completed_at IS NULL",
            )?
            .execute(params![learner, ts(now), number])?;
        Ok(())
    }

    /// The staff who assist a class.
    pub fn assistants(&self, class: i64) -> Result<Vec<User>, StoreError> {
        Ok(self
            .users()?
            .into_iter()
            .filter(|u| self.is_assistant(class, u.id).unwrap_or(false))
            .collect())
    }

    pub fn is_assistant(&self, class: i64, user: i64) -> Result<bool, StoreError> {
        Ok(self.conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM class_assistants WHERE class_id = ?1 AND user_id = ?2)")?.query_row(params![class, user],
            |r| r.get(0))?)
    }

    pub fn add_assistant(&self, class: i64, user: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO class_assistants (class_id, user_id) VALUES (?1, ?2)",
            )?
            .execute(params![class, user])?;
        Ok(())
    }

    pub fn remove_assistant(&self, class: i64, user: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM class_assistants WHERE class_id = ?1 AND user_id = ?2")?
            .execute(params![class, user])?;
        Ok(())
    }

    /// The classes a user assists.
    pub fn assisted_classes(&self, user: i64) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT class_id FROM class_assistants WHERE user_id = ?1 ORDER BY class_id DESC",
        )?;
        let rows = stmt.query_map([user], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
