//! Sending the learning records to a learning record store as they happen (`taxlab serve
//! --lrs-endpoint`). Triggers mark a trainee whose lab attempt started or ended or whose
//! test was handed in; every round the outbox turns marked trainees' records into
//! statements ([`super::xapi`], ids derived from content, so a statement is only ever
//! queued once), then posts what is due in batches. A statement leaves the outbox only when
//! the LRS answers that it has it, or refuses it as malformed (kept, marked refused, with
//! the LRS's reason, for the report to show); when the LRS is down, slow or refuses the
//! credentials, the batch waits and is tried again later, up to five minutes apart, for as
//! long as it takes — across restarts too, since the outbox is in the database.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::labs::Library;
use crate::store::{Db, Queued, Store, StoreError, TestOwner};

/// Trainees turned into statements per read.
const TRAINEES_PER_ROUND: i64 = 50;
/// Statements posted per request.
const BATCH: i64 = 100;
/// The longest wait between tries.
const MAX_BACKOFF_SECONDS: i64 = 300;
/// One request's limit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the statements go.
#[derive(Debug, Clone)]
pub struct LrsConfig {
    /// The statements resource: the endpoint followed by `statements`.
    statements_url: String,
    /// `Basic …`, when the LRS asks for credentials.
    authorization: Option<String>,
    /// The server's address, under which actors and activities are named.
    base: String,
}

/// Why an LRS configuration cannot be used (a catalogue key under `cli.`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// The endpoint is not an http(s) address.
    Endpoint,
    /// A user without a password, or a password without a user.
    Credentials,
}

