//! The room as the instructor sees it: every seat's labs, the current lab graded live, the
//! last action, who is stuck or has a hand up, the checks failing most.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ClassError;
use crate::labs::Library;
use crate::labs::facts::Facts;
use crate::labs::grade::grade;
use crate::labs::run;
use crate::store::{ClassRecord, Finished, LiveHead, Store};

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
    /// The trainee's last action in words (`查看申报列表`, `提交申报 · 失败：…`).
    pub last_action: Option<String>,
    /// The same as the trace has it, for scripts.
    pub last_event: Option<LastEvent>,
    pub last_at: Option<DateTime<Utc>>,
    /// Working, and nothing done for the class's stuck threshold.
    pub stuck: bool,
    /// 举手: an open help request.
    pub hand: bool,
    /// The faults in force where the trainee is working.
    pub faults: Vec<FaultTag>,
}

/// A fault in force: its kind and, for maintenance, the module it closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FaultTag {
    pub kind: String,
    pub module: Option<String>,
}

/// A trace event's action and result (`return.list`, `ok`), as docs/trace.md lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LastEvent {
    pub action: String,
    pub result: String,
}

impl LastEvent {
    /// In the reader's words: the action's name from the catalogue (`trace.action.<action>`),
    /// and, unless it succeeded, the result's (`trace.result.<result>`); a code the
    /// catalogue does not know shows as it is.
    pub fn in_words(&self, lang: crate::i18n::Lang) -> String {
        let c = crate::i18n::Catalog::embedded();
        let action = c.name_of(lang, "trace.action", &self.action);
        if self.result == "ok" {
            action
        } else {
            c.format(
                lang,
                "console.last_failed",
                &[
                    ("action", &action),
                    ("result", &c.name_of(lang, "trace.result", &self.result)),
                ],
            )
        }
    }
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
    /// Seats with a fault in force, by fault: (fault, seat numbers).
    pub faults: Vec<(FaultTag, Vec<u32>)>,
}

impl Dashboard {
    /// Every seat's last action in the reader's words.
    pub fn in_words(mut self, lang: crate::i18n::Lang) -> Dashboard {
        for row in &mut self.seats {
            if let Some(e) = &row.last_event {
                row.last_action = Some(e.in_words(lang));
            }
        }
        self
    }
}

/// Minutes without an action before a working trainee counts as stuck.
pub const STUCK_MINUTES: i64 = 5;

/// A seat's current lab graded: what the dashboard keeps between ticks.
#[derive(Debug, Clone)]
struct Live {
    head: LiveHead,
    graded_at: DateTime<Utc>,
    lab: String,
    /// None until first graded.
    score: Option<u32>,
    started_at: DateTime<Utc>,
    last: Option<(LastEvent, DateTime<Utc>)>,
    current_step: Option<usize>,
    /// The checks not passing: (id, kind).
    failing: Vec<(String, String)>,
}

/// A grade is redone when the trainee does anything (the tenant's trace moves on), opens a
/// hint or starts another attempt, and at least this often (facts that change with time
/// alone, such as a lockout running out).
const REGRADE_SECONDS: i64 = 60;

/// Seats regraded in one tick at most, when a grade is already shown for the rest: while a
/// whole room works at once, a seat's cell may lag a tick or two (2 s each) rather than the
/// tick taking as long as grading the room. A seat not graded yet shows as working, its
/// score to come.
const REGRADES_PER_TICK: usize = 100;

/// The dashboards' memory of every live seat's grade, shared by everyone watching: a tick
/// regrades only the seats whose trainee did something since, so its cost grows with the
/// seats that changed, not with the room.
#[derive(Clone, Default)]
pub struct Boards(Arc<Mutex<HashMap<i64, Live>>>);

impl Boards {
    /// The grades kept for these attempts, however old (one look at the shared map).
    fn known(&self, attempts: impl Iterator<Item = i64>) -> HashMap<i64, Live> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        attempts
            .filter_map(|a| map.get(&a).map(|l| (a, l.clone())))
            .collect()
    }

    /// Keep this tick's grades, and let go of what nobody has looked at for a while
    /// (attempts finished, classes over).
    fn keep(&self, graded: Vec<Live>, now: DateTime<Utc>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !graded.is_empty() {
            map.retain(|_, l| (now - l.graded_at).num_seconds() < 10 * REGRADE_SECONDS);
        }
        for l in graded {
            map.insert(l.head.attempt, l);
        }
    }
}

impl Live {
    /// Still right for the seat: nothing changed since, and not older than the regrade period.
    fn fresh(&self, head: &LiveHead, now: DateTime<Utc>) -> bool {
        self.head == *head && (now - self.graded_at).num_seconds() < REGRADE_SECONDS
    }
}

/// Grade a seat's current attempt afresh.
fn grade_live(
    s: &Store<'_>,
    lib: &Library,
    head: LiveHead,
    now: DateTime<Utc>,
) -> Result<Option<Live>, ClassError> {
    let a = s.attempt_of(head.trainee, head.attempt)?;
    let Some(lab) = lib.lab(&a.lab_id) else {
        return Ok(None);
    };
    let m = run::materials(&a)?;
    let facts = Facts::read(&s.tenant(head.tenant), &m, now, lab.about_filing())?;
    let g = grade(lab, &facts, &a.hints);
    Ok(Some(Live {
        head,
        graded_at: now,
        lab: lab.id.clone(),
        score: Some(g.score),
        started_at: a.started_at,
        last: facts.trace.last().map(|e| {
            (
                LastEvent {
                    action: e.action.clone(),
                    result: e.result.clone(),
                },
                e.at,
            )
        }),
        current_step: (1..=lab.steps.len())
            .find(|n| g.checks.iter().any(|c| c.step == Some(*n) && !c.passed)),
        failing: g
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| (c.id.clone(), c.kind.clone()))
            .collect(),
    }))
}

