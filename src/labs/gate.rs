//! The gate every request into the simulated bureau passes while a lab is in progress: an
//! exam whose time is up is handed in first; a maintenance window the lab (or the
//! instructor) put on a module refuses that module, and the refusal is traced for the
//! grader. The web layer says which module a request is for and words the refusal.

use chrono::{DateTime, Utc};

use super::Library;
use crate::store::{Attempt, Store, StoreError, Trainee};

/// A maintenance window over a module: which, and when it reopens (if it says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub module: &'static str,
    pub until: Option<DateTime<Utc>>,
}

/// What the gate decides for a request.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Work in the attempt.
    Work(Attempt),
    /// The exam's time is up: hand it in ([`expire`]) before anything else.
    Expired(Attempt),
    /// The module is under maintenance: refused ([`refuse`] traces it).
    Closed(Closed),
}

/// Read the trainee's attempt in progress and decide: the exam's deadline first, then a
/// maintenance window over `module` in the attempt's tenant. No attempt, no gate.
pub fn read(
    s: &Store<'_>,
    trainee: &Trainee,
    module: Option<&'static str>,
    now: DateTime<Utc>,
) -> Result<Option<Verdict>, StoreError> {
    let Some(id) = trainee.attempt else {
        return Ok(None);
    };
    let attempt = s.attempt_of(trainee.id, id)?;
    if attempt.finished_at.is_none() && attempt.deadline_at.is_some_and(|d| now >= d) {
        return Ok(Some(Verdict::Expired(attempt)));
    }
    let closed = match module {
        Some(module) => s
            .tenant(trainee.tenant)
            .faults("maintenance", now)?
            .into_iter()
            .find(|f| {
                serde_json::from_str::<serde_json::Value>(&f.params)
                    .is_ok_and(|p| p["module"] == module)
            })
            .map(|f| Closed {
                module,
                until: f.ends_at,
            }),
        None => None,
    };
    Ok(Some(match closed {
        Some(c) => Verdict::Closed(c),
        None => Verdict::Work(attempt),
    }))
}

/// Hand in an exam whose time is up; the trainee is back in their own tenant.
pub fn expire(
    s: &Store<'_>,
    labs: &Library,
    trainee: &Trainee,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<Trainee, StoreError> {
    super::run::expire(s, labs, trainee, attempt, now)
        .map_err(|e| StoreError::Other(e.to_string()))?;
    s.trainee(trainee.id)
}

/// Trace a request refused by maintenance (the grader reads how the trainee reacted).
pub fn refuse(
    s: &Store<'_>,
    trainee: &Trainee,
    closed: &Closed,
    path: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    s.tenant(trainee.tenant).trace(
        now,
        None,
        "maintenance",
        "refused",
        &serde_json::json!({ "module": closed.module, "path": path }),
    )
}
