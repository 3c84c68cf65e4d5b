//! The evaluation report (培训效果评估报告) of a class or course, by Kirkpatrick level: L1
//! reaction (the survey), L2 learning (pre/post tests with the normalised gain, each
//! question's difficulty and discrimination, labs' scores and pass rates, the checks failed
//! most), L3 behaviour (the follow-up's usage and confidence change, the retention lab
//! against the class's score on it), L4 results as far as the sandbox can show them (filing
//! mistakes in the labs), and a row per trainee. One value, computed once from the store, so
//! every format shows the same numbers. Every ratio is an integer (percent, or hundredths)
//! rounded half up; nothing is a float.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::follow_up::{self, FollowUpSummary};
pub use super::scope::Scope;
use super::survey::{self, SurveySummary};
use crate::labs::Library;
use crate::labs::grade::Grade;
use crate::store::{Attempt, Store, StoreError, TestOwner};

/// `round(n / d)` half up for non-negative `n`, positive `d`.
fn div_round(n: i64, d: i64) -> i64 {
    (2 * n + d) / (2 * d)
}

/// Hundredths written as a decimal, `-0.05`, `0.45`, `1.00`, in integers.
pub fn hundredths(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", v.abs() / 100, v.abs() % 100)
}

/// A percent, rounded half up; `None` without a denominator.
fn percent(n: i64, d: i64) -> Option<i64> {
    (d > 0).then(|| div_round(100 * n, d))
}

/// One test of the class summed up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TestStats {
    pub phase: String,
    pub form: String,
    /// Trainees who handed it in (their best attempt counts).
    pub takers: usize,
    pub mean_percent: Option<i64>,
}

/// One question: how many answered it, the share right (difficulty p), and the
/// discrimination D = p(upper third) − p(lower third) by test score, in hundredths.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionStats {
    pub phase: String,
    pub question: String,
    pub topic: String,
    pub answered: usize,
    pub correct_percent: Option<i64>,
    pub discrimination_hundredths: Option<i64>,
    /// The same, written (`0.45`).
    pub discrimination: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LabStats {
    pub lab: String,
    pub attempted: usize,
    pub passed: usize,
    /// The mean of each trainee's best score.
    pub mean_best: Option<i64>,
    /// Median minutes from start to hand-in of finished attempts.
    pub median_minutes: Option<i64>,
    pub hints: usize,
}

/// A check most often failed (in each trainee's latest finished attempt at the lab).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckStats {
    pub lab: String,
    pub check: String,
    pub kind: String,
    pub failed: usize,
    pub of: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Learning {
    pub pre: Option<TestStats>,
    pub post: Option<TestStats>,
    /// Hake's ⟨g⟩ on the class means, (post − pre) / (100 − pre), in hundredths; only for
    /// trainees who took both.
    pub gain_hundredths: Option<i64>,
    /// The same, written (`0.45`).
    pub gain: Option<String>,
    pub paired: usize,
    pub questions: Vec<QuestionStats>,
    pub labs: Vec<LabStats>,
    pub checks: Vec<CheckStats>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Behaviour {
    pub follow_up: Option<FollowUpSummary>,
    /// The retention lab: the mean best score of attempts started once the follow-up was
    /// due, and the class's mean best score on the same lab before it.
    pub retention_mean: Option<i64>,
    pub class_mean: Option<i64>,
}

/// What the sandbox can show of results: filing mistakes in the labs' graded attempts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    /// Graded checks about filings (`return_filed`, `not_resubmitted`, `return_paid`).
    pub filing_checks: usize,
    pub wrong_totals: usize,
    pub duplicates: usize,
    pub unpaid: usize,
}

