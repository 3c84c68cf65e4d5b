//! The class's or course's learning records as xAPI statements (Experience API 1.0.3): each
//! lab attempt `attempted`, a finished one `completed` and `passed` or `failed` with its
//! score, success, completion and duration; each test hand-in `completed` with its score,
//! and every question `answered` with whether it was right. Actors are identified by an
//! account on the sandbox (`homePage` the server's address, `name` `trainee-<id>`), so no
//! personal data leaves beyond the name shown; statement ids are derived from what they
//! record, so sending them again changes nothing at the learning record store. Scores are
//! exact decimals written from integers; nothing is a float.

use std::str::FromStr;

use std::collections::BTreeMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::labs::Library;
use crate::store::{Store, StoreError, TestOwner};

const ADL: &str = "http://adlnet.gov/expapi/verbs/";

fn verb(name: &str, zh: &str) -> Value {
    json!({ "id": format!("{ADL}{name}"), "display": { "en-US": name, "zh-CN": zh } })
}

/// A statement id from what it records: a UUID of version 8 (RFC 9562, made from SHA-256).
fn statement_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `n / d` as an exact JSON decimal with up to four places (`scaled` scores).
fn ratio(n: i64, d: i64) -> Value {
    if d <= 0 {
        return json!(0);
    }
    let ten_thousandths = (2 * 10_000 * n + d) / (2 * d);
    let text = format!(
        "{}.{:04}",
        ten_thousandths / 10_000,
        ten_thousandths % 10_000
    );
    serde_json::Number::from_str(&text)
        .map(Value::Number)
        .unwrap_or(json!(0))
}

/// An ISO 8601 duration of whole seconds (`PT12M5S`).
fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("PT{}H{}M{}S", s / 3600, s % 3600 / 60, s % 60)
}

/// Every statement of the class's or course's records, oldest first. `base` is the
/// server's address (activity ids and actor accounts are under it).
pub fn statements(
    s: &Store<'_>,
    lib: &Library,
    owner: TestOwner,
    base: &str,
) -> Result<Vec<Value>, StoreError> {
    statements_of(s, lib, owner, base, None)
}

/// The statements of these members of the class or course only (all with `None`): what
/// the LRS outbox builds when their records change.
pub fn statements_of(
    s: &Store<'_>,
    lib: &Library,
    owner: TestOwner,
    base: &str,
    only: Option<&[i64]>,
) -> Result<Vec<Value>, StoreError> {
    let mut out: Vec<(DateTime<Utc>, Value)> = Vec::new();
    by_member(s, lib, owner, base, only, |mine| {
        for (at, st) in mine {
            out.push((
                at,
                serde_json::to_value(&st).map_err(|e| StoreError::Other(e.to_string()))?,
            ));
        }
        Ok(())
    })?;
    out.sort_by_key(|(at, _)| *at);
    Ok(out.into_iter().map(|(_, v)| v).collect())
}

/// Every statement of the classes or courses written to `w` as one JSON array, without
/// holding them all: member by member (in seat or learner order), each member's oldest
/// first. Returns how many.
pub fn write_all(
    s: &Store<'_>,
    lib: &Library,
    owners: &[TestOwner],
    base: &str,
    w: &mut impl std::io::Write,
) -> Result<usize, StoreError> {
    let io = |e: std::io::Error| StoreError::Other(e.to_string());
    let mut n = 0;
    w.write_all(b"[").map_err(io)?;
    for owner in owners {
        by_member(s, lib, *owner, base, None, |mut mine| {
            mine.sort_by_key(|(at, _)| *at);
            for (_, st) in mine {
                w.write_all(if n == 0 { b"\n" } else { b",\n" })
                    .map_err(io)?;
                serde_json::to_writer(&mut *w, &st)
                    .map_err(|e| StoreError::Other(e.to_string()))?;
                n += 1;
            }
            Ok(())
        })?;
    }
    w.write_all(b"\n]\n").map_err(io)?;
    Ok(n)
}

/// A part many statements share (the context, an actor, an activity, a verb), built once
/// and written into each.
#[derive(Clone)]
struct Shared(Rc<Value>);

