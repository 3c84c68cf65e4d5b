//! 满意度调查 and 跟踪回访 in the store: a class's or course's survey, its responses, and
//! (apart from them) who has answered; its follow-up and the trainees' self-reports.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::portal::{parse_ts, ts};
use super::tests_store::{owner_column, owner_columns, owner_of};
use super::{Store, StoreError, TestOwner};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SurveyRecord {
    pub id: i64,
    pub owner: TestOwner,
    pub anonymous: bool,
    pub open: bool,
    pub created_at: DateTime<Utc>,
}

/// One response: the five items (1–5), the recommendation (0–10), the comment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SurveyResponse {
    pub content: i64,
    pub instructor: i64,
    pub environment: i64,
    pub usefulness: i64,
    pub pace: i64,
    pub recommend: i64,
    pub comment: String,
}

fn survey_row(r: &Row<'_>) -> rusqlite::Result<Result<SurveyRecord, StoreError>> {
    let (id, class, course, anonymous, open, created): (
        i64,
        Option<i64>,
        Option<i64>,
        i64,
        i64,
        String,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    );
    Ok((|| {
        let owner = owner_of(class, course, "survey")?;
        Ok(SurveyRecord {
            id,
            owner,
            anonymous: anonymous == 1,
            open: open == 1,
            created_at: parse_ts(&created)?,
        })
    })())
}

