//! The sandbox session: which trainee a browser or API client is, and so which tenant the
//! simulated bureau shows them. It is separate from the bureau's own login: logging out of
//! the bureau leaves the trainee in the sandbox.
//!
//! A browser carries it in the `taxlab_sandbox` cookie, an API client in the
//! `X-Sandbox-Token` header. Every portal page and bureau endpoint takes a [`Desk`], so no
//! bureau code runs without a trainee, and the tenant comes only from the session.

use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::cookies::cookie;
use super::{AppError, AppState};
use crate::i18n::{Catalog, Lang};
use crate::labs::gate;
use crate::store::{Attempt, TenantId, Trainee, TraineeKind};

pub const SANDBOX_COOKIE: &str = "taxlab_sandbox";
pub const SANDBOX_HEADER: &str = "x-sandbox-token";

/// The `Set-Cookie` value that carries a sandbox session.
pub fn sandbox_cookie(token: &str) -> String {
    format!("{SANDBOX_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax")
}

/// The `Set-Cookie` value that forgets it.
pub fn clear_sandbox_cookie() -> String {
    sandbox_cookie("") + "; Max-Age=0"
}

/// The application as one trainee sees it: their tenant and nobody else's.
#[derive(Clone)]
pub struct Desk {
    app: AppState,
    pub trainee: Trainee,
    /// The lab attempt in progress, if any.
    pub attempt: Option<Attempt>,
    /// The request came through the JSON API (`/api/…`), not a page: traced as `via`.
    pub api: bool,
}

impl Deref for Desk {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl Desk {
    /// The sandbox's clock for this trainee's shown tenant (see
    /// [`crate::domain::SandboxTime`]).
    pub fn time(&self) -> crate::domain::SandboxTime {
        crate::domain::SandboxTime::new(self.trainee.sandbox_date, self.clock.now())
    }

    pub fn tenant(&self) -> TenantId {
        self.trainee.tenant
    }

