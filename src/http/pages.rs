//! HTML pages.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{AppError, ReqLang};
use crate::i18n::Lang;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Remember the language in a cookie and go back where the user was.
pub async fn switch_lang(
    Path(code): Path<String>,
    q: Result<Query<Next>, QueryRejection>,
    ReqLang(lang): ReqLang,
) -> Result<Response, AppError> {
    let chosen = Lang::parse(&code).ok_or_else(|| AppError::not_found(lang))?;
    let next = q
        .ok()
        .and_then(|Query(q)| q.next)
        .filter(|n| is_local_path(n))
        .unwrap_or_else(|| "/".into());
    let mut res = Redirect::to(&next).into_response();
    let cookie = format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
        chosen.code()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// A path on this site and nothing else: no scheme, no `//host`, no `\\` (which browsers
/// read as `/`), no control or non-ASCII characters that would break the header.
pub(super) fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && p.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'\\')
}

const ASSETS: [(&str, &str, &str); 12] = [
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../web/static/app.css"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/console.js"),
    ),
    (
        "certificate.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/certificate.js"),
    ),
    (
        "nav.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/nav.js"),
    ),
    (
        "hint.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/hint.js"),
    ),
    (
        "phone.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/phone.js"),
    ),
    (
        "returns.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/returns.js"),
    ),
    (
        "print.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/print.js"),
    ),
    (
        "tests.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/tests.js"),
    ),
    (
        "roster.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/roster.js"),
    ),
    (
        "confirm.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/confirm.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../web/static/favicon.svg"),
    ),
];

pub async fn asset(Path(file): Path<String>, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    let (_, mime, body) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| AppError::not_found(lang))?;
    Ok((
        [
            (header::CONTENT_TYPE, *mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        *body,
    )
        .into_response())
}

/// Browsers ask for /favicon.ico whatever the page says.
pub async fn favicon() -> Redirect {
    Redirect::permanent("/static/favicon.svg")
}

pub async fn not_found(uri: Uri, ReqLang(lang): ReqLang) -> AppError {
    for_path(&uri, AppError::not_found(lang))
}

pub async fn method_not_allowed(uri: Uri, ReqLang(lang): ReqLang) -> AppError {
    let e = AppError::page(
        StatusCode::METHOD_NOT_ALLOWED,
        lang,
        "error.method_not_allowed",
    );
    for_path(&uri, e)
}

/// JSON under `/api/`, a page elsewhere.
fn for_path(uri: &Uri, e: AppError) -> AppError {
    if uri.path().starts_with("/api/") {
        e.as_json()
    } else {
        e
    }
}
