//! Classrooms: an instructor creates a class for a lab pack; launching provisions one
//! tenant and one trainee per seat in a single pass; trainees join with a short code and
//! land in the pack's first lab; the dashboard shows the room live; the controls rescue a
//! trainee, inject faults, broadcast, and end the class. Every instructor action is audited.

pub mod audit;
mod control;
mod controls;
pub mod course;
mod dashboard;
mod join;
pub mod staff;
pub mod testing;

pub use control::{Control, ControlInput};
pub use controls::*;
pub use dashboard::*;
pub use join::*;

use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::labs::run::{self, LabError};
use crate::labs::{Library, Pack};
use crate::seed::{self, SeedError, SeedPlan, default_sandbox_date};
use crate::store::{
    ClassRecord, ClassState, Db, NewClass, Store, StoreError, TraineeKind, User, UserRole,
};

/// Why a class action was refused; catalogue key `class.error.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    #[error("the class needs a name")]
    NoName,
    #[error("no such lab pack")]
    UnknownPack,
    #[error("seats must be 1 to {max}")]
    BadSeats { max: u32 },
    #[error("roster line {line}: {reason}")]
    BadRoster { line: usize, reason: &'static str },
    #[error("no class has this join code")]
    UnknownCode,
    #[error("the class has ended")]
    Ended,
    #[error("every seat is taken")]
    Full,
    #[error("enter your name or student number")]
    NoNameGiven,
    #[error("not your class")]
    NotYours,
    #[error("nobody sits there")]
    NoSuchSeat,
    #[error("no such fault")]
    BadFault,
    #[error("days must be 1 to 366")]
    BadDays,
    #[error("the end must be after the start and in the future")]
    BadSchedule,
    #[error("minutes must be 1 to {max}")]
    BadMinutes { max: i64 },
    #[error("{field}: not a time from 2000 to 2100")]
    BadTime { field: &'static str },
    #[error("the class starts at {at}")]
    NotStarted { at: String },
    #[error("only the class's instructor may do this")]
    NotAllowed,
    #[error("no assistant has this username")]
    UnknownAssistant,
    #[error("at most {max} classes an hour")]
    TooManyClasses { max: i64 },
    #[error("more than one seat has this name: join with the student number")]
    AmbiguousName,
    #[error("a seed is a whole number from 0 to 18446744073709551615")]
    BadSeed,
    #[error("names are at most {max} characters, without control characters")]
    BadName { max: usize },
    #[error("this seat is taken: enter its seat PIN")]
    PinNeeded,
    #[error("wrong seat PIN ({left} tries left)")]
    WrongPin { left: i64 },
    #[error("too many wrong seat PINs: ask the instructor to free the seat")]
    SeatLocked,
    #[error("too many tries from this address: wait a few minutes")]
    TooManyTries,
    #[error(transparent)]
    Test(crate::evaluation::TestError),
    #[error(transparent)]
    Survey(crate::evaluation::survey::SurveyError),
    #[error(transparent)]
    FollowUp(crate::evaluation::follow_up::FollowUpError),
    #[error(transparent)]
    Lab(#[from] LabError),
    #[error(transparent)]
    Seed(#[from] SeedError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ClassError {
    /// A failure of the sandbox, not a refusal: the work it was part of must not be kept.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            ClassError::Lab(_)
                | ClassError::Seed(_)
                | ClassError::Store(_)
                | ClassError::Test(crate::evaluation::TestError::Store(_))
                | ClassError::Survey(crate::evaluation::survey::SurveyError::Store(_))
                | ClassError::FollowUp(crate::evaluation::follow_up::FollowUpError::Store(_))
        )
    }

    pub fn code(&self) -> &'static str {
        match self {
            ClassError::NoName => "no_name",
            ClassError::UnknownPack => "unknown_pack",
            ClassError::BadSeats { .. } => "bad_seats",
            ClassError::BadRoster { .. } => "bad_roster",
            ClassError::UnknownCode => "unknown_code",
            ClassError::Ended => "ended",
            ClassError::Full => "full",
            ClassError::NoNameGiven => "no_name_given",
            ClassError::NotYours => "not_yours",
            ClassError::NoSuchSeat => "no_such_seat",
            ClassError::BadFault => "bad_fault",
            ClassError::BadDays => "bad_days",
            ClassError::BadSchedule => "bad_schedule",
            ClassError::BadTime { .. } => "bad_time",
            ClassError::BadMinutes { .. } => "bad_minutes",
            ClassError::NotStarted { .. } => "not_started",
            ClassError::NotAllowed => "not_allowed",
            ClassError::UnknownAssistant => "unknown_assistant",
            ClassError::BadName { .. } => "bad_name",
            ClassError::BadSeed => "bad_seed",
            ClassError::AmbiguousName => "ambiguous_name",
            ClassError::TooManyClasses { .. } => "too_many_classes",
            ClassError::PinNeeded => "pin_needed",
            ClassError::WrongPin { .. } => "wrong_pin",
            ClassError::SeatLocked => "seat_locked",
            ClassError::TooManyTries => "too_many_tries",
            ClassError::Test(e) => e.code(),
            ClassError::Survey(e) => e.code(),
            ClassError::FollowUp(e) => e.code(),
            ClassError::Lab(_) | ClassError::Seed(_) | ClassError::Store(_) => "internal",
        }
    }
}

