//! 课后测试 in the store: a class's or course's tests, each trainee's attempts (their paper
//! and score) and every answer marked.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::portal::{parse_ts, ts};
use super::{Store, StoreError};

/// Whose test: a class's or a course's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum TestOwner {
    Class(i64),
    Course(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TestRecord {
    pub id: i64,
    pub owner: TestOwner,
    /// `pre` or `post`.
    pub phase: String,
    pub bank_id: String,
    /// `a`, `b` or `all`.
    pub form: String,
    pub minutes: i64,
    pub attempts_allowed: i64,
    pub open: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TestAttempt {
    pub id: i64,
    pub test_id: i64,
    pub trainee_id: i64,
    pub no: i64,
    pub started_at: DateTime<Utc>,
    pub deadline_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// JSON: the questions in the order shown, each with its choices' order.
    pub paper: String,
    pub total: i64,
    pub score: Option<i64>,
}

/// One answer as marked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MarkedAnswer {
    pub question_id: String,
    pub topic: String,
    /// JSON of `labs::quiz::Given`, `None` when left blank.
    pub given: Option<String>,
    pub correct: bool,
}

/// A row's owner from its `class_id` and `course_id` columns (exactly one is set).
pub(super) fn owner_of(
    class: Option<i64>,
    course: Option<i64>,
    what: &str,
) -> Result<TestOwner, StoreError> {
    match (class, course) {
        (Some(c), _) => Ok(TestOwner::Class(c)),
        (None, Some(c)) => Ok(TestOwner::Course(c)),
        (None, None) => Err(StoreError::BadData(format!("a {what} without an owner"))),
    }
}

/// The owner as the `class_id`, `course_id` column values.
pub(super) fn owner_columns(owner: TestOwner) -> (Option<i64>, Option<i64>) {
    match owner {
        TestOwner::Class(c) => (Some(c), None),
        TestOwner::Course(c) => (None, Some(c)),
    }
}

/// The column naming the owner, and its id, to select by.
pub(super) fn owner_column(owner: TestOwner) -> (&'static str, i64) {
    match owner {
        TestOwner::Class(c) => ("class_id", c),
        TestOwner::Course(c) => ("course_id", c),
    }
}

const TEST_COLUMNS: &str =
    "id, class_id, course_id, phase, bank_id, form, minutes, attempts_allowed, open, created_at";

fn test_row(r: &Row<'_>) -> rusqlite::Result<Result<TestRecord, StoreError>> {
    let (class, course): (Option<i64>, Option<i64>) = (r.get(1)?, r.get(2)?);
    let created: String = r.get(9)?;
    let (id, phase, bank_id, form, minutes, attempts_allowed, open) = (
        r.get(0)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get::<_, i64>(8)? == 1,
    );
    Ok((|| {
        let owner = owner_of(class, course, "test")?;
        Ok(TestRecord {
            id,
            owner,
            phase,
            bank_id,
            form,
            minutes,
            attempts_allowed,
            open,
            created_at: parse_ts(&created)?,
        })
    })())
}

const ATTEMPT_COLUMNS: &str =
    "id, test_id, trainee_id, no, started_at, deadline_at, finished_at, paper, total, score";

fn attempt_row(r: &Row<'_>) -> rusqlite::Result<Result<TestAttempt, StoreError>> {
    let (started, deadline, finished): (String, String, Option<String>) =
        (r.get(4)?, r.get(5)?, r.get(6)?);
    let (id, test_id, trainee_id, no, paper, total, score) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    );
    Ok((|| {
        Ok(TestAttempt {
            id,
            test_id,
            trainee_id,
            no,
            started_at: parse_ts(&started)?,
            deadline_at: parse_ts(&deadline)?,
            finished_at: finished.as_deref().map(parse_ts).transpose()?,
            paper,
            total,
            score,
        })
    })())
}

/// A test as the instructor sets it.
pub struct NewTest<'a> {
    pub owner: TestOwner,
    pub phase: &'a str,
    pub bank_id: &'a str,
    pub form: &'a str,
    pub minutes: i64,
    pub attempts_allowed: i64,
}

