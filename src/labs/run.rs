//! Running labs: start an attempt in a tenant of its own, open hints, check the work,
//! finish; in exam mode, the pack's labs one after another against one clock.

use chrono::{DateTime, Duration, Utc};

use super::grade::{Grade, grade};
use super::setup::{Materials, apply};
use super::{Lab, Library};
use crate::bureau::login::LoginError;
use crate::seed::default_sandbox_date;
use crate::store::limits::Limit;
use crate::store::{Attempt, Mode, NewAttempt, Store, StoreError, Trainee, TraineeKind};
use crate::synth::{self, TenantSpec};

/// Why a lab action was refused; catalogue key `lab.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("no such lab or pack")]
    UnknownLab,
    #[error("no lab in progress")]
    NoAttempt,
    #[error("hints are not available in an exam")]
    NoHintsInExam,
    #[error("feedback comes at the end of an exam")]
    NoFeedbackInExam,
    #[error("no such hint")]
    UnknownHint,
    #[error("the lab is finished")]
    Finished,
    #[error("too many labs started: wait a while")]
    TooManyStarts,
    #[error("no such question")]
    UnknownQuestion,
    #[error("an answer is 1 to 100 characters")]
    BadAnswer,
    #[error("too many answers: wait a while")]
    TooManyAnswers,
    #[error("this lab does not move the sandbox clock")]
    NoClock,
    #[error("the sandbox date can move no further in this lab")]
    ClockLimit,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LabError {
    pub fn code(&self) -> &'static str {
        match self {
            LabError::UnknownLab => "unknown_lab",
            LabError::NoAttempt => "no_attempt",
            LabError::NoHintsInExam => "no_hints_in_exam",
            LabError::NoFeedbackInExam => "no_feedback_in_exam",
            LabError::UnknownHint => "unknown_hint",
            LabError::Finished => "finished",
            LabError::TooManyStarts => "too_many_starts",
            LabError::UnknownQuestion => "unknown_question",
            LabError::BadAnswer => "bad_answer",
            LabError::TooManyAnswers => "too_many_answers",
            LabError::NoClock => "no_clock",
            LabError::ClockLimit => "clock_limit",
            LabError::Store(_) => "internal",
        }
    }
}

impl From<LoginError> for LabError {
    fn from(e: LoginError) -> LabError {
        match e {
            LoginError::Store(s) => LabError::Store(s),
            other => LabError::Store(StoreError::Other(other.to_string())),
        }
    }
}

/// Labs (or exams) one trainee may start in an hour: each start generates a tenant.
pub const STARTS_PER_TRAINEE: Limit = Limit {
    kind: "lab_start",
    max: 30,
    window: Duration::hours(1),
};

/// Labs started from one client address in an hour (a computer room shares one).
pub const STARTS_PER_ADDRESS: Limit = Limit {
    kind: "lab_start_ip",
    max: 1000,
    window: Duration::hours(1),
};

/// Count a start the trainee asked for (not those a class or an exam makes for them),
/// refusing it past either limit.
pub fn count_start(
    s: &Store<'_>,
    trainee: i64,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), LabError> {
    if STARTS_PER_TRAINEE.reached(s, &trainee.to_string(), now)?
        || !STARTS_PER_ADDRESS.take(s, &crate::store::limits::address_key(ip), now)?
    {
        return Err(LabError::TooManyStarts);
    }
    STARTS_PER_TRAINEE.take(s, &trainee.to_string(), now)?;
    Ok(())
}

