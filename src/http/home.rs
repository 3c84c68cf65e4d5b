//! The sandbox's own front page, outside the simulated bureau: enter as the demo trainee,
//! see your training materials (实训资料: the companies and who can log in for them), go
//! into the bureau, leave the sandbox.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::cookies::with_cookies;
use super::forms::{CsrfForm, csrf_token, form_body, render, require_csrf};
use super::portal::clear_session_cookie;
use super::sandbox::{SandboxBar, clear_sandbox_cookie, sandbox_cookie, trainee};
use super::{AppError, AppState, ReqLang};
use crate::bureau::overview::{
    CompanySummary, TrainingAccount, tenant_overview, training_accounts,
};
use crate::domain::password::PortalPolicy;
use crate::i18n::Lang;
use crate::store::limits::{Limit, address_key};
use crate::store::{StoreError, TraineeKind};

#[derive(Deserialize)]
pub struct HomeQuery {
    notice: Option<String>,
}

#[derive(Serialize)]
struct HomePage {
    csrf: String,
    /// Set when the visitor is in the sandbox.
    sandbox: Option<SandboxBar>,
    notice: Option<&'static str>,
    credit_profile: &'static str,
    companies: Vec<CompanySummary>,
    accounts: Vec<TrainingAccount>,
    initial_password: String,
    labs: Option<super::labs::LabsView>,
    /// The lab in progress (its page is /lab).
    lab_in_progress: Option<String>,
    /// A course learner's progress and completion record.
    course: Option<crate::classroom::course::Progress>,
    /// The class's or course's open tests (课堂测试), by phase.
    tests_open: Vec<String>,
    /// A survey waits for this trainee's answer.
    survey_open: bool,
    /// A follow-up (跟踪回访) is due.
    follow_up_due: bool,
}

/// `GET /`: the entry for a visitor, the materials for a trainee.
pub async fn home(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<HomeQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let (csrf, set) = csrf_token(&headers);
    let notice = match q.ok().and_then(|Query(q)| q.notice).as_deref() {
        Some("sandbox") => Some("sandbox.notice_required"),
        Some("left") => Some("sandbox.notice_left"),
        _ => None,
    };
    let mut page = HomePage {
        csrf,
        sandbox: None,
        notice,
        credit_profile: "",
        companies: Vec::new(),
        accounts: Vec::new(),
        initial_password: PortalPolicy::embedded().initial_password.clone(),
        labs: None,
        lab_in_progress: None,
        course: None,
        tests_open: Vec::new(),
        survey_open: false,
        follow_up_due: false,
    };
    if let Some(t) = trainee(&state, &headers, lang).await? {
        if t.class_ended {
            return Ok(Redirect::to("/class/ended").into_response());
        }
        // an exam whose time is up is handed in before the page shows it
        let (t, _) = super::sandbox::attempt_checks(&state, t, "/", lang).await?;
        let (tenant, trainee_id) = (t.tenant, t.id);
        let now = state.clock.now();
        let (overview, accounts, attempts, (tests, survey, follow_up)) = state
            .db
            .run_read(move |s| {
                let scope = s.tenant(tenant);
                let tests = match crate::evaluation::owner_of(s, trainee_id)? {
                    Some(owner) => s.tests_of(owner)?,
                    None => Vec::new(),
                };
                let survey = crate::evaluation::survey::standing(s, trainee_id)?;
                let follow_up = crate::evaluation::follow_up::standing(s, trainee_id, now)?;
                Ok((
                    tenant_overview(&scope)?,
                    training_accounts(&scope)?,
                    s.attempts_of(trainee_id)?,
                    (tests, survey, follow_up),
                ))
            })
            .await
            .map_err(|e| AppError::from_store(e, lang))?;
        page.lab_in_progress = t.attempt.and_then(|id| {
            let a = attempts.iter().find(|a| a.id == id)?;
            Some(state.labs.lab(&a.lab_id)?.title.get(lang).to_owned())
        });
        let mut labs = super::labs::labs_view(
            &state.labs,
            &attempts,
            lang,
            state.clock.now(),
            crate::domain::SandboxTime::new(t.sandbox_date, state.clock.now()),
        );
        if t.kind == TraineeKind::Course {
            // a learner sees their course's pack, and how far they are through it
            let progress = super::course::learner_progress_of(&state, t.id, lang).await?;
            labs.packs
                .retain(|p| progress.as_ref().is_some_and(|c| c.pack_id == p.id));
            page.course = progress;
        }
        page.labs = Some(labs);
        page.tests_open = tests
            .into_iter()
            .filter(|t| t.open)
            .map(|t| t.phase)
            .collect();
        page.survey_open = matches!(survey, crate::evaluation::survey::Standing::Open { .. });
        page.follow_up_due = follow_up != crate::evaluation::follow_up::Standing::None;
        page.sandbox = Some(SandboxBar::of(&t, lang, state.clock.now()));
        page.credit_profile = overview.credit_profile;
        page.companies = overview.companies;
        page.accounts = accounts;
    }
    render(lang, "/", "home.html", page, set.into_iter().collect())
}

