//! The outermost guard of every request: a body announced over the limit is refused before
//! it is read (413); a request not answered within [`REQUEST_TIMEOUT`] (a body sent too
//! slowly) is refused (503); a handler that panics answers a localized 500 (logged, its transaction
//! rolled back by the writer); and axum's own plain-text refusals (a path parameter that is
//! not a number, a body that is not JSON) are answered in the user's language, as a page or
//! as JSON like every other refusal.

use std::panic::AssertUnwindSafe;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;

use super::AppError;

/// The largest request body taxlab reads (axum's own default, kept explicit), except where
/// supporting files are uploaded (see [`max_body`]).
pub const MAX_BODY: u64 = 2 * 1024 * 1024;

/// The largest body a request to `path` may carry: a refund application (or supplement)
/// carries up to `max_files` files, an explanation or a dispute one file (base64 in the API,
/// 4/3 larger); everything else [`MAX_BODY`]. The routes set the same limits for bodies sent
/// without a length.
pub fn max_body(path: &str) -> u64 {
    let r = &crate::domain::tax::Policy::embedded().refunds;
    let one = (r.max_file_bytes * 4 / 3 + 64 * 1024) as u64;
    let refunds = (r.max_files * r.max_file_bytes * 4 / 3 + 64 * 1024) as u64;
    let refund = path == "/portal/refunds"
        || path == "/api/v1/refunds"
        || (path.starts_with("/portal/refunds/") || path.starts_with("/api/v1/refunds/"))
            && path.ends_with("/files");
    if refund {
        refunds
    } else if matches!(
        path,
        "/portal/risk/explain"
            | "/portal/disputes"
            | "/api/v1/risk/explanations"
            | "/api/v1/disputes"
            | "/portal/refunds/credit"
            | "/api/v1/refunds/credit"
    ) {
        one.max(MAX_BODY)
    } else {
        MAX_BODY
    }
}

/// How long a request may take until its response starts (a body sent too slowly, or work
/// that never ends). Streams (the dashboard's events) go on after their start.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

pub async fn layer(
    axum::extract::State(net): axum::extract::State<std::sync::Arc<super::net::Net>>,
    req: Request,
    next: Next,
) -> Response {
    let lang = super::lang::of(req.uri(), req.headers());
    let json = wants_json(&req);
    let answer = |e: AppError| {
        if json {
            e.as_json().into_response()
        } else {
            e.as_page().into_response()
        }
    };
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max_body(req.uri().path())) {
        let mut res = answer(AppError::page(
            StatusCode::PAYLOAD_TOO_LARGE,
            lang,
            "error.too_large",
        ));
        // the body is not read: the connection cannot be reused
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return res;
    }
    if cross_site_cookie_write(&req, &net) {
        return answer(AppError::page(
            StatusCode::FORBIDDEN,
            lang,
            "error.cross_origin",
        ));
    }
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let run = tokio::time::timeout(
        net.timeouts().request,
        AssertUnwindSafe(next.run(req)).catch_unwind(),
    );
    let res = match run.await {
        Ok(Ok(res)) => res,
        Err(_) => {
            tracing::warn!(%method, %path, "request timed out");
            // 503, not 408: browsers resend a request answered 408, and work it queued may
            // still finish
            let mut res = answer(AppError::page(
                StatusCode::SERVICE_UNAVAILABLE,
                lang,
                "error.timeout",
            ));
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return res;
        }
        Ok(Err(panic)) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(%method, %path, panic = %what, "handler panicked");
            return answer(AppError::internal(lang));
        }
    };
    // axum's extractor refusals are plain text in English; ours never are
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if plain && res.status().is_client_error() {
        let key = match res.status() {
            StatusCode::PAYLOAD_TOO_LARGE => "error.too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "error.bad_content_type",
            StatusCode::NOT_FOUND => "error.not_found",
            _ => "error.bad_request",
        };
        return answer(AppError::page(res.status(), lang, key));
    }
    res
}

