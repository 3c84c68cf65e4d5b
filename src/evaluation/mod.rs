//! Course evaluation (培训效果评估): the pre-test and post-test (课后测试) a class or course
//! takes from a question bank. The instructor opens a test with its form, time limit and
//! attempts; each trainee draws a paper (questions and choices shuffled, the same for the
//! same trainee and attempt), answers it within the time, and hands it in; every answer is
//! marked and kept for the report.

pub mod export;
pub mod follow_up;
pub mod lrs;
pub mod pdf;
pub mod report;
pub mod scope;
pub mod survey;
pub mod workbook;
pub mod xapi;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::labs::Library;
use crate::labs::quiz::{Answer, Bank, Given};
use crate::store::{MarkedAnswer, Store, StoreError, TestAttempt, TestOwner, TestRecord};

/// A test's phase.
pub const PHASES: [&str; 2] = ["pre", "post"];

/// Handing in is accepted this long after the time limit (a slow network, a late click).
pub const GRACE: Duration = Duration::seconds(90);

/// The longest test, in minutes, and the most attempts a test may allow.
pub const MINUTES_MAX: i64 = 180;
pub const ATTEMPTS_MAX: i64 = 10;

/// Why a test action was refused; catalogue key `test.error.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error("{field}: {code}")]
    Setting {
        field: &'static str,
        code: &'static str,
    },
    #[error("no such test")]
    NoTest,
    #[error("the test is closed")]
    Closed,
    #[error("no attempts left")]
    NoAttemptsLeft,
    #[error("no attempt in progress")]
    NotStarted,
    #[error("time is up")]
    TimeUp,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TestError {
    pub fn code(&self) -> &'static str {
        match self {
            TestError::Setting { code, .. } => code,
            TestError::NoTest => "no_test",
            TestError::Closed => "closed",
            TestError::NoAttemptsLeft => "no_attempts_left",
            TestError::NotStarted => "not_started",
            TestError::TimeUp => "time_up",
            TestError::Store(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            TestError::Setting { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// A test as the instructor asks for it, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub phase: &'static str,
    pub bank: String,
    pub form: &'static str,
    pub minutes: i64,
    pub attempts: i64,
}

impl Settings {
    /// Read the instructor's form: the phase, the bank (the library's only one when empty),
    /// the form (`a`, `b`, `all`; by default `a` before and `b` after), minutes 1–180,
    /// attempts 1–10.
    pub fn read(
        lib: &Library,
        phase: &str,
        bank: &str,
        form: &str,
        minutes: Option<i64>,
        attempts: Option<i64>,
    ) -> Result<Settings, TestError> {
        let bad = |field, code| TestError::Setting { field, code };
        let phase = PHASES
            .into_iter()
            .find(|p| *p == phase)
            .ok_or(bad("phase", "bad_phase"))?;
        let bank = match bank.trim() {
            "" => lib.banks().next().map(|b| b.id.clone()),
            id => lib.bank(id).map(|b| b.id.clone()),
        }
        .ok_or(bad("bank", "bad_bank"))?;
        let form = match (form.trim(), phase) {
            ("", "pre") => "a",
            ("", _) => "b",
            (f, _) => ["a", "b", "all"]
                .into_iter()
                .find(|x| *x == f)
                .ok_or(bad("form", "bad_form"))?,
        };
        let minutes = minutes.unwrap_or(20);
        if !(1..=MINUTES_MAX).contains(&minutes) {
            return Err(bad("minutes", "bad_minutes"));
        }
        let attempts = attempts.unwrap_or(1);
        if !(1..=ATTEMPTS_MAX).contains(&attempts) {
            return Err(bad("attempts", "bad_attempts"));
        }
        Ok(Settings {
            phase,
            bank,
            form,
            minutes,
            attempts,
        })
    }
}

/// One question of a paper: the bank's question and its choices in the order shown
/// (`order[shown] = the bank's index`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperItem {
    pub question: String,
    pub order: Vec<usize>,
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A paper of the form's questions, shuffled with their choices by `seed`.
pub fn draw_paper(bank: &Bank, form: &str, seed: u64) -> Vec<PaperItem> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(mix(seed));
    let mut items: Vec<PaperItem> = bank
        .form(form)
        .into_iter()
        .map(|q| {
            let mut order: Vec<usize> = (0..q.choices.len()).collect();
            order.shuffle(&mut rng);
            PaperItem {
                question: q.id.clone(),
                order,
            }
        })
        .collect();
    items.shuffle(&mut rng);
    items
}

/// The seed of one trainee's attempt at a test.
pub fn paper_seed(test: i64, trainee: i64, no: i64) -> u64 {
    mix(mix(test as u64) ^ mix(trainee as u64) ^ no as u64)
}

/// The answers a form sends, `q_<question>` each (for a choice, the position shown; a
/// multiple choice repeats the name), read against the paper into the bank's terms. What
/// cannot be read is left unanswered.
pub fn read_answers(
    bank: &Bank,
    paper: &[PaperItem],
    pairs: &[(String, String)],
) -> BTreeMap<String, Given> {
    let mut out = BTreeMap::new();
    for item in paper {
        let Some(q) = bank.question(&item.question) else {
            continue;
        };
        let name = format!("q_{}", item.question);
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .take(8)
            .collect();
        if values.is_empty() {
            continue;
        }
        let given = match q.answer {
            Answer::One(_) | Answer::Many(_) => {
                let picked: Option<Vec<usize>> = values
                    .iter()
                    .map(|v| {
                        v.parse::<usize>()
                            .ok()
                            .and_then(|i| item.order.get(i).copied())
                    })
                    .collect();
                picked.map(Given::Choices)
            }
            Answer::TrueFalse(_) => match values[0] {
                "true" => Some(Given::TrueFalse(true)),
                "false" => Some(Given::TrueFalse(false)),
                _ => None,
            },
            Answer::Figure(_) => Some(Given::Figure(values[0].chars().take(40).collect())),
        };
        if let Some(g) = given {
            out.insert(item.question.clone(), g);
        }
    }
    out
}

/// Mark a paper: the right answers and every question's mark (blank ones wrong).
pub fn mark(
    bank: &Bank,
    paper: &[PaperItem],
    answers: &BTreeMap<String, Given>,
) -> (i64, Vec<MarkedAnswer>) {
    let marks: Vec<MarkedAnswer> = paper
        .iter()
        .filter_map(|item| {
            let q = bank.question(&item.question)?;
            let given = answers.get(&q.id);
            Some(MarkedAnswer {
                question_id: q.id.clone(),
                topic: q.topic.clone(),
                given: given.and_then(|g| serde_json::to_string(g).ok()),
                correct: given.is_some_and(|g| q.right(g)),
            })
        })
        .collect();
    (marks.iter().filter(|m| m.correct).count() as i64, marks)
}

/// The class or course a trainee takes tests with.
pub fn owner_of(s: &Store<'_>, trainee: i64) -> Result<Option<TestOwner>, StoreError> {
    if let Some(class) = s.class_of_trainee(trainee)? {
        return Ok(Some(TestOwner::Class(class)));
    }
    Ok(s.learner_of_trainee(trainee)?
        .map(|l| TestOwner::Course(l.course_id)))
}

/// A trainee's test of a phase, if their class or course has one.
pub fn test_for(
    s: &Store<'_>,
    trainee: i64,
    phase: &str,
) -> Result<Option<TestRecord>, StoreError> {
    match owner_of(s, trainee)? {
        Some(owner) => s.test_of(owner, phase),
        None => Ok(None),
    }
}

/// An attempt left unfinished past its time: handed in blank (answers after the limit do
/// not count). Returns the attempts as they stand.
fn settle(
    s: &Store<'_>,
    bank: &Bank,
    attempts: Vec<TestAttempt>,
    now: DateTime<Utc>,
) -> Result<Vec<TestAttempt>, StoreError> {
    let mut out = Vec::new();
    for a in attempts {
        if a.finished_at.is_none() && now > a.deadline_at + GRACE {
            let paper: Vec<PaperItem> = serde_json::from_str(&a.paper).unwrap_or_default();
            let (score, marks) = mark(bank, &paper, &BTreeMap::new());
            s.finish_test_attempt(a.id, score, &marks, a.deadline_at)?;
            out.push(TestAttempt {
                finished_at: Some(a.deadline_at),
                score: Some(score),
                ..a
            });
        } else {
            out.push(a);
        }
    }
    Ok(out)
}

/// Attempts as they stand at `now`, without writing: one left unfinished past its time (and
/// its grace) counts as handed in blank at its deadline, as [`settle`] will keep it.
pub fn as_of(attempts: Vec<TestAttempt>, now: DateTime<Utc>) -> Vec<TestAttempt> {
    attempts
        .into_iter()
        .map(|a| {
            if a.finished_at.is_none() && now > a.deadline_at + GRACE {
                TestAttempt {
                    finished_at: Some(a.deadline_at),
                    score: Some(0),
                    ..a
                }
            } else {
                a
            }
        })
        .collect()
}

/// A trainee's attempts at a test as they stand now (an expired one handed in blank).
pub fn attempts(
    s: &Store<'_>,
    lib: &Library,
    test: &TestRecord,
    trainee: i64,
    now: DateTime<Utc>,
) -> Result<Vec<TestAttempt>, TestError> {
    let bank = lib.bank(&test.bank_id).ok_or(TestError::NoTest)?;
    Ok(settle(s, bank, s.test_attempts_of(test.id, trainee)?, now)?)
}

/// Start (or carry on) the trainee's attempt at their test of `phase`.
pub fn start(
    s: &Store<'_>,
    lib: &Library,
    trainee: i64,
    phase: &str,
    now: DateTime<Utc>,
) -> Result<TestAttempt, TestError> {
    let test = test_for(s, trainee, phase)?.ok_or(TestError::NoTest)?;
    let bank = lib.bank(&test.bank_id).ok_or(TestError::NoTest)?;
    let mine = attempts(s, lib, &test, trainee, now)?;
    if let Some(open) = mine.iter().find(|a| a.finished_at.is_none()) {
        return Ok(open.clone());
    }
    if !test.open {
        return Err(TestError::Closed);
    }
    if mine.len() as i64 >= test.attempts_allowed {
        return Err(TestError::NoAttemptsLeft);
    }
    let no = mine.len() as i64 + 1;
    let paper = draw_paper(bank, &test.form, paper_seed(test.id, trainee, no));
    let json = serde_json::to_string(&paper).map_err(|e| StoreError::Other(e.to_string()))?;
    let deadline = now + Duration::minutes(test.minutes);
    let id = s.start_test_attempt(test.id, trainee, &json, paper.len() as i64, now, deadline)?;
    Ok(s.test_attempts_of(test.id, trainee)?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(StoreError::NotFound)?)
}

/// Hand in the trainee's attempt in progress with the form's answers: marked and kept.
/// Past the time limit (and its grace) the answers do not count: the attempt is closed
/// blank and [`TestError::TimeUp`] says so.
pub fn hand_in(
    s: &Store<'_>,
    lib: &Library,
    trainee: i64,
    phase: &str,
    pairs: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<(TestAttempt, Vec<MarkedAnswer>), TestError> {
    let test = test_for(s, trainee, phase)?.ok_or(TestError::NoTest)?;
    let bank = lib.bank(&test.bank_id).ok_or(TestError::NoTest)?;
    let raw = s.test_attempts_of(test.id, trainee)?;
    let Some(a) = raw.iter().find(|a| a.finished_at.is_none()).cloned() else {
        return Err(TestError::NotStarted);
    };
    if now > a.deadline_at + GRACE {
        settle(s, bank, vec![a], now)?;
        return Err(TestError::TimeUp);
    }
    let paper: Vec<PaperItem> = serde_json::from_str(&a.paper).unwrap_or_default();
    let answers = read_answers(bank, &paper, pairs);
    let (score, marks) = mark(bank, &paper, &answers);
    s.finish_test_attempt(a.id, score, &marks, now)?;
    Ok((
        TestAttempt {
            finished_at: Some(now),
            score: Some(score),
            ..a
        },
        marks,
    ))
}

/// A test as the instructor's page sums it up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TestSummary {
    pub phase: String,
    pub open: bool,
    pub form: String,
    pub minutes: i64,
    pub attempts_allowed: i64,
    /// Trainees who handed an attempt in, and the mean of their best scores in percent
    /// (rounded half up), when any did.
    pub handed_in: usize,
    pub mean_percent: Option<i64>,
}

/// A class's or course's tests, summed up on `now` (read only).
pub fn summaries(
    s: &Store<'_>,
    owner: TestOwner,
    now: DateTime<Utc>,
) -> Result<Vec<TestSummary>, StoreError> {
    let mut out = Vec::new();
    for t in s.tests_of(owner)? {
        let mut best: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for a in as_of(s.test_attempts(t.id)?, now) {
            if let Some(score) = a.score {
                let e = best.entry(a.trainee_id).or_insert((score, a.total));
                if score > e.0 {
                    *e = (score, a.total);
                }
            }
        }
        let (sum, total): (i64, i64) = best.values().fold((0, 0), |(s, t), (a, b)| (s + a, t + b));
        out.push(TestSummary {
            phase: t.phase,
            open: t.open,
            form: t.form,
            minutes: t.minutes,
            attempts_allowed: t.attempts_allowed,
            handed_in: best.len(),
            mean_percent: (total > 0).then(|| (sum * 200 + total) / (2 * total)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> Bank {
        crate::labs::quiz::parse_bank(
            "etax-basics.toml",
            include_str!("../../scenarios/quizzes/etax-basics.toml"),
        )
        .unwrap()
    }

    #[test]
    fn a_paper_is_the_form_shuffled_the_same_way_for_the_same_seed() {
        let b = bank();
        let p = draw_paper(&b, "a", 7);
        assert_eq!(p.len(), b.form("a").len());
        assert_eq!(p, draw_paper(&b, "a", 7), "deterministic");
        assert_ne!(p, draw_paper(&b, "a", 8), "another trainee, another order");
        let mut ids: Vec<&str> = p.iter().map(|i| i.question.as_str()).collect();
        ids.sort_unstable();
        let mut want: Vec<&str> = b.form("a").iter().map(|q| q.id.as_str()).collect();
        want.sort_unstable();
        assert_eq!(ids, want, "every question of the form once");
        for item in &p {
            let mut order = item.order.clone();
            order.sort_unstable();
            assert_eq!(
                order,
                (0..b.question(&item.question).unwrap().choices.len()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn an_attempt_past_its_time_counts_as_blank_without_a_write() {
        let start = chrono::DateTime::UNIX_EPOCH;
        let a = TestAttempt {
            id: 1,
            test_id: 1,
            trainee_id: 1,
            no: 1,
            started_at: start,
            deadline_at: start + Duration::minutes(20),
            finished_at: None,
            paper: "[]".into(),
            total: 24,
            score: None,
        };
        let within = start + Duration::minutes(21);
        assert_eq!(as_of(vec![a.clone()], within)[0].score, None, "the grace");
        let late = as_of(vec![a.clone()], start + Duration::minutes(22))[0].clone();
        assert_eq!(
            (late.score, late.finished_at),
            (Some(0), Some(a.deadline_at))
        );
    }

    #[test]
    fn answers_are_read_against_the_shown_order_and_marked() {
        let b = bank();
        let paper = draw_paper(&b, "all", 3);
        // answer every question right, through the positions shown
        let mut pairs = Vec::new();
        for item in &paper {
            let q = b.question(&item.question).unwrap();
            let name = format!("q_{}", q.id);
            let shown =
                |bank_index: usize| item.order.iter().position(|&i| i == bank_index).unwrap();
            match &q.answer {
                Answer::One(i) => pairs.push((name, shown(*i).to_string())),
                Answer::Many(all) => {
                    for i in all {
                        pairs.push((name.clone(), shown(*i).to_string()));
                    }
                }
                Answer::TrueFalse(t) => pairs.push((name, t.to_string())),
                Answer::Figure(f) => pairs.push((name, format!("¥{f}"))),
            }
        }
        let answers = read_answers(&b, &paper, &pairs);
        let (score, marks) = mark(&b, &paper, &answers);
        assert_eq!(score as usize, b.questions.len());
        assert!(marks.iter().all(|m| m.correct && m.given.is_some()));
        // nothing answered, junk answered: all wrong, nothing panics
        let (score, marks) = mark(&b, &paper, &BTreeMap::new());
        assert_eq!(score, 0);
        assert!(marks.iter().all(|m| !m.correct && m.given.is_none()));
        let junk: Vec<(String, String)> = paper
            .iter()
            .map(|i| (format!("q_{}", i.question), "99".to_owned()))
            .chain([("q_nope".to_owned(), "1".to_owned())])
            .collect();
        let (score, _) = mark(&b, &paper, &read_answers(&b, &paper, &junk));
        assert_eq!(score, 0);
    }
}
