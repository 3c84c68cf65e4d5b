//! 跟踪回访: some days after the class the trainee comes back to a short self-report — how
//! often they now use the e-tax bureau, their confidence per task now and, looking back,
//! before the training (a retrospective pre-test) — and a retention lab from the pack.
//! Summed up for the instructor as usage, confidence change and the retention lab's scores.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::owner_of;
use crate::labs::Library;
use crate::store::{FollowUpRecord, Store, StoreError, TestOwner};

/// How often the trainee uses the e-tax bureau now.
pub const USAGE: [&str; 4] = ["never", "monthly", "weekly", "daily"];

/// The tasks confidence is asked about.
pub const TASKS: [&str; 5] = ["login", "filing", "payment", "proofs", "queries"];

/// Per task, the confidence (1–5) before the training and now.
pub type Confidence = BTreeMap<String, (i64, i64)>;

/// The longest a follow-up may wait, in days.
pub const DAYS_MAX: i64 = 365;

#[derive(Debug, thiserror::Error)]
pub enum FollowUpError {
    #[error("{field}: {code}")]
    Field { field: String, code: &'static str },
    #[error("no follow-up")]
    NoFollowUp,
    #[error("not due yet")]
    NotDue,
    #[error("closed")]
    Closed,
    #[error("already reported")]
    Reported,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl FollowUpError {
    pub fn code(&self) -> &'static str {
        match self {
            FollowUpError::Field { code, .. } => code,
            FollowUpError::NoFollowUp => "no_follow_up",
            FollowUpError::NotDue => "not_due",
            FollowUpError::Closed => "closed",
            FollowUpError::Reported => "reported",
            FollowUpError::Store(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            FollowUpError::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

fn bad(field: impl Into<String>, code: &'static str) -> FollowUpError {
    FollowUpError::Field {
        field: field.into(),
        code,
    }
}

#[allow(clippy::too_many_arguments)]
/// Schedule the follow-up `days` after `base` (the class's end, or now), with the retention
/// lab (`lab`, a lab of the pack; the pack's first when empty).
pub fn schedule(
    s: &Store<'_>,
    lib: &Library,
    owner: TestOwner,
    pack_id: &str,
    base: DateTime<Utc>,
    days: Option<i64>,
    lab: &str,
    now: DateTime<Utc>,
) -> Result<FollowUpRecord, FollowUpError> {
    let days = days.unwrap_or(30);
    if !(1..=DAYS_MAX).contains(&days) {
        return Err(bad("minutes", "bad_days"));
    }
    let pack = lib.pack(pack_id).ok_or(bad("kind", "bad_lab"))?;
    let lab = match lab.trim() {
        "" => pack.labs.first().cloned(),
        id => pack.labs.iter().find(|l| *l == id).cloned(),
    }
    .ok_or(bad("kind", "bad_lab"))?;
    s.set_follow_up(owner, days, base + Duration::days(days), &lab, true, now)?;
    s.follow_up_of(owner)?.ok_or(FollowUpError::NoFollowUp)
}

/// Where the trainee stands with their follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// None scheduled, not due yet, or closed.
    None,
    /// Due: the self-report (unless given) and the retention lab to take.
    Due { reported: bool, lab: String },
}

pub fn standing(s: &Store<'_>, trainee: i64, now: DateTime<Utc>) -> Result<Standing, StoreError> {
    let Some(owner) = owner_of(s, trainee)? else {
        return Ok(Standing::None);
    };
    Ok(match s.follow_up_of(owner)? {
        Some(f) if f.open && now >= f.due_at => Standing::Due {
            reported: s
                .follow_up_reports(f.id)?
                .iter()
                .any(|r| r.trainee_id == trainee),
            lab: f.lab_id,
        },
        _ => Standing::None,
    })
}

/// A self-report as typed: `usage`, and `before_<task>`, `now_<task>` (1–5) for each task.
pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<(String, Confidence), FollowUpError> {
    let usage = get("usage").unwrap_or_default();
    let usage = USAGE
        .iter()
        .find(|u| **u == usage.trim())
        .ok_or(bad("usage", "bad_usage"))?;
    let mut confidence = BTreeMap::new();
    for task in TASKS {
        let score = |which: &str| {
            let field = format!("{which}_{task}");
            get(&field)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|v| (1..=5).contains(v))
                .ok_or(bad(field, "bad_confidence"))
        };
        confidence.insert(task.to_owned(), (score("before")?, score("now")?));
    }
    Ok(((*usage).to_owned(), confidence))
}

/// Keep the trainee's self-report (once, when due and open).
pub fn report(
    s: &Store<'_>,
    trainee: i64,
    usage: &str,
    confidence: &BTreeMap<String, (i64, i64)>,
    now: DateTime<Utc>,
) -> Result<(), FollowUpError> {
    let owner = owner_of(s, trainee)?.ok_or(FollowUpError::NoFollowUp)?;
    let f = s.follow_up_of(owner)?.ok_or(FollowUpError::NoFollowUp)?;
    if now < f.due_at {
        return Err(FollowUpError::NotDue);
    }
    if !f.open {
        return Err(FollowUpError::Closed);
    }
    if !s.add_follow_up_report(f.id, trainee, usage, confidence, now)? {
        return Err(FollowUpError::Reported);
    }
    Ok(())
}

/// Confidence in one task, summed up: means before and now in tenths (half up).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskConfidence {
    pub task: &'static str,
    pub before_tenths: i64,
    pub now_tenths: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUpSummary {
    pub days: i64,
    pub due_at: String,
    pub open: bool,
    pub lab: String,
    pub reports: usize,
    /// How many answered never, monthly, weekly, daily.
    pub usage: [i64; 4],
    pub confidence: Vec<TaskConfidence>,
}

pub fn summary(s: &Store<'_>, owner: TestOwner) -> Result<Option<FollowUpSummary>, StoreError> {
    summary_of(s, &[owner])
}

/// The follow-ups of several classes summed up as one (a pack's report): their
/// self-reports together; the days, due date and lab are the first one's, open if any is.
pub fn summary_of(
    s: &Store<'_>,
    owners: &[TestOwner],
) -> Result<Option<FollowUpSummary>, StoreError> {
    let mut follow_ups = Vec::new();
    for o in owners {
        follow_ups.extend(s.follow_up_of(*o)?);
    }
    let any_open = follow_ups.iter().any(|f| f.open);
    let mut reports = Vec::new();
    for f in &follow_ups {
        reports.extend(s.follow_up_reports(f.id)?);
    }
    let Some(f) = follow_ups.into_iter().next() else {
        return Ok(None);
    };
    let n = reports.len() as i64;
    let mut usage = [0; 4];
    for r in &reports {
        if let Some(i) = USAGE.iter().position(|u| *u == r.usage) {
            usage[i] += 1;
        }
    }
    let tenths = |sum: i64| if n > 0 { (20 * sum + n) / (2 * n) } else { 0 };
    let confidence = TASKS
        .iter()
        .map(|task| {
            let (b, a) = reports
                .iter()
                .filter_map(|r| r.confidence.get(*task))
                .fold((0, 0), |(b, a), (x, y)| (b + x, a + y));
            TaskConfidence {
                task,
                before_tenths: tenths(b),
                now_tenths: tenths(a),
            }
        })
        .collect();
    Ok(Some(FollowUpSummary {
        days: f.days,
        due_at: crate::domain::cst(f.due_at),
        open: any_open,
        lab: f.lab_id,
        reports: reports.len(),
        usage,
        confidence,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_report_needs_the_usage_and_every_confidence_in_range() {
        let mut typed: BTreeMap<String, String> = BTreeMap::new();
        typed.insert("usage".into(), "weekly".into());
        for t in TASKS {
            typed.insert(format!("before_{t}"), "2".into());
            typed.insert(format!("now_{t}"), "4".into());
        }
        let read_map = |m: &BTreeMap<String, String>| read(|k| m.get(k).cloned());
        let (usage, conf) = read_map(&typed).unwrap();
        assert_eq!(usage, "weekly");
        assert_eq!(conf["filing"], (2, 4));
        let mut bad_usage = typed.clone();
        bad_usage.insert("usage".into(), "hourly".into());
        assert_eq!(read_map(&bad_usage).unwrap_err().field(), Some("usage"));
        let mut bad_now = typed.clone();
        bad_now.insert("now_proofs".into(), "6".into());
        let e = read_map(&bad_now).unwrap_err();
        assert_eq!(
            (e.field(), e.code()),
            (Some("now_proofs"), "bad_confidence")
        );
        bad_now.remove("now_proofs");
        assert_eq!(read_map(&bad_now).unwrap_err().field(), Some("now_proofs"));
    }
}