/// One trainee's row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonRow {
    /// Seat number or learner number.
    pub no: u32,
    pub name: String,
    /// What a school's systems know them by: the seat's student number (else the name), the
    /// learner's sign-in.
    pub id_number: String,
    pub pre_percent: Option<i64>,
    pub post_percent: Option<i64>,
    pub labs_passed: usize,
    pub labs_attempted: usize,
    pub hints: usize,
    /// In a pack's report, the trainee's class.
    pub class: Option<String>,
    /// The best score of each lab, in `learning.labs`' order.
    pub lab_best: Vec<Option<i64>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// `class`, `course` or `pack` (the classes of one lab pack together), its id (0 for a
    /// pack) and name.
    pub kind: &'static str,
    pub id: i64,
    pub name: String,
    pub pack: String,
    /// The classes a pack's report covers (empty for one class or course).
    pub classes: Vec<GroupRef>,
    pub generated_at: String,
    pub trainees: usize,
    pub reaction: Option<SurveySummary>,
    pub learning: Learning,
    pub behaviour: Behaviour,
    pub results: Results,
    pub people: Vec<PersonRow>,
    /// What the report could not show, as catalogue keys (`report.missing.<key>`).
    pub missing: Vec<&'static str>,
    /// How far the statements sent to the learning record store have got (`serve
    /// --lrs-endpoint`); absent when none were queued.
    pub lrs: Option<LrsStatus>,
}

/// A class a pack's report covers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupRef {
    pub id: i64,
    pub name: String,
}

/// The class's or course's statements in the LRS outbox.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LrsStatus {
    pub queued: i64,
    pub sent: i64,
    pub refused: i64,
    /// The latest reason one is still waiting or was refused.
    pub last_error: String,
}

/// Who is in a class or course: number, name, id number, trainee.
struct Member {
    no: u32,
    name: String,
    id_number: String,
    trainee: i64,
}

fn roster(s: &Store<'_>, owner: TestOwner) -> Result<Vec<Member>, StoreError> {
    Ok(match owner {
        TestOwner::Class(c) => s
            .seats(c)?
            .into_iter()
            .filter(|st| st.joined)
            .map(|st| Member {
                no: st.seat_no,
                id_number: if st.student_no.is_empty() {
                    st.name.clone()
                } else {
                    st.student_no.clone()
                },
                name: st.name,
                trainee: st.trainee_id,
            })
            .collect(),
        TestOwner::Course(c) => s
            .learners(c)?
            .into_iter()
            .map(|l| Member {
                no: l.no,
                name: l.name,
                id_number: l.login,
                trainee: l.trainee_id,
            })
            .collect(),
    })
}

/// Each trainee's best handed-in attempt at a test, as (right, total), and their marks.
type Best = BTreeMap<i64, (i64, i64, i64)>;

fn best_attempts(
    s: &Store<'_>,
    test: i64,
    trainees: &BTreeSet<i64>,
    now: DateTime<Utc>,
) -> Result<Best, StoreError> {
    let mut best: Best = BTreeMap::new();
    for a in super::as_of(s.test_attempts(test)?, now) {
        let (Some(score), true) = (a.score, trainees.contains(&a.trainee_id)) else {
            continue;
        };
        let e = best.entry(a.trainee_id).or_insert((score, a.total, a.id));
        if score > e.0 {
            *e = (score, a.total, a.id);
        }
    }
    Ok(best)
}

fn question_stats(
    s: &Store<'_>,
    phase: &str,
    best: &Best,
) -> Result<Vec<QuestionStats>, StoreError> {
    // by score, so the upper and lower thirds can be told
    let mut ranked: Vec<(i64, i64)> = best.values().map(|(score, _, id)| (*score, *id)).collect();
    ranked.sort_unstable();
    let third = ranked.len() / 3;
    let lower: BTreeSet<i64> = ranked.iter().take(third).map(|r| r.1).collect();
    let upper: BTreeSet<i64> = ranked.iter().rev().take(third).map(|r| r.1).collect();
    let mut per: BTreeMap<String, (String, i64, i64, i64, i64)> = BTreeMap::new();
    for (_, attempt) in &ranked {
        for m in s.test_answers(*attempt)? {
            let e = per
                .entry(m.question_id.clone())
                .or_insert((m.topic.clone(), 0, 0, 0, 0));
            e.1 += 1;
            e.2 += i64::from(m.correct);
            if m.correct && upper.contains(attempt) {
                e.3 += 1;
            }
            if m.correct && lower.contains(attempt) {
                e.4 += 1;
            }
        }
    }
    Ok(per
        .into_iter()
        .map(|(q, (topic, n, right, up, low))| {
            let d = (third > 0).then(|| {
                let d = up - low;
                d.signum() * div_round(d.abs() * 100, third as i64)
            });
            QuestionStats {
                phase: phase.to_owned(),
                question: q,
                topic,
                answered: n as usize,
                correct_percent: percent(right, n),
                discrimination_hundredths: d,
                discrimination: d.map(hundredths),
            }
        })
        .collect())
}