pub const MAX_SEATS: u32 = 1000;

/// Join codes avoid characters that are easy to misread (0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn join_code() -> String {
    (0..6)
        .map(|_| CODE_ALPHABET[rand::random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// A password for a new staff account: 16 characters that are easy to read and type.
pub fn new_staff_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
    (0..16)
        .map(|_| CHARS[rand::random_range(0..CHARS.len())] as char)
        .collect()
}

/// Seats: a number, or a roster.
pub enum Seats {
    Count(u32),
    Roster(Vec<(String, String)>),
}

/// The companies a seat's own tenant starts with: those of the pack's first lab. (Every lab
/// attempt generates a tenant of its own from its lab's setup when it starts, so the seat's
/// tenant needs no more; keeping it small keeps launching a big class fast.)
fn pack_presets(lib: &Library, pack: &Pack) -> Vec<String> {
    pack.labs
        .first()
        .and_then(|l| lib.lab(l))
        .map(|l| l.setup.presets.clone())
        .unwrap_or_default()
}

/// What an instructor asks for when creating a class.
pub struct ClassPlan {
    pub name: String,
    pub pack: String,
    pub seats: Seats,
    /// The data seed; random when absent.
    pub seed: Option<u64>,
    /// When trainees may join (from [`EARLY_JOIN_MINUTES`] before); any time when absent.
    pub starts_at: Option<DateTime<Utc>>,
    /// When the class ends by itself; it runs until ended when absent.
    pub ends_at: Option<DateTime<Utc>>,
}

/// Trainees may join this many minutes before a class's start.
pub const EARLY_JOIN_MINUTES: i64 = 15;

/// A start or end time as typed in the console (`2026-11-27T09:00`, China Standard Time) or
/// sent by a script (RFC 3339), for the form field `field`; empty is none. Times outside
/// [`YEARS`] are refused: a class is scheduled in this century, and a time the store could
/// not write back as text (year 10000) never reaches it.
pub fn parse_time(text: &str, field: &'static str) -> Result<Option<DateTime<Utc>>, ClassError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = ClassError::BadTime { field };
    let parsed = match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            let cst = chrono::FixedOffset::east_opt(8 * 3600);
            ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
                .iter()
                .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
                .zip(cst)
                .and_then(|(t, cst)| t.and_local_timezone(cst).single())
                .map(|t| t.with_timezone(&Utc))
        }
    };
    match parsed {
        Some(t) if YEARS.contains(&chrono::Datelike::year(&t)) => Ok(Some(t)),
        _ => Err(bad),
    }
}

/// A seed as typed: empty for a random one, else a whole number that fits 64 bits.
pub fn parse_seed(text: &str) -> Result<Option<u64>, ClassError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u64>()
        .map(Some)
        .map_err(|_| ClassError::BadSeed)
}

/// The years a class may start or end in.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// End every class whose end time has passed (the server checks every few seconds, and
/// before a join or a dashboard). Returns how many ended.
pub fn end_due(s: &Store<'_>, now: DateTime<Utc>) -> Result<usize, ClassError> {
    let due = s.classes_due(now)?;
    for class in &due {
        controls::end_by(s, "system", class, "", now)?;
    }
    Ok(due.len())
}

/// Attempts handed in per write when a class has ended.
pub const HAND_IN_BATCH: i64 = 20;

