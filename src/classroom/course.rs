//! Self-paced courses (自学课程): an instructor opens a course for a lab pack and shares its
//! enrolment link; learners register with a password (argon2, rate-limited by IP), get a
//! tenant of their own, sign in again on later days, retry labs, and receive a completion
//! record (结业记录) once they have passed every lab of the pack.

use chrono::{DateTime, Duration, Utc};

use super::{ClassError, join_code};
use crate::labs::Library;
use crate::labs::run::withheld;
use crate::seed::default_sandbox_date;
use crate::store::{
    Attempt, CourseRecord, LearnerRecord, NewLearner, Store, StoreError, TraineeKind, User,
};
use crate::synth::{self, TenantSpec};

/// Registrations one IP address may make in [`REGISTER_WINDOW_MINUTES`].
pub const REGISTER_LIMIT: i64 = 5;
pub const REGISTER_WINDOW_MINUTES: i64 = 60;
/// Failed sign-ins one login (or, times four, one IP address) may make in the window.
pub const SIGN_IN_LIMIT: i64 = 5;
pub const SIGN_IN_WINDOW_MINUTES: i64 = 15;

/// Why enrolment or sign-in was refused; catalogue key `course.error.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    #[error("no course has this code")]
    UnknownCode,
    #[error("the course is closed for enrolment")]
    Closed,
    #[error("enter a login")]
    NoLogin,
    #[error("enter your name")]
    NoName,
    #[error("that login is taken in this course")]
    LoginTaken,
    #[error("the password is too weak")]
    WeakPassword,
    #[error("the passwords differ")]
    Mismatch,
    #[error("too many registrations; wait {minutes} minutes")]
    TooManyRegistrations { minutes: i64 },
    #[error("wrong login or password")]
    WrongPassword,
    #[error("too many failed sign-ins; wait {minutes} minutes")]
    TooManySignIns { minutes: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CourseError {
    pub fn code(&self) -> &'static str {
        match self {
            CourseError::UnknownCode => "unknown_code",
            CourseError::Closed => "closed",
            CourseError::NoLogin => "no_login",
            CourseError::NoName => "no_name",
            CourseError::LoginTaken => "login_taken",
            CourseError::WeakPassword => "weak_password",
            CourseError::Mismatch => "mismatch",
            CourseError::TooManyRegistrations { .. } => "too_many_registrations",
            CourseError::WrongPassword => "wrong_password",
            CourseError::TooManySignIns { .. } => "too_many_sign_ins",
            CourseError::Store(_) => "internal",
        }
    }

    /// The form field the refusal concerns.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CourseError::UnknownCode => Some("code"),
            CourseError::NoLogin | CourseError::LoginTaken => Some("login"),
            CourseError::NoName => Some("name"),
            CourseError::WeakPassword | CourseError::WrongPassword => Some("password"),
            CourseError::Mismatch => Some("confirm"),
            _ => None,
        }
    }
}

/// Open a course for a pack; `seed` makes its learners' data reproducible.
pub fn create_course(
    s: &Store<'_>,
    lib: &Library,
    owner: &User,
    name: &str,
    pack: &str,
    seed: Option<u64>,
    now: DateTime<Utc>,
) -> Result<CourseRecord, ClassError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ClassError::NoName);
    }
    lib.pack(pack).ok_or(ClassError::UnknownPack)?;
    let mut code = join_code();
    while s.course_by_code(&code)?.is_some() || s.class_by_code(&code)?.is_some() {
        code = join_code();
    }
    let seed = seed.unwrap_or_else(|| u64::from(rand::random::<u32>()));
    let id = s.create_course(name, pack, seed, &code, owner.id, now)?;
    s.audit(
        now,
        &format!("user:{}", owner.id),
        None,
        None,
        "",
        "course.create",
        "ok",
        &serde_json::json!({ "course": id, "name": name, "pack": pack }),
    )?;
    Ok(s.course(id)?)
}

