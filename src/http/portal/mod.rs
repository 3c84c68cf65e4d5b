//! The simulated bureau's pages: login with password and SMS code, the simulated phone,
//! the forced change of the initial password, the workbench, logout and timeout.
//! Until classrooms exist every visitor works in the demo tenant.

mod calculator;
mod credit;
mod credit_refunds;
mod disputes;
mod help;
mod menus;
mod messages;
mod proofs;
mod public;
mod queries;
mod recovery;
mod refunds;
mod returns;
mod returns_import;
mod returns_view;
mod risk;
mod settings;
mod signin;
mod staff;
mod workbench;

pub use calculator::calculator;
pub(super) use credit::{
    Asked as CreditAsked, apply as apply_credit, credit_message, credit_status,
};
pub use credit::{credit_m_grade, credit_repair, credit_zone};
pub use credit_refunds::credit_refund_apply;
pub(super) use credit_refunds::{credit_refund_message, credit_refund_status, send_credit_refund};
pub use disputes::{dispute_file, disputes_page};
pub(super) use disputes::{dispute_message, dispute_status, file as file_dispute};
pub(super) use help::search_views;
pub use help::{ask, help};
pub use menus::{public_menu, tax_menu};
pub(super) use messages::{Inbox, Item, Opened, announcement_item, inbox, open};
pub use messages::{announcement, list as messages, message};
pub(super) use proofs::{issue as issue_proof, pdf_response, proof_message, proof_view};
pub use proofs::{issue_post as proof_issue, proof_pdf, proofs_page, verify_get, verify_post};
pub(super) use public::{PolicyView, policy_views};
pub use public::{install_tool, invoice_check, policies, tools};
pub use queries::{
    credit_page, export_page as query_export, invoice_page, menu as query_menu, query_page,
};
pub(super) use queries::{export as query_csv, filter_text};
pub use recovery::*;
pub(super) use refunds::{
    Sending as RefundSending, refund_message, refund_status, send as send_refund,
};
pub use refunds::{refund_apply, refund_supplement, refunds_page, refunds_query};
pub use returns::{
    agreement_post, calculate, form_page_get, form_page_post, pay_post, payment_page, receipt_page,
    returns_page,
};
pub(super) use returns_import::template_file;
pub use returns_import::{import_post, template};
pub(super) use returns_view::{
    FieldView, LineView, PaidItem, PaymentView, Receipt, Refusal, Sheet, filing, filing_read,
    import_text, parse_return, payment_view, problem_text, receipt, return_message, sheet,
};
pub(super) use risk::{explain as explain_risk, risk_message, risk_status};
pub use risk::{risk_explain, risk_page};
pub use settings::*;
pub(super) use settings::{
    AccountData, account_data, certificate_problem, contact_message, security_problem,
};
pub use signin::*;
pub(super) use staff::{StaffData, staff_data, staff_problem};
pub use staff::{grant, revoke, staff, switch};
pub use workbench::*;
pub(super) use workbench::{WorkbenchData, workbench_data};

use super::AppError;
use super::cookies::with_cookies;
use crate::bureau::login::LoginError;
use crate::domain::password::PortalPolicy;
use crate::http::sandbox::Desk;
use crate::i18n::{Catalog, Lang};
use crate::store::{CompanyId, SessionStage, StoreError, TenantScope};
use axum::extract::Form;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub(super) use super::forms::{
    CsrfForm, attachment, csrf_ok, csrf_token, form_body, multipart_form, render, require_csrf,
    upload,
};
pub(super) use super::taxpayer::{SESSION_COOKIE, Taxpayer};

fn session_cookie(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/portal; HttpOnly; SameSite=Lax")
}

pub(super) fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/portal; HttpOnly; SameSite=Lax; Max-Age=0")
}

pub(crate) use crate::domain::cst;

/// A phone number as 138****8000, an email as ab***@example.cn.
fn mask_address(a: &str) -> Option<String> {
    if let Ok(m) = crate::domain::ids::Mobile::parse(a) {
        return Some(m.masked());
    }
    let (user, domain) = a.split_once('@')?;
    Some(format!(
        "{}***@{domain}",
        user.chars().take(2).collect::<String>()
    ))
}

