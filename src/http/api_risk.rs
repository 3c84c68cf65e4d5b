//! 风险提示 as JSON: the company's alerts on the sandbox date, and 情况说明 (the same checks,
//! limits and trace as the page).

use axum::Json;
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
use super::portal::{explain_risk, filing_read, risk_message, risk_status};
use super::taxpayer::Taxpayer;
use crate::bureau::risk::{self, RiskError};
use crate::i18n::Lang;

fn risk_refused(e: &RiskError, lang: Lang) -> Response {
    let body = json!({ "code": e.code(), "message": risk_message(e, lang) });
    (risk_status(e), Json(body)).into_response()
}

/// `GET /api/v1/risk`.
#[utoipa::path(get, path = "/api/v1/risk", tag = "risk", security(("sandbox" = [], "bureau" = [])),
    description = "风险提示: the company's alerts on the sandbox date in the course's five categories (`arrears` 欠税风险, `filing` 申报异常, `invoice` 发票风险, `late` 逾期申报, `business` 经营异常), each with its level, figures and status (`open`, `explaining`, `explained`, `refused`, `resolved` once the records no longer show it). The thresholds are the sandbox's own.",
    responses((status = 200, description = "Done", body = [risk::Alert]), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn alerts(desk: Taxpayer, ReqLang(lang): ReqLang) -> Response {
    let r = filing_read(&desk, lang, move |scope, who, _| {
        Ok(risk::view(scope, who)?)
    })
    .await;
    match r {
        Ok(Ok(a)) => Json(a).into_response(),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ExplainBody {
    /// The alert's `id`.
    alert: String,
    /// 10 to 500 characters.
    text: String,
    /// An optional supporting file: a PDF, PNG or JPEG of at most 2 MiB, base64.
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    file_base64: String,
}

/// `POST /api/v1/risk/explanations`.
#[utoipa::path(post, path = "/api/v1/risk/explanations", tag = "risk", security(("sandbox" = [], "bureau" = [])), request_body = ExplainBody,
    description = "情况说明 of an open alert. The office answers in 3 working days on the sandbox clock: it accepts an explanation of 申报异常, 发票风险 or 经营异常; tax owing and late returns are put right only by paying and by credit repair. 404 `unknown_alert`; 409 `already_explained`; 422 `too_short`, `too_long`, `file_type`, `file_too_large`; 429 `too_many`.",
    responses((status = 200, description = "Sent", body = risk::Alert), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn explain(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
    Body(body): Body<ExplainBody>,
) -> Response {
    let file = if body.file_base64.is_empty() {
        None
    } else {
        match base64::engine::general_purpose::STANDARD.decode(body.file_base64.as_bytes()) {
            Ok(bytes) => Some((body.file_name, bytes)),
            Err(_) => return risk_refused(&RiskError::Field("file_type"), lang),
        }
    };
    let alert: String = body.alert.chars().take(80).collect();
    match explain_risk(&desk, lang, (alert, body.text, file), ip).await {
        Ok(Ok(Ok(a))) => Json(a).into_response(),
        Ok(Ok(Err(e))) => risk_refused(&e, lang),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}