/// What a learner fills in to register.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct Registration {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// Check the form before any hashing: every field present, a password of at least eight
/// characters with letters and digits that is not the login, typed twice alike.
pub fn check_registration(r: &Registration) -> Result<(), CourseError> {
    let login = r.login.trim();
    if login.is_empty() || login.chars().count() > 64 {
        return Err(CourseError::NoLogin);
    }
    if r.name.trim().is_empty() || r.name.trim().chars().count() > 64 {
        return Err(CourseError::NoName);
    }
    let p = &r.password;
    let strong = p.chars().count() >= 8
        && p.chars().any(|c| c.is_ascii_alphabetic())
        && p.chars().any(|c| c.is_ascii_digit())
        && p != login;
    if !strong {
        return Err(CourseError::WeakPassword);
    }
    if r.password != r.confirm {
        return Err(CourseError::Mismatch);
    }
    Ok(())
}

/// The open course behind an enrolment code.
pub fn course_for_code(s: &Store<'_>, code: &str) -> Result<CourseRecord, CourseError> {
    s.course_by_code(&code.trim().to_uppercase())?
        .ok_or(CourseError::UnknownCode)
}

/// Refuse a registration from an IP address that made [`REGISTER_LIMIT`] in the window.
pub fn check_register_rate(s: &Store<'_>, ip: &str, now: DateTime<Utc>) -> Result<(), CourseError> {
    let since = now - Duration::minutes(REGISTER_WINDOW_MINUTES);
    if s.recent_audits("course.register", "ok", since, Some(ip), None)? >= REGISTER_LIMIT {
        return Err(CourseError::TooManyRegistrations {
            minutes: REGISTER_WINDOW_MINUTES,
        });
    }
    Ok(())
}