/// Hand in and grade (at most `limit`) attempts still running in ended classes, each as
/// if the trainee had pressed 完成: graded on what their tenant holds now, finished, and
/// left. Returns how many; callers repeat in fresh transactions until none are left, so
/// every write stays short however large the class.
pub fn hand_in_ended(
    s: &Store<'_>,
    lib: &Library,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<usize, ClassError> {
    let due = s.unfinished_in_ended_classes(limit)?;
    for a in &due {
        match lib.lab(&a.lab_id) {
            Some(lab) => {
                crate::labs::run::check(s, lab, a, now, true).map_err(|e| match e {
                    crate::labs::run::LabError::Store(e) => ClassError::Store(e),
                    other => ClassError::Store(StoreError::Other(other.to_string())),
                })?;
            }
            // a lab no longer on offer: finished ungraded
            None => s.finish_ungraded(a.id, now)?,
        }
        s.leave_attempt(a.trainee_id)?;
    }
    Ok(due.len())
}

/// Create a class and launch it: one tenant (the pack's presets) and one trainee per seat,
/// in one transaction. Returns the class with the time launching took.
pub fn create_and_launch(
    db: &Db,
    lib: &Library,
    owner: &User,
    plan: ClassPlan,
    now: DateTime<Utc>,
) -> Result<ClassRecord, ClassError> {
    let ClassPlan {
        name,
        pack: pack_id,
        seats,
        seed: class_seed,
        starts_at,
        ends_at,
    } = plan;
    if owner.role == UserRole::Assistant {
        return Err(ClassError::NotAllowed);
    }
    let schedule_ok = match (starts_at, ends_at) {
        (Some(a), Some(b)) => a < b && b > now,
        (None, Some(b)) => b > now,
        _ => true,
    };
    if !schedule_ok {
        return Err(ClassError::BadSchedule);
    }
    let (name, pack_id) = (name.trim(), pack_id.as_str());
    if name.is_empty() {
        return Err(ClassError::NoName);
    }
    let pack = lib.pack(pack_id).ok_or(ClassError::UnknownPack)?;
    let roster = match seats {
        Seats::Count(n) if (1..=MAX_SEATS).contains(&n) => {
            vec![(String::new(), String::new()); n as usize]
        }
        Seats::Count(_) => return Err(ClassError::BadSeats { max: MAX_SEATS }),
        Seats::Roster(r) if !r.is_empty() && r.len() <= MAX_SEATS as usize => r,
        Seats::Roster(_) => return Err(ClassError::BadSeats { max: MAX_SEATS }),
    };
    let key = owner.id.to_string();
    if !db.write(|s| CLASSES_PER_USER.take(s, &key, now))? {
        return Err(ClassError::TooManyClasses {
            max: CLASSES_PER_USER.max,
        });
    }
    let class_seed = class_seed.unwrap_or_else(|| u64::from(rand::random::<u32>()));
    let id = db.write(|s| {
        let mut code = join_code();
        while s.class_by_code(&code)?.is_some() {
            code = join_code();
        }
        let id = s.create_class(&NewClass {
            name,
            pack_id,
            class_seed,
            seats: roster.len() as u32,
            join_code: &code,
            owner_id: owner.id,
            starts_at,
            ends_at,
            now,
        })?;
        s.audit(
            now,
            &format!("user:{}", owner.id),
            Some(id),
            None,
            "",
            "class.create",
            "ok",
            &serde_json::json!({ "name": name, "pack": pack_id, "seats": roster.len() }),
        )?;
        Ok(id)
    })?;
    let launched = launch(db, lib, pack, id, class_seed, &roster, owner, now);
    if let Err(e) = launched {
        // Nothing half-launched stays behind: the class, its seats, trainees and tenants go.
        tracing::error!(class = id, error = %e, "launch failed; discarding the class");
        db.write(|s| {
            s.discard_class(id)?;
            s.audit(
                now,
                &format!("user:{}", owner.id),
                Some(id),
                None,
                "",
                "class.launch",
                "failed",
                &serde_json::json!({ "error": e.to_string() }),
            )
        })?;
        return Err(e);
    }
    Ok(db.read(|s| s.class(id))?)
}

/// The seats of a new class: a tenant and trainee each, and each seat's first lab
/// prepared; then the class runs.
#[allow(clippy::too_many_arguments)]
fn launch(
    db: &Db,
    lib: &Library,
    pack: &Pack,
    id: i64,
    class_seed: u64,
    roster: &[(String, String)],
    owner: &User,
    now: DateTime<Utc>,
) -> Result<(), ClassError> {
    let started = Instant::now();
    let tables = crate::synth::Tables::embedded();
    let presets = pack_presets(lib, pack)
        .iter()
        .filter_map(|p| tables.preset(p))
        .collect();
    let plan = SeedPlan {
        class_seed,
        label_prefix: Some(format!("class{id}")),
        tenants: roster.len() as u32,
        sandbox_date: default_sandbox_date(),
        presets,
    };
    let mut trainees = Vec::with_capacity(roster.len());
    seed::seed(db, &plan, |s, seat, tenant| {
        let (name, no) = &roster[seat as usize - 1];
        let t = s.create_trainee(tenant, name, TraineeKind::Class, now)?;
        trainees.push(t.id);
        s.add_seat(id, seat, name, no, t.id)
    })?;
    // Every seat's first lab is prepared now, so a room joining at once only claims it.
    if let Some(first) = pack.labs.first().and_then(|l| lib.lab(l)) {
        let spec = run::tenant_spec(first, class_seed, 1);
        let plan = SeedPlan {
            class_seed: spec.class_seed,
            label_prefix: Some(format!("class{id}-{}", first.id)),
            tenants: roster.len() as u32,
            sandbox_date: spec.sandbox_date,
            presets: spec.presets,
        };
        seed::seed(db, &plan, |s, seat, tenant| {
            s.prepare_tenant(
                trainees[seat as usize - 1],
                &first.id,
                &first.digest,
                tenant,
            )
        })?;
    }
    let ms = started.elapsed().as_millis() as i64;
    db.write(|s| {
        s.set_launch(id, now, ms)?;
        s.set_class_state(id, ClassState::Running)?;
        s.audit(
            now,
            &format!("user:{}", owner.id),
            Some(id),
            None,
            "",
            "class.launch",
            "ok",
            &serde_json::json!({ "ms": ms }),
        )
    })?;
    Ok(())
}

/// Classes one staff account may launch in an hour (each launches a tenant per seat).
pub const CLASSES_PER_USER: crate::store::limits::Limit = crate::store::limits::Limit {
    kind: "class_launch",
    max: 20,
    window: chrono::Duration::hours(1),
};

/// The class, if this user may see it: its owner, an admin, or one of its assistants
/// (what each may do is [`permits`]'s business).
pub fn class_for(s: &Store<'_>, user: &User, id: i64) -> Result<ClassRecord, ClassError> {
    let class = s.class(id).map_err(|e| match e {
        StoreError::NotFound => ClassError::NotYours,
        other => other.into(),
    })?;
    if user.role == UserRole::Admin || class.owner_id == user.id || s.is_assistant(id, user.id)? {
        Ok(class)
    } else {
        Err(ClassError::NotYours)
    }
}

/// Whether the user runs the class (its owner or an admin) rather than assisting it.
pub fn runs(user: &User, class: &ClassRecord) -> bool {
    user.role == UserRole::Admin || class.owner_id == user.id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_china_standard_time_or_rfc3339() {
        let at = |s: &str| parse_time(s, "ends_at").unwrap().map(|t| t.to_rfc3339());
        assert_eq!(at(""), None);
        assert_eq!(
            at("2026-11-27T09:00").as_deref(),
            Some("2026-11-27T01:00:00+00:00")
        );
        assert_eq!(
            at("2026-11-27 09:00").as_deref(),
            Some("2026-11-27T01:00:00+00:00")
        );
        assert_eq!(
            at("2026-11-27T09:00:00+08:00").as_deref(),
            Some("2026-11-27T01:00:00+00:00")
        );
        assert!(matches!(
            parse_time("27/11/2026", "starts_at"),
            Err(ClassError::BadTime { field: "starts_at" })
        ));
    }

    #[test]
    fn times_outside_this_century_are_refused_at_their_field() {
        for text in [
            "9999-12-31T23:00:00-01:00",
            "1999-12-31T23:59",
            "2101-01-01T09:00",
            "+10000-01-01T00:00:00Z",
        ] {
            assert!(
                matches!(
                    parse_time(text, "ends_at"),
                    Err(ClassError::BadTime { field: "ends_at" })
                ),
                "{text}"
            );
        }
        assert!(parse_time("2100-12-31T23:00", "ends_at").unwrap().is_some());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        // Any time text: a time in range, nothing, or a refusal at the field.
        #[test]
        fn any_time_is_in_range_or_refused(text in prop_oneof![
            ".{0,30}",
            "[+-]?[0-9]{1,6}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?",
        ]) {
            match parse_time(&text, "ends_at") {
                Ok(Some(t)) => prop_assert!(YEARS.contains(&chrono::Datelike::year(&t))),
                Ok(None) => prop_assert!(text.trim().is_empty()),
                Err(e) => {
                    let at_field = matches!(e, ClassError::BadTime { field: "ends_at" });
                    prop_assert!(at_field, "{}", e);
                }
            }
        }
    }
}
