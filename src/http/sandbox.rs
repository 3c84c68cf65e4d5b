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
use crate::store::{TenantId, Trainee, TraineeKind};

pub const SANDBOX_COOKIE: &str = "taxlab_sandbox";
pub const SANDBOX_HEADER: &str = "x-sandbox-token";

/// The application as one trainee sees it: their tenant and nobody else's.
#[derive(Clone)]
pub struct Desk {
    app: AppState,
    pub trainee: Trainee,
}

impl Deref for Desk {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl Desk {
    pub fn tenant(&self) -> TenantId {
        self.trainee.tenant
    }

    /// The strip above the bureau that says whose sandbox this is.
    pub fn bar(&self, lang: Lang) -> SandboxBar {
        SandboxBar::of(&self.trainee, lang)
    }
}

/// What the sandbox strip shows.
#[derive(Serialize, Clone)]
pub struct SandboxBar {
    pub trainee: String,
    pub sandbox_date: String,
}

impl SandboxBar {
    pub fn of(t: &Trainee, lang: Lang) -> SandboxBar {
        SandboxBar {
            trainee: display_name(t, lang),
            sandbox_date: t.sandbox_date.to_string(),
        }
    }
}

/// The demo trainee's name comes from the catalogue; a class trainee's is their own.
pub fn display_name(t: &Trainee, lang: Lang) -> String {
    match t.kind {
        TraineeKind::Demo => Catalog::embedded()
            .text(lang, "sandbox.demo_trainee")
            .to_owned(),
        TraineeKind::Class => t.name.clone(),
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

impl FromRequestParts<AppState> for Desk {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Desk, Response> {
        let api = parts.uri.path().starts_with("/api/");
        let lang = super::lang::from_parts(parts);
        match trainee(state, &parts.headers, lang).await {
            Ok(Some(trainee)) => Ok(Desk {
                app: state.clone(),
                trainee,
            }),
            Ok(None) if api => {
                let message = Catalog::embedded()
                    .text(lang, "sandbox.required")
                    .to_owned();
                Err(AppError::api(
                    StatusCode::UNAUTHORIZED,
                    lang,
                    "sandbox_required",
                    message,
                    None,
                )
                .into_response())
            }
            Ok(None) => Err(Redirect::to("/?notice=sandbox").into_response()),
            Err(e) if api => Err(e.as_json().into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}
