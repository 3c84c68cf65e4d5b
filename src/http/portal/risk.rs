//! 【我要办税】—【风险提示】: the company's alerts with their level, indicator and figures,
//! the self-check, and 情况说明 with a file; correcting (paying, amending, repairing the
//! credit) lifts an alert by itself.

use axum::extract::Query;
use serde::Deserialize;

use super::returns::refused_page;
use super::returns_view::{filing_read, limited};
use super::*;
use crate::bureau::risk::{self, Alert, RiskError};
use crate::http::ReqLang;
use crate::http::net::ClientAddr;
use crate::store::limits::Limit;

/// Explanations one person may send in an hour, and one client address.
pub(in crate::http) const EXPLAIN_PER_PERSON: Limit = Limit {
    kind: "risk_person",
    max: 30,
    window: chrono::Duration::hours(1),
};
pub(in crate::http) const EXPLAIN_PER_ADDRESS: Limit = Limit {
    kind: "risk_address",
    max: 300,
    window: chrono::Duration::hours(1),
};

#[derive(Serialize)]
struct RiskPage {
    #[serde(flatten)]
    frame: Frame,
    alerts: Vec<Alert>,
    notice: Option<String>,
    /// A refusal: (alert, message), and the text kept.
    problem: Option<(String, String)>,
    kept: String,
}

#[derive(Deserialize, Default)]
pub struct RiskQuery {
    #[serde(default)]
    notice: String,
}

pub(in crate::http) fn risk_message(e: &RiskError, lang: Lang) -> String {
    Catalog::embedded()
        .text(lang, &format!("risk.error.{}", e.code()))
        .to_owned()
}

pub(in crate::http) fn risk_status(e: &RiskError) -> StatusCode {
    match e {
        RiskError::UnknownAlert => StatusCode::NOT_FOUND,
        RiskError::AlreadyExplained => StatusCode::CONFLICT,
        RiskError::Field("too_many") => StatusCode::TOO_MANY_REQUESTS,
        RiskError::Field(_) => StatusCode::UNPROCESSABLE_ENTITY,
        RiskError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn show(
    desk: &Taxpayer,
    lang: Lang,
    notice: Option<String>,
    problem: Option<(String, String)>,
    kept: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(desk, lang, move |scope, who, s| {
        let crumbs = vec!["portal.crumb.home", "portal.crumb.tax", "risk.heading"];
        let frame = filer_frame(scope, s, csrf, &d, lang, "tax", crumbs)?;
        Ok(RiskPage {
            frame,
            alerts: risk::view(scope, who)?,
            notice,
            problem,
            kept,
        })
    })
    .await?;
    match found {
        Ok(page) => {
            let mut res = render(
                lang,
                "/portal/risk",
                "portal_risk.html",
                page,
                set.into_iter().collect(),
            )?;
            *res.status_mut() = status;
            Ok(res)
        }
        Err(r) => refused_page(r, lang),
    }
}

/// `GET /portal/risk`: 风险提示.
pub async fn risk_page(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<Query<RiskQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let notice = q
        .ok()
        .map(|Query(q)| q.notice)
        .filter(|n| n == "explained")
        .map(|_| {
            Catalog::embedded()
                .text(lang, "risk.notice.explained")
                .to_owned()
        });
    show(&desk, lang, notice, None, String::new(), StatusCode::OK).await
}

/// Explain, counted against the person's and the address's limits. `Ok(Err(_))` is a refusal.
pub(in crate::http) async fn explain(
    desk: &Taxpayer,
    lang: Lang,
    (alert, text, file): (String, String, Option<(String, Vec<u8>)>),
    ip: std::net::IpAddr,
) -> Result<Result<Result<Alert, RiskError>, Refusal>, AppError> {
    limited(
        desk,
        lang,
        (EXPLAIN_PER_PERSON, EXPLAIN_PER_ADDRESS),
        ip,
        || RiskError::Field("too_many"),
        move |scope, who| match risk::explain(scope, who, &alert, &text, file) {
            Err(RiskError::Store(e)) => Err(Refusal::from(e)),
            other => Ok(other),
        },
    )
    .await
}

/// `POST /portal/risk/explain` (multipart: `alert`, `text`, `file`): 情况说明.
pub async fn risk_explain(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let sent = multipart_form(multipart, lang, |f| f == "file").await?;
    let (csrf, text) = (sent.get("csrf"), sent.get("text"));
    let alert: String = sent.get("alert").chars().take(80).collect();
    let file = sent
        .files
        .into_iter()
        .next()
        .map(|(_, name, bytes)| (name, bytes));
    require_csrf(&headers, &csrf, lang)?;
    match explain(&desk, lang, (alert.clone(), text.clone(), file), ip).await? {
        Ok(Ok(a)) => Ok(Redirect::to(&format!(
            "/portal/risk?notice=explained#alert-{}",
            a.id.replace(':', "-")
        ))
        .into_response()),
        Ok(Err(e)) => {
            let status = risk_status(&e);
            show(
                &desk,
                lang,
                None,
                Some((alert, risk_message(&e, lang))),
                text,
                status,
            )
            .await
        }
        Err(r) => refused_page(r, lang),
    }
}
