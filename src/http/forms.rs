//! What every page and form of the web layer shares, whichever part of the site it is in:
//! the CSRF token (double-submit cookie), form and JSON bodies read with a refusal in the
//! user's language, rendering a template with its cookies, a file to download. The portal,
//! the console, the labs and the course pages all use these; none imports another's.

use axum::Json;
use axum::extract::Form;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::cookies::{cookie, with_cookies};
use super::{AppError, templates};
use crate::i18n::Lang;

const CSRF_COOKIE: &str = "csrf";

/// The form token: the one in the cookie, or a new one to set (double-submit protection).
pub(in crate::http) fn csrf_token(headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, CSRF_COOKIE).filter(|t| t.len() == 64) {
        Some(t) => (t, None),
        None => {
            let bytes: [u8; 32] = rand::random();
            let t = hex::encode(bytes);
            let set = format!("{CSRF_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict");
            (t, Some(set))
        }
    }
}

/// A form body, or a page saying the request was malformed.
pub(in crate::http) fn form_body<T>(
    form: Result<Form<T>, FormRejection>,
    lang: Lang,
) -> Result<T, AppError> {
    form.map(|Form(f)| f).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::page(StatusCode::PAYLOAD_TOO_LARGE, lang, "error.too_large")
        } else {
            AppError::page(StatusCode::BAD_REQUEST, lang, "error.bad_request")
        }
    })
}

pub(in crate::http) fn csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    cookie(headers, CSRF_COOKIE).is_some_and(|c| !c.is_empty() && c == submitted)
}

/// A form whose only field is its CSRF token.
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub(in crate::http) csrf: String,
}

/// Refuse a form without the visitor's CSRF token with a page saying it has expired.
pub(in crate::http) fn require_csrf(
    headers: &HeaderMap,
    submitted: &str,
    lang: Lang,
) -> Result<(), AppError> {
    if csrf_ok(headers, submitted) {
        Ok(())
    } else {
        Err(AppError::page(StatusCode::FORBIDDEN, lang, "error.csrf"))
    }
}

/// A file to download: its type, the name it is saved under, its bytes.
pub(in crate::http) fn attachment(
    content_type: &str,
    filename: &str,
    body: impl Into<axum::body::Body>,
) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body.into(),
    )
        .into_response()
}

/// A multipart form's CSRF token and uploaded `file` (empty when none was sent).
pub(in crate::http) async fn upload(
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
    lang: Lang,
) -> Result<(String, Vec<u8>), AppError> {
    let bad = || AppError::page(StatusCode::BAD_REQUEST, lang, "error.bad_request");
    let mut multipart = multipart.map_err(|_| bad())?;
    let (mut csrf, mut file) = (String::new(), Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(|_| bad())? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "file" => file = field.bytes().await.map_err(|_| bad())?.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, file))
}

/// A multipart form: its text fields (each cut to 2,000 characters) and its non-empty files
/// as (field, file name, content). A body over the size limit is refused with 413.
pub(in crate::http) struct Sent {
    pub text: Vec<(String, String)>,
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl Sent {
    /// A text field ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.text
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Read a multipart form whose files are the fields `is_file` names.
pub(in crate::http) async fn multipart_form(
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
    lang: Lang,
    is_file: impl Fn(&str) -> bool,
) -> Result<Sent, AppError> {
    let bad = || AppError::page(StatusCode::BAD_REQUEST, lang, "error.bad_request");
    let too_big = || AppError::page(StatusCode::PAYLOAD_TOO_LARGE, lang, "error.too_large");
    let mut multipart = multipart.map_err(|_| bad())?;
    let mut sent = Sent {
        text: Vec::new(),
        files: Vec::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or_default().to_owned();
        if is_file(&name) {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| too_big())?.to_vec();
            if !bytes.is_empty() {
                sent.files.push((name, file_name, bytes));
            }
        } else {
            let value = field.text().await.map_err(|_| bad())?;
            sent.text.push((name, value.chars().take(2000).collect()));
        }
    }
    Ok(sent)
}

pub(in crate::http) fn render(
    lang: Lang,
    path: &str,
    name: &str,
    ctx: impl Serialize,
    set_cookies: Vec<String>,
) -> Result<Response, AppError> {
    let html = templates::render(lang, path, name, ctx).map_err(|e| {
        tracing::error!(error = %e, template = name, "render failed");
        AppError::internal(lang)
    })?;
    Ok(with_cookies(Html(html).into_response(), set_cookies))
}

/// A JSON request body; a malformed one is refused as `bad_request` in the user's language.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Body<T>, AppError> {
        let (parts, body) = req.into_parts();
        let lang = super::lang::from_parts(&parts);
        let req = axum::extract::Request::from_parts(parts, body);
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| Body(v))
            .map_err(|e: JsonRejection| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::page(StatusCode::PAYLOAD_TOO_LARGE, lang, "error.too_large").as_json()
                } else {
                    bad_body(lang)
                }
            })
    }
}

pub(in crate::http) fn bad_body(lang: Lang) -> AppError {
    AppError::page(StatusCode::BAD_REQUEST, lang, "error.bad_request").as_json()
}
