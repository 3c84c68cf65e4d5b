//! Trainees and sandbox sessions: who is using the sandbox and which tenant they work in.
//! These are the only store calls that produce a [`TenantId`] from a request's token.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::portal::ts;
use super::{Store, StoreError, TenantId};

/// What kind of trainee: the demo one `serve` provides, or a seat in a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TraineeKind {
    Demo,
    Class,
    /// A learner of a self-paced course.
    Course,
}

impl TraineeKind {
    fn as_str(self) -> &'static str {
        match self {
            TraineeKind::Demo => "demo",
            TraineeKind::Class => "class",
            TraineeKind::Course => "course",
        }
    }

    fn parse(s: &str) -> Result<TraineeKind, StoreError> {
        match s {
            "demo" => Ok(TraineeKind::Demo),
            "class" => Ok(TraineeKind::Class),
            "course" => Ok(TraineeKind::Course),
            other => Err(StoreError::BadData(format!("trainee kind {other:?}"))),
        }
    }
}

/// A trainee and the tenant they work in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trainee {
    pub id: i64,
    /// The tenant the portal shows: the current lab attempt's, else their own.
    pub tenant: TenantId,
    /// Their own tenant (the demo tenant, or their seat's).
    pub home: TenantId,
    /// The lab attempt in progress, if any.
    pub attempt: Option<i64>,
    pub name: String,
    pub kind: TraineeKind,
    /// The shown tenant's sandbox date (its "today").
    pub sandbox_date: chrono::NaiveDate,
    /// The latest 课堂通知 of the trainee's class, if any.
    pub class_notice: Option<String>,
    /// The trainee's class is paused by the instructor.
    pub class_paused: bool,
    /// 举手: the trainee's hand is up and not yet answered.
    pub hand_raised: bool,
    /// The trainee's class has ended: their work is handed in, graded and read only.
    pub class_ended: bool,
}

/// A trainee with the tenant they see: the unfinished current attempt's, else their own.
const TRAINEE: &str = "SELECT t.id, COALESCE(a.tenant_id, t.tenant_id), t.name, t.kind, n.sandbox_date,
    t.tenant_id, a.id,
    (SELECT c.notice FROM seats st JOIN classes c ON c.id = st.class_id
     WHERE st.trainee_id = t.id AND c.notice != ''),
    EXISTS (SELECT 1 FROM seats st JOIN classes c ON c.id = st.class_id
     WHERE st.trainee_id = t.id AND c.state = 'paused'),
    EXISTS (SELECT 1 FROM seats st JOIN classes c ON c.id = st.class_id
     WHERE st.trainee_id = t.id AND c.state = 'ended'),
    EXISTS (SELECT 1 FROM help_requests h WHERE h.trainee_id = t.id AND h.resolved_at IS NULL)
    FROM trainees t
    LEFT JOIN attempts a ON a.id = t.current_attempt AND a.finished_at IS NULL AND a.tenant_id IS NOT NULL
    JOIN tenants n ON n.id = COALESCE(a.tenant_id, t.tenant_id)";

impl Store<'_> {
    /// The tenant's trainee of that kind, if there is one (the demo tenant has one).
    pub fn trainee_of(
        &self,
        tenant: TenantId,
        kind: TraineeKind,
    ) -> Result<Option<Trainee>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "{TRAINEE} WHERE t.tenant_id = ?1 AND t.kind = ?2 ORDER BY t.id LIMIT 1"
            ))?
            .query_row(params![tenant.0, kind.as_str()], trainee_row)
            .optional()?
            .transpose()
    }

    pub fn create_trainee(
        &self,
        tenant: TenantId,
        name: &str,
        kind: TraineeKind,
        now: DateTime<Utc>,
    ) -> Result<Trainee, StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO trainees (tenant_id, name, kind, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![tenant.0, name, kind.as_str(), ts(now)])?;
        self.trainee(self.conn.last_insert_rowid())
    }

    pub fn trainee(&self, id: i64) -> Result<Trainee, StoreError> {
        self.conn
            .prepare_cached(&format!("{TRAINEE} WHERE t.id = ?1"))?
            .query_row([id], trainee_row)?
    }

    /// Open a sandbox session for a trainee and return its token.
    pub fn open_sandbox_session(
        &self,
        trainee: &Trainee,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = hex::encode(rand::random::<[u8; 32]>());
        self.conn
            .prepare_cached(
                "INSERT INTO sandbox_sessions (token, trainee_id, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![token, trainee.id, ts(now)])?;
        Ok(token)
    }

    /// The trainee a sandbox token belongs to; an unknown token is `None`.
    pub fn sandbox_trainee(&self, token: &str) -> Result<Option<Trainee>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "{TRAINEE} WHERE t.id = (SELECT trainee_id FROM sandbox_sessions WHERE token = ?1)"
            ))?
            .query_row([token], trainee_row)
            .optional()?
            .transpose()
    }

    /// Every trainee with a sandbox session open, oldest first.
    pub fn sandbox_trainees(&self) -> Result<Vec<Trainee>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{TRAINEE} WHERE t.id IN (SELECT trainee_id FROM sandbox_sessions) ORDER BY t.id"
        ))?;
        let rows = stmt
            .query_map([], trainee_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    pub fn close_sandbox_session(&self, token: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM sandbox_sessions WHERE token = ?1")?
            .execute([token])?;
        Ok(())
    }
}

fn trainee_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Trainee, StoreError>> {
    let (id, tenant, name, kind, date): (i64, i64, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    let (home, attempt, class_notice, class_paused): (i64, Option<i64>, Option<String>, bool) =
        (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?);
    let (class_ended, hand_raised): (bool, bool) = (r.get(9)?, r.get(10)?);
    Ok((|| {
        Ok(Trainee {
            id,
            tenant: TenantId(tenant),
            home: TenantId(home),
            attempt,
            class_notice,
            class_paused,
            class_ended,
            hand_raised,
            name,
            kind: TraineeKind::parse(&kind)?,
            sandbox_date: date
                .parse()
                .map_err(|_| StoreError::BadData(format!("sandbox date {date:?}")))?,
        })
    })())
}
