//! 【公众服务】—【发票查验】: whether an invoice is genuine, by its number, date and amount.
//! Open without a bureau login; it looks in the trainee's own world.

use axum::extract::Query as QueryString;

use super::*;
use crate::bureau::queries::check::{self, CheckRequest, CheckVerdict, InvoiceFace};
use crate::http::ReqLang;

#[derive(serde::Deserialize, Default, Clone)]
pub struct CheckQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    amount: String,
}

#[derive(Serialize)]
struct CheckPage {
    #[serde(flatten)]
    frame: Frame,
    number: String,
    date: String,
    amount: String,
    /// `genuine`, `mismatch`, `not_found`.
    verdict: Option<&'static str>,
    face: Option<InvoiceFace>,
    problem: Option<(&'static str, String)>,
}

/// `GET /portal/public/invoice-check?number=&date=&amount=`.
pub async fn invoice_check(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<QueryString<CheckQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|QueryString(q)| q).unwrap_or_default();
    let asked = !(q.number.is_empty() && q.date.is_empty() && q.amount.is_empty());
    let read = asked.then(|| CheckRequest::read(&q.number, &q.date, &q.amount));
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let request = read.clone().and_then(Result::ok);
    let (phone, who, verdict) = desk
        .db
        .run_mostly_read(move |s| {
            let scope = s.tenant(tenant);
            let verdict = match &request {
                Some(r) => Some(check::check(&scope, r, None, now)?),
                None => None,
            };
            Ok((
                phone_view(&scope, lang)?,
                super::menus::signed_in(&scope, now, &token)?,
                verdict,
            ))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let (csrf, set) = csrf_token(&headers);
    let problem = match &read {
        Some(Err(p)) => Some((
            p.field,
            Catalog::embedded()
                .text(lang, &format!("invoice_check.error.{}", p.code))
                .to_owned(),
        )),
        _ => None,
    };
    let status = match (&problem, &verdict) {
        (Some(_), _) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, Some(CheckVerdict::Genuine(_)) | None) => StatusCode::OK,
        (None, Some(_)) => StatusCode::NOT_FOUND,
    };
    let page = CheckPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec![
                "portal.crumb.home",
                "portal.crumb.public",
                "invoice_check.heading",
            ],
            active: "public",
            who,
            sandbox: desk.bar(lang),
        },
        number: q.number.chars().take(40).collect(),
        date: q.date.chars().take(20).collect(),
        amount: q.amount.chars().take(30).collect(),
        verdict: verdict.as_ref().map(CheckVerdict::code),
        face: match verdict {
            Some(CheckVerdict::Genuine(face)) => Some(*face),
            _ => None,
        },
        problem,
    };
    let mut res = render(
        lang,
        "/portal/public/invoice-check",
        "portal_invoice_check.html",
        page,
        set.into_iter().collect(),
    )?;
    *res.status_mut() = status;
    Ok(res)
}
