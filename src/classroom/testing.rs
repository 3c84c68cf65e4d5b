//! A class's 课后测试: the instructor opens (or reopens with new settings) the pre-test or
//! post-test from the question bank of the class's pack, or closes it. Audited by the caller.

use chrono::{DateTime, Utc};

use super::ClassError;
use crate::evaluation::{Settings, TestError};
use crate::labs::Library;
use crate::store::{ClassRecord, NewTest, Store, TestOwner};

/// Open or close the class's test of `phase`; returns what the audit records. The bank is
/// the one named like the class's pack, else the library's first.
#[allow(clippy::too_many_arguments)]
pub fn set_test(
    s: &Store<'_>,
    lib: &Library,
    class: &ClassRecord,
    phase: &str,
    open: bool,
    form: &str,
    minutes: Option<i64>,
    attempts: Option<i64>,
    now: DateTime<Utc>,
) -> Result<serde_json::Value, ClassError> {
    let owner = TestOwner::Class(class.id);
    if !open {
        let test = s
            .test_of(owner, phase)?
            .ok_or(ClassError::Test(TestError::NoTest))?;
        s.set_test_open(test.id, false)?;
        return Ok(serde_json::json!({ "phase": test.phase, "test": test.id }));
    }
    let bank = if lib.bank(&class.pack_id).is_some() {
        class.pack_id.as_str()
    } else {
        ""
    };
    let set =
        Settings::read(lib, phase, bank, form, minutes, attempts).map_err(ClassError::Test)?;
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
