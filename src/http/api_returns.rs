//! 税费申报及缴纳 as JSON: the returns due, a prefilled form, recalculation, drafts, submit,
//! correction, payment, receipts and payment documents. Same bureau functions, checks and
//! trace as the pages. Needs `X-Sandbox-Token` and a completed login's bearer token.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::api_portal::session_refusal;
use super::error::ApiErrorBody;
use super::forms::Body;
use super::portal::{
    Receipt, Refusal, Sheet, filing, filing_read, import_text, parse_return, payment_view,
    problem_text, receipt, return_message, sheet,
};
use super::taxpayer::Taxpayer;
use super::{AppError, ReqLang};
use crate::bureau::returns::form::Values;
use crate::bureau::returns::{self, ReturnError, ReturnRow};
use crate::i18n::Lang;

/// A refusal as JSON: `{code, message, field}`, and for a form's problems every one of
/// them (`errors`, `warnings`: `{field, message}`).
fn refused(r: Refusal, lang: Lang) -> Response {
    let e = match r {
        Refusal::Login(e) => return session_refusal(&e, lang).as_json().into_response(),
        Refusal::Return(e) => e,
    };
    let status = match &e {
        ReturnError::UnknownReturn | ReturnError::NotFiled => StatusCode::NOT_FOUND,
        ReturnError::Invalid(_) | ReturnError::ReasonRequired => StatusCode::UNPROCESSABLE_ENTITY,
        ReturnError::Unconfirmed(_) => StatusCode::PRECONDITION_REQUIRED,
        ReturnError::BankMaintenance { .. } => StatusCode::SERVICE_UNAVAILABLE,
        ReturnError::Policy(_) | ReturnError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::CONFLICT,
    };
    let list = |p: &[crate::bureau::returns::form::Problem], warning: bool| {
        p.iter()
            .map(|p| json!({ "field": p.field, "code": p.code, "message": problem_text(p, warning, lang) }))
            .collect::<Vec<_>>()
    };
    if let ReturnError::BadImport(problems) = &e {
        let problems: Vec<Value> = problems
            .iter()
            .map(|p| json!({ "row": p.row, "column": p.column, "code": p.code, "message": import_text(p, lang) }))
            .collect();
        let body = json!({
            "code": e.code(), "message": return_message(&e, lang), "field": "file", "problems": problems,
        });
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    }
    let (errors, warnings) = match &e {
        ReturnError::Invalid(p) => (list(p, false), Vec::new()),
        ReturnError::Unconfirmed(w) => (Vec::new(), list(w, true)),
        _ => (Vec::new(), Vec::new()),
    };
    let first = errors.first().or(warnings.first());
    let field = match &e {
        ReturnError::ReasonRequired => json!("reason"),
        _ => first.map_or(Value::Null, |p| p["field"].clone()),
    };
    let message = first
        .and_then(|p| p["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| return_message(&e, lang));
    let mut body = json!({ "code": e.code(), "message": message, "field": field });
    if !errors.is_empty() {
        body["errors"] = json!(errors);
    }
    if !warnings.is_empty() {
        body["warnings"] = json!(warnings);
    }
    if let ReturnError::AlreadyFiled { filing_no } = &e {
        body["filing_no"] = json!(filing_no);
    }
    (status, Json(body)).into_response()
}

fn answer<T: serde::Serialize>(r: Result<Result<T, Refusal>, AppError>, lang: Lang) -> Response {
    match r {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

/// `GET /api/v1/returns`.
#[utoipa::path(get, path = "/api/v1/returns", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    description = "税费申报及缴纳: the company's returns on the sandbox date, by tax and period, with deadline, status (`not_filed`, `draft`, `filed`, `overdue`), 申报序号, what the latest version asks and what is unpaid.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn list(desk: Taxpayer, ReqLang(lang): ReqLang) -> Response {
    let r = filing_read(&desk, lang, |scope, who, _| {
        Ok(returns::look_up(scope, who)?)
    })
    .await;
    answer::<Vec<ReturnRow>>(r, lang)
}

/// `GET /api/v1/returns/{kind}/{period}`.
#[utoipa::path(get, path = "/api/v1/returns/{kind}/{period}", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("kind" = String, Path, description = "`vat_small`, `vat_general` or `cit_quarterly`"), ("period" = String, Path, description = "`2026Q3` or `2026-09`")),
    description = "The form as it opens: a draft if there is one, else the filed figures (for a correction), else the prefill from the company's invoices and ledger (智能预填); worked through with its lines and what the checks say. `source` says which.",
    responses((status = 200, description = "Done", body = Sheet), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn form(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Response {
    let (kind, period) = match parse_return(&kind, &period, lang) {
        Ok(v) => v,
        Err(e) => return e.as_json().into_response(),
    };
    let r = filing_read(&desk, lang, move |scope, who, _| {
        let basis = returns::open_return(scope, who.company, kind, period, who.today)?;
        let (values, source) = returns::opened_values(scope, who, &basis, kind)?;
        let mut v =
            serde_json::to_value(sheet(&basis, kind, &values, None, lang)).unwrap_or_default();
        v["source"] = json!(source);
        v["deadline"] = json!(returns::deadline(period));
        Ok(v)
    })
    .await;
    answer::<Value>(r, lang)
}

/// The fields of a form, as typed.
#[derive(Deserialize, ToSchema, Default)]
pub struct FormBody {
    /// Field name → value as typed (yuan amounts like `"12345.60"`; `"1"`/`"0"` for yes/no).
    #[serde(default)]
    values: BTreeMap<String, String>,
    /// The filer has read the warnings and files anyway (确认申报).
    #[serde(default)]
    confirm: bool,
    /// Why a correction after the filing period is made.
    #[serde(default)]
    reason: String,
}

/// Which step a form request asks for.
#[derive(Clone, Copy)]
enum Act {
    Calculate,
    Draft,
    Submit,
    Amend,
}

async fn act(
    kind: String,
    period: String,
    desk: Taxpayer,
    lang: Lang,
    body: FormBody,
    what: Act,
) -> Response {
    let (kind, period) = match parse_return(&kind, &period, lang) {
        Ok(v) => v,
        Err(e) => return e.as_json().into_response(),
    };
    let values: Values = body.values;
    let keep = matches!(what, Act::Draft | Act::Submit | Act::Amend)
        .then(|| (kind, period, values.clone()));
    let r = filing(&desk, lang, keep, move |scope, who, _| {
        let basis = returns::open_return(scope, who.company, kind, period, who.today)?;
        let v = match what {
            Act::Calculate => serde_json::to_value(sheet(&basis, kind, &values, None, lang)),
            Act::Draft => {
                returns::save_draft(scope, who, kind, period, &values, false)?;
                Ok(json!({ "done": "draft" }))
            }
            Act::Submit | Act::Amend => {
                let filed = if matches!(what, Act::Submit) {
                    returns::submit(scope, who, kind, period, &values, body.confirm)?
                } else {
                    returns::amend(
                        scope,
                        who,
                        kind,
                        period,
                        &values,
                        &body.reason,
                        body.confirm,
                    )?
                };
                if filed.response_lost {
                    return Ok(json!({ "lost": true }));
                }
                serde_json::to_value(receipt(
                    scope,
                    who.company,
                    &filed.filing,
                    filed.duplicate,
                    who.time(),
                )?)
            }
        };
        Ok(v.unwrap_or_default())
    })
    .await;
    match r {
        Ok(Ok(v)) if v.get("lost").is_some() => (
            StatusCode::GATEWAY_TIMEOUT,
            Json(json!({
                "code": "network_drop",
                "message": crate::i18n::Catalog::embedded().text(lang, "returns.network_drop"),
                "field": null,
            })),
        )
            .into_response(),
        other => answer::<Value>(other, lang),
    }
}

/// `POST /api/v1/returns/{kind}/{period}/calculate`.
#[utoipa::path(post, path = "/api/v1/returns/{kind}/{period}/calculate", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("kind" = String, Path, description = "A return kind"), ("period" = String, Path, description = "A period")), request_body = FormBody,
    description = "Work figures through without saving: the lines, and the errors and warnings at their fields.",
    responses((status = 200, description = "Done", body = Sheet), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn calculate(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<FormBody>,
) -> Response {
    act(kind, period, desk, lang, b, Act::Calculate).await
}

/// `PUT /api/v1/returns/{kind}/{period}/draft`.
#[utoipa::path(put, path = "/api/v1/returns/{kind}/{period}/draft", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("kind" = String, Path, description = "A return kind"), ("period" = String, Path, description = "A period")), request_body = FormBody,
    description = "暂存: keep the figures as typed (valid or not) until the form is opened again.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn draft(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<FormBody>,
) -> Response {
    act(kind, period, desk, lang, b, Act::Draft).await
}

/// `POST /api/v1/returns/{kind}/{period}/submit`.
#[utoipa::path(post, path = "/api/v1/returns/{kind}/{period}/submit", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("kind" = String, Path, description = "A return kind"), ("period" = String, Path, description = "A period")), request_body = FormBody,
    description = "申报: file the return and get the receipt. Errors at fields are 422 (`errors`); warnings not yet confirmed are 428 (`warnings`; send again with `confirm: true`). The same figures sent again return the first receipt with `duplicate: true`; different ones are 409 `already_filed` (use `/amend`). 504 `network_drop` when a fault took the response: the return was filed, ask `GET /api/v1/returns`.",
    responses((status = 200, description = "The receipt", body = Receipt), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn submit(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<FormBody>,
) -> Response {
    act(kind, period, desk, lang, b, Act::Submit).await
}

/// `POST /api/v1/returns/{kind}/{period}/amend`.
#[utoipa::path(post, path = "/api/v1/returns/{kind}/{period}/amend", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("kind" = String, Path, description = "A return kind"), ("period" = String, Path, description = "A period")), request_body = FormBody,
    description = "更正申报: file a new version of a filed return (after the deadline `reason` is required). Extra tax is due from the original deadline.",
    responses((status = 200, description = "The new version's receipt", body = Receipt), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn amend(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<FormBody>,
) -> Response {
    act(kind, period, desk, lang, b, Act::Amend).await
}

/// `POST /api/v1/returns/{kind}/{period}/pay`.
#[utoipa::path(post, path = "/api/v1/returns/{kind}/{period}/pay", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("kind" = String, Path, description = "A return kind"), ("period" = String, Path, description = "A period")),
    description = "缴款: pay what the return still asks, with the late-payment surcharge, from the company's account under the tripartite agreement. Refusals: `no_agreement`, `insufficient_balance`, `bank_maintenance` (503), `nothing_to_pay`, `not_filed`.",
    responses((status = 200, description = "The payment document"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn pay(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Response {
    let (kind, period) = match parse_return(&kind, &period, lang) {
        Ok(v) => v,
        Err(e) => return e.as_json().into_response(),
    };
    let r = filing(&desk, lang, None, move |scope, who, _| {
        let paid = returns::pay(scope, who, kind, period)?;
        let mut v = serde_json::to_value(payment_view(scope, &paid.remittance, who.time())?)
            .unwrap_or_default();
        v["days_late"] = json!(paid.days_late);
        Ok(v)
    })
    .await;
    answer::<Value>(r, lang)
}

/// `GET /api/v1/returns/{kind}/{period}/template`.
#[utoipa::path(get, path = "/api/v1/returns/{kind}/{period}/template", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("kind" = String, Path, description = "A return kind"), ("period" = String, Path, description = "A period")),
    description = "申报数据导入: the form's standard template (CSV, UTF-8 with BOM; columns 字段代码, 项目, 金额), holding what the form opens with.",
    responses((status = 200, description = "The CSV file", content_type = "text/csv"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn template(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Response {
    let (kind, period) = match parse_return(&kind, &period, lang) {
        Ok(v) => v,
        Err(e) => return e.as_json().into_response(),
    };
    let r = filing(&desk, lang, None, move |scope, who, _| {
        let basis = returns::open_return(scope, who.company, kind, period, who.today)?;
        Ok(returns::opened_values(scope, who, &basis, kind)?.0)
    })
    .await;
    match r {
        Ok(Ok(values)) => super::portal::template_file(kind, period, &values, lang),
        Ok(Err(r)) => refused(r, lang),
        Err(e) => e.as_json().into_response(),
    }
}

/// `POST /api/v1/returns/{kind}/{period}/import`.
#[utoipa::path(post, path = "/api/v1/returns/{kind}/{period}/import", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("kind" = String, Path, description = "A return kind"), ("period" = String, Path, description = "A period")),
    request_body(content = String, content_type = "text/csv", description = "A filled template"),
    description = "申报数据导入: the file's figures become the form's draft; returns the form worked through. A file with problems is 422 `bad_file` with `problems` (`row`, `column`, `message`), and changes nothing.",
    responses((status = 200, description = "Done", body = Sheet), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn import(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    body: axum::body::Bytes,
) -> Response {
    let (kind, period) = match parse_return(&kind, &period, lang) {
        Ok(v) => v,
        Err(e) => return e.as_json().into_response(),
    };
    let r = filing(&desk, lang, None, move |scope, who, _| {
        let basis = returns::open_return(scope, who.company, kind, period, who.today)?;
        let values = returns::import_file(scope, who, kind, period, &body)?;
        Ok(sheet(&basis, kind, &values, None, lang))
    })
    .await;
    answer::<Sheet>(r, lang)
}

/// `GET /api/v1/returns/receipts/{number}`.
#[utoipa::path(get, path = "/api/v1/returns/receipts/{number}", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("number" = String, Path, description = "A 申报序号")),
    description = "申报回执 of a return this company filed.",
    responses((status = 200, description = "Done", body = Receipt), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn receipt_get(
    Path(number): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Response {
    let r = filing_read(&desk, lang, move |scope, who, _| {
        let r = returns::open_receipt(scope, who, &number)?;
        Ok(receipt(scope, who.company, &r, false, who.time())?)
    })
    .await;
    answer::<Receipt>(r, lang)
}

/// `GET /api/v1/payments/{number}`.
#[utoipa::path(get, path = "/api/v1/payments/{number}", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    params(("number" = String, Path, description = "A payment document number")),
    description = "电子缴款书 of a payment this company made.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn payment_get(
    Path(number): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Response {
    let r = filing_read(&desk, lang, move |scope, who, _| {
        let r = scope
            .remittance(&number)?
            .filter(|r| r.company == who.company)
            .ok_or(ReturnError::UnknownReturn)?;
        Ok(payment_view(scope, &r, who.time())?)
    })
    .await;
    answer::<super::portal::PaymentView>(r, lang)
}

/// `POST /api/v1/payments/agreement`.
#[utoipa::path(post, path = "/api/v1/payments/agreement", tag = "returns", security(("sandbox" = [], "bureau" = [])),
    description = "Sign the tripartite agreement (三方协议) for the company's bank account.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn agreement(desk: Taxpayer, ReqLang(lang): ReqLang) -> Response {
    let r = filing(&desk, lang, None, |scope, who, _| {
        returns::sign_agreement(scope, who)?;
        Ok(json!({ "done": "agreement" }))
    })
    .await;
    answer::<Value>(r, lang)
}
