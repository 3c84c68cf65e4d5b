//! The instructor's controls. Each runs inside the caller's transaction and writes one
//! audit row.

use chrono::{DateTime, Utc};

use super::{ClassError, Control};
use crate::labs::Library;
use crate::labs::run;
use crate::store::{ClassRecord, ClassState, Mode, Store, User};

fn actor(user: &User) -> String {
    format!("user:{}", user.id)
}

/// One audit row for an instructor's action on a class (or one of its tenants).
#[allow(clippy::too_many_arguments)]
fn audited(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    tenant: Option<crate::store::TenantId>,
    ip: &str,
    now: DateTime<Utc>,
    action: &str,
    detail: &serde_json::Value,
) -> Result<(), ClassError> {
    s.audit(
        now,
        &actor(user),
        Some(class.id),
        tenant,
        ip,
        action,
        "ok",
        detail,
    )?;
    Ok(())
}

/// The seats an action is for: one, or every seat of the class.
fn targets(
    s: &Store<'_>,
    class: &ClassRecord,
    seat: Option<u32>,
) -> Result<Vec<crate::store::SeatRecord>, ClassError> {
    let seats = s.seats(class.id)?;
    match seat {
        None => Ok(seats),
        Some(n) => Ok(vec![
            seats
                .into_iter()
                .find(|st| st.seat_no == n)
                .ok_or(ClassError::NoSuchSeat)?,
        ]),
    }
}

/// Rescue a trainee: their current lab starts again from its setup (a fresh tenant), or the
/// pack's first lab if they have none in progress.
pub fn reset_seat(
    s: &Store<'_>,
    lib: &Library,
    user: &User,
    class: &ClassRecord,
    seat: u32,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let st = targets(s, class, Some(seat))?.remove(0);
    let trainee = s.trainee(st.trainee_id)?;
    let current = trainee
        .attempt
        .map(|id| s.attempt_of(trainee.id, id))
        .transpose()?;
    let lab_id = match &current {
        Some(a) => a.lab_id.clone(),
        None => lib
            .pack(&class.pack_id)
            .and_then(|p| p.labs.first().cloned())
            .ok_or(ClassError::UnknownPack)?,
    };
    let lab = lib.lab(&lab_id).ok_or(ClassError::UnknownPack)?;
    let mode = current.as_ref().map_or(Mode::Practice, |a| a.mode);
    run::start(s, lab, &trainee, mode, None, now)?;
    audited(
        s,
        user,
        class,
        Some(trainee.home),
        ip,
        now,
        "class.reset",
        &serde_json::json!({ "seat": seat, "lab": lab_id }),
    )?;
    Ok(())
}