    /// The strip above the bureau that says whose sandbox this is, and the lab's task
    /// panel when one is in progress.
    pub fn bar(&self, lang: Lang) -> SandboxBar {
        let mut bar = SandboxBar::of(&self.trainee, lang, self.clock.now());
        bar.lab = self.attempt.as_ref().and_then(|a| {
            let lab = self.labs.lab(&a.lab_id)?;
            super::lab_panel::panel(lab, a, lang, self.time(), self.trainee.sandbox_date).ok()
        });
        bar
    }
}

/// What the sandbox strip shows.
#[derive(Serialize, Clone)]
pub struct SandboxBar {
    pub trainee: String,
    pub sandbox_date: String,
    /// The sandbox's time now (its date, Beijing time of day), to the minute.
    pub sandbox_time: String,
    /// The task panel of the lab in progress.
    pub lab: Option<super::lab_panel::LabPanel>,
    /// The class's latest 课堂通知.
    pub notice: Option<String>,
    /// The trainee sits in a class (and so may raise a hand).
    pub in_class: bool,
    /// The trainee's hand is up, waiting for the instructor.
    pub hand_raised: bool,
}

impl SandboxBar {
    pub fn of(t: &Trainee, lang: Lang, now: chrono::DateTime<chrono::Utc>) -> SandboxBar {
        SandboxBar {
            trainee: display_name(t, lang),
            sandbox_date: t.sandbox_date.to_string(),
            sandbox_time: crate::domain::SandboxTime::new(t.sandbox_date, now).show_minutes(now),
            lab: None,
            notice: t.class_notice.clone(),
            in_class: t.kind == TraineeKind::Class,
            hand_raised: t.hand_raised,
        }
    }
}

/// The demo trainee's name comes from the catalogue; a class trainee's is their own.
pub fn display_name(t: &Trainee, lang: Lang) -> String {
    match t.kind {
        TraineeKind::Demo => Catalog::embedded()
            .text(lang, "sandbox.demo_trainee")
            .to_owned(),
        TraineeKind::Class | TraineeKind::Course => t.name.clone(),
    }
}

/// The sandbox token a request carries, from the header or the cookie.
pub fn token(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(SANDBOX_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .or_else(|| cookie(headers, SANDBOX_COOKIE))
        .filter(|t| !t.is_empty())
}

/// The trainee of a request, if it carries a live sandbox session.
pub async fn trainee(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    lang: Lang,
) -> Result<Option<Trainee>, AppError> {
    let Some(token) = token(headers) else {
        return Ok(None);
    };
    state
        .db
        .run_read(move |s| s.sandbox_trainee(&token))
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

/// The part of the bureau a request is for, as a maintenance window names it.
fn module_of(path: &str) -> Option<&'static str> {
    let p = path
        .strip_prefix("/portal")
        .or_else(|| path.strip_prefix("/api/v1"))?;
    let module = if p.contains("certificate") {
        "certificate"
    } else if p.starts_with("/login") || p.starts_with("/password") {
        "login"
    } else if p.starts_with("/account") {
        "account"
    } else if p.starts_with("/staff") || p.starts_with("/switch") {
        "staff"
    } else if p.starts_with("/messages") || p.starts_with("/announcements") {
        "messages"
    } else if p.starts_with("/help") {
        "help"
    } else if p.starts_with("/returns") || p.starts_with("/payments") {
        "filing"
    } else {
        return None;
    };
    Some(module)
}

/// The lab's gate (see [`crate::labs::gate`]) for a request, read alone.
pub(super) async fn attempt_checks(
    state: &AppState,
    trainee: Trainee,
    path: &str,
    lang: Lang,
) -> Result<(Trainee, Option<Attempt>), AppError> {
    let (now, module) = (state.clock.now(), module_of(path));
    let t = trainee.clone();
    let found = state
        .db
        .run_read(move |s| gate::read(s, &t, module, now))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    settle(state, trainee, found, path, lang).await
}

/// The gate's verdict acted on: an expired exam handed in, a maintenance refusal traced and
/// worded, or the attempt to work in.
async fn settle(
    state: &AppState,
    trainee: Trainee,
    verdict: Option<gate::Verdict>,
    path: &str,
    lang: Lang,
) -> Result<(Trainee, Option<Attempt>), AppError> {
    let (labs, now) = (state.labs.clone(), state.clock.now());
    let store_error = |e| AppError::from_store(e, lang);
    match verdict {
        None => Ok((trainee, None)),
        Some(gate::Verdict::Work(attempt)) => Ok((trainee, Some(attempt))),
        Some(gate::Verdict::Expired(attempt)) => {
            let back = state
                .db
                .run_write(move |s| gate::expire(s, &labs, &trainee, &attempt, now))
                .await
                .map_err(store_error)?;
            Ok((back, None))
        }
        Some(gate::Verdict::Closed(closed)) => {
            let time = crate::domain::SandboxTime::new(trainee.sandbox_date, now);
            let (path, c) = (path.to_owned(), closed.clone());
            state
                .db
                .run_write(move |s| gate::refuse(s, &trainee, &c, &path, now))
                .await
                .map_err(store_error)?;
            let catalog = Catalog::embedded();
            let module_name = catalog
                .text(lang, &format!("module.{}", closed.module))
                .to_owned();
            let until = closed.until.map(|t| time.show(t)).unwrap_or_default();
            let message = catalog.format(
                lang,
                "maintenance.message",
                &[("module", &module_name), ("until", &until)],
            );
            Err(AppError::api(
                StatusCode::SERVICE_UNAVAILABLE,
                lang,
                "maintenance",
                message,
                None,
            ))
        }
    }
}

impl FromRequestParts<AppState> for Desk {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Desk, Response> {
        let api = parts.uri.path().starts_with("/api/");
        let lang = super::lang::from_parts(parts);
        // one read: the trainee behind the token, their attempt, a maintenance window
        let (now, module) = (state.clock.now(), module_of(parts.uri.path()));
        let read = match token(&parts.headers) {
            None => Ok((None, None)),
            Some(token) => state
                .db
                .run_read(move |s| {
                    let t = s.sandbox_trainee(&token)?;
                    let found = match &t {
                        Some(t) if !t.class_paused && !t.class_ended => {
                            gate::read(s, t, module, now)?
                        }
                        _ => None,
                    };
                    Ok((t, found))
                })
                .await
                .map_err(|e| AppError::from_store(e, lang)),
        };
        let (read, found) = match read {
            Ok((t, found)) => (Ok(t), found),
            Err(e) => (Err(e), None),
        };
        let found = match read {
            // the class is over: its results, read only
            Ok(Some(t)) if t.class_ended => {
                if api {
                    return Err(AppError::api(
                        StatusCode::GONE,
                        lang,
                        "class_ended",
                        Catalog::embedded().text(lang, "class.ended").to_owned(),
                        None,
                    )
                    .into_response());
                }
                return Err(Redirect::to("/class/ended").into_response());
            }
            Ok(Some(t)) if t.class_paused => Err(AppError::api(
                StatusCode::SERVICE_UNAVAILABLE,
                lang,
                "class_paused",
                Catalog::embedded().text(lang, "class.paused").to_owned(),
                None,
            )),
            Ok(Some(t)) => settle(state, t, found, parts.uri.path(), lang).await,
            Ok(None) => {
                if api {
                    let message = Catalog::embedded()
                        .text(lang, "sandbox.required")
                        .to_owned();
                    return Err(AppError::api(
                        StatusCode::UNAUTHORIZED,
                        lang,
                        "sandbox_required",
                        message,
                        None,
                    )
                    .into_response());
                }
                return Err(Redirect::to("/?notice=sandbox").into_response());
            }
            Err(e) => Err(e),
        };
        match found {
            Ok((trainee, attempt)) => Ok(Desk {
                app: state.clone(),
                trainee,
                attempt,
                api,
            }),
            Err(e) if api => Err(e.into_response()),
            Err(e) => Err(e.as_page().into_response()),
        }
    }
}