/// FNV-1a of a lab id, to give each lab its own stream of generated data.
fn lab_seed(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The tenant a lab's attempt works in, for the seat of a class (or course) with this seed:
/// the same lab and seat always give the same data.
pub fn tenant_spec<'t>(lab: &Lab, class_seed: u64, seat: u32) -> TenantSpec<'t> {
    let tables = synth::Tables::embedded();
    TenantSpec {
        class_seed: class_seed ^ lab_seed(&lab.id),
        seat,
        sandbox_date: lab.setup.sandbox_date.unwrap_or_else(default_sandbox_date),
        presets: lab
            .setup
            .presets
            .iter()
            .filter_map(|p| tables.preset(p))
            .collect(),
    }
}

/// Start `lab` for a trainee: a new tenant from the lab's setup (or the one prepared for it
/// when the class was launched) (the same trainee seat and
/// lab always give the same data), which becomes the trainee's current tenant.
pub fn start(
    s: &Store<'_>,
    lab: &Lab,
    trainee: &Trainee,
    mode: Mode,
    pack: Option<(&str, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Result<i64, LabError> {
    let home = s.tenant(trainee.home).record()?;
    let seat = match trainee.kind {
        TraineeKind::Class | TraineeKind::Course => home.seat,
        TraineeKind::Demo => u32::try_from(trainee.id).unwrap_or(u32::MAX),
    };
    let id = s.create_attempt(&NewAttempt {
        trainee_id: trainee.id,
        lab_id: &lab.id,
        lab_digest: &lab.digest,
        pack_id: pack.map(|(p, _)| p),
        mode,
        started_at: now,
        deadline_at: pack.map(|(_, d)| d),
    })?;
    let label = format!("attempt-{id}");
    let tenant = match s.take_prepared_tenant(trainee.id, &lab.id, &lab.digest, &label)? {
        Some(t) => t,
        None => {
            let mut data = synth::generate(&tenant_spec(lab, home.class_seed, seat))
                .map_err(|e| StoreError::Other(e.to_string()))?;
            data.label = label;
            s.insert_tenant(&data)?
        }
    };
    let materials = apply(&s.tenant(tenant), lab, now)?;
    let json = serde_json::to_string(&materials).map_err(|e| StoreError::Other(e.to_string()))?;
    s.begin_attempt(id, tenant, &json)?;
    Ok(id)
}

/// Start a pack as an exam: its first lab, with the pack's time limit for all of them.
pub fn start_exam(
    s: &Store<'_>,
    lib: &Library,
    pack_id: &str,
    trainee: &Trainee,
    now: DateTime<Utc>,
) -> Result<i64, LabError> {
    let pack = lib.pack(pack_id).ok_or(LabError::UnknownLab)?;
    let first = pack
        .labs
        .first()
        .and_then(|l| lib.lab(l))
        .ok_or(LabError::UnknownLab)?;
    let deadline = now + Duration::minutes(i64::from(pack.exam_minutes));
    start(
        s,
        first,
        trainee,
        Mode::Exam,
        Some((&pack.id, deadline)),
        now,
    )
}

pub fn materials(a: &Attempt) -> Result<Materials, StoreError> {
    serde_json::from_str(&a.materials).map_err(|e| StoreError::BadData(e.to_string()))
}

/// Grade an attempt as its tenant stands, and store the grade; `finish` ends it.
pub fn check(
    s: &Store<'_>,
    lab: &Lab,
    a: &Attempt,
    now: DateTime<Utc>,
    finish: bool,
) -> Result<Grade, LabError> {
    let tenant = a.tenant.ok_or(LabError::NoAttempt)?;
    let m = materials(a)?;
    let mut facts = super::facts::Facts::read(&s.tenant(tenant), &m, now, lab.about_filing())?;
    facts.answers = a.answers.clone();
    let g = grade(lab, &facts, &a.hints);
    let json = serde_json::to_string(&g).map_err(|e| StoreError::Other(e.to_string()))?;
    s.save_grade(a.id, &json, g.score, g.passed, finish.then_some(now))?;
    Ok(g)
}

/// What finishing led to: the next lab of an exam, or the end.
pub enum Next {
    Lab(i64),
    Done,
}

/// Finish the attempt (final grade). In an exam, start the pack's next lab while time is
/// left; when the exam ends, the trainee goes back to their own tenant.
pub fn finish(
    s: &Store<'_>,
    lib: &Library,
    trainee: &Trainee,
    a: &Attempt,
    now: DateTime<Utc>,
) -> Result<Next, LabError> {
    let lab = lib.lab(&a.lab_id).ok_or(LabError::UnknownLab)?;
    if a.finished_at.is_none() {
        check(s, lab, a, now, true)?;
    }
    if let (Mode::Exam, Some(pack_id), Some(deadline)) = (a.mode, &a.pack_id, a.deadline_at)
        && now < deadline
        && let Some(pack) = lib.pack(pack_id)
        && let Some(next) = pack
            .labs
            .iter()
            .skip_while(|l| **l != a.lab_id)
            .nth(1)
            .and_then(|l| lib.lab(l))
    {
        return Ok(Next::Lab(start(
            s,
            next,
            trainee,
            Mode::Exam,
            Some((pack_id, deadline)),
            now,
        )?));
    }
    s.leave_attempt(trainee.id)?;
    Ok(Next::Done)
}

/// Open a hint (practice only); its cost counts from now on.
pub fn hint(
    s: &Store<'_>,
    lab: &Lab,
    a: &Attempt,
    step: usize,
    hint: usize,
) -> Result<(), LabError> {
    if a.mode == Mode::Exam {
        return Err(LabError::NoHintsInExam);
    }
    if a.finished_at.is_some() {
        return Err(LabError::Finished);
    }
    lab.steps
        .get(step)
        .and_then(|st| st.hints.get(hint))
        .ok_or(LabError::UnknownHint)?;
    if !a.hints.contains(&(step, hint)) {
        let mut hints = a.hints.clone();
        hints.push((step, hint));
        s.record_hint(a.id, &hints)?;
    }
    Ok(())
}

/// Answers one trainee may give in an hour (all questions together).
pub const ANSWERS_PER_PERSON: crate::store::limits::Limit = crate::store::limits::Limit {
    kind: "lab_answer",
    max: 120,
    window: chrono::Duration::hours(1),
};

/// Answer one of the task panel's questions (the latest answer counts, in an exam too:
/// nothing says whether it is right until the lab is graded). Traced (`lab.answer`).
pub fn answer(
    s: &Store<'_>,
    a: &Attempt,
    topic: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), LabError> {
    if a.finished_at.is_some() {
        return Err(LabError::Finished);
    }
    let tenant = a.tenant.ok_or(LabError::NoAttempt)?;
    let m = materials(a)?;
    let q = m
        .questions
        .iter()
        .find(|q| q.topic.as_str() == topic)
        .ok_or(LabError::UnknownQuestion)?;
    let text = text.trim();
    if text.is_empty()
        || text.chars().count() > super::questions::ANSWER_MAX
        || text.chars().any(char::is_control)
    {
        return Err(LabError::BadAnswer);
    }
    let scope = s.tenant(tenant);
    if !ANSWERS_PER_PERSON.take(&scope, &format!("{}:{}", tenant.get(), a.trainee_id), now)? {
        return Err(LabError::TooManyAnswers);
    }
    let mut answers = a.answers.clone();
    answers.insert(q.topic.as_str().to_owned(), text.to_owned());
    s.record_answers(a.id, &answers)?;
    scope.trace(
        now,
        Some(m.me),
        "lab.answer",
        "ok",
        &serde_json::json!({ "question": q.topic.as_str(), "answer": text }),
    )?;
    Ok(())
}

/// 推进沙盒日期: where the lab allows it (`setup.clock_days`), the trainee moves their own
/// tenant's sandbox date forward `days` days, to see an answer due in working days arrive,
/// no further than the lab's last date. Traced (`lab.clock`). Returns the new date.
pub fn advance_clock(
    s: &Store<'_>,
    a: &Attempt,
    days: i64,
    now: DateTime<Utc>,
) -> Result<chrono::NaiveDate, LabError> {
    if a.finished_at.is_some() {
        return Err(LabError::Finished);
    }
    let tenant = a.tenant.ok_or(LabError::NoAttempt)?;
    let m = materials(a)?;
    let until = m.clock_until.ok_or(LabError::NoClock)?;
    let scope = s.tenant(tenant);
    let today = scope.record()?.sandbox_date;
    if !(1..=super::setup::CLOCK_DAYS_MAX).contains(&days) || today + Duration::days(days) > until {
        return Err(LabError::ClockLimit);
    }
    let to = today + Duration::days(days);
    scope.set_sandbox_date(to)?;
    scope.trace(
        now,
        Some(m.me),
        "lab.clock",
        "ok",
        &serde_json::json!({ "days": days, "from": today.to_string(), "to": to.to_string() }),
    )?;
    Ok(to)
}

/// An exam whose time has run out is finished as it stands, every remaining lab with it.
pub fn expire(
    s: &Store<'_>,
    lib: &Library,
    trainee: &Trainee,
    a: &Attempt,
    now: DateTime<Utc>,
) -> Result<bool, LabError> {
    match a.deadline_at {
        Some(d) if now >= d && a.finished_at.is_none() => {
            let lab = lib.lab(&a.lab_id).ok_or(LabError::UnknownLab)?;
            check(s, lab, a, now, true)?;
            s.leave_attempt(trainee.id)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Grade every finished attempt at a lab again with the lab as it is now (after a fix):
/// `(attempt, old score, new score)`. Grading is pure, so nothing but the lab changed.
pub fn regrade(
    s: &Store<'_>,
    lab: &Lab,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, Option<i64>, u32)>, LabError> {
    let mut out = Vec::new();
    for a in s.finished_attempts_of_lab(&lab.id)? {
        let g = check(s, lab, &a, now, false)?;
        out.push((a.id, a.score, g.score));
    }
    Ok(out)
}

/// Whether an exam attempt's results must still be withheld: the exam (same pack, same
/// deadline) is under way while time is left and one of its labs is unfinished.
pub fn withheld(a: &Attempt, all: &[Attempt], now: DateTime<Utc>) -> bool {
    a.mode == Mode::Exam
        && a.deadline_at.is_some_and(|d| now < d)
        && all.iter().any(|x| {
            x.pack_id == a.pack_id && x.deadline_at == a.deadline_at && x.finished_at.is_none()
        })
}