/// Inject a fault into the bureau one trainee (or every trainee) is working in now.
pub fn inject_fault(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    seat: Option<u32>,
    fault: &crate::labs::setup::Fault,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<usize, ClassError> {
    let seats = targets(s, class, seat)?;
    for st in &seats {
        let t = s.trainee(st.trainee_id)?;
        fault.add_to(&s.tenant(t.tenant), now)?;
    }
    audited(
        s,
        user,
        class,
        None,
        ip,
        now,
        "class.fault",
        &serde_json::json!({ "seat": seat, "fault": fault, "seats": seats.len() }),
    )?;
    Ok(seats.len())
}

/// Clear every fault where one trainee (or everyone) is working now.
pub fn clear_faults(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    seat: Option<u32>,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<usize, ClassError> {
    let mut n = 0;
    for st in targets(s, class, seat)? {
        let t = s.trainee(st.trainee_id)?;
        n += s.tenant(t.tenant).clear_faults()?;
    }
    audited(
        s,
        user,
        class,
        None,
        ip,
        now,
        "class.fault_clear",
        &serde_json::json!({ "seat": seat, "cleared": n }),
    )?;
    Ok(n)
}

/// 课堂通知: a message every trainee of the class sees above the portal and on the
/// simulated phone.
pub fn broadcast(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    text: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let text: String = text.trim().chars().take(500).collect();
    if text.is_empty() {
        return Err(ClassError::NoName);
    }
    s.set_notice(class.id, &text)?;
    for st in s.seats(class.id)? {
        let t = s.trainee(st.trainee_id)?;
        let scope = s.tenant(t.tenant);
        if let Some(p) = scope.people_ids()?.first() {
            let to = scope.person(*p)?.value.mobile.to_string();
            scope.send_to_phone(
                *p,
                now,
                &to,
                "broadcast",
                &serde_json::json!({ "text": text }),
            )?;
        }
    }
    audited(
        s,
        user,
        class,
        None,
        ip,
        now,
        "class.broadcast",
        &serde_json::json!({ "text": text }),
    )?;
    Ok(())
}

/// End the class: nobody can join or keep working; every trainee's sandbox session ends.
pub fn end(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    end_by(s, &actor(user), class, ip, now)
}

/// End a class for `who` (`user:<id>`, or `system` when its end time came): its trainees
/// see 课堂已结束 with their results wherever they are, their work stays for review, and
/// every attempt still running is handed in and graded after ([`super::hand_in_ended`]).
pub fn end_by(
    s: &Store<'_>,
    who: &str,
    class: &ClassRecord,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    s.set_class_state(class.id, ClassState::Ended)?;
    s.audit(
        now,
        who,
        Some(class.id),
        None,
        ip,
        "class.end",
        "ok",
        &serde_json::json!({}),
    )?;
    Ok(())
}

/// Grade every finished attempt of this class's trainees again with the labs as they are
/// now (after a lab file was fixed). Returns how many attempts were regraded.
pub fn regrade_class(
    s: &Store<'_>,
    lib: &Library,
    user: &User,
    class: &ClassRecord,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<usize, ClassError> {
    let trainees: Vec<i64> = s.seats(class.id)?.iter().map(|st| st.trainee_id).collect();
    let mut n = 0;
    for t in &trainees {
        for a in s.attempts_of(*t)? {
            if a.finished_at.is_none() {
                continue;
            }
            if let Some(lab) = lib.lab(&a.lab_id) {
                run::check(s, lab, &a, now, false)?;
                n += 1;
            }
        }
    }
    audited(
        s,
        user,
        class,
        None,
        ip,
        now,
        "class.regrade",
        &serde_json::json!({ "attempts": n }),
    )?;
    Ok(n)
}

/// Pause (trainees' bureau and labs wait) or resume the class.
pub fn set_paused(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    paused: bool,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    if class.state == ClassState::Ended {
        return Err(ClassError::Ended);
    }
    // the time of a pause is not exam time: resuming moves the deadlines on by it
    let since = s.set_class_paused(class.id, paused, now)?;
    let frozen = match since {
        Some(since) if !paused && now > since => {
            s.extend_class_deadlines(class.id, since, now - since)?
        }
        _ => 0,
    };
    s.audit(
        now,
        &actor(user),
        Some(class.id),
        None,
        ip,
        if paused {
            "class.pause"
        } else {
            "class.resume"
        },
        "ok",
        &serde_json::json!({ "deadlines_moved": frozen }),
    )?;
    Ok(())
}

/// Move the class's sandbox clock (the tenants' "today") forward by whole days, e.g. to the
/// day after a filing deadline.
pub fn advance_clock(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    days: i64,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<usize, ClassError> {
    if !(1..=366).contains(&days) {
        return Err(ClassError::BadDays);
    }
    let n = s.shift_class_dates(class.id, days)?;
    audited(
        s,
        user,
        class,
        None,
        ip,
        now,
        "class.clock",
        &serde_json::json!({ "days": days, "tenants": n }),
    )?;
    Ok(n)
}

/// 举手: a trainee asks for help; it stays on the dashboard until handled.
pub fn raise_hand(
    s: &Store<'_>,
    trainee: i64,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let class = s.class_of_trainee(trainee)?.ok_or(ClassError::NotYours)?;
    s.raise_hand(class, trainee, now)?;
    s.audit(
        now,
        &format!("trainee:{trainee}"),
        Some(class),
        None,
        ip,
        "class.hand",
        "ok",
        &serde_json::json!({}),
    )?;
    Ok(())
}

/// The instructor has answered a seat's raised hand.
pub fn resolve_hand(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    seat: u32,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let st = targets(s, class, Some(seat))?.remove(0);
    s.resolve_hand(class.id, st.trainee_id, now)?;
    audited(
        s,
        user,
        class,
        None,
        ip,
        now,
        "class.hand_done",
        &serde_json::json!({ "seat": seat }),
    )?;
    Ok(())
}

/// Carry out a control for a seat (or the whole class), inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    s: &Store<'_>,
    lib: &Library,
    user: &User,
    class: &ClassRecord,
    seat: Option<u32>,
    control: &Control,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    if !super::runs(user, class) && !control.for_assistants(seat) {
        return Err(ClassError::NotAllowed);
    }
    // An ended class is a record: it can be regraded, nothing else.
    if class.state == ClassState::Ended && !matches!(control, Control::Regrade) {
        return Err(ClassError::Ended);
    }
    let one = || seat.ok_or(ClassError::NoSuchSeat);
    match control {
        Control::Reset => reset_seat(s, lib, user, class, one()?, ip, now),
        Control::Fault(f) => inject_fault(s, user, class, seat, f, ip, now).map(|_| ()),
        Control::ClearFaults => clear_faults(s, user, class, seat, ip, now).map(|_| ()),
        Control::Broadcast(text) => broadcast(s, user, class, text, ip, now),
        Control::End => end(s, user, class, ip, now),
        Control::Pause => set_paused(s, user, class, true, ip, now),
        Control::Resume => set_paused(s, user, class, false, ip, now),
        Control::Clock(days) => advance_clock(s, user, class, *days, ip, now).map(|_| ()),
        Control::HandDone => resolve_hand(s, user, class, one()?, ip, now),
        Control::Regrade => regrade_class(s, lib, user, class, ip, now).map(|_| ()),
        Control::Exam(on) => set_exam(s, lib, user, class, *on, ip, now),
        Control::Assistant(name, on) => set_assistant(s, user, class, name, *on, ip, now),
        Control::Unlock => unlock_seat(s, user, class, one()?, ip, now),
        Control::Free => free_seat(s, user, class, one()?, ip, now),
        Control::Test {
            phase,
            open,
            form,
            minutes,
            attempts,
        } => {
            let ask = super::testing::TestAsk {
                phase,
                open: *open,
                form,
                minutes: *minutes,
                attempts: *attempts,
            };
            let owner = crate::store::TestOwner::Class(class.id);
            let detail = super::testing::set_test(s, lib, owner, &class.pack_id, &ask, now)?;
            let action = if *open {
                "class.test_open"
            } else {
                "class.test_close"
            };
            audited(s, user, class, None, ip, now, action, &detail)
        }
        Control::FollowUp { open, days, lab } => {
            let owner = crate::store::TestOwner::Class(class.id);
            let base = class.ends_at.unwrap_or(now);
            let detail = super::testing::set_follow_up(
                s,
                lib,
                owner,
                &class.pack_id,
                base,
                (*open, *days, lab),
                now,
            )?;
            let action = if *open {
                "class.follow_up_open"
            } else {
                "class.follow_up_close"
            };
            audited(s, user, class, None, ip, now, action, &detail)
        }
        Control::Survey { open, anonymous } => {
            let owner = crate::store::TestOwner::Class(class.id);
            let detail = super::testing::set_survey(s, owner, *open, *anonymous, now)?;
            let action = if *open {
                "class.survey_open"
            } else {
                "class.survey_close"
            };
            audited(s, user, class, None, ip, now, action, &detail)
        }
    }
}

/// [`Control::Unlock`].
fn unlock_seat(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    seat: u32,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let st = targets(s, class, Some(seat))?.remove(0);
    s.set_seat_pin(st.id, None)?;
    audited(
        s,
        user,
        class,
        None,
        ip,
        now,
        "class.seat_unlock",
        &serde_json::json!({ "seat": seat }),
    )
}

/// [`Control::Free`]: the seat gets a new trainee (same seat tenant, no attempts); the old
/// one's sessions end and their attempts stay, out of the class.
fn free_seat(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    seat: u32,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let st = targets(s, class, Some(seat))?.remove(0);
    let old = s.trainee(st.trainee_id)?;
    let from_roster = s.roster_seat(st.id)?;
    let name = if from_roster { st.name.as_str() } else { "" };
    let fresh = s.create_trainee(old.home, name, crate::store::TraineeKind::Class, now)?;
    s.free_seat(st.id, fresh.id)?;
    s.close_trainee_sessions(old.id)?;
    audited(
        s,
        user,
        class,
        Some(old.home),
        ip,
        now,
        "class.seat_free",
        &serde_json::json!({ "seat": seat, "was": st.name }),
    )
}

/// Add (or remove) an assistant by username; only assistant accounts can be added.
fn set_assistant(
    s: &Store<'_>,
    user: &User,
    class: &ClassRecord,
    username: &str,
    on: bool,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let helper = s
        .user_by_name(username)?
        .filter(|u| u.role == crate::store::UserRole::Assistant)
        .ok_or(ClassError::UnknownAssistant)?;
    if on {
        s.add_assistant(class.id, helper.id)?;
    } else {
        s.remove_assistant(class.id, helper.id)?;
    }
    audited(
        s,
        user,
        class,
        None,
        ip,
        now,
        if on {
            "class.assistant_add"
        } else {
            "class.assistant_remove"
        },
        &serde_json::json!({ "assistant": helper.username }),
    )
}

/// Switch exam mode: on starts the pack as an exam for every trainee who has joined.
fn set_exam(
    s: &Store<'_>,
    lib: &Library,
    user: &User,
    class: &ClassRecord,
    on: bool,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    s.set_exam(class.id, on)?;
    let mut started = 0;
    if on {
        for st in s.seats(class.id)?.iter().filter(|st| st.joined) {
            let trainee = s.trainee(st.trainee_id)?;
            run::start_exam(s, lib, &class.pack_id, &trainee, now)?;
            started += 1;
        }
    }
    audited(
        s,
        user,
        class,
        None,
        ip,
        now,
        if on {
            "class.exam_on"
        } else {
            "class.exam_off"
        },
        &serde_json::json!({ "started": started }),
    )
}