impl LrsConfig {
    /// An LRS at `endpoint` (its xAPI base, e.g. `https://lrs.example.com/xAPI/`), with
    /// HTTP Basic credentials if given; `base` names the actors and activities.
    pub fn new(
        endpoint: &str,
        user: Option<&str>,
        password: Option<&str>,
        base: &str,
    ) -> Result<LrsConfig, ConfigError> {
        let endpoint = endpoint.trim();
        let parsed_ok = (endpoint.starts_with("http://") || endpoint.starts_with("https://"))
            && endpoint.split("://").nth(1).is_some_and(|rest| {
                let host = rest.split('/').next().unwrap_or("");
                !host.is_empty() && !rest.contains(char::is_whitespace)
            });
        if !parsed_ok {
            return Err(ConfigError::Endpoint);
        }
        let authorization = match (user, password) {
            (Some(u), Some(p)) if !u.is_empty() => Some(basic(u, p)),
            (None, None) => None,
            _ => return Err(ConfigError::Credentials),
        };
        Ok(LrsConfig {
            statements_url: format!("{}/statements", endpoint.trim_end_matches('/')),
            authorization,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// The statements resource posted to.
    pub fn statements_url(&self) -> &str {
        &self.statements_url
    }
}

/// `Basic base64(user:password)` (RFC 7617).
fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

/// What the LRS said to a post.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// It has them (200, or 204 for statements it already had, identical).
    Stored,
    /// It has a different statement under one of these ids (409).
    Conflict(String),
    /// It will never take them (400, 413, 422: malformed or too large).
    Refused(String),
    /// Try again later (down, timed out, 401/403, 429, 5xx).
    Later(String),
}

fn classify(status: u16, body: &str) -> Answer {
    let why = || {
        format!(
            "HTTP {status}: {}",
            body.chars().take(300).collect::<String>()
        )
    };
    match status {
        200..=299 => Answer::Stored,
        409 => Answer::Conflict(why()),
        400 | 413 | 422 => Answer::Refused(why()),
        _ => Answer::Later(why()),
    }
}

fn post(agent: &ureq::Agent, cfg: &LrsConfig, bodies: &[&str]) -> Answer {
    let payload = format!("[{}]", bodies.join(","));
    let mut request = agent
        .post(&cfg.statements_url)
        .header("X-Experience-API-Version", "1.0.3")
        .header("Content-Type", "application/json");
    if let Some(a) = &cfg.authorization {
        request = request.header("Authorization", a);
    }
    match request.send(payload) {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_string()
                .unwrap_or_default();
            classify(status, &body)
        }
        Err(e) => Answer::Later(e.to_string()),
    }
}

/// What became of each statement of a batch: sent, refused (with why), or to try later.
#[derive(Debug, Default)]
struct Outcome {
    sent: Vec<i64>,
    refused: Vec<(i64, String)>,
    later: Vec<i64>,
    error: String,
}

/// Post a batch; when the LRS refuses the batch for one statement's sake, post them one by
/// one so the good ones still go and only the bad one is kept back.
fn send(agent: &ureq::Agent, cfg: &LrsConfig, due: &[Queued]) -> Outcome {
    let mut out = Outcome::default();
    let bodies: Vec<&str> = due.iter().map(|q| q.body.as_str()).collect();
    match post(agent, cfg, &bodies) {
        Answer::Stored => out.sent = due.iter().map(|q| q.id).collect(),
        Answer::Later(why) => {
            out.later = due.iter().map(|q| q.id).collect();
            out.error = why;
        }
        Answer::Conflict(why) | Answer::Refused(why) if due.len() == 1 => {
            out.refused.push((due[0].id, why));
        }
        Answer::Conflict(_) | Answer::Refused(_) => {
            for (i, q) in due.iter().enumerate() {
                match post(agent, cfg, &[q.body.as_str()]) {
                    Answer::Stored => out.sent.push(q.id),
                    Answer::Conflict(why) | Answer::Refused(why) => out.refused.push((q.id, why)),
                    Answer::Later(why) => {
                        out.later.extend(due[i..].iter().map(|q| q.id));
                        out.error = why;
                        break;
                    }
                }
            }
        }
    }
    out
}

/// How long to wait after `tries` failed tries: 1, 2, 4 … seconds, at most five minutes.
fn backoff(tries: i64) -> chrono::Duration {
    chrono::Duration::seconds(1_i64 << tries.clamp(0, 9))
        .min(chrono::Duration::seconds(MAX_BACKOFF_SECONDS))
}

/// Statements of the marked trainees (at most `limit`): `(owner, id, body)`, and the marks
/// they answer.
#[allow(clippy::type_complexity)]
fn build(
    s: &Store<'_>,
    lib: &Library,
    base: &str,
    limit: i64,
) -> Result<(Vec<(TestOwner, String, String)>, Vec<(i64, i64)>), StoreError> {
    let marks = s.xapi_dirty(limit)?;
    let mut by_owner: Vec<(TestOwner, Vec<i64>)> = Vec::new();
    for (trainee, _) in &marks {
        let Some(owner) = s.owner_of_trainee(*trainee)? else {
            continue;
        };
        match by_owner.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, ts)) => ts.push(*trainee),
            None => by_owner.push((owner, vec![*trainee])),
        }
    }
    let mut statements = Vec::new();
    for (owner, trainees) in by_owner {
        let made = match super::xapi::statements_of(s, lib, owner, base, Some(&trainees)) {
            Ok(v) => v,
            // the class or course is gone; its marks are cleared
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e),
        };
        for v in made {
            let id = v["id"].as_str().unwrap_or_default().to_owned();
            statements.push((owner, id, v.to_string()));
        }
    }
    Ok((statements, marks))
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub queued: usize,
    pub sent: usize,
    pub refused: usize,
    pub waiting: usize,
}

/// The outbox's worker.
pub struct Outbox {
    db: Db,
    /// When statements were queued, are due and were done (retries wait on it).
    clock: Clock,
    labs: Arc<Library>,
    cfg: Arc<LrsConfig>,
    agent: ureq::Agent,
}

impl Outbox {
    pub fn new(db: Db, clock: Clock, labs: Arc<Library>, cfg: LrsConfig) -> Outbox {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        Outbox {
            db,
            clock,
            labs,
            cfg: Arc::new(cfg),
            agent,
        }
    }

