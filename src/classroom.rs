//! Classrooms: an instructor creates a class for a lab pack; launching provisions one
//! tenant and one trainee per seat in a single pass; trainees join with a short code and
//! land in the pack's first lab; the dashboard shows the room live; the controls rescue a
//! trainee, inject faults, broadcast, and end the class. Every instructor action is audited.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::labs::facts::Facts;
use crate::labs::grade::grade;
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
    BadRoster { line: usize, reason: String },
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
    #[error(transparent)]
    Lab(#[from] LabError),
    #[error(transparent)]
    Seed(#[from] SeedError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ClassError {
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

/// A roster: `name,student_no` per line (a header line and blank lines are skipped).
pub fn parse_roster(text: &str) -> Result<Vec<(String, String)>, ClassError> {
    let mut out = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| ClassError::BadRoster {
            line: i + 1,
            reason: e.to_string(),
        })?;
        let name = rec.get(0).unwrap_or_default().to_owned();
        let no = rec.get(1).unwrap_or_default().to_owned();
        if name.is_empty() && no.is_empty() {
            continue;
        }
        if i == 0 && (name == "name" || name == "姓名") {
            continue;
        }
        out.push((name, no));
    }
    Ok(out)
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
    } = plan;
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
    seed::seed(db, &plan, |s, seat, tenant| {
        let (name, no) = &roster[seat as usize - 1];
        let t = s.create_trainee(tenant, name, TraineeKind::Class, now)?;
        s.add_seat(id, seat, name, no, t.id)
    })?;
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
    Ok(db.read(|s| s.class(id))?)
}

/// Join a class with its code as `who` (a roster name or student number, or a new name):
/// the roster's seat, the seat already taken under that name (rejoining), or the next free
/// one. The trainee lands in the pack's first lab. Returns the sandbox token.
pub fn join(
    s: &Store<'_>,
    lib: &Library,
    code: &str,
    who: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<String, ClassError> {
    let who = who.trim();
    if who.is_empty() {
        return Err(ClassError::NoNameGiven);
    }
    let class = s
        .class_by_code(&code.trim().to_uppercase())?
        .ok_or(ClassError::UnknownCode)?;
    if class.state == ClassState::Ended {
        return Err(ClassError::Ended);
    }
    let seats = s.seats(class.id)?;
    let seat = seats
        .iter()
        .find(|st| !st.student_no.is_empty() && st.student_no == who)
        .or_else(|| seats.iter().find(|st| st.name == who))
        .or_else(|| {
            // no roster entry: the next seat nobody has taken
            seats
                .iter()
                .find(|st| !st.joined && st.name.is_empty() && st.student_no.is_empty())
        })
        .ok_or(ClassError::Full)?;
    let rejoin = seat.joined;
    s.take_seat(seat.id, who, now)?;
    let trainee = s.trainee(seat.trainee_id)?;
    if s.attempts_of(trainee.id)?.is_empty()
        && let Some(first) = lib
            .pack(&class.pack_id)
            .and_then(|p| p.labs.first())
            .and_then(|l| lib.lab(l))
    {
        run::start(s, first, &trainee, Mode::Practice, None, now)?;
    }
    let token = s.open_sandbox_session(&trainee, now)?;
    s.audit(
        now,
        &format!("trainee:{}", trainee.id),
        Some(class.id),
        Some(trainee.home),
        ip,
        if rejoin { "class.rejoin" } else { "class.join" },
        "ok",
        &serde_json::json!({ "seat": seat.seat_no, "as": who }),
    )?;
    Ok(token)
}

/// The class, if this user may run it (its owner, or an admin; an assistant of none yet).
pub fn class_for(s: &Store<'_>, user: &User, id: i64) -> Result<ClassRecord, ClassError> {
    let class = s.class(id).map_err(|e| match e {
        StoreError::NotFound => ClassError::NotYours,
        other => other.into(),
    })?;
    if user.role == UserRole::Admin || class.owner_id == user.id {
        Ok(class)
    } else {
        Err(ClassError::NotYours)
    }
}

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
            let facts = Facts::read(&s.tenant(tenant), m.me, m.clerk, now)?;
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

fn actor(user: &User) -> String {
    format!("user:{}", user.id)
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
    s.audit(
        now,
        &actor(user),
        Some(class.id),
        Some(trainee.home),
        ip,
        "class.reset",
        "ok",
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
    let params = serde_json::to_string(fault).map_err(|e| StoreError::Other(e.to_string()))?;
    let (ends_at, remaining) = match fault {
        crate::labs::setup::Fault::SmsDelay { count, .. } => (None, Some(i64::from(*count))),
        crate::labs::setup::Fault::Maintenance { minutes, .. } => {
            (Some(now + chrono::Duration::minutes(*minutes)), None)
        }
    };
    for st in &seats {
        let t = s.trainee(st.trainee_id)?;
        s.tenant(t.tenant)
            .add_fault(fault.kind(), &params, now, ends_at, remaining)?;
    }
    s.audit(
        now,
        &actor(user),
        Some(class.id),
        None,
        ip,
        "class.fault",
        "ok",
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
    s.audit(
        now,
        &actor(user),
        Some(class.id),
        None,
        ip,
        "class.fault_clear",
        "ok",
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
    s.audit(
        now,
        &actor(user),
        Some(class.id),
        None,
        ip,
        "class.broadcast",
        "ok",
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
    s.set_class_state(class.id, ClassState::Ended)?;
    s.close_class_sessions(class.id)?;
    s.audit(
        now,
        &actor(user),
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
    s.audit(
        now,
        &actor(user),
        Some(class.id),
        None,
        ip,
        "class.regrade",
        "ok",
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
    let state = if paused {
        ClassState::Paused
    } else {
        ClassState::Running
    };
    s.set_class_state(class.id, state)?;
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
        &serde_json::json!({}),
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
    s.audit(
        now,
        &actor(user),
        Some(class.id),
        None,
        ip,
        "class.clock",
        "ok",
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
    s.audit(
        now,
        &actor(user),
        Some(class.id),
        None,
        ip,
        "class.hand_done",
        "ok",
        &serde_json::json!({ "seat": seat }),
    )?;
    Ok(())
}
