//! A class's or course's 课后测试, 满意度调查 and 跟踪回访: its instructor opens (or reopens
//! with new settings) the pre-test or post-test from the question bank of its pack, or
//! closes it; opens the survey (anonymous or named), or closes it; schedules the follow-up
//! some days on with a retention lab, or closes it.

use chrono::{DateTime, Utc};

use super::ClassError;
use crate::evaluation::{Settings, TestError};
use crate::labs::Library;
use crate::store::{CourseRecord, NewTest, Store, TestOwner, User};

/// What the instructor asked: the phase, open or close, and the settings of an opening.
pub struct TestAsk<'a> {
    pub phase: &'a str,
    pub open: bool,
    pub form: &'a str,
    pub minutes: Option<i64>,
    pub attempts: Option<i64>,
}

/// Open or close the test of `phase`; returns what the audit records. The bank is the one
/// named like the pack, else the library's first.
pub fn set_test(
    s: &Store<'_>,
    lib: &Library,
    owner: TestOwner,
    pack_id: &str,
    ask: &TestAsk<'_>,
    now: DateTime<Utc>,
) -> Result<serde_json::Value, ClassError> {
    if !ask.open {
        let test = s
            .test_of(owner, ask.phase)?
            .ok_or(ClassError::Test(TestError::NoTest))?;
        s.set_test_open(test.id, false)?;
        return Ok(serde_json::json!({ "phase": test.phase, "test": test.id }));
    }
    let bank = if lib.bank(pack_id).is_some() {
        pack_id
    } else {
        ""
    };
    let set = Settings::read(lib, ask.phase, bank, ask.form, ask.minutes, ask.attempts)
        .map_err(ClassError::Test)?;
    let id = s.set_test(
        &NewTest {
            owner,
            phase: set.phase,
            bank_id: &set.bank,
            form: set.form,
            minutes: set.minutes,
            attempts_allowed: set.attempts,
        },
        now,
    )?;
    Ok(serde_json::json!({
        "phase": set.phase, "test": id, "bank": set.bank, "form": set.form,
        "minutes": set.minutes, "attempts": set.attempts,
    }))
}

/// [`set_test`] for a self-paced course, audited.
pub fn set_course_test(
    s: &Store<'_>,
    lib: &Library,
    user: &User,
    course: &CourseRecord,
    ask: &TestAsk<'_>,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let mut detail = set_test(
        s,
        lib,
        TestOwner::Course(course.id),
        &course.pack_id,
        ask,
        now,
    )?;
    detail["course"] = serde_json::json!(course.id);
    s.audit(
        now,
        &format!("user:{}", user.id),
        None,
        None,
        ip,
        if ask.open {
            "course.test_open"
        } else {
            "course.test_close"
        },
        "ok",
        &detail,
    )?;
    Ok(())
}

/// Open or close the survey (its anonymity fixed once anyone answered); returns what the
/// audit records.
pub fn set_survey(
    s: &Store<'_>,
    owner: TestOwner,
    open: bool,
    anonymous: bool,
    now: DateTime<Utc>,
) -> Result<serde_json::Value, ClassError> {
    if !open && s.survey_of(owner)?.is_none() {
        return Err(ClassError::Survey(
            crate::evaluation::survey::SurveyError::NoSurvey,
        ));
    }
    let id = s.set_survey(owner, anonymous, open, now)?;
    let kept = s
        .survey_of(owner)?
        .map(|sv| sv.anonymous)
        .unwrap_or(anonymous);
    Ok(serde_json::json!({ "survey": id, "open": open, "anonymous": kept }))
}

/// [`set_survey`] for a self-paced course, audited.
pub fn set_course_survey(
    s: &Store<'_>,
    user: &User,
    course: &CourseRecord,
    open: bool,
    anonymous: bool,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let mut detail = set_survey(s, TestOwner::Course(course.id), open, anonymous, now)?;
    detail["course"] = serde_json::json!(course.id);
    s.audit(
        now,
        &format!("user:{}", user.id),
        None,
        None,
        ip,
        if open {
            "course.survey_open"
        } else {
            "course.survey_close"
        },
        "ok",
        &detail,
    )?;
    Ok(())
}

/// Schedule (`open`) the follow-up `days` after `base` with the retention lab, or close it;
/// returns what the audit records.
pub fn set_follow_up(
    s: &Store<'_>,
    lib: &Library,
    owner: TestOwner,
    pack_id: &str,
    base: DateTime<Utc>,
    (open, days, lab): (bool, Option<i64>, &str),
    now: DateTime<Utc>,
) -> Result<serde_json::Value, ClassError> {
    use crate::evaluation::follow_up::{self, FollowUpError};
    if !open {
        let f = s
            .follow_up_of(owner)?
            .ok_or(ClassError::FollowUp(FollowUpError::NoFollowUp))?;
        s.set_follow_up_open(f.id, false)?;
        return Ok(serde_json::json!({ "follow_up": f.id, "open": false }));
    }
    let f = follow_up::schedule(s, lib, owner, pack_id, base, days, lab, now)
        .map_err(ClassError::FollowUp)?;
    Ok(serde_json::json!({
        "follow_up": f.id, "open": true, "days": f.days, "due_at": f.due_at.to_rfc3339(), "lab": f.lab_id,
    }))
}

/// [`set_follow_up`] for a self-paced course (days from now), audited.
pub fn set_course_follow_up(
    s: &Store<'_>,
    lib: &Library,
    user: &User,
    course: &CourseRecord,
    ask: (bool, Option<i64>, &str),
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let owner = TestOwner::Course(course.id);
    let mut detail = set_follow_up(s, lib, owner, &course.pack_id, now, ask, now)?;
    detail["course"] = serde_json::json!(course.id);
    s.audit(
        now,
        &format!("user:{}", user.id),
        None,
        None,
        ip,
        if ask.0 {
            "course.follow_up_open"
        } else {
            "course.follow_up_close"
        },
        "ok",
        &detail,
    )?;
    Ok(())
}
