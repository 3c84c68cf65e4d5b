//! JSON endpoints.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::error::ApiErrorBody;
use super::{AppError, AppState, ReqLang};
use crate::calc;

/// How long `/healthz` waits for the database before saying it is unavailable.
const HEALTH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Ok only when the database can be read and written (within a few seconds), with the
/// schema the database is on.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "`{status, schema_version, tenants}`"), (status = 503, description = "`{status: unavailable, read, write}`: the database cannot be read or written")))]
pub async fn healthz(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let now = state.clock.now();
    let read = tokio::time::timeout(
        HEALTH_WAIT,
        state
            .db
            .run_read(|s| Ok((s.schema_version()?, s.tenant_count()?))),
    )
    .await;
    // The write is the one a GET makes here: at most one a second, however often it is
    // asked (a monitor polling every second costs one tiny row rewrite).
    let last = state.health.clone();
    let ms = now.timestamp_millis();
    let write = if ms - last.load(std::sync::atomic::Ordering::Relaxed) < 1000 {
        Ok(Ok(()))
    } else {
        let done = tokio::time::timeout(
            HEALTH_WAIT,
            state.db.run_write(move |s| s.health_probe(now)),
        )
        .await;
        if matches!(done, Ok(Ok(()))) {
            last.store(ms, std::sync::atomic::Ordering::Relaxed);
        }
        done
    };
    match (read, write) {
        (Ok(Ok((version, tenants))), Ok(Ok(()))) => {
            Json(json!({ "status": "ok", "schema_version": version, "tenants": tenants }))
                .into_response()
        }
        (read, write) => {
            let read_ok = matches!(read, Ok(Ok(_)));
            let write_ok = matches!(write, Ok(Ok(())));
            tracing::error!(read_ok, write_ok, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "read": read_ok, "write": write_ok })),
            )
                .into_response()
        }
    }
}

/// `GET /_bench/page/{n}` (only with `TAXLAB_BENCH_BASELINE=1`): the room benchmark's
/// baseline, a bare read-and-render inside this server: 20 indexed rows of the n-th tenant
/// and a page of about 7 KB through the same layout and middleware as every page.
pub async fn bench_page(
    Path(n): Path<i64>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
) -> Result<axum::response::Response, AppError> {
    let rows = state
        .db
        .run_read(move |s| s.invoice_sample(n.max(0), 20))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let html = super::templates::render(
        lang,
        "/_bench/page",
        "bench_baseline.html",
        minijinja::context! { rows },
    )
    .map_err(|_| AppError::internal(lang))?;
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Html(html),
    ))
}

/// `POST /api/v1/calc/{tax}` with the calculator's JSON input.
#[utoipa::path(post, path = "/api/v1/calc/{tax}", tag = "calculator",
    params(("tax" = String, Path, description = "vat-small, vat-general, cit-quarterly, surcharges, late-fee or culture-fee")),
    request_body(content = Object, description = "The tax's input fields, documented in docs/calculator.md"),
    description = "Compute a tax: form lines by official line number, named totals, the working and notes.",
    responses((status = 200, description = "`{tax, period, policy, lines, totals, working, notes}`"),
              (status = 422, description = "Bad input, naming the field", body = ApiErrorBody),
              (status = 404, description = "Unknown tax", body = ApiErrorBody)))]
pub async fn calc(
    Path(tax): Path<String>,
    ReqLang(lang): ReqLang,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AppError> {
    let body = body.map_err(|e| {
        let key = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "error.too_large"
        } else {
            "error.bad_request"
        };
        AppError::page(e.status(), lang, key).as_json()
    })?;
    let body = String::from_utf8(body.to_vec())
        .map_err(|_| AppError::page(StatusCode::BAD_REQUEST, lang, "error.not_utf8").as_json())?;
    calc::calculate_text(&tax, &body, lang)
        .map(Json)
        .map_err(|e| {
            let status = if e.code() == "unknown_tax" {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            AppError::api(status, lang, e.code(), e.message(lang), e.field.clone())
        })
}

/// `GET /api/v1/openapi.json`: this API, described.
pub async fn openapi() -> Json<Value> {
    use utoipa::OpenApi;
    Json(serde_json::to_value(super::openapi::ApiDoc::openapi()).unwrap_or(Value::Null))
}