/// Register a learner (the password already hashed): a tenant of their own from the
/// pack's first lab's presets, seeded from the course seed and their number, a trainee,
/// and a sandbox session. Returns the session token.
pub fn register(
    s: &Store<'_>,
    lib: &Library,
    code: &str,
    r: &Registration,
    password_hash: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<String, CourseError> {
    check_registration(r)?;
    let course = course_for_code(s, code)?;
    if !course.open {
        return Err(CourseError::Closed);
    }
    check_register_rate(s, ip, now)?;
    let (login, name) = (r.login.trim(), r.name.trim());
    if s.learner_by_login(course.id, login)?.is_some() {
        return Err(CourseError::LoginTaken);
    }
    let no = s.next_learner_no(course.id)?;
    let tables = synth::Tables::embedded();
    let presets = lib
        .pack(&course.pack_id)
        .map(|p| super::pack_presets(lib, p))
        .unwrap_or_default();
    let mut data = synth::generate(&TenantSpec {
        class_seed: course.course_seed,
        seat: no,
        sandbox_date: default_sandbox_date(),
        presets: presets.iter().filter_map(|p| tables.preset(p)).collect(),
    })
    .map_err(|e| StoreError::Other(e.to_string()))?;
    data.label = format!("course{}-{no}", course.id);
    let tenant = s.insert_tenant(&data)?;
    let trainee = s.create_trainee(tenant, name, TraineeKind::Course, now)?;
    s.create_learner(&NewLearner {
        course_id: course.id,
        no,
        login,
        name,
        password_hash,
        trainee_id: trainee.id,
        now,
    })?;
    s.audit(
        now,
        &format!("trainee:{}", trainee.id),
        None,
        Some(tenant),
        ip,
        "course.register",
        "ok",
        &serde_json::json!({ "course": course.id, "login": login }),
    )?;
    Ok(s.open_sandbox_session(&trainee, now)?)
}

/// The learner trying to sign in, unless the login or the IP address is over its limit of
/// failed sign-ins, with the audit entry that counts this attempt (`pending` until
/// [`finish_sign_in`] settles it): counted here, in the same transaction as the limit and
/// before the password is checked, so parallel guesses cannot slip past the limit. An
/// unknown login is `WrongPassword`, like a wrong password.
pub fn sign_in_target(
    s: &Store<'_>,
    code: &str,
    login: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(LearnerRecord, i64), CourseError> {
    let course = course_for_code(s, code)?;
    let login = login.trim();
    if login.is_empty() {
        return Err(CourseError::NoLogin);
    }
    let since = now - Duration::minutes(SIGN_IN_WINDOW_MINUTES);
    let k = key(course.id, login);
    let tries = |ip: Option<&str>, detail: Option<(&str, &str)>| -> Result<i64, StoreError> {
        Ok(
            s.recent_audits("course.sign_in", "refused", since, ip, detail)?
                + s.recent_audits("course.sign_in", "pending", since, ip, detail)?,
        )
    };
    if tries(None, Some(("key", &k)))? >= SIGN_IN_LIMIT
        || tries(Some(ip), None)? >= SIGN_IN_LIMIT * 4
    {
        return Err(CourseError::TooManySignIns {
            minutes: SIGN_IN_WINDOW_MINUTES,
        });
    }
    let Some(learner) = s.learner_by_login(course.id, login)? else {
        record(s, course.id, login, ip, now, "refused")?;
        return Err(CourseError::WrongPassword);
    };
    let entry = record(s, course.id, login, ip, now, "pending")?;
    Ok((learner, entry))
}

fn key(course: i64, login: &str) -> String {
    format!("{course}/{login}")
}

/// An audit entry for a sign-in attempt; its id.
fn record(
    s: &Store<'_>,
    course: i64,
    login: &str,
    ip: &str,
    now: DateTime<Utc>,
    outcome: &str,
) -> Result<i64, StoreError> {
    s.audit_id(
        now,
        "system",
        ip,
        "course.sign_in",
        outcome,
        &serde_json::json!({ "course": course, "login": login, "key": key(course, login) }),
    )
}

/// Settle the attempt `entry` with the outcome of checking the password; on success open a
/// sandbox session for the learner and return its token.
pub fn finish_sign_in(
    s: &Store<'_>,
    learner: &LearnerRecord,
    entry: i64,
    password_ok: bool,
    now: DateTime<Utc>,
) -> Result<String, CourseError> {
    if !password_ok {
        s.set_audit_outcome(entry, "system", "refused")?;
        return Err(CourseError::WrongPassword);
    }
    let trainee = s.trainee(learner.trainee_id)?;
    s.set_audit_outcome(entry, &format!("trainee:{}", trainee.id), "ok")?;
    Ok(s.open_sandbox_session(&trainee, now)?)
}

/// A learner's progress through the course's pack.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub course: String,
    pub pack_id: String,
    pub pack: String,
    pub login: String,
    pub name: String,
    /// When they registered, China Standard Time.
    pub registered: String,
    pub labs: Vec<LabProgress>,
    pub passed: usize,
    pub total: usize,
    /// The completion record, once every lab is passed.
    pub completion: Option<Completion>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LabProgress {
    pub id: String,
    pub title: String,
    pub attempts: usize,
    pub best: Option<i64>,
    pub passed: bool,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Completion {
    pub number: String,
    /// When it was recorded, China Standard Time.
    pub at: String,
}

/// How far a trainee's attempts go through a pack's labs.
fn lab_progress(
    lib: &Library,
    pack_id: &str,
    attempts: &[Attempt],
    lang: crate::i18n::Lang,
    now: DateTime<Utc>,
) -> Vec<LabProgress> {
    lib.pack(pack_id)
        .map(|p| p.labs.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|id| lib.lab(id))
        .map(|lab| {
            let done: Vec<&Attempt> = attempts
                .iter()
                .filter(|a| a.lab_id == lab.id && a.finished_at.is_some())
                .filter(|a| !withheld(a, attempts, now))
                .collect();
            LabProgress {
                id: lab.id.clone(),
                title: lab.title.get(lang).to_owned(),
                attempts: attempts.iter().filter(|a| a.lab_id == lab.id).count(),
                best: done.iter().filter_map(|a| a.score).max(),
                passed: done.iter().any(|a| a.passed == Some(true)),
            }
        })
        .collect()
}

fn summary(
    lib: &Library,
    course: &CourseRecord,
    learner: LearnerRecord,
    labs: Vec<LabProgress>,
    lang: crate::i18n::Lang,
) -> Progress {
    Progress {
        course: course.name.clone(),
        pack_id: course.pack_id.clone(),
        pack: lib
            .pack(&course.pack_id)
            .map(|p| p.title.get(lang).to_owned())
            .unwrap_or_default(),
        login: learner.login,
        name: learner.name,
        registered: crate::domain::cst(learner.created_at),
        total: labs.len(),
        passed: labs.iter().filter(|l| l.passed).count(),
        labs,
        completion: learner
            .completed_at
            .zip(learner.completion_no)
            .map(|(at, number)| Completion {
                number,
                at: crate::domain::cst(at),
            }),
    }
}

/// The learner's progress, recording the completion the first time every lab is passed.
/// `None` for a trainee who is not a course learner.
pub fn progress(
    s: &Store<'_>,
    lib: &Library,
    trainee: i64,
    lang: crate::i18n::Lang,
    now: DateTime<Utc>,
) -> Result<Option<Progress>, StoreError> {
    let Some(mut learner) = s.learner_of_trainee(trainee)? else {
        return Ok(None);
    };
    let course = s.course(learner.course_id)?;
    let labs = lab_progress(lib, &course.pack_id, &s.attempts_of(trainee)?, lang, now);
    let all_passed = !labs.is_empty() && labs.iter().all(|l| l.passed);
    if all_passed && learner.completed_at.is_none() {
        let number = format!("TLC-{:04}-{:05}", course.id, learner.no);
        s.complete_learner(learner.id, &number, now)?;
        s.audit(
            now,
            &format!("trainee:{trainee}"),
            None,
            None,
            "",
            "course.complete",
            "ok",
            &serde_json::json!({ "course": course.id, "number": number }),
        )?;
        learner = s.learner_of_trainee(trainee)?.ok_or(StoreError::NotFound)?;
    }
    Ok(Some(summary(lib, &course, learner, labs, lang)))
}

/// Every learner of a course with their progress, for its instructor (read only).
pub fn learners(
    s: &Store<'_>,
    lib: &Library,
    course: &CourseRecord,
    lang: crate::i18n::Lang,
    now: DateTime<Utc>,
) -> Result<Vec<Progress>, StoreError> {
    s.learners(course.id)?
        .into_iter()
        .map(|l| {
            let attempts = s.attempts_of(l.trainee_id)?;
            let labs = lab_progress(lib, &course.pack_id, &attempts, lang, now);
            Ok(summary(lib, course, l, labs, lang))
        })
        .collect()
}

/// The course, if this user may run it (its owner or an admin).
pub fn course_for(s: &Store<'_>, user: &User, id: i64) -> Result<CourseRecord, ClassError> {
    let course = s.course(id).map_err(|e| match e {
        StoreError::NotFound => ClassError::NotYours,
        other => other.into(),
    })?;
    if user.role == crate::store::UserRole::Admin || course.owner_id == user.id {
        Ok(course)
    } else {
        Err(ClassError::NotYours)
    }
}

/// Open or close a course for enrolment.
pub fn set_open(
    s: &Store<'_>,
    user: &User,
    course: &CourseRecord,
    open: bool,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    s.set_course_open(course.id, open)?;
    s.audit(
        now,
        &format!("user:{}", user.id),
        None,
        None,
        ip,
        if open { "course.open" } else { "course.close" },
        "ok",
        &serde_json::json!({ "course": course.id }),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(login: &str, password: &str, confirm: &str) -> Registration {
        Registration {
            login: login.to_owned(),
            name: "赵六".to_owned(),
            password: password.to_owned(),
            confirm: confirm.to_owned(),
        }
    }

    #[test]
    fn a_registration_needs_every_field_and_a_real_password() {
        assert!(check_registration(&form("2026101", "Study2026", "Study2026")).is_ok());
        let refused = |r: Registration| check_registration(&r).unwrap_err().code();
        assert_eq!(refused(form(" ", "Study2026", "Study2026")), "no_login");
        assert_eq!(
            refused(form(&"x".repeat(65), "Study2026", "Study2026")),
            "no_login"
        );
        assert_eq!(
            refused(Registration {
                name: String::new(),
                ..form("a", "Study2026", "Study2026")
            }),
            "no_name"
        );
        for weak in ["Study20", "studying", "20262026", "2026101a"] {
            let login = if weak == "2026101a" {
                "2026101a"
            } else {
                "2026101"
            };
            assert_eq!(refused(form(login, weak, weak)), "weak_password", "{weak}");
        }
        assert_eq!(
            refused(form("2026101", "Study2026", "Study2062")),
            "mismatch"
        );
    }
}