fn grade_of(a: &Attempt) -> Option<Grade> {
    a.grade
        .as_deref()
        .and_then(|g| serde_json::from_str(g).ok())
}

/// The report of a class or course on `now`.
pub fn build(
    s: &Store<'_>,
    lib: &Library,
    owner: TestOwner,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    build_scope(s, lib, &Scope::of(s, owner)?, now)
}

/// The report of a scope (one class or course, or a pack's classes together) on `now`.
pub fn build_scope(
    s: &Store<'_>,
    lib: &Library,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let pack = scope.pack.clone();
    let owners = scope.owners();
    let mut people: Vec<(Member, &str)> = Vec::new();
    // each class's or course's own trainees, for its follow-up
    let mut members_of: Vec<BTreeSet<i64>> = Vec::new();
    for (owner, group) in &scope.owners {
        let members = roster(s, *owner)?;
        members_of.push(members.iter().map(|m| m.trainee).collect());
        people.extend(members.into_iter().map(|m| (m, group.as_str())));
    }
    let trainees: BTreeSet<i64> = people.iter().map(|(p, _)| p.trainee).collect();
    let mut missing = Vec::new();
    if trainees.is_empty() {
        missing.push("trainees");
    }
    // L2: the tests, each phase's takers together across the scope
    let mut tests: BTreeMap<String, (TestStats, Best, (i64, i64))> = BTreeMap::new();
    for owner in &owners {
        for t in s.tests_of(*owner)? {
            let best = best_attempts(s, t.id, &trainees, now)?;
            let (right, total) = best.values().fold((0, 0), |(r, n), b| (r + b.0, n + b.1));
            let e = tests.entry(t.phase.clone()).or_insert_with(|| {
                (
                    TestStats {
                        phase: t.phase.clone(),
                        form: t.form.clone(),
                        takers: 0,
                        mean_percent: None,
                    },
                    Best::new(),
                    (0, 0),
                )
            });
            if e.0.form != t.form {
                e.0.form = "mixed".to_owned();
            }
            e.1.extend(best);
            e.2 = (e.2.0 + right, e.2.1 + total);
        }
    }
    let mut questions = Vec::new();
    for phase in ["pre", "post"] {
        if let Some((stats, best, (right, total))) = tests.get_mut(phase) {
            stats.takers = best.len();
            stats.mean_percent = percent(*right, *total);
            questions.extend(question_stats(s, phase, best)?);
        }
    }
    let tests: BTreeMap<String, (TestStats, Best)> = tests
        .into_iter()
        .map(|(k, (t, b, _))| (k, (t, b)))
        .collect();
    let pct = |b: &(i64, i64, i64)| percent(b.0, b.1).unwrap_or(0);
    let (pre, post) = (tests.get("pre"), tests.get("post"));
    let paired: Vec<i64> = match (pre, post) {
        (Some((_, a)), Some((_, b))) => a.keys().filter(|k| b.contains_key(k)).copied().collect(),
        _ => Vec::new(),
    };
    let gain_hundredths = match (pre, post) {
        (Some((_, a)), Some((_, b))) if !paired.is_empty() => {
            let n = paired.len() as i64;
            let pre_sum: i64 = paired.iter().map(|t| pct(&a[t])).sum();
            let post_sum: i64 = paired.iter().map(|t| pct(&b[t])).sum();
            // ⟨g⟩ = (post − pre) / (100·n − pre), on sums so nothing rounds twice
            let room = 100 * n - pre_sum;
            (room > 0).then(|| {
                let d = post_sum - pre_sum;
                d.signum() * div_round(d.abs() * 100, room)
            })
        }
        _ => None,
    };
    if pre.is_none() {
        missing.push("pre_test");
    }
    if post.is_none() {
        missing.push("post_test");
    }
    // labs: each trainee's attempts
    let labs_of_pack: Vec<String> = lib.pack(&pack).map(|p| p.labs.clone()).unwrap_or_default();
    let mut by_lab: BTreeMap<String, Vec<(i64, Attempt)>> = BTreeMap::new();
    let mut by_trainee: BTreeMap<i64, Vec<Attempt>> = BTreeMap::new();
    for t in &trainees {
        let mine = s.attempts_of(*t)?;
        for a in &mine {
            by_lab
                .entry(a.lab_id.clone())
                .or_default()
                .push((*t, a.clone()));
        }
        by_trainee.insert(*t, mine);
    }
    let mut labs = Vec::new();
    let mut checks: BTreeMap<(String, String), (String, usize, usize)> = BTreeMap::new();
    let mut results = Results {
        filing_checks: 0,
        wrong_totals: 0,
        duplicates: 0,
        unpaid: 0,
    };
    for lab in &labs_of_pack {
        let attempts = by_lab.get(lab).map(Vec::as_slice).unwrap_or_default();
        let mut best: BTreeMap<i64, i64> = BTreeMap::new();
        let mut latest: BTreeMap<i64, &Attempt> = BTreeMap::new();
        let mut minutes = Vec::new();
        let mut hints = 0;
        for (t, a) in attempts {
            hints += a.hints.len();
            if let Some(score) = a.score.filter(|_| a.finished_at.is_some()) {
                let e = best.entry(*t).or_insert(score);
                *e = (*e).max(score);
                latest.insert(*t, a);
                if let Some(f) = a.finished_at {
                    minutes.push((f - a.started_at).num_minutes());
                }
            }
        }
        minutes.sort_unstable();
        let passed = attempts
            .iter()
            .filter(|(_, a)| a.passed == Some(true))
            .map(|(t, _)| *t)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        for a in latest.values() {
            for c in grade_of(a).map(|g| g.checks).unwrap_or_default() {
                let e = checks
                    .entry((lab.clone(), c.id.clone()))
                    .or_insert((c.kind.clone(), 0, 0));
                e.2 += 1;
                if !c.passed {
                    e.1 += 1;
                }
                match c.kind.as_str() {
                    "return_filed" | "not_resubmitted" | "return_paid" => {
                        results.filing_checks += 1;
                        if !c.passed {
                            match c.kind.as_str() {
                                "return_filed" => results.wrong_totals += 1,
                                "not_resubmitted" => results.duplicates += 1,
                                _ => results.unpaid += 1,
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let n = best.len() as i64;
        labs.push(LabStats {
            lab: lab.clone(),
            attempted: attempts
                .iter()
                .map(|(t, _)| *t)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            passed,
            mean_best: (n > 0).then(|| div_round(best.values().sum(), n)),
            median_minutes: minutes.get(minutes.len() / 2).copied(),
            hints,
        });
    }
    let mut checks: Vec<CheckStats> = checks
        .into_iter()
        .filter(|(_, (_, failed, _))| *failed > 0)
        .map(|((lab, check), (kind, failed, of))| CheckStats {
            lab,
            check,
            kind,
            failed,
            of,
        })
        .collect();
    checks.sort_by(|a, b| (b.failed, &a.lab, &a.check).cmp(&(a.failed, &b.lab, &b.check)));
    checks.truncate(20);
    // L3: the follow-up and the retention lab (each class's own due date)
    let follow = follow_up::summary_of(s, &owners)?;
    let (mut after, mut before): (BTreeMap<i64, i64>, BTreeMap<i64, i64>) = Default::default();
    let mut any_follow_up = false;
    for (owner, members) in owners.iter().zip(&members_of) {
        let Some(f) = s.follow_up_of(*owner)? else {
            continue;
        };
        any_follow_up = true;
        let attempts = by_lab.get(&f.lab_id).map(Vec::as_slice).unwrap_or_default();
        for (t, a) in attempts.iter().filter(|(t, _)| members.contains(t)) {
            let Some(score) = a.score.filter(|_| a.finished_at.is_some()) else {
                continue;
            };
            let side = if a.started_at >= f.due_at {
                &mut after
            } else {
                &mut before
            };
            let e = side.entry(*t).or_insert(score);
            *e = (*e).max(score);
        }
    }
    let mean = |m: &BTreeMap<i64, i64>| {
        (!m.is_empty()).then(|| div_round(m.values().sum(), m.len() as i64))
    };
    let (retention_mean, class_mean) = (mean(&after), mean(&before));
    if !any_follow_up {
        missing.push("follow_up");
    }
    let reaction = survey::summary_of(s, &owners)?;
    if reaction.is_none() {
        missing.push("survey");
    }
    // the people
    let people_rows = people
        .iter()
        .map(|(m, group)| {
            let t = &m.trainee;
            let mine: Vec<&Attempt> = by_trainee
                .get(t)
                .map(|v| v.iter().collect())
                .unwrap_or_default();
            let lab_best = labs_of_pack
                .iter()
                .map(|lab| {
                    mine.iter()
                        .filter(|a| &a.lab_id == lab && a.finished_at.is_some())
                        .filter_map(|a| a.score)
                        .max()
                })
                .collect();
            PersonRow {
                no: m.no,
                name: m.name.clone(),
                id_number: m.id_number.clone(),
                lab_best,
                pre_percent: pre.and_then(|(_, b)| b.get(t)).map(pct),
                post_percent: post.and_then(|(_, b)| b.get(t)).map(pct),
                labs_passed: mine
                    .iter()
                    .filter(|a| a.passed == Some(true))
                    .map(|a| a.lab_id.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len(),
                labs_attempted: mine
                    .iter()
                    .map(|a| a.lab_id.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len(),
                hints: mine.iter().map(|a| a.hints.len()).sum(),
                class: (scope.kind == "pack").then(|| (*group).to_owned()),
            }
        })
        .collect();
    let classes = if scope.kind == "pack" {
        scope
            .owners
            .iter()
            .map(|(o, name)| GroupRef {
                id: match o {
                    TestOwner::Class(c) | TestOwner::Course(c) => *c,
                },
                name: name.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut lrs = None;
    for owner in &owners {
        if let Some(l) = lrs_status(s, *owner)? {
            let sum: &mut LrsStatus = lrs.get_or_insert(LrsStatus {
                queued: 0,
                sent: 0,
                refused: 0,
                last_error: String::new(),
            });
            sum.queued += l.queued;
            sum.sent += l.sent;
            sum.refused += l.refused;
            if sum.last_error.is_empty() {
                sum.last_error = l.last_error;
            }
        }
    }
    Ok(Report {
        kind: scope.kind,
        id: scope.id,
        name: scope.name.clone(),
        pack,
        classes,
        generated_at: crate::domain::cst(now),
        trainees: trainees.len(),
        reaction,
        learning: Learning {
            pre: pre.map(|(t, _)| t.clone()),
            post: post.map(|(t, _)| t.clone()),
            gain_hundredths,
            gain: gain_hundredths.map(hundredths),
            paired: paired.len(),
            questions,
            labs,
            checks,
        },
        behaviour: Behaviour {
            follow_up: follow,
            retention_mean,
            class_mean,
        },
        results,
        people: people_rows,
        missing,
        lrs,
    })
}

fn lrs_status(s: &Store<'_>, owner: TestOwner) -> Result<Option<LrsStatus>, StoreError> {
    let (c, last_error) = s.xapi_counts(owner)?;
    Ok((c.queued + c.sent + c.refused > 0).then_some(LrsStatus {
        queued: c.queued,
        sent: c.sent,
        refused: c.refused,
        last_error,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_round_half_up_in_integers() {
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(1, 2), Some(50));
        assert_eq!(percent(1, 0), None);
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(
            [hundredths(45), hundredths(-5), hundredths(100)],
            ["0.45", "-0.05", "1.00"]
        );
    }
}