impl Store<'_> {
    /// Open (or reopen, with its anonymity) the class's or course's survey.
    pub fn set_survey(
        &self,
        owner: TestOwner,
        anonymous: bool,
        open: bool,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        if let Some(s) = self.survey_of(owner)? {
            // anonymity is fixed once anyone has answered
            let answered: i64 = self
                .conn
                .prepare_cached("SELECT COUNT(*) FROM survey_done WHERE survey_id = ?1")?
                .query_row([s.id], |r| r.get(0))?;
            let anonymous = if answered > 0 { s.anonymous } else { anonymous };
            self.conn
                .prepare_cached("UPDATE surveys SET anonymous = ?2, open = ?3 WHERE id = ?1")?
                .execute(params![s.id, i64::from(anonymous), i64::from(open)])?;
            return Ok(s.id);
        }
        let (class, course) = owner_columns(owner);
        self.conn
            .prepare_cached(
                "INSERT INTO surveys (class_id, course_id, anonymous, open, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![class, course, i64::from(anonymous), i64::from(open), ts(now)])?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn survey_of(&self, owner: TestOwner) -> Result<Option<SurveyRecord>, StoreError> {
        let (column, id) = owner_column(owner);
        self.conn
            .prepare_cached(&format!(
                "SELECT id, class_id, course_id, anonymous, open, created_at FROM surveys WHERE {column} = ?1"
            ))?
            .query_row([id], survey_row)
            .optional()?
            .transpose()
    }

    pub fn has_answered(&self, survey: i64, trainee: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM survey_done WHERE survey_id = ?1 AND trainee_id = ?2")?
            .query_row(params![survey, trainee], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Keep a response; `false` when the trainee had already answered (nothing kept).
    pub fn add_survey_response(
        &self,
        survey: &SurveyRecord,
        trainee: i64,
        r: &SurveyResponse,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let first = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO survey_done (survey_id, trainee_id) VALUES (?1, ?2)",
            )?
            .execute(params![survey.id, trainee])?;
        if first == 0 {
            return Ok(false);
        }
        let (who, at) = if survey.anonymous {
            (None, now.format("%Y-%m-%d").to_string())
        } else {
            (Some(trainee), ts(now))
        };
        self.conn
            .prepare_cached(
                "INSERT INTO survey_responses (survey_id, trainee_id, content, instructor, environment, usefulness, pace, recommend, comment, answered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                survey.id, who, r.content, r.instructor, r.environment, r.usefulness, r.pace,
                r.recommend, r.comment, at
            ])?;
        Ok(true)
    }

    /// A survey's responses with their trainee (none when anonymous).
    pub fn survey_responses(
        &self,
        survey: i64,
    ) -> Result<Vec<(Option<i64>, SurveyResponse)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT trainee_id, content, instructor, environment, usefulness, pace, recommend, comment
             FROM survey_responses WHERE survey_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([survey], |r| {
            Ok((
                r.get(0)?,
                SurveyResponse {
                    content: r.get(1)?,
                    instructor: r.get(2)?,
                    environment: r.get(3)?,
                    usefulness: r.get(4)?,
                    pace: r.get(5)?,
                    recommend: r.get(6)?,
                    comment: r.get(7)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FollowUpRecord {
    pub id: i64,
    pub owner: TestOwner,
    pub days: i64,
    pub due_at: DateTime<Utc>,
    pub lab_id: String,
    pub open: bool,
}

/// A trainee's self-report: usage, and per task the confidence (1–5) before and now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FollowUpReport {
    pub trainee_id: i64,
    pub usage: String,
    pub confidence: std::collections::BTreeMap<String, (i64, i64)>,
    pub answered_at: DateTime<Utc>,
}

fn follow_up_row(r: &Row<'_>) -> rusqlite::Result<Result<FollowUpRecord, StoreError>> {
    let (id, class, course, days, due, lab_id, open): (
        i64,
        Option<i64>,
        Option<i64>,
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
        let owner = owner_of(class, course, "follow-up")?;
        Ok(FollowUpRecord {
            id,
            owner,
            days,
            due_at: parse_ts(&due)?,
            lab_id,
            open: open == 1,
        })
    })())
}

impl Store<'_> {
    /// Schedule (or reschedule) the class's or course's follow-up.
    pub fn set_follow_up(
        &self,
        owner: TestOwner,
        days: i64,
        due_at: DateTime<Utc>,
        lab_id: &str,
        open: bool,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        if let Some(f) = self.follow_up_of(owner)? {
            self.conn
                .prepare_cached(
                    "UPDATE follow_ups SET days = ?2, due_at = ?3, lab_id = ?4, open = ?5 WHERE id = ?1",
                )?
                .execute(params![f.id, days, ts(due_at), lab_id, i64::from(open)])?;
            return Ok(f.id);
        }
        let (class, course) = owner_columns(owner);
        self.conn
            .prepare_cached(
                "INSERT INTO follow_ups (class_id, course_id, days, due_at, lab_id, open, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![class, course, days, ts(due_at), lab_id, i64::from(open), ts(now)])?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn set_follow_up_open(&self, id: i64, open: bool) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE follow_ups SET open = ?2 WHERE id = ?1")?
            .execute(params![id, i64::from(open)])?;
        Ok(())
    }

    pub fn follow_up_of(&self, owner: TestOwner) -> Result<Option<FollowUpRecord>, StoreError> {
        let (column, id) = owner_column(owner);
        self.conn
            .prepare_cached(&format!(
                "SELECT id, class_id, course_id, days, due_at, lab_id, open FROM follow_ups WHERE {column} = ?1"
            ))?
            .query_row([id], follow_up_row)
            .optional()?
            .transpose()
    }

    /// Keep a trainee's self-report; `false` when they had reported already.
    pub fn add_follow_up_report(
        &self,
        follow_up: i64,
        trainee: i64,
        usage: &str,
        confidence: &std::collections::BTreeMap<String, (i64, i64)>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let json =
            serde_json::to_string(confidence).map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO follow_up_reports (follow_up_id, trainee_id, usage, confidence, answered_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![follow_up, trainee, usage, json, ts(now)])?
            == 1)
    }

    pub fn follow_up_reports(&self, follow_up: i64) -> Result<Vec<FollowUpReport>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT trainee_id, usage, confidence, answered_at FROM follow_up_reports WHERE follow_up_id = ?1 ORDER BY trainee_id",
        )?;
        let rows = stmt.query_map([follow_up], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (trainee_id, usage, confidence, at) = row?;
            out.push(FollowUpReport {
                trainee_id,
                usage,
                confidence: serde_json::from_str(&confidence)
                    .map_err(|e| StoreError::BadData(e.to_string()))?,
                answered_at: parse_ts(&at)?,
            });
        }
        Ok(out)
    }
}
