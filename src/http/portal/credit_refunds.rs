//! 【退抵税】—增量留抵退税: `POST /portal/refunds/credit` (multipart: `reason`, `file`, the
//! 退（抵）税申请表). The page itself is the refunds page, which shows the conditions, the
//! figures and the applications.

use super::refunds::{FormView, REFUNDS_PER_ADDRESS, REFUNDS_PER_PERSON, Shown, show};
use super::returns::refused_page;
use super::returns_view::limited;
use super::*;
use crate::bureau::credit_refund::{self, CreditRefundError, CreditRefundView};
use crate::http::ReqLang;
use crate::http::net::ClientAddr;

/// A refusal's text: the conditions not met, by name, or the field's problem.
pub(in crate::http) fn credit_refund_message(e: &CreditRefundError, lang: Lang) -> String {
    let c = Catalog::embedded();
    let base = c
        .text(lang, &format!("credit_refund.error.{}", e.code()))
        .to_owned();
    match e {
        CreditRefundError::Conditions(keys) if !keys.is_empty() => {
            let names: Vec<String> = keys
                .iter()
                .map(|k| {
                    c.text(lang, &format!("credit_refund.condition.{k}"))
                        .to_owned()
                })
                .collect();
            format!("{base}{}", names.join(c.text(lang, "app.list_sep")))
        }
        _ => base,
    }
}

pub(in crate::http) fn credit_refund_status(e: &CreditRefundError) -> StatusCode {
    match e {
        CreditRefundError::NotGeneral | CreditRefundError::Conditions(_) => StatusCode::CONFLICT,
        CreditRefundError::Field(_, "too_many") => StatusCode::TOO_MANY_REQUESTS,
        CreditRefundError::Field(..) => StatusCode::UNPROCESSABLE_ENTITY,
        CreditRefundError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Apply, counted against the person's and the address's refund limits. `Ok(Err(_))` is a
/// refusal.
pub(in crate::http) async fn send_credit_refund(
    desk: &Taxpayer,
    lang: Lang,
    (reason, file): (String, Option<(String, Vec<u8>)>),
    ip: std::net::IpAddr,
) -> Result<Result<Result<CreditRefundView, CreditRefundError>, Refusal>, AppError> {
    limited(
        desk,
        lang,
        (REFUNDS_PER_PERSON, REFUNDS_PER_ADDRESS),
        ip,
        || CreditRefundError::Field("reason", "too_many"),
        move |scope, who| match credit_refund::apply(scope, who, &reason, file) {
            Err(CreditRefundError::Store(e)) => Err(Refusal::from(e)),
            other => Ok(other),
        },
    )
    .await
}

/// `POST /portal/refunds/credit`: 申请增量留抵退税.
pub async fn credit_refund_apply(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let sent = multipart_form(multipart, lang, |f| f == "file").await?;
    let (csrf, reason) = (sent.get("csrf"), sent.get("reason"));
    let upload = sent
        .files
        .into_iter()
        .next()
        .map(|(_, name, bytes)| (name, bytes));
    require_csrf(&headers, &csrf, lang)?;
    match send_credit_refund(&desk, lang, (reason.clone(), upload), ip).await? {
        Ok(Ok(v)) => Ok(Redirect::to(&format!(
            "/portal/refunds?notice=credit_applied#credit-refund-{}",
            v.number
        ))
        .into_response()),
        Ok(Err(e)) => {
            let field = e.field().unwrap_or("conditions");
            let shown = Shown {
                form: FormView {
                    credit_reason: reason,
                    ..FormView::default()
                },
                problem: Some((field.to_owned(), credit_refund_message(&e, lang))),
                problem_at: "credit".into(),
                notice: None,
                query: false,
            };
            show(&desk, lang, shown, credit_refund_status(&e)).await
        }
        Err(r) => refused_page(r, lang),
    }
}
