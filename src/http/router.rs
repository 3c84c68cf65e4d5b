//! Every route, in one place.

use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use super::{AppState, api, pages, portal};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/lang/{code}", get(pages::switch_lang))
        .route("/static/{file}", get(pages::asset))
        .route("/favicon.ico", get(pages::favicon))
        .route("/portal", get(portal::workbench))
        .route(
            "/portal/login",
            get(portal::login_form).post(portal::login_submit),
        )
        .route(
            "/portal/login/sms",
            get(portal::sms_form).post(portal::sms_submit),
        )
        .route("/portal/login/sms/resend", post(portal::sms_resend))
        .route(
            "/portal/password/initial",
            get(portal::password_form).post(portal::password_submit),
        )
        .route("/portal/logout", post(portal::logout))
        .route("/healthz", get(api::healthz))
        .route("/api/v1/calc/{tax}", post(api::calc))
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::method_not_allowed)
        .layer(middleware::from_fn(log_requests))
        .with_state(state)
}

/// One log line per request: method, path, status, time taken.
async fn log_requests(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    tracing::info!(%method, %path, status = res.status().as_u16(), micros = started.elapsed().as_micros() as u64, "request");
    res
}
