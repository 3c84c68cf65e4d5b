//! The room as the instructor sees it: every seat's labs, the current lab graded live, the
//! last action, who is stuck or has a hand up, the checks failing most.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ClassError;
use crate::labs::Library;
use crate::labs::facts::Facts;
use crate::labs::grade::grade;
use crate::labs::run;
use crate::store::{ClassRecord, Store};

/// One seat on the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct SeatRow {
    pub seat_no: u32,
    pub name: String,
    pub student_no: String,
    pub joined: bool,
    /// Per lab of the pack: `none`, `working`, `passed`, `failed`, with the score.
    pub cells: Vec<Cell>,
    pub current_lab: Option<String>,
    /// The first step of the current lab whose checks do not all pass yet (1-based).
    pub current_step: Option<usize>,
    pub last_action: Option<String>,
    pub last_at: Option<DateTime<Utc>>,
    /// Working, and nothing done for the class's stuck threshold.
    pub stuck: bool,
    /// 举手: an open help request.
    pub hand: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub state: &'static str,
    pub score: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failing {
    pub lab: String,
    pub check: String,
    pub kind: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub class: ClassRecord,
    pub hands: usize,
    pub labs: Vec<String>,
    pub seats: Vec<SeatRow>,
    pub joined: usize,
    pub stuck: usize,
    /// The checks failing in the most current attempts right now.
    pub failing: Vec<Failing>,
}

/// Minutes without an action before a working trainee counts as stuck.
pub const STUCK_MINUTES: i64 = 5;

/// The room as it stands: every seat's labs, the current lab graded live, the last action.
pub fn dashboard(
    s: &Store<'_>,
    lib: &Library,
    class: ClassRecord,
    now: DateTime<Utc>,
) -> Result<Dashboard, ClassError> {
    let labs: Vec<String> = lib
        .pack(&class.pack_id)
        .map(|p| p.labs.clone())
        .unwrap_or_default();
    let mut failing: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let hands = s.open_hands(class.id)?;
    let mut rows = Vec::new();
    for seat in s.seats(class.id)? {
        let trainee = s.trainee(seat.trainee_id)?;
        let attempts = s.attempts_of(trainee.id)?;
        let mut row = SeatRow {
            seat_no: seat.seat_no,
            name: seat.name.clone(),
            student_no: seat.student_no.clone(),
            joined: seat.joined,
            cells: Vec::new(),
            current_lab: None,
            current_step: None,
            last_action: None,
            last_at: None,
            stuck: false,
            hand: hands.iter().any(|(t, _)| *t == seat.trainee_id),
        };
        let mut live = None;
        if let Some(id) = trainee.attempt
            && let Some(a) = attempts.iter().find(|a| a.id == id)
            && let (Some(lab), Some(tenant)) = (lib.lab(&a.lab_id), a.tenant)
        {
            let m = run::materials(a)?;
            let facts = Facts::read(&s.tenant(tenant), &m, now, lab.about_filing())?;
            let g = grade(lab, &facts, &a.hints);
            if let Some(e) = facts.trace.last() {
                row.last_action = Some(format!("{} · {}", e.action, e.result));
                row.last_at = Some(e.at);
            }
            let since = row.last_at.unwrap_or(a.started_at);
            row.stuck = (now - since).num_minutes() >= STUCK_MINUTES;
            row.current_step = (1..=lab.steps.len())
                .find(|n| g.checks.iter().any(|c| c.step == Some(*n) && !c.passed));
            for c in g.checks.iter().filter(|c| !c.passed) {
                *failing
                    .entry((lab.id.clone(), c.id.clone(), c.kind.clone()))
                    .or_default() += 1;
            }
            row.current_lab = Some(lab.id.clone());
            live = Some((lab.id.clone(), g.score));
        }
        for l in &labs {
            let best = attempts
                .iter()
                .filter(|a| &a.lab_id == l && a.finished_at.is_some())
                .max_by_key(|a| a.score);
            let cell = match (&live, best) {
                (Some((id, score)), _) if id == l => Cell {
                    state: "working",
                    score: Some(*score),
                },
                (_, Some(a)) => Cell {
                    state: if a.passed == Some(true) {
                        "passed"
                    } else {
                        "failed"
                    },
                    score: a.score.map(|s| s as u32),
                },
                _ => Cell {
                    state: "none",
                    score: None,
                },
            };
            row.cells.push(cell);
        }
        rows.push(row);
    }
    let mut failing: Vec<Failing> = failing
        .into_iter()
        .map(|((lab, check, kind), count)| Failing {
            lab,
            check,
            kind,
            count,
        })
        .collect();
    failing.sort_by_key(|f| std::cmp::Reverse(f.count));
    failing.truncate(5);
    Ok(Dashboard {
        hands: hands.len(),
        joined: rows.iter().filter(|r| r.joined).count(),
        stuck: rows.iter().filter(|r| r.stuck).count(),
        class,
        labs,
        seats: rows,
        failing,
    })
}
