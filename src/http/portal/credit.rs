//! 【我要办税】—【纳税信用】: the grade and score year by year, the failings on record with
//! 信用修复, 申请M级认定 (the course profile) and the top grade's 信用专区.

use axum::extract::Query;
use serde::Deserialize;

use super::returns::refused_page;
use super::returns_view::{filing_read, limited};
use super::*;
use crate::bureau::credit::{self, Application, CreditError, Standing};
use crate::http::ReqLang;
use crate::http::net::ClientAddr;
use crate::store::limits::Limit;

/// Credit applications one person may make in an hour, and one client address.
pub(in crate::http) const CREDIT_PER_PERSON: Limit = Limit {
    kind: "credit_person",
    max: 60,
    window: chrono::Duration::hours(1),
};
pub(in crate::http) const CREDIT_PER_ADDRESS: Limit = Limit {
    kind: "credit_address",
    max: 600,
    window: chrono::Duration::hours(1),
};

/// The profile in force, as the page states it.
#[derive(Serialize)]
struct ProfileView {
    /// The M score band's lower bound, where M is applied for.
    m_score: Option<u32>,
}

#[derive(Serialize)]
struct CreditPage {
    #[serde(flatten)]
    frame: Frame,
    credit: Standing,
    profile: ProfileView,
    /// What was just done (`credit.notice.<key>`).
    notice: Option<String>,
    /// A refusal and the failing (or `m`) it concerns.
    problem: Option<(String, String)>,
    /// The next return due, for the zone's reminders.
    next_deadline: Option<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct CreditQuery {
    #[serde(default)]
    notice: String,
}

/// A refusal's text.
pub(in crate::http) fn credit_message(e: &CreditError, lang: Lang) -> String {
    Catalog::embedded()
        .text(lang, &format!("credit.error.{}", e.code()))
        .to_owned()
}

fn page(
    scope: &TenantScope<'_>,
    who: &crate::bureau::returns::Filer,
    frame: Frame,
    notice: Option<String>,
    problem: Option<(String, String)>,
) -> Result<CreditPage, StoreError> {
    let credit = credit::view(scope, who)?;
    let policy = crate::domain::tax::Policy::embedded();
    let kind = scope.record()?.credit_profile;
    let p = policy.credit_profile(kind);
    let co = scope.company(who.company)?.value;
    let next_deadline = crate::bureau::returns::kinds_due(&co, who.today)
        .into_iter()
        .map(|(k, period)| (k, period, policy.calendar.filing_deadline(period).date))
        .filter(|(_, _, d)| *d >= who.today)
        .min_by_key(|(_, _, d)| *d)
        .map(|(k, _, d)| (k.as_str().to_owned(), d.to_string()));
    Ok(CreditPage {
        frame,
        profile: ProfileView {
            m_score: p
                .m_application
                .as_ref()
                .and_then(|_| p.grade(crate::domain::tax::credit::Grade::M))
                .map(|g| g.score),
        },
        credit,
        notice,
        problem,
        next_deadline,
    })
}

/// The page, with what was just done or refused.
async fn show(
    desk: &Taxpayer,
    lang: Lang,
    notice: Option<String>,
    problem: Option<(String, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(desk, lang, move |scope, who, s| {
        let crumbs = vec!["portal.crumb.home", "portal.crumb.tax", "credit.heading"];
        let frame = filer_frame(scope, s, csrf, &d, lang, "tax", crumbs)?;
        Ok(page(scope, who, frame, notice, problem)?)
    })
    .await?;
    match found {
        Ok(page) => {
            let mut res = render(
                lang,
                "/portal/credit",
                "portal_tax_credit.html",
                page,
                set.into_iter().collect(),
            )?;
            *res.status_mut() = status;
            Ok(res)
        }
        Err(r) => refused_page(r, lang),
    }
}

/// `GET /portal/credit`: 纳税信用.
pub async fn credit_zone(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<Query<CreditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let notice = q
        .map(|Query(q)| q.notice)
        .ok()
        .filter(|n| ["repair", "m_grade"].contains(&n.as_str()))
        .map(|n| {
            Catalog::embedded()
                .text(lang, &format!("credit.notice.{n}"))
                .to_owned()
        });
    show(&desk, lang, notice, None, StatusCode::OK).await
}

/// What an application asks for: a repair of `event`, or M-grade recognition.
#[derive(Debug, Clone, Copy)]
pub(in crate::http) enum Asked {
    Repair(i64),
    MGrade,
}

/// Apply, counted against the person's and the address's limits. `Ok(Err(_))` is a refusal.
pub(in crate::http) async fn apply(
    desk: &Taxpayer,
    lang: Lang,
    asked: Asked,
    ip: std::net::IpAddr,
) -> Result<Result<Result<Application, CreditError>, Refusal>, AppError> {
    limited(
        desk,
        lang,
        (CREDIT_PER_PERSON, CREDIT_PER_ADDRESS),
        ip,
        || CreditError::TooMany,
        move |scope, who| {
            let done = match asked {
                Asked::Repair(event) => credit::apply_repair(scope, who, event),
                Asked::MGrade => credit::apply_m(scope, who),
            };
            match done {
                Err(CreditError::Store(e)) => Err(Refusal::from(e)),
                other => Ok(other),
            }
        },
    )
    .await
}

/// The status a refusal answers with.
pub(in crate::http) fn credit_status(e: &CreditError) -> StatusCode {
    match e {
        CreditError::UnknownEvent => StatusCode::NOT_FOUND,
        CreditError::TooMany => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::CONFLICT,
    }
}

#[derive(Deserialize)]
pub struct RepairForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    event: String,
}

#[derive(Deserialize)]
pub struct MForm {
    #[serde(default)]
    csrf: String,
}

async fn answer(
    desk: &Taxpayer,
    lang: Lang,
    asked: Asked,
    ip: std::net::IpAddr,
    at: String,
) -> Result<Response, AppError> {
    match apply(desk, lang, asked, ip).await? {
        Ok(Ok(a)) => Ok(Redirect::to(&format!(
            "/portal/credit?notice={}#credit-applications",
            a.kind
        ))
        .into_response()),
        Ok(Err(e)) => {
            let status = credit_status(&e);
            let problem = Some((at, credit_message(&e, lang)));
            show(desk, lang, None, problem, status).await
        }
        Err(r) => refused_page(r, lang),
    }
}

/// `POST /portal/credit/repair`: 申请信用修复 of one failing (`event`).
pub async fn credit_repair(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    form: Result<Form<RepairForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    require_csrf(&headers, &form.csrf, lang)?;
    let Ok(event) = form.event.trim().parse::<i64>() else {
        let e = CreditError::UnknownEvent;
        let problem = Some(("repair".to_owned(), credit_message(&e, lang)));
        return show(&desk, lang, None, problem, credit_status(&e)).await;
    };
    answer(&desk, lang, Asked::Repair(event), ip, event.to_string()).await
}

/// `POST /portal/credit/m-grade`: 申请M级认定.
pub async fn credit_m_grade(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    form: Result<Form<MForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    require_csrf(&headers, &form.csrf, lang)?;
    answer(&desk, lang, Asked::MGrade, ip, "m".to_owned()).await
}