    /// Queue what changed, then send what is due (until the LRS fails or nothing is due).
    pub async fn round(&self) -> Result<Round, StoreError> {
        let mut round = Round::default();
        loop {
            let (labs, base) = (self.labs.clone(), self.cfg.base.clone());
            let now = self.clock.now();
            let (statements, marks) = self
                .db
                .run_read(move |s| build(s, &labs, &base, TRAINEES_PER_ROUND))
                .await?;
            if marks.is_empty() {
                break;
            }
            let more = marks.len() as i64 == TRAINEES_PER_ROUND;
            round.queued += self
                .db
                .run_write(move |s| s.xapi_queue(&statements, &marks, now))
                .await?;
            if !more {
                break;
            }
        }
        loop {
            let now = self.clock.now();
            let due = self.db.run_read(move |s| s.xapi_due(now, BATCH)).await?;
            if due.is_empty() {
                break;
            }
            let tries = due.iter().map(|q| q.tries).max().unwrap_or(0);
            let (agent, cfg) = (self.agent.clone(), self.cfg.clone());
            let outcome = tokio::task::spawn_blocking(move || send(&agent, &cfg, &due))
                .await
                .map_err(|e| StoreError::Other(e.to_string()))?;
            round.sent += outcome.sent.len();
            round.refused += outcome.refused.len();
            round.waiting += outcome.later.len();
            let stop = !outcome.later.is_empty();
            if stop {
                tracing::warn!(error = %outcome.error, waiting = outcome.later.len(), "learning record store: will try again");
            }
            for (_, why) in &outcome.refused {
                tracing::warn!(reason = %why, "learning record store refused a statement");
            }
            let now = self.clock.now();
            self.db
                .run_write(move |s| {
                    s.xapi_done(&outcome.sent, None, now)?;
                    for (id, why) in &outcome.refused {
                        s.xapi_done(&[*id], Some(why), now)?;
                    }
                    s.xapi_retry(&outcome.later, now + backoff(tries), &outcome.error)
                })
                .await?;
            if stop {
                break;
            }
        }
        Ok(round)
    }

    /// Run rounds every `every` until the task is dropped.
    pub fn spawn(self, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match self.round().await {
                    Ok(r) if r.sent + r.refused > 0 => tracing::info!(
                        sent = r.sent,
                        refused = r.refused,
                        waiting = r.waiting,
                        "learning record store"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "learning record store outbox"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_base64_as_rfc_7617_shows() {
        // RFC 7617 §2's example
        assert_eq!(
            basic("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic("a", "b"), "Basic YTpi");
        assert_eq!(basic("ab", "c"), "Basic YWI6Yw==");
    }

    #[test]
    fn a_bad_endpoint_or_half_credentials_are_refused() {
        let ok = LrsConfig::new(
            "http://127.0.0.1:9/xAPI/",
            Some("u"),
            Some("p"),
            "http://x/",
        )
        .expect("valid");
        assert_eq!(ok.statements_url(), "http://127.0.0.1:9/xAPI/statements");
        assert_eq!(ok.base, "http://x");
        for bad in ["ftp://lrs/xAPI", "lrs.example.com", "http://", "http:// x/"] {
            assert_eq!(
                LrsConfig::new(bad, None, None, "http://x").map(|_| ()),
                Err(ConfigError::Endpoint),
                "{bad}"
            );
        }
        assert_eq!(
            LrsConfig::new("https://lrs/xAPI", Some("u"), None, "http://x").map(|_| ()),
            Err(ConfigError::Credentials)
        );
    }

    #[test]
    fn answers_decide_between_sent_refused_and_later() {
        assert_eq!(classify(200, "[]"), Answer::Stored);
        assert_eq!(classify(204, ""), Answer::Stored);
        assert!(matches!(classify(409, "x"), Answer::Conflict(_)));
        assert!(matches!(classify(400, "x"), Answer::Refused(_)));
        assert!(matches!(classify(422, "x"), Answer::Refused(_)));
        for later in [401, 403, 404, 429, 500, 502, 503] {
            assert!(matches!(classify(later, ""), Answer::Later(_)), "{later}");
        }
        assert_eq!(backoff(0), chrono::Duration::seconds(1));
        assert_eq!(backoff(3), chrono::Duration::seconds(8));
        assert_eq!(backoff(40), chrono::Duration::seconds(300));
    }
}
