//! 退抵税 as JSON: what is refundable and the path the company's grade takes, every
//! application's progress, applying (files as base64) and 补正 — the same checks, limits and
//! trace as the page.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::api_portal::refused;
use super::error::ApiErrorBody;
use super::forms::Body;
use super::net::ClientAddr;
use super::portal::{
    RefundSending, credit_refund_message, credit_refund_status, filing_read, refund_message,
    refund_status, send_credit_refund, send_refund,
};
use super::taxpayer::Taxpayer;
use super::{AppError, ReqLang};
use crate::bureau::refunds::{self, Asked, RefundError, Upload};
use crate::i18n::Lang;

fn refund_refused(e: &RefundError, lang: Lang) -> Response {
    let body = json!({ "code": e.code(), "message": refund_message(e, lang), "field": e.field() });
    (refund_status(e), Json(body)).into_response()
}

/// `GET /api/v1/refunds`.
#[utoipa::path(get, path = "/api/v1/refunds", tag = "refunds", security(("sandbox" = [], "bureau" = [])),
    description = "退抵税: what amendments left overpaid per return (误收多缴) and what is left to ask for; the path the company's credit grade takes (`green`: the green channel, `approve_days` working days to 审批, the materials it asks for); every application with its stages (受理, 补正, 审核, 审批, 退库) dated on the sandbox clock. For a general taxpayer, `credit`: 增量留抵退税 — the period due, its end-of-period credit, the increment, 进项构成比例, the share, the amount, every condition met or not; and `credit_applications`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn list(desk: Taxpayer, ReqLang(lang): ReqLang) -> Response {
    let r = filing_read(&desk, lang, move |scope, who, _| {
        let (green, approve_days) = refunds::path(scope, who)?;
        Ok(json!({
            "refundable": refunds::refundable(scope, who.company)?,
            "path": { "green": green, "approve_days": approve_days, "materials": refunds::materials(green) },
            "applications": refunds::list(scope, who.company, who.today)?,
            "credit": crate::bureau::credit_refund::eligibility(scope, who.company, who.today)?,
            "credit_applications": crate::bureau::credit_refund::list(scope, who.company, who.today)?,
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
pub struct FileBody {
    /// `application` (退（抵）税申请表), `amended_return` (更正后的申报表), `payment_voucher`
    /// (完税凭证) or `other`.
    material: String,
    name: String,
    /// The file, base64: a PDF, PNG or JPEG of at most 2 MiB.
    content_base64: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ApplyBody {
    /// `<return kind>/<period>`, e.g. `vat_small/2026Q3`.
    of: String,
    /// Yuan, e.g. `1234.56`: at most what is left to ask for.
    amount: String,
    reason: String,
    #[serde(default)]
    files: Vec<FileBody>,
}

#[derive(Deserialize, ToSchema)]
pub struct FilesBody {
    files: Vec<FileBody>,
}

fn uploads(files: Vec<FileBody>) -> Result<Vec<Upload>, RefundError> {
    files
        .into_iter()
        .take(crate::domain::tax::Policy::embedded().refunds.max_files + 1)
        .map(|f| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(f.content_base64.as_bytes())
                .map_err(|_| RefundError::Field {
                    field: "files",
                    code: "file_type",
                })?;
            Ok(Upload {
                material: f.material,
                name: f.name,
                bytes,
            })
        })
        .collect()
}

async fn answer(
    desk: &Taxpayer,
    lang: Lang,
    sending: RefundSending,
    ip: std::net::IpAddr,
    created: StatusCode,
) -> Response {
    match send_refund(desk, lang, sending, ip).await {
        Ok(Ok(Ok(v))) => (created, Json(v)).into_response(),
        Ok(Ok(Err(RefundError::UnknownRefund))) => {
            AppError::not_found(lang).as_json().into_response()
        }
        Ok(Ok(Err(e))) => refund_refused(&e, lang),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

/// `POST /api/v1/refunds`.
#[utoipa::path(post, path = "/api/v1/refunds", tag = "refunds", security(("sandbox" = [], "bureau" = [])), request_body = ApplyBody,
    description = "申请退税 of tax a return overpaid: the amount (at most what is left), a reason, supporting files. Missing materials bring a 补正 request a working day later (the review starts once they arrive); a complete file is approved after the grade's working days and refunded (退库) three working days later. 422 at `field` (`of`, `amount`, `reason`, `files`); 409 `too_late`; 429 `too_many`.",
    responses((status = 201, description = "Applied", body = refunds::RefundView), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn apply(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
    Body(body): Body<ApplyBody>,
) -> Response {
    let files = match uploads(body.files) {
        Ok(f) => f,
        Err(e) => return refund_refused(&e, lang),
    };
    let asked = Asked {
        of: body.of,
        amount: body.amount,
        reason: body.reason,
        files,
    };
    answer(
        &desk,
        lang,
        RefundSending::Apply(asked),
        ip,
        StatusCode::CREATED,
    )
    .await
}

/// `POST /api/v1/refunds/{number}/files`.
#[utoipa::path(post, path = "/api/v1/refunds/{number}/files", tag = "refunds", security(("sandbox" = [], "bureau" = [])), request_body = FilesBody,
    params(("number" = String, Path, description = "退税申请编号")),
    description = "补正: send the materials an application lacks. Once none is missing the review restarts from that day. 404 for an application not the company's; 409 `nothing_missing`.",
    responses((status = 200, description = "Received", body = refunds::RefundView), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn supplement(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
    Path(number): Path<String>,
    Body(body): Body<FilesBody>,
) -> Response {
    let files = match uploads(body.files) {
        Ok(f) => f,
        Err(e) => return refund_refused(&e, lang),
    };
    let number: String = number.chars().take(40).collect();
    answer(
        &desk,
        lang,
        RefundSending::Supplement(number, files),
        ip,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct CreditRefundBody {
    reason: String,
    /// The 退（抵）税申请表: its name and the file, base64 (a PDF, PNG or JPEG of at most
    /// 2 MiB).
    file_name: String,
    file_base64: String,
}

/// `POST /api/v1/refunds/credit`.
#[utoipa::path(post, path = "/api/v1/refunds/credit", tag = "refunds", security(("sandbox" = [], "bureau" = [])), request_body = CreditRefundBody,
    description = "申请增量留抵退税 (general taxpayers): the amount is the one `GET /api/v1/refunds` shows under `credit`; reviewed in 10 working days, refunded (退库) three working days later, and transferred out (line 14) in the return of the period it arrives in. 409 `not_general`, or `conditions_unmet` with `unmet` (the conditions' keys); 422 at `reason` or `file`; 429 `too_many`.",
    responses((status = 201, description = "Applied", body = crate::bureau::credit_refund::CreditRefundView), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn apply_credit(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
    Body(body): Body<CreditRefundBody>,
) -> Response {
    use crate::bureau::credit_refund::CreditRefundError;
    let refused_with = |e: &CreditRefundError| {
        let unmet = match e {
            CreditRefundError::Conditions(keys) => json!(keys),
            _ => json!(null),
        };
        let body = json!({ "code": e.code(), "message": credit_refund_message(e, lang),
                           "field": e.field(), "unmet": unmet });
        (credit_refund_status(e), Json(body)).into_response()
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(body.file_base64.as_bytes())
    else {
        return refused_with(&CreditRefundError::Field("file", "file_type"));
    };
    let file = (!bytes.is_empty()).then_some((body.file_name, bytes));
    match send_credit_refund(&desk, lang, (body.reason, file), ip).await {
        Ok(Ok(Ok(v))) => (StatusCode::CREATED, Json(v)).into_response(),
        Ok(Ok(Err(e))) => refused_with(&e),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}