impl Serialize for Shared {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

fn shared(v: Value) -> Shared {
    Shared(Rc::new(v))
}

/// One statement.
#[derive(Serialize)]
struct Statement {
    id: String,
    actor: Shared,
    verb: Shared,
    object: Shared,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Value>,
    timestamp: String,
    context: Shared,
}

/// The statements of each member (of `only`, or all), a member at a time, with their
/// times to order by.
fn by_member(
    s: &Store<'_>,
    lib: &Library,
    owner: TestOwner,
    base: &str,
    only: Option<&[i64]>,
    mut each: impl FnMut(Vec<(DateTime<Utc>, Statement)>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let base = base.trim_end_matches('/');
    let (group_id, group_name, instructor) = match owner {
        TestOwner::Class(c) => {
            let r = s.class(c)?;
            (format!("{base}/classes/{c}"), r.name, r.owner_id)
        }
        TestOwner::Course(c) => {
            let r = s.course(c)?;
            (format!("{base}/courses/{c}"), r.name, r.owner_id)
        }
    };
    let context = shared(json!({
        "instructor": { "objectType": "Agent", "account": { "homePage": base, "name": format!("user-{instructor}") } },
        "contextActivities": { "grouping": [ {
            "objectType": "Activity", "id": group_id,
            "definition": { "name": { "zh-CN": group_name, "en-US": group_name } },
        } ] },
        "platform": "taxlab",
        "language": "zh-CN",
    }));
    let verbs: BTreeMap<&str, Shared> = [
        ("attempted", "尝试"),
        ("completed", "完成"),
        ("passed", "通过"),
        ("failed", "未通过"),
        ("answered", "作答"),
    ]
    .into_iter()
    .map(|(v, zh)| (v, shared(verb(v, zh))))
    .collect();
    let verb_of = |v: &str| verbs.get(v).cloned().unwrap_or_else(|| shared(verb(v, v)));
    let members: Vec<(i64, String)> = match owner {
        TestOwner::Class(c) => s
            .seats(c)?
            .into_iter()
            .filter(|st| st.joined)
            .map(|st| (st.trainee_id, st.name))
            .collect(),
        TestOwner::Course(c) => s
            .learners(c)?
            .into_iter()
            .map(|l| (l.trainee_id, l.name))
            .collect(),
    };
    let members: Vec<(i64, String)> = match only {
        Some(only) => members
            .into_iter()
            .filter(|(t, _)| only.contains(t))
            .collect(),
        None => members,
    };
    let tests: Vec<(i64, Shared)> = s
        .tests_of(owner)?
        .into_iter()
        .map(|t| {
            let object = shared(json!({
                "objectType": "Activity",
                "id": format!("{group_id}/tests/{}", t.phase),
                "definition": { "type": "http://adlnet.gov/expapi/activities/assessment", "name": { "zh-CN": t.phase.clone(), "en-US": t.phase.clone() } },
            }));
            (t.id, object)
        })
        .collect();
    // activities, built once each
    let mut labs: BTreeMap<String, Shared> = BTreeMap::new();
    let mut questions: BTreeMap<String, Shared> = BTreeMap::new();
    for (trainee, name) in &members {
        let mut out: Vec<(DateTime<Utc>, Statement)> = Vec::new();
        let actor = shared(
            json!({ "objectType": "Agent", "name": name, "account": { "homePage": base, "name": format!("trainee-{trainee}") } }),
        );
        let mut push = |at: DateTime<Utc>,
                        verb: &str,
                        object: &Shared,
                        result: Option<Value>,
                        id_parts: &[&str]| {
            out.push((
                at,
                Statement {
                    id: statement_id(id_parts),
                    actor: actor.clone(),
                    verb: verb_of(verb),
                    object: object.clone(),
                    result,
                    timestamp: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    context: context.clone(),
                },
            ));
        };
        for a in s.attempts_of(*trainee)? {
            let lab = lib.lab(&a.lab_id);
            let object = labs
                .entry(a.lab_id.clone())
                .or_insert_with(|| {
                    shared(json!({
                        "objectType": "Activity",
                        "id": format!("{base}/labs/{}", a.lab_id),
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/simulation",
                            "name": { "zh-CN": lab.map(|l| l.title.zh.clone()).unwrap_or_default(), "en-US": lab.map(|l| l.title.en.clone()).unwrap_or_default() },
                        },
                    }))
                })
                .clone();
            let aid = a.id.to_string();
            push(
                a.started_at,
                "attempted",
                &object,
                None,
                &["attempted", &aid],
            );
            let (Some(finished), Some(score)) = (a.finished_at, a.score) else {
                continue;
            };
            let max = lab.map(|l| i64::from(l.max_points())).unwrap_or(100).max(1);
            let passed = a.passed == Some(true);
            let result = json!({
                "score": { "raw": score, "min": 0, "max": max, "scaled": ratio(score, max) },
                "success": passed,
                "completion": true,
                "duration": duration((finished - a.started_at).num_seconds()),
            });
            push(
                finished,
                "completed",
                &object,
                Some(result.clone()),
                &["completed", &aid],
            );
            let v = if passed { "passed" } else { "failed" };
            push(finished, v, &object, Some(result), &[v, &aid]);
        }
        for (test, test_object) in &tests {
            for at in s.test_attempts_of(*test, *trainee)? {
                let (Some(finished), Some(score)) = (at.finished_at, at.score) else {
                    continue;
                };
                let aid = format!("test-{}", at.id);
                push(
                    finished,
                    "completed",
                    test_object,
                    Some(json!({
                        "score": { "raw": score, "min": 0, "max": at.total, "scaled": ratio(score, at.total) },
                        "completion": true,
                        "duration": duration((finished - at.started_at).num_seconds()),
                    })),
                    &["completed", &aid],
                );
                for m in s.test_answers(at.id)? {
                    let q = questions
                        .entry(m.question_id.clone())
                        .or_insert_with(|| {
                            shared(json!({
                                "objectType": "Activity",
                                "id": format!("{base}/questions/{}", m.question_id),
                                "definition": { "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": "other", "name": { "en-US": m.question_id.clone(), "zh-CN": m.question_id.clone() } },
                            }))
                        })
                        .clone();
                    push(
                        finished,
                        "answered",
                        &q,
                        Some(
                            json!({ "success": m.correct, "response": m.given.clone().unwrap_or_default() }),
                        ),
                        &["answered", &aid, &m.question_id],
                    );
                }
            }
        }
        each(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_from_their_content_and_numbers_are_exact() {
        let a = statement_id(&["completed", "7"]);
        assert_eq!(a, statement_id(&["completed", "7"]));
        assert_ne!(a, statement_id(&["completed", "8"]));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8", "version 8");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "RFC variant");
        assert_eq!(ratio(80, 100).to_string(), "0.8000");
        assert_eq!(ratio(2, 3).to_string(), "0.6667");
        assert_eq!(ratio(100, 100).to_string(), "1.0000");
        assert_eq!(duration(3725), "PT1H2M5S");
    }
}
