//! Classrooms: an instructor creates a class for a lab pack; launching provisions one
//! tenant and one trainee per seat in a single pass; trainees join with a short code and
//! land in the pack's first lab; the dashboard shows the room live; the controls rescue a
//! trainee, inject faults, broadcast, and end the class. Every instructor action is audited.

mod controls;
pub mod course;
mod dashboard;

pub use controls::*;
pub use dashboard::*;

use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::labs::run::{self, LabError};
use crate::labs::{Library, Pack};
use crate::seed::{self, SeedError, SeedPlan, default_sandbox_date};
use crate::store::{
    ClassRecord, ClassState, Db, Mode, NewClass, Store, StoreError, TraineeKind, User, UserRole,
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
            ClassError::Lab(_) | ClassError::Seed(_) | ClassError::Store(_)
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

/// A roster: `name,student_no` per line, as typed or pasted from a spreadsheet. A header
/// row (姓名/学号, name/student_no…) and blank lines are skipped; a byte-order mark is
/// dropped. Refused with the line it is on: text that is not readable (a file in GBK read as
/// UTF-8 shows as replacement characters), a quote left open, a name or number over
/// [`MAX_NAME_CHARS`] or with control characters, a name or number given twice.
pub fn parse_roster(text: &str) -> Result<Vec<(String, String)>, ClassError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let bad = |line: usize, reason: &'static str| ClassError::BadRoster { line, reason };
    for (i, line) in text.lines().enumerate() {
        if line.contains('\u{FFFD}') {
            return Err(bad(i + 1, "encoding"));
        }
        if line.matches('"').count() % 2 == 1 {
            return Err(bad(i + 1, "quotes"));
        }
    }
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut first = true;
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            bad(line, "unreadable")
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let name = rec.get(0).unwrap_or_default().to_owned();
        let no = rec.get(1).unwrap_or_default().to_owned();
        if name.is_empty() && no.is_empty() {
            continue;
        }
        if std::mem::take(&mut first) && is_header(&name, &no) {
            continue;
        }
        if rec.len() > 2 && rec.iter().skip(2).any(|c| !c.is_empty()) {
            return Err(bad(line, "columns"));
        }
        for cell in [&name, &no] {
            if cell.chars().count() > MAX_NAME_CHARS {
                return Err(bad(line, "too_long"));
            }
            if cell.chars().any(char::is_control) {
                return Err(bad(line, "control"));
            }
        }
        // what a trainee joins with must find one seat
        let key = if no.is_empty() {
            fold_name(&name)
        } else {
            fold_name(&no)
        };
        if seen.insert(key, line).is_some() {
            return Err(bad(line, "duplicate"));
        }
        out.push((name, no));
    }
    Ok(out)
}

