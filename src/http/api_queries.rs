//! 我要查询 as JSON: each query's page of rows (or every row as CSV), an invoice, and the
//! credit record. The same filters, tenant and company scope as the pages. Needs
//! `X-Sandbox-Token` and a completed login's bearer token.

use axum::Json;
use axum::extract::{Path, Query as QueryString};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::api_portal::refused;
use super::error::ApiErrorBody;
use super::portal::{filing_read, filter_text, query_csv};
use super::sandbox::Desk;
use super::taxpayer::Taxpayer;
use super::{AppError, ReqLang};
use crate::bureau::queries::{self, FilterProblem, Params, Query};
use crate::i18n::Lang;

/// A refusal: no usable bureau session, or filters that cannot be read (422 with every
/// problem at its field).
fn bad_filter(problems: &[FilterProblem], lang: Lang) -> Response {
    let list: Vec<_> = problems
        .iter()
        .map(|p| json!({ "field": p.field, "code": p.code, "message": filter_text(p, lang) }))
        .collect();
    let first = &problems[0];
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "code": "bad_filter",
            "message": filter_text(first, lang),
            "field": first.field,
            "problems": list,
        })),
    )
        .into_response()
}

fn query_of(name: &str, lang: Lang) -> Result<Query, AppError> {
    Query::parse(name).ok_or_else(|| AppError::not_found(lang).as_json())
}

type Params_ = Result<QueryString<Params>, axum::extract::rejection::QueryRejection>;

