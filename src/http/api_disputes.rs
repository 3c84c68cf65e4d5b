//! 争议处理 as JSON: the surcharges charged, the disputes with their stages, and 争议发起
//! (the same checks, limits and trace as the page).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ReqLang;
use super::api_portal::refused;
use super::error::ApiErrorBody;
use super::forms::Body;
use super::net::ClientAddr;
use super::portal::{dispute_message, dispute_status, file_dispute, filing_read};
use super::taxpayer::Taxpayer;
use crate::bureau::disputes::{self, DisputeError};
use crate::i18n::Lang;

fn dispute_refused(e: &DisputeError, lang: Lang) -> Response {
    let body = json!({ "code": e.code(), "message": dispute_message(e, lang) });
    (dispute_status(e), Json(body)).into_response()
}

/// `GET /api/v1/disputes`.
#[utoipa::path(get, path = "/api/v1/disputes", tag = "disputes", security(("sandbox" = [], "bureau" = [])),
    description = "争议处理: the surcharges (滞纳金) the company was charged, the refused 留抵退税 applications (`refusals`, 不予退税), whether its grade has disputes handled first, and every dispute with its stages (争议发起, 材料审核, 调解协商, 争议裁决, and the overcharge paid back) on the sandbox clock; the outcome (`upheld` or `dismissed`, the surcharge charged and the one the rule gives) once decided.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn list(desk: Taxpayer, ReqLang(lang): ReqLang) -> Response {
    let r = filing_read(&desk, lang, move |scope, who, _| {
        Ok(json!({
            "charged": disputes::charged(scope, who.company)?,
            "refusals": crate::bureau::credit_refund::refusals(scope, who.company)?,
            "priority": disputes::priority(scope, who.company, who.today)?,
            "disputes": disputes::list(scope, who.company, who.today)?,
        }))
    })
    .await;
    match r {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct DisputeBody {
    /// The `payment` of a surcharge from `GET /api/v1/disputes`; or
    #[serde(default)]
    payment: Option<i64>,
    /// the `id` of a refused refund from its `refusals`.
    #[serde(default)]
    refusal: Option<i64>,
    /// 10 to 500 characters.
    reason: String,
    #[serde(default)]
    file_name: String,
    /// An optional PDF, PNG or JPEG of at most 2 MiB, base64.
    #[serde(default)]
    file_base64: String,
}

/// `POST /api/v1/disputes`.
#[utoipa::path(post, path = "/api/v1/disputes", tag = "disputes", security(("sandbox" = [], "bureau" = [])), request_body = DisputeBody,
    description = "争议发起 over a surcharge charged (`payment`) or a refused refund (`refusal`). The ruling recomputes a surcharge by the rule (0.05% a day from the day after the deadline to the day of payment), or judges a refusal on the conditions as they stood the day it was made; it is given after 5 working days for grades with priority, 15 otherwise; an overcharge comes back to the bank account three working days after, a refund wrongly refused is granted (退库 three working days after the ruling). 404 `unknown_payment`, `unknown_refusal`; 409 `already_disputed`; 422 `too_short`, `too_long`, `file_type`, `file_too_large`; 429 `too_many`.",
    responses((status = 201, description = "Filed", body = disputes::DisputeView), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn file(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
    Body(body): Body<DisputeBody>,
) -> Response {
    let upload = if body.file_base64.is_empty() {
        None
    } else {
        match base64::engine::general_purpose::STANDARD.decode(body.file_base64.as_bytes()) {
            Ok(bytes) => Some((body.file_name, bytes)),
            Err(_) => return dispute_refused(&DisputeError::Field("file_type"), lang),
        }
    };
    let subject = match (body.payment, body.refusal) {
        (Some(p), None) => disputes::Subject::Payment(p),
        (None, Some(r)) => disputes::Subject::Refusal(r),
        _ => return dispute_refused(&DisputeError::UnknownPayment, lang),
    };
    match file_dispute(&desk, lang, (subject, body.reason, upload), ip).await {
        Ok(Ok(Ok(v))) => (StatusCode::CREATED, Json(v)).into_response(),
        Ok(Ok(Err(e))) => dispute_refused(&e, lang),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}