/// A JSON API call that changes something, authenticated only by a cookie, must be JSON
/// from this site: a JSON content type (a cross-site form cannot send one without the
/// browser asking first) and, when the browser names it, our own `Origin`. Calls with a
/// token header (`X-Sandbox-Token`, `X-Staff-Token`, `Authorization`) carry no ambient
/// credentials and pass. (Pages have their CSRF token in every form.)
fn cross_site_cookie_write(req: &Request, net: &super::net::Net) -> bool {
    let h = req.headers();
    let unsafe_method = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if !req.uri().path().starts_with("/api/") || !unsafe_method {
        return false;
    }
    let token = [
        super::sandbox::SANDBOX_HEADER,
        super::console::STAFF_HEADER,
        header::AUTHORIZATION.as_str(),
    ]
    .iter()
    .any(|name| h.contains_key(*name));
    if token || !h.contains_key(header::COOKIE) {
        return false;
    }
    let json = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let origin_ok = match h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = h
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            net.public_url.as_deref() == Some(origin)
                || origin == format!("http://{host}")
                || origin == format!("https://{host}")
        }
    };
    !(json && origin_ok)
}

/// An API call (or a client asking for JSON) gets JSON refusals; a browser gets pages.
fn wants_json(req: &Request) -> bool {
    req.uri().path().starts_with("/api/")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::{get, post};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    fn app() -> Router {
        async fn boom() -> &'static str {
            let v: Vec<u8> = Vec::new();
            #[allow(clippy::indexing_slicing)]
            let _ = v[3];
            "unreachable"
        }
        async fn number(axum::extract::Path(n): axum::extract::Path<i64>) -> String {
            n.to_string()
        }
        async fn echo(body: axum::body::Bytes) -> String {
            body.len().to_string()
        }
        Router::new()
            .route("/boom", get(boom))
            .route("/api/v1/boom", get(boom))
            .route("/n/{n}", get(number))
            .route("/api/v1/echo", post(echo))
            .layer(axum::middleware::from_fn_with_state(
                std::sync::Arc::new(crate::http::net::Net::default()),
                layer,
            ))
    }

    async fn call(req: Request<Body>) -> (StatusCode, String, String) {
        let res = app().oneshot(req).await.expect("infallible");
        let status = res.status();
        let kind = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        (status, kind, String::from_utf8_lossy(&body).into_owned())
    }

    fn get_req(uri: &str) -> Request<Body> {
        Request::get(uri).body(Body::empty()).expect("request")
    }

    #[tokio::test]
    async fn a_panic_answers_a_localized_500_page_or_json() {
        let (status, kind, body) = call(get_req("/boom")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(body.contains("系统繁忙"), "{body}");
        let (status, kind, body) = call(get_req("/api/v1/boom?lang=en")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(kind.starts_with("application/json"), "{kind}");
        assert!(body.contains("\"code\":\"internal\""), "{body}");
    }

    #[tokio::test]
    async fn a_path_that_is_not_a_number_is_refused_in_the_users_language() {
        let (status, kind, body) = call(get_req("/n/abc")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(body.contains("请求格式不正确"), "{body}");
        let (status, _, body) = call(get_req("/n/99999999999999999999999?lang=en")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("The request is malformed"), "{body}");
    }

    #[test]
    fn uploads_may_carry_their_files_and_nothing_else_more_than_the_default() {
        assert_eq!(max_body("/api/v1/echo"), MAX_BODY);
        assert_eq!(max_body("/portal/refundsX"), MAX_BODY);
        assert!(max_body("/portal/refunds") > 5 * 2 * 1024 * 1024);
        assert_eq!(
            max_body("/api/v1/refunds/TS1/files"),
            max_body("/portal/refunds")
        );
        assert!(max_body("/api/v1/disputes") > MAX_BODY);
        assert!(max_body("/api/v1/disputes") < max_body("/api/v1/refunds"));
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_413_whether_announced_or_not() {
        let big = vec![b'x'; MAX_BODY as usize + 1];
        let req = Request::post("/api/v1/echo")
            .header(header::CONTENT_LENGTH, big.len().to_string())
            .body(Body::from(big.clone()))
            .expect("request");
        let (status, kind, body) = call(req).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(kind.starts_with("application/json"));
        assert!(body.contains("提交的内容过大"), "{body}");
        // streamed without a length: the extractor's refusal, localized
        let stream = futures_util::stream::iter(
            big.chunks(64 * 1024)
                .map(|c| Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>(),
        );
        let req = Request::post("/api/v1/echo")
            .body(Body::from_stream(stream))
            .expect("request");
        let (status, _, body) = call(req).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(body.contains("提交的内容过大"), "{body}");
    }
}