/// `GET /api/v1/queries/{name}`.
#[utoipa::path(get, path = "/api/v1/queries/{name}", tag = "queries", security(("sandbox" = [], "bureau" = [])),
    params(("name" = String, Path, description = "`filings` (申报信息查询), `payments` (缴款信息查询), `arrears` (欠税信息查询) or `invoices` (发票信息查询)"),
        ("kind" = Option<String>, Query, description = "filings: vat_small, vat_general, cit_quarterly, culture_fee"),
        ("item" = Option<String>, Query, description = "payments, arrears: vat, urban_maintenance, education, local_education, cit, culture_fee"),
        ("period_from" = Option<String>, Query, description = "filings: 税款所属期起, YYYY-MM"),
        ("period_to" = Option<String>, Query, description = "filings: 税款所属期止, YYYY-MM"),
        ("date_from" = Option<String>, Query, description = "filings, payments, invoices: YYYY-MM-DD; default 1 January last year"),
        ("date_to" = Option<String>, Query, description = "YYYY-MM-DD; default the sandbox date; at most three years after date_from"),
        ("correction" = Option<String>, Query, description = "filings: `first` or `correction`"),
        ("direction" = Option<String>, Query, description = "invoices: `sales` or `purchase`"),
        ("invoice_kind" = Option<String>, Query, description = "invoices: `special` or `ordinary`"),
        ("counterparty" = Option<String>, Query, description = "invoices: part of the counterparty's name or 纳税人识别号 (≤ 50 characters)"),
        ("amount_min" = Option<String>, Query, description = "invoices: amount excluding VAT, yuan"),
        ("amount_max" = Option<String>, Query, description = "invoices: amount excluding VAT, yuan"),
        ("page" = Option<String>, Query, description = "1 onwards; ten rows a page")),
    description = "我要查询: one page (ten rows) of the company's filings, payments, arrears (with the late fee to the sandbox date) or invoices, newest first: `{query, total, page, pages, rows}`. A filter that cannot be read is 422 `bad_filter` with every problem at its field.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn query(
    Path(name): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Params_,
) -> Response {
    let query = match query_of(&name, lang) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let params = q.map(|QueryString(p)| p).unwrap_or_default();
    let r = filing_read(&desk, lang, move |scope, who, _| {
        Ok(queries::answer(scope, who, query, &params, "api")?
            .map(|(rows, f)| queries::page(query, rows, &f)))
    })
    .await;
    match r {
        Ok(Ok(Ok(answer))) => Json(answer).into_response(),
        Ok(Ok(Err(problems))) => bad_filter(&problems, lang),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

/// `GET /api/v1/queries/{name}/export`.
#[utoipa::path(get, path = "/api/v1/queries/{name}/export", tag = "queries", security(("sandbox" = [], "bureau" = [])),
    params(("name" = String, Path, description = "as for `/api/v1/queries/{name}`; the same filters")),
    description = "导出: every row that matches (at most 5,000) as CSV, UTF-8 with a BOM, headed in the request's language.",
    responses((status = 200, description = "text/csv"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn export(
    Path(name): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Params_,
) -> Response {
    let query = match query_of(&name, lang) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let params = q.map(|QueryString(p)| p).unwrap_or_default();
    let r = filing_read(&desk, lang, move |scope, who, _| {
        Ok(queries::answer(scope, who, query, &params, "export")?.map(|(rows, _)| rows))
    })
    .await;
    match r {
        Ok(Ok(Ok(rows))) => query_csv(query, &rows.slice(0, queries::EXPORT_MAX), lang),
        Ok(Ok(Err(problems))) => bad_filter(&problems, lang),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

/// `GET /api/v1/invoices/{number}`.
#[utoipa::path(get, path = "/api/v1/invoices/{number}", tag = "queries", security(("sandbox" = [], "bureau" = [])),
    params(("number" = String, Path, description = "the invoice's 20-digit number")),
    description = "发票信息查询: one invoice the company issued or received. Another company's number is 404.",
    responses((status = 200, description = "Done", body = crate::bureau::queries::InvoiceRow), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn invoice(
    Path(number): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Response {
    let r = filing_read(&desk, lang, move |scope, who, _| {
        Ok(queries::invoice(scope, who, &number)?)
    })
    .await;
    match r {
        Ok(Ok(Some(i))) => Json(i).into_response(),
        Ok(Ok(None)) => AppError::not_found(lang).as_json().into_response(),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

/// `GET /api/v1/queries/credit`.
#[utoipa::path(get, path = "/api/v1/queries/credit", tag = "queries", security(("sandbox" = [], "bureau" = [])),
    description = "纳税信用信息查询: the grade and score of the last evaluated year, the credit profile in force (`course` or `national`) with its ranking best first, what the grade brings, every deduction and the points deducted by year.",
    responses((status = 200, description = "Done", body = crate::bureau::queries::CreditRecord), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn credit(desk: Taxpayer, ReqLang(lang): ReqLang) -> Response {
    let r = filing_read(&desk, lang, move |scope, who, _| {
        Ok(queries::credit(scope, who)?)
    })
    .await;
    match r {
        Ok(Ok(c)) => Json(c).into_response(),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct CheckBody {
    /// The invoice's 20-digit number (数电发票号码).
    number: String,
    /// 开票日期, YYYY-MM-DD.
    date: String,
    /// 金额 excluding VAT, yuan.
    amount: String,
}

/// `POST /api/v1/invoices/check`.
#[utoipa::path(post, path = "/api/v1/invoices/check", tag = "queries", security(("sandbox" = [])),
    request_body = CheckBody,
    description = "发票查验 (公众服务, no bureau login needed): `{verdict}` is `genuine` with the invoice's face (`face`), `mismatch` (the number exists, its date or amount differ) or `not_found`, among the invoices of the trainee's world. A field that cannot be read is 422 with the field.",
    responses((status = 200, description = "Checked"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn check_invoice(
    desk: Desk,
    ReqLang(lang): ReqLang,
    body: Result<Json<CheckBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    use crate::bureau::queries::check::{self, CheckRequest, CheckVerdict};
    let Ok(Json(body)) = body else {
        return AppError::not_found(lang).as_json().into_response();
    };
    let req = match CheckRequest::read(&body.number, &body.date, &body.amount) {
        Ok(r) => r,
        Err(p) => {
            let message = crate::i18n::Catalog::embedded()
                .text(lang, &format!("invoice_check.error.{}", p.code))
                .to_owned();
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "code": p.code, "message": message, "field": p.field })),
            )
                .into_response();
        }
    };
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let r = desk
        .db
        .run_mostly_read(move |s| check::check(&s.tenant(tenant), &req, None, now))
        .await;
    match r {
        Ok(CheckVerdict::Genuine(face)) => {
            Json(json!({ "verdict": "genuine", "face": face })).into_response()
        }
        Ok(v) => Json(json!({ "verdict": v.code() })).into_response(),
        Err(e) => AppError::from_store(e, lang).as_json().into_response(),
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams, Default)]
pub struct PolicyParams {
    /// Words that must all appear (title, explanation, source, figures; any case).
    #[serde(default)]
    q: String,
    /// vat, surcharges, cit, culture_fee, collection, credit or calendar; empty for all.
    #[serde(default)]
    tax: String,
}

/// `GET /api/v1/policies`.
#[utoipa::path(get, path = "/api/v1/policies", tag = "queries", params(PolicyParams),
    description = "政策法规库 (公众服务, no login): every rule the engine applies — when in force, its figures, its official source, a plain explanation in the reader's language, and a note where the source is not confirmed — filtered by words and tax.",
    responses((status = 200, description = "Found", body = [super::portal::PolicyView])))]
pub async fn policies(
    ReqLang(lang): ReqLang,
    q: Result<axum::extract::Query<PolicyParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|axum::extract::Query(q)| q).unwrap_or_default();
    Json(super::portal::policy_views(lang, &q.q, &q.tax)).into_response()
}