/// The room as it stands: every seat's labs, the current lab graded live (regraded only
/// where something changed since `boards` last saw it), the last action.
pub fn dashboard(
    s: &Store<'_>,
    lib: &Library,
    boards: &Boards,
    class: ClassRecord,
    now: DateTime<Utc>,
) -> Result<Dashboard, ClassError> {
    let labs: Vec<String> = lib
        .pack(&class.pack_id)
        .map(|p| p.labs.clone())
        .unwrap_or_default();
    let mut failing: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let hands = s.open_hands(class.id)?;
    let mut faults_of: BTreeMap<u32, Vec<FaultTag>> = BTreeMap::new();
    for (seat, kind, params) in s.class_faults(class.id, now)? {
        let module = serde_json::from_str::<serde_json::Value>(&params)
            .ok()
            .and_then(|p| p["module"].as_str().map(str::to_owned));
        faults_of
            .entry(seat)
            .or_default()
            .push(FaultTag { kind, module });
    }
    let heads: HashMap<i64, LiveHead> = s
        .class_live_heads(class.id)?
        .into_iter()
        .map(|h| (h.trainee, h))
        .collect();
    let mut finished: HashMap<i64, Vec<Finished>> = HashMap::new();
    for f in s.class_finished(class.id)? {
        finished.entry(f.trainee).or_default().push(f);
    }
    let known = boards.known(heads.values().map(|h| h.attempt));
    // What this tick regrades: the seats never graded, then the stalest of those whose
    // trainee did something, up to the budget.
    let mut stale: Vec<(Option<DateTime<Utc>>, i64)> = heads
        .values()
        .map(|h| (known.get(&h.attempt), h))
        .filter(|(l, h)| !l.is_some_and(|l| l.fresh(h, now)))
        .map(|(l, h)| (l.map(|l| l.graded_at), h.attempt))
        .collect();
    stale.sort();
    let due: std::collections::HashSet<i64> = stale
        .iter()
        .take(REGRADES_PER_TICK)
        .map(|(_, a)| *a)
        .collect();
    let mut graded = Vec::new();
    let mut rows = Vec::new();
    for seat in s.seats(class.id)? {
        let mut row = SeatRow {
            seat_no: seat.seat_no,
            name: seat.name.clone(),
            student_no: seat.student_no.clone(),
            joined: seat.joined,
            cells: Vec::new(),
            current_lab: None,
            current_step: None,
            last_action: None,
            last_event: None,
            last_at: None,
            stuck: false,
            hand: hands.iter().any(|(t, _)| *t == seat.trainee_id),
            faults: faults_of.remove(&seat.seat_no).unwrap_or_default(),
        };
        let live = match heads.get(&seat.trainee_id) {
            Some(head) => match known.get(&head.attempt) {
                Some(l) if !due.contains(&head.attempt) => Some(l.clone()),
                // not graded yet, and this tick's budget spent: working, score to come
                None if !due.contains(&head.attempt) => Some(Live {
                    head: head.clone(),
                    graded_at: now,
                    lab: head.lab.clone(),
                    score: None,
                    started_at: head.started_at,
                    last: None,
                    current_step: None,
                    failing: Vec::new(),
                }),
                _ => {
                    let l = grade_live(s, lib, head.clone(), now)?;
                    graded.extend(l.clone());
                    l
                }
            },
            None => None,
        };
        if let Some(l) = &live {
            if let Some((action, at)) = &l.last {
                row.last_action = Some(format!("{} · {}", action.action, action.result));
                row.last_event = Some(action.clone());
                row.last_at = Some(*at);
            }
            let since = row.last_at.unwrap_or(l.started_at);
            row.stuck = (now - since).num_minutes() >= STUCK_MINUTES;
            row.current_step = l.current_step;
            for (id, kind) in &l.failing {
                *failing
                    .entry((l.lab.clone(), id.clone(), kind.clone()))
                    .or_default() += 1;
            }
            row.current_lab = Some(l.lab.clone());
        }
        let done = finished
            .get(&seat.trainee_id)
            .map_or(&[][..], Vec::as_slice);
        for lab in &labs {
            let best = done
                .iter()
                .filter(|f| &f.lab == lab)
                .max_by_key(|f| f.score);
            let cell = match (&live, best) {
                (Some(l), _) if &l.lab == lab => Cell {
                    state: "working",
                    score: l.score,
                },
                (_, Some(f)) => Cell {
                    state: if f.passed == Some(true) {
                        "passed"
                    } else {
                        "failed"
                    },
                    score: f.score.map(|s| s as u32),
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
    boards.keep(graded, now);
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
    let mut faults: Vec<(FaultTag, Vec<u32>)> = Vec::new();
    for r in &rows {
        for f in &r.faults {
            match faults.iter_mut().find(|(tag, _)| tag == f) {
                Some((_, seats)) => seats.push(r.seat_no),
                None => faults.push((f.clone(), vec![r.seat_no])),
            }
        }
    }
    Ok(Dashboard {
        hands: hands.len(),
        joined: rows.iter().filter(|r| r.joined).count(),
        stuck: rows.iter().filter(|r| r.stuck).count(),
        class,
        labs,
        seats: rows,
        failing,
        faults,
    })
}
