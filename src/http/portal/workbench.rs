//! 工作台: to-dos, reminders and the latest announcements.

use super::super::{AppError, ReqLang};
use super::*;
use crate::bureau::certificate;
use crate::bureau::login::{self};
use crate::bureau::overview::CompanySummary;
use crate::domain::password::PortalPolicy;
use crate::i18n::{Catalog, Lang};
use crate::store::{SessionStage, StoreError, TenantScope};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize)]
struct WorkbenchPage {
    #[serde(flatten)]
    frame: Frame,
    #[serde(flatten)]
    data: WorkbenchData,
}

/// 工作台: the company's to-dos on the sandbox date, reminders, unread messages, the
/// latest announcements and the person's frequently used functions.
#[derive(Serialize, ToSchema)]
pub(in crate::http) struct WorkbenchData {
    sandbox_date: String,
    #[schema(value_type = Object)]
    company: CompanySummary,
    /// The credit profile the grade is in (`course` or `national`).
    credit_profile: &'static str,
    reminders: Vec<String>,
    unread: usize,
    /// 风险疑点: risk alerts that ask for a response.
    risks: usize,
    announcements: Vec<super::messages::ItemView>,
    shortcuts: Vec<Shortcut>,
}

/// One of 常用功能: a function of the bureau, and how often this person has used it.
#[derive(Serialize, ToSchema)]
pub(in crate::http) struct Shortcut {
    key: &'static str,
    label: String,
    path: &'static str,
    uses: i64,
    /// "used N times", when it has been.
    uses_text: Option<String>,
}

/// The bureau's functions a shortcut can point to: catalogue key, page, and the trace
/// actions (or action prefixes ending in `.`) that count as using it.
const FUNCTIONS: [(&str, &str, &[&str]); 9] = [
    (
        "returns",
        "/portal/returns",
        &[
            "return.submit",
            "return.amend",
            "return.draft",
            "return.list",
        ],
    ),
    ("payment", "/portal/returns", &["payment.pay"]),
    (
        "account",
        "/portal/account",
        &["password.change", "contact."],
    ),
    (
        "certificate",
        "/portal/account#certificate",
        &["certificate.issue"],
    ),
    ("security", "/portal/account#security", &["security.save"]),
    ("staff", "/portal/staff", &["staff.grant", "staff.revoke"]),
    ("switch", "/portal/staff#switch", &["identity.switch"]),
    (
        "messages",
        "/portal/messages",
        &["message.read", "announcement.read"],
    ),
    ("help", "/portal/help", &["help.ask"]),
];

/// The functions, most used by this person first (the table's order among equals).
fn shortcuts(
    scope: &TenantScope<'_>,
    person: i64,
    lang: Lang,
) -> Result<Vec<Shortcut>, StoreError> {
    let counts = scope.action_counts(person)?;
    let c = Catalog::embedded();
    let mut out: Vec<Shortcut> = FUNCTIONS
        .iter()
        .map(|(key, path, actions)| Shortcut {
            key,
            label: c.text(lang, &format!("function.{key}")).to_owned(),
            path,
            uses: counts
                .iter()
                .filter(|(a, _)| {
                    actions
                        .iter()
                        .any(|p| a == p || (p.ends_with('.') && a.starts_with(p)))
                })
                .map(|(_, n)| n)
                .sum(),
            uses_text: None,
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.uses));
    for s in &mut out {
        s.uses_text = (s.uses > 0)
            .then(|| c.format(lang, "workbench.uses", &[("count", &s.uses.to_string())]));
    }
    Ok(out)
}

/// Everything the workbench shows for a logged-in session; brings the company's
/// reminder messages up to date first.
pub(in crate::http) fn workbench_data(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    s: &crate::store::PortalSession,
    lang: Lang,
    notice: Option<&str>,
) -> Result<WorkbenchData, StoreError> {
    // one stamp for the figures kept between views (grade, risk count)
    let record = scope.record()?;
    let stamp = crate::bureau::kept::Stamp::read(scope, &record)?;
    let overview = crate::bureau::overview::company_overview(scope, record, s.company_id, &stamp)?;
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
    let mut announcements = super::messages::announcement_views(scope, s.person_id, lang, notice)?;
    announcements.truncate(3);
    Ok(WorkbenchData {
        sandbox_date: overview.sandbox_date.to_string(),
        company: summary,
        credit_profile: overview.credit_profile,
        reminders: reminders(scope, now, s.person_id, lang)?,
        unread,
        risks: crate::bureau::risk::open_count(scope, &stamp, s.company_id)?,
        announcements,
        shortcuts: shortcuts(scope, s.person_id, lang)?,
    })
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

pub async fn workbench(state: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    let token = state.token.clone();
    let notice = state.trainee.class_notice.clone();
    let time = state.time();
    let found = bureau_read(&state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        Ok((
            s.stage,
            who(scope, s.person_id, s.company_id)?,
            phone_view(scope, lang, time)?,
            workbench_data(scope, now, &s, lang, notice.as_deref())?,
        ))
    })
    .await?;
    let (stage, who, phone, data) = match found {
        Ok(v) => v,
        Err(e) => return Ok(to_login(&e)),
    };
    if stage != SessionStage::Active {
        return Ok(Redirect::to(stage_home(stage)).into_response());
    }
    let (csrf, set) = state.page_token();
    let page = WorkbenchPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home"],
            active: "home",
            who: Some(who),
            sandbox: state.bar(lang),
        },
        data,
    };
    render(
        lang,
        "/portal",
        "portal_workbench.html",
        page,
        set.into_iter().collect(),
    )
}