/// 张三丰 → 张*丰, 李四 → 李*.
pub(super) fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// The phone's messages for the API: who, when, the text, and the code where there is one.
pub(super) fn phone_messages_json(
    scope: &TenantScope<'_>,
    lang: Lang,
    time: crate::domain::SandboxTime,
) -> Result<serde_json::Value, StoreError> {
    let views = phone_view(scope, lang, time)?;
    let raw = scope.phone_messages(10)?;
    Ok(serde_json::Value::Array(
        views
            .into_iter()
            .zip(raw)
            .map(|(v, m)| {
                let args: serde_json::Value = serde_json::from_str(&m.args).unwrap_or_default();
                serde_json::json!({ "to": v.to, "at": v.at, "kind": m.kind, "text": v.text, "code": args.get("code") })
            })
            .collect(),
    ))
}

#[derive(Serialize)]
pub(super) struct PhoneView {
    to: String,
    at: String,
    text: String,
}

#[derive(Serialize)]
pub(super) struct Who {
    company: String,
    person: String,
}

#[derive(Serialize)]
pub(super) struct FieldError {
    pub(super) field: Option<&'static str>,
    pub(super) message: String,
}

/// What every portal page shows besides its content.
#[derive(Serialize)]
pub(super) struct Frame {
    pub(super) csrf: String,
    pub(super) phone: Vec<PhoneView>,
    pub(super) crumbs: Vec<&'static str>,
    pub(super) active: &'static str,
    pub(super) who: Option<Who>,
    pub(super) sandbox: super::sandbox::SandboxBar,
}

/// The frame of a page for a logged-in filer: the phone, the crumbs, the menu item lit.
pub(super) fn filer_frame(
    scope: &TenantScope<'_>,
    s: &crate::store::PortalSession,
    csrf: String,
    desk: &Desk,
    lang: Lang,
    active: &'static str,
    crumbs: Vec<&'static str>,
) -> Result<Frame, StoreError> {
    Ok(Frame {
        csrf,
        phone: phone_view(scope, lang, desk.time())?,
        crumbs,
        active,
        who: Some(who(scope, s.person_id, s.company_id)?),
        sandbox: desk.bar(lang),
    })
}

pub(super) fn phone_view(
    scope: &TenantScope<'_>,
    lang: Lang,
    time: crate::domain::SandboxTime,
) -> Result<Vec<PhoneView>, StoreError> {
    let catalog = Catalog::embedded();
    let mut out = Vec::new();
    for m in scope.phone_messages(10)? {
        let person = scope.person(m.person_id)?;
        let args: serde_json::Value = serde_json::from_str(&m.args).unwrap_or_default();
        let arg = |k: &str| {
            args.get(k)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .unwrap_or_default()
        };
        let purpose = catalog
            .text(lang, &format!("phone.purpose.{}", arg("purpose")))
            .to_owned();
        let text = catalog.format(
            lang,
            &format!("phone.{}", m.kind),
            &[
                ("code", &arg("code")),
                ("minutes", &arg("minutes")),
                ("purpose", &purpose),
                ("text", &arg("text")),
            ],
        );
        out.push(PhoneView {
            to: mask_address(&m.sent_to).unwrap_or_else(|| person.value.mobile.masked()),
            at: time.show(m.sent_at),
            text,
        });
    }
    Ok(out)
}

pub(super) fn who(
    scope: &TenantScope<'_>,
    person: i64,
    company: CompanyId,
) -> Result<Who, StoreError> {
    Ok(Who {
        company: scope.company(company)?.value.name,
        person: mask_name(&scope.person(person)?.value.name),
    })
}

fn login_message(e: &LoginError, lang: Lang, time: crate::domain::SandboxTime) -> FieldError {
    let (field, message) = login_message_parts(e, lang, time);
    FieldError { field, message }
}