/// Demo sandboxes one client address may open in an hour.
pub const DEMO_PER_ADDRESS: Limit = Limit {
    kind: "demo",
    max: 10,
    window: chrono::Duration::hours(1),
};

/// Demo visitors with a tenant at once, over all addresses.
pub const DEMO_MAX_LIVE: i64 = 300;

/// How long a demo visitor may do nothing in the bureau before their tenant is removed.
pub const DEMO_IDLE: chrono::Duration = chrono::Duration::hours(2);

/// Open a sandbox session for a new demo visitor; returns its token. Each visitor gets a
/// tenant of their own (the demo's data, made now), so visitors never see each other's
/// filings; it goes after [`DEMO_IDLE`] without activity.
pub async fn open_demo(state: &AppState, lang: Lang, ip: String) -> Result<String, AppError> {
    let now = state.clock.now();
    let refused = |status, code: &str| {
        let message = crate::i18n::Catalog::embedded()
            .text(lang, &format!("demo.{code}"))
            .to_owned();
        AppError::api(status, lang, code, message, None)
    };
    let key = ip.clone();
    let full = || refused(axum::http::StatusCode::SERVICE_UNAVAILABLE, "full");
    let allowed = state
        .db
        .run_write(move |s| {
            Ok(if s.demo_visitor_count()? >= DEMO_MAX_LIVE {
                Some("full")
            } else if !DEMO_PER_ADDRESS.take(s, &address_key(&key), now)? {
                Some("too_many")
            } else {
                None
            })
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    match allowed {
        Some("full") => return Err(full()),
        Some(_) => {
            return Err(refused(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "too_many",
            ));
        }
        None => {}
    }
    // The tenant is made outside the writer; only its insert is a write.
    let label = format!("demo-{}", hex::encode(rand::random::<[u8; 8]>()));
    let data = tokio::task::spawn_blocking(move || crate::seed::demo_data(&label))
        .await
        .map_err(|e| AppError::from_store(StoreError::Other(e.to_string()), lang))?
        .map_err(|e| AppError::from_store(StoreError::Other(e.to_string()), lang))?;
    let made = state
        .db
        .run_write(move |s| {
            if s.demo_visitor_count()? >= DEMO_MAX_LIVE {
                return Ok(None);
            }
            let tenant = s.insert_tenant(&data)?;
            let t = s.create_demo_visitor(tenant, &ip, now)?;
            s.open_sandbox_session(&t, now).map(Some)
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    made.ok_or_else(full)
}

/// `POST /sandbox/demo`: enter the sandbox as the demo trainee.
pub async fn enter_demo(
    peer: super::net::ClientAddr,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let token = open_demo(&state, lang, peer.ip().to_string()).await?;
    Ok(with_cookies(
        Redirect::to("/").into_response(),
        [sandbox_cookie(&token)],
    ))
}

/// `POST /sandbox/leave`: end the sandbox session (and with it the bureau cookie).
pub async fn leave(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    close(&state, &headers, lang).await?;
    Ok(with_cookies(
        Redirect::to("/?notice=left").into_response(),
        [clear_sandbox_cookie(), clear_session_cookie()],
    ))
}

/// Forget the request's sandbox session, if it has one.
pub async fn close(state: &AppState, headers: &HeaderMap, lang: Lang) -> Result<(), AppError> {
    if let Some(token) = super::sandbox::token(headers) {
        state
            .db
            .run_write(move |s| s.close_sandbox_session(&token))
            .await
            .map_err(|e| AppError::from_store(e, lang))?;
    }
    Ok(())
}
