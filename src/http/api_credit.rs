//! 纳税信用 as JSON: the company's standing year by year, 信用修复 of one failing and
//! 申请M级认定 (the same checks, limits and trace as the page).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ReqLang;
use super::api_portal::refused;
use super::error::ApiErrorBody;
use super::forms::Body;
use super::net::ClientAddr;
use super::portal::{CreditAsked, apply_credit, credit_message, credit_status, filing_read};
use super::taxpayer::Taxpayer;
use crate::bureau::credit::{self, CreditError};
use crate::i18n::Lang;

fn credit_refused(e: &CreditError, lang: Lang) -> Response {
    let body = json!({ "code": e.code(), "message": credit_message(e, lang) });
    (credit_status(e), Json(body)).into_response()
}

/// `GET /api/v1/credit`.
#[utoipa::path(get, path = "/api/v1/credit", tag = "credit", security(("sandbox" = [], "bureau" = [])),
    description = "纳税信用: the profile in force (`course` or `national`) and its ranking, the evaluated year's grade and score, each year's score (100 less the failings recorded in it plus the points repairs gave back; the sandbox year's `in_progress`), the failings with where each stands for repair (`open` with the points it would get back, `not_corrected`, `too_late`, `under_review`, `repaired`), the applications and, in the course profile, M-grade recognition.",
    responses((status = 200, description = "Done", body = credit::Standing), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn standing(desk: Taxpayer, ReqLang(lang): ReqLang) -> Response {
    let r = filing_read(&desk, lang, move |scope, who, _| {
        Ok(credit::view(scope, who)?)
    })
    .await;
    match r {
        Ok(Ok(c)) => Json(c).into_response(),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RepairBody {
    /// The failing's `id` from `GET /api/v1/credit`.
    event: i64,
}

async fn apply(desk: &Taxpayer, lang: Lang, asked: CreditAsked, ip: std::net::IpAddr) -> Response {
    match apply_credit(desk, lang, asked, ip).await {
        Ok(Ok(Ok(a))) => (StatusCode::CREATED, Json(a)).into_response(),
        Ok(Ok(Err(e))) => credit_refused(&e, lang),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

/// `POST /api/v1/credit/repairs`.
#[utoipa::path(post, path = "/api/v1/credit/repairs", tag = "credit", security(("sandbox" = [], "bureau" = [])), request_body = RepairBody,
    description = "申请信用修复 of one failing that has been put right (the return filed, the tax paid), before the end of the year after the one it was recorded in. The answer, with the points the standard gives back, comes after the policy's working days on the sandbox clock. 404 `unknown_event`; 409 `not_corrected`, `too_late`, `already_applied`; 429 `too_many`.",
    responses((status = 201, description = "Applied", body = credit::Application), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn repair(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
    Body(body): Body<RepairBody>,
) -> Response {
    apply(&desk, lang, CreditAsked::Repair(body.event), ip).await
}

/// `POST /api/v1/credit/m-grade`.
#[utoipa::path(post, path = "/api/v1/credit/m-grade", tag = "credit", security(("sandbox" = [], "bureau" = [])),
    description = "申请M级认定 (the course profile only: 409 `no_m_application` in the national one). The system checks the record (three years in business, no failing left unrepaired in three years, no tax owing, the evaluated year's score in the M band) and answers within 5 working days on the sandbox clock; `reasons` says what failed once answered. 409 `m_pending`, `already_m`; 429 `too_many`.",
    responses((status = 201, description = "Applied", body = credit::Application), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn m_grade(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
) -> Response {
    apply(&desk, lang, CreditAsked::MGrade, ip).await
}