impl Store<'_> {
    /// Open (or reopen with new settings) a class's or course's test of a phase.
    pub fn set_test(&self, t: &NewTest<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let (class, course) = owner_columns(t.owner);
        match self.test_of(t.owner, t.phase)? {
            Some(existing) => {
                self.conn
                    .prepare_cached(
                        "UPDATE tests SET bank_id = ?2, form = ?3, minutes = ?4, attempts_allowed = ?5, open = 1 WHERE id = ?1",
                    )?
                    .execute(params![existing.id, t.bank_id, t.form, t.minutes, t.attempts_allowed])?;
                Ok(existing.id)
            }
            None => {
                self.conn
                    .prepare_cached(
                        "INSERT INTO tests (class_id, course_id, phase, bank_id, form, minutes, attempts_allowed, open, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)",
                    )?
                    .execute(params![class, course, t.phase, t.bank_id, t.form, t.minutes, t.attempts_allowed, ts(now)])?;
                Ok(self.conn.last_insert_rowid())
            }
        }
    }

    pub fn set_test_open(&self, id: i64, open: bool) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE tests SET open = ?2 WHERE id = ?1")?
            .execute(params![id, i64::from(open)])?;
        Ok(())
    }

    pub fn test(&self, id: i64) -> Result<Option<TestRecord>, StoreError> {
        self.conn
            .prepare_cached(&format!("SELECT {TEST_COLUMNS} FROM tests WHERE id = ?1"))?
            .query_row([id], test_row)
            .optional()?
            .transpose()
    }

    /// A class's or course's test of a phase.
    pub fn test_of(&self, owner: TestOwner, phase: &str) -> Result<Option<TestRecord>, StoreError> {
        let (column, id) = owner_column(owner);
        self.conn
            .prepare_cached(&format!(
                "SELECT {TEST_COLUMNS} FROM tests WHERE {column} = ?1 AND phase = ?2"
            ))?
            .query_row(params![id, phase], test_row)
            .optional()?
            .transpose()
    }

    /// A class's or course's tests, pre before post.
    pub fn tests_of(&self, owner: TestOwner) -> Result<Vec<TestRecord>, StoreError> {
        let (column, id) = owner_column(owner);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {TEST_COLUMNS} FROM tests WHERE {column} = ?1 ORDER BY phase DESC"
        ))?;
        let rows = stmt.query_map([id], test_row)?;
        rows.map(|r| r?).collect()
    }

    /// Begin an attempt (the next number for the trainee).
    pub fn start_test_attempt(
        &self,
        test: i64,
        trainee: i64,
        paper: &str,
        total: i64,
        now: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let no: i64 = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(MAX(no), 0) + 1 FROM test_attempts WHERE test_id = ?1 AND trainee_id = ?2",
            )?
            .query_row(params![test, trainee], |r| r.get(0))?;
        self.conn
            .prepare_cached(
                "INSERT INTO test_attempts (test_id, trainee_id, no, started_at, deadline_at, paper, total)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![test, trainee, no, ts(now), ts(deadline), paper, total])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A trainee's attempts at a test, oldest first.
    pub fn test_attempts_of(
        &self,
        test: i64,
        trainee: i64,
    ) -> Result<Vec<TestAttempt>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM test_attempts WHERE test_id = ?1 AND trainee_id = ?2 ORDER BY no"
        ))?;
        let rows = stmt.query_map(params![test, trainee], attempt_row)?;
        rows.map(|r| r?).collect()
    }

    /// Every attempt at a test (the report's), oldest first.
    pub fn test_attempts(&self, test: i64) -> Result<Vec<TestAttempt>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM test_attempts WHERE test_id = ?1 ORDER BY trainee_id, no"
        ))?;
        let rows = stmt.query_map([test], attempt_row)?;
        rows.map(|r| r?).collect()
    }

    /// Hand an attempt in: its score and every answer marked. Only once.
    pub fn finish_test_attempt(
        &self,
        attempt: i64,
        score: i64,
        answers: &[MarkedAnswer],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = self
            .conn
            .prepare_cached(
                "UPDATE test_attempts SET finished_at = ?2, score = ?3 WHERE id = ?1 AND finished_at IS NULL",
            )?
            .execute(params![attempt, ts(now), score])?;
        if done == 0 {
            return Ok(false);
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO test_answers (attempt_id, question_id, topic, given, correct) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for a in answers {
            insert.execute(params![
                attempt,
                a.question_id,
                a.topic,
                a.given,
                i64::from(a.correct)
            ])?;
        }
        Ok(true)
    }

    /// An attempt's answers as marked, in the paper's order of storing.
    pub fn test_answers(&self, attempt: i64) -> Result<Vec<MarkedAnswer>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT question_id, topic, given, correct FROM test_answers WHERE attempt_id = ?1",
        )?;
        let rows = stmt.query_map([attempt], |r| {
            Ok(MarkedAnswer {
                question_id: r.get(0)?,
                topic: r.get(1)?,
                given: r.get(2)?,
                correct: r.get::<_, i64>(3)? == 1,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