/// Whether a roster's first row is its header.
fn is_header(name: &str, no: &str) -> bool {
    const NAMES: &[&str] = &["name", "姓名", "学生姓名", "学员姓名", "名字"];
    const NUMBERS: &[&str] = &["student_no", "student no", "no", "学号", "编号", "工号"];
    NAMES.contains(&fold_name(name).as_str()) || NUMBERS.contains(&fold_name(no).as_str())
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

/// Join a class with its code as `who` (a roster name or student number, or a new name):
/// the roster's seat, the seat already taken under that name (rejoining), or the next free
/// one. The trainee lands in the pack's first lab. Returns the sandbox token.
pub fn join(
    s: &Store<'_>,
    lib: &Library,
    req: &JoinRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Joined, ClassError> {
    let who = req.who.trim();
    if who.is_empty() {
        return Err(ClassError::NoNameGiven);
    }
    if who.chars().count() > MAX_NAME_CHARS || who.chars().any(char::is_control) {
        return Err(ClassError::BadName {
            max: MAX_NAME_CHARS,
        });
    }
    // Guessing codes: wrong codes from one address are limited.
    let address = crate::store::limits::address_key(req.ip);
    if BAD_CODE_LIMIT.reached(s, &address, now)? {
        return Err(ClassError::TooManyTries);
    }
    end_due(s, now)?;
    let Some(class) = s.class_by_code(&req.code.trim().to_uppercase())? else {
        BAD_CODE_LIMIT.take(s, &address, now)?;
        return Err(ClassError::UnknownCode);
    };
    // Every try at a class counts against the address. A computer room shares one address,
    // so the limit grows with the class: a whole room joining twice still fits; a script
    // filling the class with names or guessing seat PINs does not.
    let limit = crate::store::limits::Limit {
        max: 2 * i64::from(class.seats) + 20,
        ..JOIN_LIMIT
    };
    if !limit.take(s, &format!("{}:{address}", class.id), now)? {
        return Err(ClassError::TooManyTries);
    }
    if class.state == ClassState::Ended {
        return Err(ClassError::Ended);
    }
    if let Some(at) = class.starts_at
        && now < at - chrono::Duration::minutes(EARLY_JOIN_MINUTES)
    {
        return Err(ClassError::NotStarted {
            at: crate::domain::cst(at),
        });
    }
    let seats = s.seats(class.id)?;
    let key = fold_name(who);
    let by_name: Vec<&crate::store::SeatRecord> = seats
        .iter()
        .filter(|st| fold_name(&st.name) == key)
        .collect();
    let by_number = seats
        .iter()
        .find(|st| !st.student_no.is_empty() && fold_name(&st.student_no) == key);
    // Two roster rows with the same name: only the student number tells them apart.
    if by_number.is_none() && by_name.len() > 1 {
        return Err(ClassError::AmbiguousName);
    }
    let seat = by_number
        .or_else(|| by_name.first().copied())
        .or_else(|| {
            // no roster entry: the next seat nobody has taken
            seats
                .iter()
                .find(|st| !st.joined && st.name.is_empty() && st.student_no.is_empty())
        })
        .ok_or(ClassError::Full)?;
    let rejoin = seat.joined;
    let new_pin = match (&seat.pin, rejoin) {
        (Some(pin), true) => {
            if seat.pin_failures >= crate::store::SEAT_PIN_TRIES {
                return Err(ClassError::SeatLocked);
            }
            let given = req.pin.trim();
            if given.is_empty() {
                return Err(ClassError::PinNeeded);
            }
            if given != pin {
                s.seat_pin_failed(seat.id)?;
                let left = crate::store::SEAT_PIN_TRIES - seat.pin_failures - 1;
                s.audit(
                    now,
                    &format!("trainee:{}", seat.trainee_id),
                    Some(class.id),
                    None,
                    req.ip,
                    "class.rejoin",
                    "wrong_pin",
                    &serde_json::json!({ "seat": seat.seat_no, "as": who }),
                )?;
                return Err(if left <= 0 {
                    ClassError::SeatLocked
                } else {
                    ClassError::WrongPin { left }
                });
            }
            None
        }
        // First join (or a seat the instructor freed): the seat gets its PIN now.
        _ => {
            let pin = seat_pin();
            s.set_seat_pin(seat.id, Some(&pin))?;
            Some(pin)
        }
    };
    if seat.pin.is_some() && seat.pin_failures > 0 {
        s.set_seat_pin(seat.id, seat.pin.as_deref())?;
    }
    s.take_seat(seat.id, who, now)?;
    let trainee = s.trainee(seat.trainee_id)?;
    if s.attempts_of(trainee.id)?.is_empty() {
        if class.exam {
            run::start_exam(s, lib, &class.pack_id, &trainee, now)?;
        } else if let Some(first) = lib
            .pack(&class.pack_id)
            .and_then(|p| p.labs.first())
            .and_then(|l| lib.lab(l))
        {
            run::start(s, first, &trainee, Mode::Practice, None, now)?;
        }
    }
    let token = s.open_sandbox_session(&trainee, now)?;
    s.audit(
        now,
        &format!("trainee:{}", trainee.id),
        Some(class.id),
        Some(trainee.home),
        req.ip,
        if rejoin { "class.rejoin" } else { "class.join" },
        "ok",
        &serde_json::json!({ "seat": seat.seat_no, "as": who }),
    )?;
    Ok(Joined {
        token,
        seat: seat.seat_no,
        pin: new_pin,
    })
}

/// What a trainee gives to join a class.
pub struct JoinRequest<'a> {
    pub code: &'a str,
    /// A roster name or student number, or a new name.
    pub who: &'a str,
    /// The seat PIN, when rejoining.
    pub pin: &'a str,
    /// The client address.
    pub ip: &'a str,
}

/// A trainee in their seat.
#[derive(Debug)]
pub struct Joined {
    /// The sandbox session.
    pub token: String,
    pub seat: u32,
    /// The seat's PIN, when it was given now (first join): shown to the trainee once.
    pub pin: Option<String>,
}

/// The longest name or student number a trainee may join with.
pub const MAX_NAME_CHARS: usize = 40;

/// Join tries at one class from one address (`max` is set by the class's size).
const JOIN_LIMIT: crate::store::limits::Limit = crate::store::limits::Limit {
    kind: "join",
    max: 0,
    window: chrono::Duration::minutes(15),
};

/// Classes one staff account may launch in an hour (each launches a tenant per seat).
pub const CLASSES_PER_USER: crate::store::limits::Limit = crate::store::limits::Limit {
    kind: "class_launch",
    max: 20,
    window: chrono::Duration::hours(1),
};

/// Unknown join codes from one address. A computer room shares one address and mistypes;
/// six letters from 31 make guessing hopeless well above this.
pub const BAD_CODE_LIMIT: crate::store::limits::Limit = crate::store::limits::Limit {
    kind: "join_code",
    max: 200,
    window: chrono::Duration::minutes(15),
};

/// A seat's PIN: four digits (the seat locks after [`crate::store::SEAT_PIN_TRIES`] wrong).
fn seat_pin() -> String {
    format!("{:04}", rand::random_range(0..10_000u32))
}

/// A name as joins compare it: case, full-width forms (ＡＢＣ，１２３) and runs of spaces do
/// not tell two names apart.
pub fn fold_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    for c in name.trim().chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

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
    fn a_roster_skips_its_header_and_refuses_what_would_garble_a_join() {
        let r = parse_roster("\u{FEFF}姓名,学号\n张三,2026001\n\n李四,2026002\n").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], ("张三".to_owned(), "2026001".to_owned()));
        assert_eq!(parse_roster("Name,Student No\nBen,1\n").unwrap().len(), 1);
        // a header is only the first row
        assert!(matches!(
            parse_roster("张三,1\n姓名,学号\n"),
            Ok(r) if r.len() == 2
        ));
        let line = |text: &str| match parse_roster(text) {
            Err(ClassError::BadRoster { line, reason }) => (line, reason),
            other => panic!("{text}: {:?}", other.map(|r| r.len())),
        };
        // GBK bytes read as UTF-8
        let gbk_read_as_utf8 = String::from_utf8_lossy(b"\xd5\xc5\xc8\xfd,2026001").into_owned();
        assert_eq!(
            line(&format!("张三,1\n{gbk_read_as_utf8}\n")),
            (2, "encoding")
        );
        assert_eq!(line("张三,1\n\"李四,2\n王五,3\n"), (2, "quotes"));
        assert_eq!(line(&format!("{},1\n", "长".repeat(41))), (1, "too_long"));
        assert_eq!(line("张\u{7}三,1\n"), (1, "control"));
        assert_eq!(line("张三,1\n李四,1\n"), (2, "duplicate"));
        assert_eq!(line("Ben\n ＢＥＮ \n"), (2, "duplicate"));
        assert_eq!(line("张三,1,x\n"), (1, "columns"));
        // quoted commas are fine
        assert_eq!(
            parse_roster("\"Smith, Ben\",7\n").unwrap()[0].0,
            "Smith, Ben"
        );
    }

    #[test]
    fn names_fold_case_width_and_spaces() {
        assert_eq!(fold_name(" ＢＥＮ　Ｓmith "), "ben smith");
        assert_eq!(fold_name("张三"), "张三");
        assert_eq!(fold_name("２０２６００１"), "2026001");
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
        // Any roster text: seats, each name and number within the limits and unique, or a
        // refusal naming a line of the text; never a panic.
        #[test]
        fn any_roster_is_seats_or_a_refusal_at_a_line(text in prop_oneof![
            ".{0,200}",
            prop::collection::vec("[a-z张三李四\\\",， ]{0,12}(,[0-9\\\"]{0,6})?", 0..12).prop_map(|l| l.join("\n")),
        ]) {
            match parse_roster(&text) {
                Ok(seats) => {
                    let mut keys = std::collections::HashSet::new();
                    for (name, no) in &seats {
                        prop_assert!(name.chars().count() <= MAX_NAME_CHARS);
                        prop_assert!(!name.chars().any(char::is_control));
                        let key = if no.is_empty() { fold_name(name) } else { fold_name(no) };
                        prop_assert!(keys.insert(key));
                    }
                }
                Err(ClassError::BadRoster { line, .. }) => {
                    prop_assert!(line <= text.lines().count().max(1));
                }
                Err(other) => prop_assert!(false, "{other}"),
            }
        }

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
