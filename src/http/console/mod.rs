//! The instructor console (`/console`): staff sign-in and accounts (`staff`), classes and
//! the live dashboard (`classes`), its controls (`controls`), and the trainee's side of a
//! class, joining (`join`).

mod classes;
mod controls;
mod courses;
mod join;
mod reports;
mod staff;

pub use super::class_tx::{class_error, class_read, class_work, kept};
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
use crate::http::forms::{csrf_ok, csrf_token, form_body, render};
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

/// A page with secrets on it (seat PINs) is not kept by the browser or a proxy.
pub fn no_store(res: &mut Response) {
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
}

pub(super) use super::forms::{CsrfForm, require_csrf as check_csrf};
