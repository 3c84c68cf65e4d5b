//! The instructor console (`/console`): staff sign-in and accounts (`staff`), classes and
//! the live dashboard (`classes`), its controls (`controls`), and the trainee's side of a
//! class, joining (`join`).

mod classes;
mod controls;
mod courses;
mod join;
mod reports;
mod staff;

pub use classes::{audit, board, class_page, create, events, home, pins, seat_page, seats_from};
pub use controls::{class_action, run_control, seat_action};
pub use courses::{
    course_action, course_follow_up, course_page, course_rows, course_survey, course_test,
    create_course, opened,
};
pub use join::{join_code, join_form, join_submit};
pub(super) use reports::{Subject as ReportSubject, file as report_file, report_for};
pub use reports::{class_report, course_report, pack_report};
pub use staff::{
    SignInRefusal, add_user, authenticate, change_password, login_form, login_submit, logout,
    password_form, password_submit, refusal_text, users,
};

use std::convert::Infallible;
use std::ops::Deref;
use std::time::Duration;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::cookies::{cookie, with_cookies};
use super::{AppError, AppState, ReqLang};
use crate::classroom::{self, ClassError, Dashboard, Seats};
use crate::http::portal::{csrf_ok, csrf_token, form_body, render};
use crate::i18n::{Catalog, Lang};
use crate::store::{ClassRecord, Store, User};

pub const STAFF_COOKIE: &str = "taxlab_staff";
pub const STAFF_HEADER: &str = "x-staff-token";

/// A signed-in admin, instructor or assistant.
#[derive(Clone)]
pub struct Staff {
    app: AppState,
    pub user: User,
    /// The session or API token the request came with.
    pub token: String,
}

impl Deref for Staff {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

fn staff_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(STAFF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| cookie(headers, STAFF_COOKIE))
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Staff, Response> {
        let api = parts.uri.path().starts_with("/api/");
        let lang = super::lang::from_parts(parts);
        let token = staff_token(&parts.headers);
        let now = state.clock.now();
        let user = match token.clone() {
            Some(t) => state
                .db
                .run_read(move |s| s.session_user(&t, now))
                .await
                .map_err(|e| AppError::from_store(e, lang).into_response())?,
            None => None,
        };
        match user {
            Some(user) => Ok(Staff {
                app: state.clone(),
                user,
                token: token.unwrap_or_default(),
            }),
            None if api => Err(AppError::api(
                StatusCode::UNAUTHORIZED,
                lang,
                "staff_required",
                Catalog::embedded()
                    .text(lang, "console.required")
                    .to_owned(),
                None,
            )
            .into_response()),
            None => Err(Redirect::to("/console/login").into_response()),
        }
    }
}

