//! The learner's side of a self-paced course: the enrolment page (`/course/<code>`) with
//! registration and sign-in, and the completion record (`/course/completion`). Pages and
//! JSON share the steps below; passwords are hashed and checked off the async runtime and
//! outside the single writer.

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::cookies::with_cookies;
use super::error::FieldErrorView;
use super::forms::Body;
use super::forms::{csrf_token, form_body, render, require_csrf};
use super::sandbox::{Desk, sandbox_cookie};
use super::{AppError, AppState, ReqLang};
use crate::classroom::course::{self, CourseError, Progress, Registration};
use crate::i18n::{Catalog, Lang};

/// A refused enrolment or sign-in, at its field, in the user's language.
pub fn course_error(e: CourseError, lang: Lang) -> AppError {
    let status = match &e {
        CourseError::UnknownCode => StatusCode::NOT_FOUND,
        CourseError::Closed | CourseError::LoginTaken => StatusCode::CONFLICT,
        CourseError::WrongPassword => StatusCode::UNAUTHORIZED,
        CourseError::TooManyRegistrations { .. } | CourseError::TooManySignIns { .. } => {
            StatusCode::TOO_MANY_REQUESTS
        }
        CourseError::Store(e) => {
            tracing::error!(error = %e, "course action failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let c = Catalog::embedded();
    let key = format!("course.error.{}", e.code());
    let message = match &e {
        CourseError::TooManyRegistrations { minutes } | CourseError::TooManySignIns { minutes } => {
            c.format(lang, &key, &[("minutes", &minutes.to_string())])
        }
        _ => c.text(lang, &key).to_owned(),
    };
    AppError::api(
        status,
        lang,
        e.code(),
        message,
        e.field().map(str::to_owned),
    )
}

/// Register a learner; returns the sandbox token.
async fn enrol(
    state: &AppState,
    lang: Lang,
    code: String,
    r: Registration,
    ip: String,
) -> Result<String, AppError> {
    let now = state.clock.now();
    course::check_registration(&r).map_err(|e| course_error(e, lang))?;
    let (c, i) = (code.clone(), ip.clone());
    state
        .db
        .run_read(move |s| {
            Ok(
                course::course_for_code(s, &c)
                    .and_then(|_| course::check_register_rate(s, &i, now)),
            )
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| course_error(e, lang))?;
    let password = r.password.clone();
    let hash = crate::secrets::hash_async(password, crate::secrets::Strength::Person)
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let labs = state.labs.clone();
    state
        .db
        .run_write(move |s| Ok(course::register(s, &labs, &code, &r, &hash, &ip, now)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| course_error(e, lang))
}

/// Sign a learner in; returns the sandbox token.
async fn sign_in(
    state: &AppState,
    lang: Lang,
    code: String,
    login: String,
    password: String,
    ip: String,
) -> Result<String, AppError> {
    let now = state.clock.now();
    let (learner, entry) = state
        .db
        .run_write(move |s| Ok(course::sign_in_target(s, &code, &login, &ip, now)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| course_error(e, lang))?;
    let hash = learner.password_hash.clone();
    let ok = crate::secrets::verify_async(password, hash).await;
    state
        .db
        .run_write(move |s| Ok(course::finish_sign_in(s, &learner, entry, ok, now)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| course_error(e, lang))
}

// ---- pages ----

#[derive(Serialize, Default)]
struct CoursePage {
    csrf: String,
    code: String,
    /// The course behind the code; none when the code is unknown (or not given yet).
    course: Option<String>,
    pack: String,
    open: bool,
    /// What was typed into the form that was refused (never the password).
    login: String,
    name: String,
    form: &'static str,
    error: Option<FieldErrorView>,
}

async fn course_page(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    code: String,
    mut page: CoursePage,
    error: Option<AppError>,
) -> Result<Response, AppError> {
    let c = code.clone();
    let found = state
        .db
        .run_read(move |s| Ok(course::course_for_code(s, &c).ok()))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let (csrf, set) = csrf_token(headers);
    page.csrf = csrf;
    page.code = code.trim().to_uppercase();
    let mut status = error.as_ref().map(AppError::status);
    if let Some(c) = found {
        page.pack = state
            .labs
            .pack(&c.pack_id)
            .map(|p| p.title.get(lang).to_owned())
            .unwrap_or_default();
        page.course = Some(c.name);
        page.open = c.open;
    } else if !code.is_empty() && error.is_none() {
        status = Some(StatusCode::NOT_FOUND);
        page.error = Some(course_error(CourseError::UnknownCode, lang).field_view());
    }
    page.error = error.map(|e| e.field_view()).or(page.error);
    let res = render(
        lang,
        "/course",
        "course.html",
        page,
        set.into_iter().collect(),
    )?;
    Ok(crate::http::error::with_status(res, status))
}

/// `GET /course`: ask for the course code.
pub async fn code_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    course_page(
        &state,
        lang,
        &headers,
        String::new(),
        CoursePage::default(),
        None,
    )
    .await
}

/// `GET /course/{code}`: the course's enrolment and sign-in page.
pub async fn enrol_page(
    Path(code): Path<String>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    course_page(&state, lang, &headers, code, CoursePage::default(), None).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /course`: go to the page of the course with this code.
pub async fn code_submit(
    ReqLang(lang): ReqLang,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    let code: String = f
        .code
        .trim()
        .to_uppercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    Ok(Redirect::to(&format!("/course/{code}")).into_response())
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    r: Registration,
}

/// `POST /course/{code}/register`.
pub async fn register_submit(
    peer: crate::http::net::ClientAddr,
    Path(code): Path<String>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<EnrolForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let (login, name) = (f.r.login.clone(), f.r.name.clone());
    match enrol(&state, lang, code.clone(), f.r, peer.ip().to_string()).await {
        Ok(token) => Ok(with_cookies(
            Redirect::to("/").into_response(),
            [sandbox_cookie(&token)],
        )),
        Err(e) => {
            let page = CoursePage {
                login,
                name,
                form: "register",
                ..CoursePage::default()
            };
            course_page(&state, lang, &headers, code, page, Some(e)).await
        }
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

/// `POST /course/{code}/sign-in`.
pub async fn sign_in_submit(
    peer: crate::http::net::ClientAddr,
    Path(code): Path<String>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let login = f.login.clone();
    match sign_in(
        &state,
        lang,
        code.clone(),
        f.login,
        f.password,
        peer.ip().to_string(),
    )
    .await
    {
        Ok(token) => Ok(with_cookies(
            Redirect::to("/").into_response(),
            [sandbox_cookie(&token)],
        )),
        Err(e) => {
            let page = CoursePage {
                login,
                form: "sign_in",
                ..CoursePage::default()
            };
            course_page(&state, lang, &headers, code, page, Some(e)).await
        }
    }
}

/// A trainee's course progress (recording completion when due); `None` for other trainees.
pub async fn learner_progress_of(
    state: &AppState,
    trainee: i64,
    lang: Lang,
) -> Result<Option<Progress>, AppError> {
    let (now, labs) = (state.clock.now(), state.labs.clone());
    state
        .db
        .run_write(move |s| course::progress(s, &labs, trainee, lang, now))
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

/// The learner's progress, or 404 for other trainees.
pub async fn learner_progress(desk: &Desk, lang: Lang) -> Result<Progress, AppError> {
    learner_progress_of(desk, desk.trainee.id, lang)
        .await?
        .ok_or_else(|| AppError::not_found(lang))
}

#[derive(Serialize)]
struct CompletionPage {
    progress: Progress,
}

/// `GET /course/completion`: the printable completion record (结业记录).
pub async fn completion(desk: Desk, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    let progress = learner_progress(&desk, lang).await?;
    if progress.completion.is_none() {
        return Err(AppError::not_found(lang));
    }
    render(
        lang,
        "/course/completion",
        "course_completion.html",
        CompletionPage { progress },
        Vec::new(),
    )
}

// ---- JSON ----

/// `POST /api/v1/course/{code}/register`.
#[utoipa::path(post, path = "/api/v1/course/{code}/register", tag = "course", params(("code" = String, Path, description = "The course's enrolment code")), request_body = Registration,
    description = "Register as a learner of a self-paced course (at most 5 registrations per IP address an hour). Returns `sandbox_token`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = super::error::ApiErrorBody)))]
pub async fn api_register(
    peer: crate::http::net::ClientAddr,
    Path(code): Path<String>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Body(r): Body<Registration>,
) -> Result<Json<Value>, AppError> {
    enrol(&state, lang, code, r, peer.ip().to_string())
        .await
        .map(|token| Json(json!({ "sandbox_token": token })))
        .map_err(AppError::as_json)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignInBody {
    login: String,
    password: String,
}

/// `POST /api/v1/course/{code}/sign-in`.
#[utoipa::path(post, path = "/api/v1/course/{code}/sign-in", tag = "course", params(("code" = String, Path, description = "The course's enrolment code")), request_body = SignInBody,
    description = "Sign a learner in again (5 failures per login in 15 minutes lock it for the rest of the window). Returns `sandbox_token`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = super::error::ApiErrorBody)))]
pub async fn api_sign_in(
    peer: crate::http::net::ClientAddr,
    Path(code): Path<String>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Body(b): Body<SignInBody>,
) -> Result<Json<Value>, AppError> {
    sign_in(
        &state,
        lang,
        code,
        b.login,
        b.password,
        peer.ip().to_string(),
    )
    .await
    .map(|token| Json(json!({ "sandbox_token": token })))
    .map_err(AppError::as_json)
}

/// `GET /api/v1/course`.
#[utoipa::path(get, path = "/api/v1/course", tag = "course", security(("sandbox" = [])),
    description = "The signed-in learner's progress: every lab of the course's pack with attempts, best score and whether it is passed, and the completion record once all are passed.",
    responses((status = 200, description = "Done", body = Progress), (status = "4XX", description = "Refused", body = super::error::ApiErrorBody)))]
pub async fn api_progress(desk: Desk, ReqLang(lang): ReqLang) -> Result<Json<Progress>, AppError> {
    learner_progress(&desk, lang)
        .await
        .map(Json)
        .map_err(AppError::as_json)
}
