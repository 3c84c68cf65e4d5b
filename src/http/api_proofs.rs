//! 证明开具 and 证明查验 as JSON: the certificates issued, issuing one (the same checks,
//! limits and trace as the pages), its PDF, and verification by number and code or by file.

use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::api_portal::refused;
use super::error::ApiErrorBody;
use super::net::ClientAddr;
use super::portal::{filing, filing_read, issue_proof, pdf_response, proof_message, proof_view};
use super::sandbox::Desk;
use super::taxpayer::Taxpayer;
use super::{AppError, ReqLang};
use crate::bureau::proofs::{self, Asked, Download, ProofError, ProofKind, Verdict};
use crate::i18n::Lang;

fn proof_refused(e: &ProofError, lang: Lang) -> Response {
    let status = match e {
        ProofError::Request {
            code: "too_many", ..
        } => StatusCode::TOO_MANY_REQUESTS,
        ProofError::Arrears(_) | ProofError::NothingPaid => StatusCode::CONFLICT,
        ProofError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        ProofError::Request { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut body =
        json!({ "code": e.code(), "message": proof_message(e, lang), "field": e.field() });
    if let ProofError::Arrears(rows) = e {
        body["arrears"] = json!(rows);
    }
    (status, Json(body)).into_response()
}

/// `GET /api/v1/proofs`.
#[utoipa::path(get, path = "/api/v1/proofs", tag = "proofs", security(("sandbox" = [], "bureau" = [])),
    description = "证明开具记录: the company's certificates, newest first: number, verification code, kind (`payment_table`, `payment_voucher`, `tax_record`, `no_arrears`), 填发日期, total, the range asked for and where the PDF is.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn list(desk: Taxpayer, ReqLang(lang): ReqLang) -> Response {
    let r = filing_read(&desk, lang, |scope, who, _| {
        Ok(scope.proofs_of(who.company)?)
    })
    .await;
    match r {
        Ok(Ok(list)) => Json(list.iter().map(proof_view).collect::<Vec<_>>()).into_response(),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct IssueBody {
    /// `payment_table` (税收完税证明（表格式）), `payment_voucher` (税收完税证明（文书式）),
    /// `tax_record` (纳税记录) or `no_arrears` (无欠税证明).
    kind: String,
    /// The taxes (vat, urban_maintenance, education, local_education, cit, culture_fee);
    /// none means all. For all but a 无欠税证明.
    #[serde(default)]
    items: Vec<String>,
    /// The range's first day, YYYY-MM-DD.
    #[serde(default)]
    date_from: String,
    /// The range's last day, YYYY-MM-DD; at most a year after `date_from`; for a range of
    /// payment dates not after the sandbox date.
    #[serde(default)]
    date_to: String,
    /// `paid` (入（退）库日期, the default) or `period` (税款所属期: payments whose period lies
    /// inside). A `payment_voucher` is always by period.
    #[serde(default)]
    range_of: String,
    /// What a `tax_record` is for (用途), 1 to 40 characters.
    #[serde(default)]
    purpose: String,
}

/// `POST /api/v1/proofs`.
#[utoipa::path(post, path = "/api/v1/proofs", tag = "proofs", security(("sandbox" = [], "bureau" = [])),
    request_body = IssueBody,
    description = "开具: issue a certificate. A 完税证明（表格式） or 纳税记录 lists each payment of the chosen taxes in the range, a 完税证明（文书式） the payments netted per tax (409 `nothing_paid` when none); a 无欠税证明 is refused with 409 `arrears` and the arrears listed while any tax is overdue. 60 a person and 600 a client address an hour (429 `too_many`).",
    responses((status = 200, description = "Issued"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn issue(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    ClientAddr(ip): ClientAddr,
    body: Result<Json<IssueBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return AppError::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            "bad_request",
            crate::i18n::Catalog::embedded()
                .text(lang, "error.bad_request")
                .to_owned(),
            None,
        )
        .into_response();
    };
    let Some(kind) = ProofKind::parse(&body.kind) else {
        return proof_refused(
            &ProofError::Request {
                field: "kind",
                code: "bad_item",
            },
            lang,
        );
    };
    let form = Asked {
        date_from: body.date_from,
        date_to: body.date_to,
        items: body.items.into_iter().take(12).collect(),
        range_of: body.range_of,
        purpose: body.purpose.chars().take(200).collect(),
    };
    match issue_proof(&desk, lang, kind, form, ip).await {
        Ok(Ok(Ok(p))) => Json(proof_view(&p)).into_response(),
        Ok(Ok(Err(e))) => proof_refused(&e, lang),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

/// `GET /api/v1/proofs/{number}/pdf`.
#[utoipa::path(get, path = "/api/v1/proofs/{number}/pdf", tag = "proofs", security(("sandbox" = [], "bureau" = [])),
    params(("number" = String, Path, description = "the certificate's 18-digit number")),
    description = "The certificate's PDF, exactly as issued. Another company's number is 404; while 打印证明失败 is in force, 424 `print_failed` (install a tool: `POST /api/v1/tools/install`).",
    responses((status = 200, description = "application/pdf"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn pdf(Path(number): Path<String>, desk: Taxpayer, ReqLang(lang): ReqLang) -> Response {
    let n = number.clone();
    let r = filing_read(&desk, lang, move |scope, who, _| {
        Ok(proofs::download(scope, who, &n)?)
    })
    .await;
    match r {
        Ok(Ok(Download::File(file))) => pdf_response(&number, file),
        Ok(Ok(Download::PrintFailed)) => (
            StatusCode::FAILED_DEPENDENCY,
            Json(json!({
                "code": "print_failed",
                "message": crate::i18n::Catalog::embedded().text(lang, "print_failed.api"),
                "field": null,
            })),
        )
            .into_response(),
        Ok(Ok(Download::NotFound)) => AppError::not_found(lang).as_json().into_response(),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct InstallBody {
    /// `print_control` (打印控件) or `pdf_reader` (PDF阅读器, updated).
    tool: String,
}

/// `POST /api/v1/tools/install`.
#[utoipa::path(post, path = "/api/v1/tools/install", tag = "proofs", security(("sandbox" = [], "bureau" = [])),
    request_body = InstallBody,
    description = "资源中心: install the print control or update the PDF reader on the trainee's (simulated) computer: the remedy of 打印证明失败 (a download answered 424 `print_failed`). `{tool, fixed}`: whether a print failure was in force. 404 for an unknown tool.",
    responses((status = 200, description = "Installed"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn install_tool(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    body: Result<Json<InstallBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let tool: String = match body {
        Ok(Json(b)) => b.tool.chars().take(40).collect(),
        Err(_) => String::new(),
    };
    let t = tool.clone();
    let r = filing(&desk, lang, None, move |scope, who, _| {
        Ok(proofs::install_tool(scope, Some(who.person), &t, who.now)?)
    })
    .await;
    match r {
        Ok(Ok(Some(fixed))) => Json(json!({ "tool": tool, "fixed": fixed })).into_response(),
        Ok(Ok(None)) => AppError::not_found(lang).as_json().into_response(),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct VerifyBody {
    number: String,
    code: String,
}

fn verdict_json(v: &Verdict) -> serde_json::Value {
    match v {
        Verdict::Genuine(p) | Verdict::Altered(p) => {
            let content: serde_json::Value = serde_json::from_str(&p.content).unwrap_or_default();
            json!({ "verdict": v.code(), "number": p.number, "kind": p.kind, "issued_on": p.issued_on.to_string(), "content": content })
        }
        _ => json!({ "verdict": v.code() }),
    }
}

/// `POST /api/v1/proofs/verify`.
#[utoipa::path(post, path = "/api/v1/proofs/verify", tag = "proofs", security(("sandbox" = [])),
    request_body = VerifyBody,
    description = "证明查验 by number and verification code, in the trainee's own world (no bureau login needed): `{verdict}` is `genuine` (with what the certificate certifies), `wrong_code` or `unknown`.",
    responses((status = 200, description = "Checked")))]
pub async fn verify(
    desk: Desk,
    ReqLang(lang): ReqLang,
    body: Result<Json<VerifyBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return AppError::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            "bad_request",
            crate::i18n::Catalog::embedded()
                .text(lang, "error.bad_request")
                .to_owned(),
            None,
        )
        .into_response();
    };
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let (number, code): (String, String) = (
        body.number.chars().take(40).collect(),
        body.code.chars().take(20).collect(),
    );
    let r = desk
        .db
        .run_mostly_read(move |s| {
            let scope = s.tenant(tenant);
            proofs::verify(&scope, &number, &code, now)
        })
        .await;
    match r {
        Ok(v) => Json(verdict_json(&v)).into_response(),
        Err(e) => AppError::from_store(e, lang).as_json().into_response(),
    }
}

/// `POST /api/v1/proofs/verify-file`.
#[utoipa::path(post, path = "/api/v1/proofs/verify-file", tag = "proofs", security(("sandbox" = [])),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "the certificate's PDF"),
    description = "证明查验 of a file: `genuine` when its bytes are exactly a certificate issued here, `altered` when it names one but its bytes differ, else `unknown`.",
    responses((status = 200, description = "Checked")))]
pub async fn verify_file(desk: Desk, ReqLang(lang): ReqLang, body: Bytes) -> Response {
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let file = body.to_vec();
    let r = desk
        .db
        .run_mostly_read(move |s| {
            let scope = s.tenant(tenant);
            proofs::verify_file(&scope, &file, now)
        })
        .await;
    match r {
        Ok(v) => Json(verdict_json(&v)).into_response(),
        Err(e) => AppError::from_store(e, lang).as_json().into_response(),
    }
}