/// A refused class action, for a page (or, with `as_json`, the API).
pub fn class_error(e: ClassError, lang: Lang) -> AppError {
    let status = match &e {
        ClassError::NotYours | ClassError::UnknownCode | ClassError::NoSuchSeat => {
            StatusCode::NOT_FOUND
        }
        ClassError::Ended | ClassError::Full | ClassError::NotStarted { .. } => {
            StatusCode::CONFLICT
        }
        ClassError::NotAllowed => StatusCode::FORBIDDEN,
        ClassError::SeatLocked => StatusCode::LOCKED,
        ClassError::TooManyTries | ClassError::TooManyClasses { .. } => {
            StatusCode::TOO_MANY_REQUESTS
        }
        ClassError::Test(crate::evaluation::TestError::Setting { .. })
        | ClassError::FollowUp(crate::evaluation::follow_up::FollowUpError::Field { .. }) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ClassError::Test(crate::evaluation::TestError::Store(_))
        | ClassError::Survey(crate::evaluation::survey::SurveyError::Store(_))
        | ClassError::FollowUp(crate::evaluation::follow_up::FollowUpError::Store(_))
        | ClassError::Lab(_)
        | ClassError::Seed(_)
        | ClassError::Store(_) => {
            tracing::error!(error = %e, "class action failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        ClassError::Test(_) | ClassError::Survey(_) | ClassError::FollowUp(_) => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let c = Catalog::embedded();
    let key = match &e {
        ClassError::Test(t) => format!("test.error.{}", t.code()),
        ClassError::Survey(e) => format!("survey.error.{}", e.code()),
        ClassError::FollowUp(e) => format!("follow_up.error.{}", e.code()),
        _ => format!("class.error.{}", e.code()),
    };
    let message = match &e {
        ClassError::BadSeats { max } => c.format(lang, &key, &[("max", &max.to_string())]),
        ClassError::BadRoster { line, reason } => c.format(
            lang,
            &key,
            &[
                ("line", &line.to_string()),
                ("reason", c.text(lang, &format!("class.roster.{reason}"))),
            ],
        ),
        ClassError::NotStarted { at } => c.format(lang, &key, &[("at", at)]),
        ClassError::BadMinutes { max } => c.format(lang, &key, &[("max", &max.to_string())]),
        ClassError::BadName { max } => c.format(lang, &key, &[("max", &max.to_string())]),
        ClassError::WrongPin { left } => c.format(lang, &key, &[("left", &left.to_string())]),
        ClassError::TooManyClasses { max } => c.format(lang, &key, &[("max", &max.to_string())]),
        _ => c.text(lang, &key).to_owned(),
    };
    let field = match &e {
        ClassError::NoName => Some("name"),
        ClassError::UnknownPack => Some("pack"),
        ClassError::BadSeats { .. } => Some("seats"),
        ClassError::BadRoster { .. } => Some("roster"),
        ClassError::UnknownCode => Some("code"),
        ClassError::NoNameGiven => Some("who"),
        ClassError::BadSchedule => Some("ends_at"),
        ClassError::BadTime { field } => Some(*field),
        ClassError::BadMinutes { .. } => Some("minutes"),
        ClassError::UnknownAssistant => Some("assistant"),
        ClassError::BadName { .. } => Some("who"),
        ClassError::BadSeed => Some("seed"),
        ClassError::AmbiguousName => Some("who"),
        ClassError::PinNeeded | ClassError::WrongPin { .. } | ClassError::SeatLocked => Some("pin"),
        ClassError::Test(t) => t.field(),
        ClassError::FollowUp(f) => match f.field() {
            Some("minutes") => Some("minutes"),
            Some(_) => Some("kind"),
            None => None,
        },
        _ => None,
    };
    AppError::api(status, lang, e.code(), message, field.map(str::to_owned)).as_page()
}

/// Class work in one write transaction.
pub async fn class_work<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&Store<'_>, &crate::labs::Library) -> Result<T, ClassError> + Send + 'static,
) -> Result<T, AppError> {
    let labs = state.labs.clone();
    state
        .db
        .run_write(move |s| kept(f(s, &labs)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| class_error(e, lang))
}

/// What a class step's transaction keeps: its result, refusals included (a refusal may
/// count an attempt), unless the sandbox itself failed: then nothing it did is kept.
pub fn kept<T>(
    r: Result<T, ClassError>,
) -> Result<Result<T, ClassError>, crate::store::StoreError> {
    match r {
        Err(e) if e.is_internal() => Err(crate::store::StoreError::Other(e.to_string())),
        other => Ok(other),
    }
}

/// Class reading for a GET page: one read snapshot, nothing written.
pub async fn class_read<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&Store<'_>) -> Result<T, ClassError> + Send + 'static,
) -> Result<T, AppError> {
    state
        .db
        .run_read(move |s| Ok(f(s)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| class_error(e, lang))
}

/// A page with secrets on it (seat PINs) is not kept by the browser or a proxy.
pub fn no_store(res: &mut Response) {
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
}

pub(super) use super::portal::{CsrfForm, require_csrf as check_csrf};
