//! 【我要办税】—【争议处理】: the surcharges the company paid, a dispute over one (reason and a
//! file), and each dispute's stages and outcome.

use axum::extract::Query;
use serde::Deserialize;

use super::returns::refused_page;
use super::returns_view::{filing_read, limited};
use super::*;
use crate::bureau::disputes::{self, Charged, DisputeError, DisputeView};
use crate::http::ReqLang;
use crate::http::net::ClientAddr;
use crate::store::limits::Limit;

/// Disputes one person may file in an hour, and one client address.
pub(in crate::http) const DISPUTES_PER_PERSON: Limit = Limit {
    kind: "dispute_person",
    max: 20,
    window: chrono::Duration::hours(1),
};
pub(in crate::http) const DISPUTES_PER_ADDRESS: Limit = Limit {
    kind: "dispute_address",
    max: 200,
    window: chrono::Duration::hours(1),
};

#[derive(Serialize)]
struct DisputesPage {
    #[serde(flatten)]
    frame: Frame,
    charged: Vec<Charged>,
    /// Refused refunds (不予退税) that may be disputed.
    refusals: Vec<crate::bureau::credit_refund::RefusalView>,
    disputes: Vec<DisputeView>,
    priority: bool,
    notice: Option<String>,
    /// A refusal: (field, message), and what was typed.
    problem: Option<(String, String)>,
    kept_reason: String,
    kept_payment: String,
}

#[derive(Deserialize, Default)]
pub struct DisputesQuery {
    #[serde(default)]
    notice: String,
}

pub(in crate::http) fn dispute_message(e: &DisputeError, lang: Lang) -> String {
    Catalog::embedded()
        .text(lang, &format!("dispute.error.{}", e.code()))
        .to_owned()
}

pub(in crate::http) fn dispute_status(e: &DisputeError) -> StatusCode {
    match e {
        DisputeError::UnknownPayment | DisputeError::UnknownRefusal => StatusCode::NOT_FOUND,
        DisputeError::AlreadyDisputed => StatusCode::CONFLICT,
        DisputeError::Field("too_many") => StatusCode::TOO_MANY_REQUESTS,
        DisputeError::Field(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DisputeError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn show(
    desk: &Taxpayer,
    lang: Lang,
    notice: Option<String>,
    problem: Option<(String, String)>,
    (kept_payment, kept_reason): (String, String),
    status: StatusCode,
) -> Result<Response, AppError> {
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(desk, lang, move |scope, who, s| {
        let crumbs = vec!["portal.crumb.home", "portal.crumb.tax", "dispute.heading"];
        let frame = filer_frame(scope, s, csrf, &d, lang, "tax", crumbs)?;
        scope.trace(
            who.now,
            Some(who.person),
            "dispute.view",
            "ok",
            &serde_json::json!({ "via": who.via }),
        )?;
        Ok(DisputesPage {
            frame,
            charged: disputes::charged(scope, who.company)?,
            refusals: crate::bureau::credit_refund::refusals(scope, who.company)?,
            disputes: disputes::list(scope, who.company, who.today)?,
            priority: disputes::priority(scope, who.company, who.today)?,
            notice,
            problem,
            kept_reason,
            kept_payment,
        })
    })
    .await?;
    match found {
        Ok(page) => {
            let mut res = render(
                lang,
                "/portal/disputes",
                "portal_disputes.html",
                page,
                set.into_iter().collect(),
            )?;
            *res.status_mut() = status;
            Ok(res)
        }
        Err(r) => refused_page(r, lang),
    }
}

/// `GET /portal/disputes`: 争议处理.
pub async fn disputes_page(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<Query<DisputesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let notice = q
        .ok()
        .map(|Query(q)| q.notice)
        .filter(|n| n == "filed")
        .map(|_| {
            Catalog::embedded()
                .text(lang, "dispute.notice.filed")
                .to_owned()
        });
    show(
        &desk,
        lang,
        notice,
        None,
        (String::new(), String::new()),
        StatusCode::OK,
    )
    .await
}

/// File, counted against the person's and the address's limits. `Ok(Err(_))` is a refusal.
pub(in crate::http) async fn file(
    desk: &Taxpayer,
    lang: Lang,
    (subject, reason, upload): (disputes::Subject, String, Option<(String, Vec<u8>)>),
    ip: std::net::IpAddr,
) -> Result<Result<Result<DisputeView, DisputeError>, Refusal>, AppError> {
    limited(
        desk,
        lang,
        (DISPUTES_PER_PERSON, DISPUTES_PER_ADDRESS),
        ip,
        || DisputeError::Field("too_many"),
        move |scope, who| match disputes::file(scope, who, subject, &reason, upload) {
            Err(DisputeError::Store(e)) => Err(Refusal::from(e)),
            other => Ok(other),
        },
    )
    .await
}

/// `POST /portal/disputes` (multipart: `payment` — a payment's id, or `r` and a refused
/// refund's id —, `reason`, `file`): 争议发起.
pub async fn dispute_file(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let sent = multipart_form(multipart, lang, |f| f == "file").await?;
    let (csrf, reason) = (sent.get("csrf"), sent.get("reason"));
    let payment: String = sent.get("payment").chars().take(20).collect();
    let upload = sent
        .files
        .into_iter()
        .next()
        .map(|(_, name, bytes)| (name, bytes));
    require_csrf(&headers, &csrf, lang)?;
    let subject = disputes::Subject::parse(&payment).unwrap_or(disputes::Subject::Payment(-1));
    match file(&desk, lang, (subject, reason.clone(), upload), ip).await? {
        Ok(Ok(v)) => Ok(Redirect::to(&format!(
            "/portal/disputes?notice=filed#dispute-{}",
            v.number
        ))
        .into_response()),
        Ok(Err(e)) => {
            let field = if matches!(
                e,
                DisputeError::UnknownPayment
                    | DisputeError::UnknownRefusal
                    | DisputeError::AlreadyDisputed
            ) {
                "payment"
            } else {
                "reason"
            };
            let problem = Some((field.to_owned(), dispute_message(&e, lang)));
            show(
                &desk,
                lang,
                None,
                problem,
                (payment, reason),
                dispute_status(&e),
            )
            .await
        }
        Err(r) => refused_page(r, lang),
    }
}
