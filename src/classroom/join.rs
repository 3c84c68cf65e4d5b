//! Joining a class: the roster a class is launched with, the seat a trainee's name or
//! number finds, its PIN, and the limits on tries from one address.

use chrono::{DateTime, Utc};

use super::{ClassError, EARLY_JOIN_MINUTES, end_due};
use crate::labs::Library;
use crate::labs::run;
use crate::store::{ClassState, Mode, Store};

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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

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

    }
}