/// The field a refusal concerns (if one) and its message, for pages and the API alike.
pub(super) fn login_message_parts(
    e: &LoginError,
    lang: Lang,
    time: crate::domain::SandboxTime,
) -> (Option<&'static str>, String) {
    let c = Catalog::embedded();
    let key = format!("login.{}", e.code());
    let (field, message) = match e {
        LoginError::UnknownCompany => (Some("company"), c.text(lang, &key).to_owned()),
        LoginError::UnknownAccount => (Some("account"), c.text(lang, &key).to_owned()),
        LoginError::WrongPassword { remaining } => {
            let p = PortalPolicy::embedded();
            let args = [
                ("remaining", remaining.to_string()),
                ("max", p.max_failures.to_string()),
                ("window", p.failure_window_minutes.to_string()),
                ("minutes", p.lockout_minutes.to_string()),
            ];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (Some("password"), c.format(lang, &key, &args))
        }
        LoginError::Locked { until } => {
            (None, c.format(lang, &key, &[("until", &time.show(*until))]))
        }
        LoginError::CertExpired { on } => (None, c.format(lang, &key, &[("on", &on.to_string())])),
        LoginError::ResendTooSoon { wait_seconds } => (
            None,
            c.format(lang, &key, &[("wait", &wait_seconds.to_string())]),
        ),
        LoginError::Password(p) => (
            Some(
                if *p == crate::domain::password::PasswordProblem::Mismatch {
                    "confirm"
                } else {
                    "new_password"
                },
            ),
            c.text(lang, p.key()).to_owned(),
        ),
        LoginError::WrongCurrentPassword => (Some("current"), c.text(lang, &key).to_owned()),
        LoginError::OutsideHours { from, to } => {
            (None, c.format(lang, &key, &[("from", from), ("to", to)]))
        }
        LoginError::Store(_) => (None, c.text(lang, "error.internal").to_owned()),
        _ => (None, c.text(lang, &key).to_owned()),
    };
    (field, message)
}

/// Run bureau work in one transaction; a bureau refusal still commits what it traced.
pub(super) async fn bureau<T: Send + 'static>(
    state: &Desk,
    lang: Lang,
    f: impl FnOnce(&TenantScope<'_>, DateTime<Utc>) -> Result<T, LoginError> + Send + 'static,
) -> Result<Result<T, LoginError>, AppError> {
    let (demo, now) = (state.tenant(), state.clock.now());
    state
        .db
        .run_write(move |s| store_failure_apart(f(&s.tenant(demo), now)))
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

/// [`bureau`] for a page or a GET that only reads: it runs on a read connection and its
/// trace and session touch are written afterwards; work that needs more runs again as a
/// write.
pub(in crate::http) async fn bureau_read<T: Send + 'static>(
    state: &Desk,
    lang: Lang,
    f: impl FnOnce(&TenantScope<'_>, DateTime<Utc>) -> Result<T, LoginError> + Clone + Send + 'static,
) -> Result<Result<T, LoginError>, AppError> {
    let (tenant, now) = (state.tenant(), state.clock.now());
    state
        .db
        .run_mostly_read(move |s| store_failure_apart(f(&s.tenant(tenant), now)))
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

/// A store failure out of bureau work becomes the transaction's error (rolled back, or for a
/// read refused as a write, run again); a bureau refusal stays the work's answer.
fn store_failure_apart<T>(r: Result<T, LoginError>) -> Result<Result<T, LoginError>, StoreError> {
    match r {
        Err(LoginError::Store(e)) => Err(e),
        other => Ok(other),
    }
}

/// Where a request without a usable session goes, and whether its cookie must go.
pub(super) fn to_login(e: &LoginError) -> Response {
    let notice = if matches!(e, LoginError::SessionExpired) {
        "timeout"
    } else {
        "login"
    };
    with_cookies(
        Redirect::to(&format!("/portal/login?notice={notice}")).into_response(),
        [clear_session_cookie()],
    )
}

pub(super) fn stage_home(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::Sms => "/portal/login/sms",
        SessionStage::ChangePassword => "/portal/password/initial",
        SessionStage::Active => "/portal",
    }
}

pub(super) fn csrf_refusal(lang: Lang) -> FieldError {
    FieldError {
        field: None,
        message: Catalog::embedded().text(lang, "error.csrf").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_names() {
        assert_eq!(mask_name("张三丰"), "张*丰");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_name("欧阳文辉"), "欧**辉");
    }
}
