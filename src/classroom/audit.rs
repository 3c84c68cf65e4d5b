//! A class's audit log as the instructor reads it: the sandbox's audit rows (joins, console
//! actions) and the trainees' actions in the simulated bureau as one list, newest first,
//! each naming its person (a trainee by name and seat, staff by name), in Beijing time; a
//! search by a trainee's name or student number finds every action of theirs.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::dashboard::LastEvent;
use crate::i18n::{Catalog, Lang};
use crate::store::{AuditEntry, ClassRecord, Store, StoreError};

/// Rows the page shows at most.
const ROWS: i64 = 500;

/// One row of the log, in words.
#[derive(Debug, Clone, Serialize)]
pub struct LogRow {
    /// Beijing time, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    /// `sandbox` or `portal`.
    pub source: &'static str,
    /// Who: a trainee's name and seat, a staff member's name, or the system.
    pub who: String,
    /// As stored: `trainee:<id>`, `user:<id>`, `system`.
    pub actor: String,
    /// The action in words where the catalogue has them, else its code.
    pub action: String,
    /// The action's code.
    pub code: String,
    pub outcome: String,
    pub ip: String,
    pub detail: String,
}

/// The class's log, searched by `q` (an action, outcome or detail; or a trainee's name or
/// student number, which finds all of theirs).
pub fn class_log(
    s: &Store<'_>,
    class: &ClassRecord,
    q: &str,
    lang: Lang,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<LogRow>, StoreError> {
    // a trainee's trace reads on its tenant's clock as it was; the console's own entries on
    // the class's clock now (the real one before anyone has joined)
    let class_time = s
        .class_sandbox_date(class.id)?
        .map_or_else(crate::domain::SandboxTime::unshifted, |d| {
            crate::domain::SandboxTime::new(d, now)
        });
    let c = Catalog::embedded();
    let q = q.trim();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut people: BTreeSet<String> = BTreeSet::new();
    for st in s.seats(class.id)? {
        let actor = format!("trainee:{}", st.trainee_id);
        let name = if st.name.is_empty() {
            c.format(
                lang,
                "console.audit_seat",
                &[("seat", &st.seat_no.to_string())],
            )
        } else {
            c.format(
                lang,
                "console.audit_trainee",
                &[("name", &st.name), ("seat", &st.seat_no.to_string())],
            )
        };
        if !q.is_empty()
            && ((!st.name.is_empty() && st.name.contains(q))
                || (!st.student_no.is_empty() && st.student_no.contains(q)))
        {
            people.insert(actor.clone());
        }
        names.insert(actor, name);
    }
    for u in s.users()? {
        names.insert(format!("user:{}", u.id), u.display_name);
    }
    names.insert(
        "system".into(),
        c.text(lang, "console.audit_system").to_owned(),
    );
    let mut entries: BTreeMap<(&'static str, i64), AuditEntry> = BTreeMap::new();
    let mut add = |found: Vec<AuditEntry>, only: Option<&str>| {
        for e in found {
            if only.is_none_or(|a| e.actor == a) {
                entries.insert((e.source, e.id), e);
            }
        }
    };
    add(s.audit_of_class(class.id, q, ROWS)?, None);
    add(s.class_trace(class.id, q, ROWS)?, None);
    for actor in &people {
        add(s.audit_of_class(class.id, actor, ROWS)?, Some(actor));
        add(s.class_trace(class.id, actor, ROWS)?, Some(actor));
    }
    let mut rows: Vec<AuditEntry> = entries.into_values().collect();
    rows.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    rows.truncate(ROWS as usize);
    Ok(rows
        .into_iter()
        .map(|e| {
            let action = if e.source == "portal" {
                LastEvent {
                    action: e.action.clone(),
                    result: "ok".into(),
                }
                .in_words(lang)
            } else {
                c.name_of(lang, "console.audit_action", &e.action)
            };
            LogRow {
                at: match e.sandbox_date {
                    Some(d) => crate::domain::SandboxTime::new(d, e.at).show(e.at),
                    None => class_time.show(e.at),
                },
                source: e.source,
                who: names
                    .get(&e.actor)
                    .cloned()
                    .unwrap_or_else(|| e.actor.clone()),
                actor: e.actor,
                action,
                code: e.action,
                outcome: e.outcome,
                ip: e.ip,
                detail: e.detail,
            }
        })
        .collect())
}
