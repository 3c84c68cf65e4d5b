//! 工作台: to-dos, reminders and the latest announcements.

use super::super::{AppError, ReqLang};
use super::*;
use crate::bureau::certificate;
use crate::bureau::login::{self};
use crate::bureau::overview::{CompanySummary, tenant_overview};
use crate::domain::password::PortalPolicy;
use crate::http::sandbox::Desk;
use crate::i18n::{Catalog, Lang};
use crate::store::{SessionStage, StoreError, TenantScope};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Serialize)]
struct WorkbenchPage {
    #[serde(flatten)]
    frame: Frame,
    summary: CompanySummary,
    sandbox_date: String,
    reminders: Vec<String>,
    unread: usize,
    announcements: Vec<super::messages::ItemView>,
}

/// The reminders the course asks for: a certificate about to expire or expired, and a
/// password not changed for a long time.
fn reminders(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    person: i64,
    lang: Lang,
) -> Result<Vec<String>, StoreError> {
    let c = Catalog::embedded();
    let policy = PortalPolicy::embedded();
    let mut out = Vec::new();
    match certificate::current(scope, person)? {
        Some((_, on, "expiring")) => out.push(c.format(
            lang,
            "reminder.certificate_expiring",
            &[("on", &on.to_string())],
        )),
        Some((_, on, "expired")) => out.push(c.format(
            lang,
            "reminder.certificate_expired",
            &[("on", &on.to_string())],
        )),
        _ => {}
    }
    if let Some(changed) = scope.account(person)?.password_changed_at
        && now - changed > chrono::Duration::days(policy.password_reminder_days)
    {
        out.push(c.format(
            lang,
            "reminder.password_old",
            &[("days", &policy.password_reminder_days.to_string())],
        ));
    }
    Ok(out)
}

pub async fn workbench(
    state: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let found = bureau(&state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        let overview = tenant_overview(scope)?;
        let summary = overview
            .companies
            .into_iter()
            .find(|c| c.id == s.company_id.0)
            .ok_or(StoreError::NotFound)?;
        crate::bureau::messages::refresh(scope, overview.sandbox_date, &summary)?;
        let unread = scope
            .messages(s.company_id)?
            .iter()
            .filter(|m| !m.read)
            .count();
        let mut notices = super::messages::announcement_views(scope, s.person_id, lang)?;
        notices.truncate(3);
        Ok((
            s.stage,
            who(scope, s.person_id, s.company_id)?,
            phone_view(scope, lang)?,
            (
                summary,
                reminders(scope, now, s.person_id, lang)?,
                unread,
                notices,
            ),
            overview.sandbox_date.to_string(),
        ))
    })
    .await?;
    let (stage, who, phone, (summary, reminders, unread, announcements), sandbox_date) = match found
    {
        Ok(v) => v,
        Err(e) => return Ok(to_login(&e)),
    };
    if stage != SessionStage::Active {
        return Ok(Redirect::to(stage_home(stage)).into_response());
    }
    let (csrf, set) = csrf_token(&headers);
    let page = WorkbenchPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home"],
            active: "home",
            who: Some(who),
            sandbox: state.bar(lang),
        },
        summary,
        sandbox_date,
        reminders,
        unread,
        announcements,
    };
    render(
        lang,
        "/portal",
        "portal_workbench.html",
        page,
        set.into_iter().collect(),
    )
}
