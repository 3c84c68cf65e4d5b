//! 账户设置: personal data, password, certificate, security settings, phone and email.

use super::super::{AppError, ReqLang};
use super::*;
use crate::bureau::login::{self, LoginError};
use crate::bureau::{account, certificate};
use crate::i18n::{Catalog, Lang};
use crate::store::{SessionStage, TenantScope};
use axum::extract::Form;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(in crate::http) struct Me {
    name: String,
    resident_id: String,
    mobile: String,
    email: String,
    password_changed: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(in crate::http) struct HistoryRow {
    at: String,
    ip: String,
    action: String,
    result: String,
}

#[derive(Serialize, ToSchema)]
pub(in crate::http) struct SecurityView {
    two_factor: bool,
    ip_allow: String,
    hours_from: String,
    hours_to: String,
}

#[derive(Serialize, ToSchema)]
pub(in crate::http) struct CertView {
    serial: String,
    expires: String,
    state: &'static str,
}

#[derive(Serialize)]
struct AccountPage {
    #[serde(flatten)]
    frame: Frame,
    #[serde(flatten)]
    data: AccountData,
    #[serde(flatten)]
    extras: AccountExtras,
}

/// What a submission adds to the account page: a notice or an error, and the state of a
/// contact change in progress.
#[derive(Serialize, Default)]
struct AccountExtras {
    notice: Option<String>,
    /// The section the notice belongs beside: `password`, `security`, `contact`.
    at: &'static str,
    error: Option<FieldError>,
    contact_pending: bool,
    contact_which: &'static str,
    contact_value: String,
}

impl AccountExtras {
    fn notice(lang: Lang, key: &str) -> AccountExtras {
        AccountExtras {
            notice: Some(Catalog::embedded().text(lang, key).to_owned()),
            at: match key.split('.').next() {
                Some("security") => "security",
                Some("contact") => "contact",
                _ => "password",
            },
            ..AccountExtras::default()
        }
    }

    fn error(e: FieldError) -> AccountExtras {
        AccountExtras {
            error: Some(e),
            ..AccountExtras::default()
        }
    }
}

/// 账户设置 as the logged-in person sees it: masked personal data, security settings,
/// certificate, login history.
#[derive(Serialize, ToSchema)]
pub(in crate::http) struct AccountData {
    me: Me,
    security: SecurityView,
    certificate: Option<CertView>,
    history: Vec<HistoryRow>,
}

pub(in crate::http) fn account_data(
    scope: &TenantScope<'_>,
    person_id: i64,
    time: crate::domain::SandboxTime,
) -> Result<AccountData, LoginError> {
    let person = scope.person(person_id)?.value;
    let account = scope.account(person_id)?;
    let history = login::login_history(scope, person_id, 20)?;
    let cert = certificate::current(scope, person_id)?;
    let email = mask_address(&person.email).unwrap_or_else(|| person.email.clone());
    Ok(AccountData {
        me: Me {
            name: mask_name(&person.name),
            resident_id: person.resident_id.masked(),
            mobile: person.mobile.masked(),
            email,
            password_changed: account.password_changed_at.map(cst),
        },
        security: SecurityView {
            two_factor: account.two_factor,
            ip_allow: account.ip_allow.join("\n"),
            hours_from: account.hours_from.clone().unwrap_or_default(),
            hours_to: account.hours_to.clone().unwrap_or_default(),
        },
        certificate: cert.map(|(serial, expires, state)| CertView {
            serial,
            expires: expires.to_string(),
            state,
        }),
        history: history
            .into_iter()
            .map(|h| HistoryRow {
                at: time.show(h.at),
                ip: h.ip,
                action: h.action,
                result: h.result,
            })
            .collect(),
    })
}

/// A refused security setting: the field it concerns and the message.
pub(in crate::http) fn security_problem(
    p: &account::SettingsProblem,
    lang: Lang,
) -> (&'static str, String) {
    let c = Catalog::embedded();
    let key = format!("security.{}", p.code());
    match p {
        account::SettingsProblem::BadIp(v) => ("ip_allow", c.format(lang, &key, &[("value", v)])),
        account::SettingsProblem::BadHours => ("hours", c.text(lang, &key).to_owned()),
        account::SettingsProblem::LocksOutThisAddress => {
            ("ip_allow", c.text(lang, &key).to_owned())
        }
    }
}

/// A refused certificate request: the field it concerns and the message.
pub(in crate::http) fn certificate_problem(
    p: certificate::IssueProblem,
    lang: Lang,
) -> (&'static str, String) {
    let field = if p == certificate::IssueProblem::PinMismatch {
        "pin_confirm"
    } else {
        "pin"
    };
    let message = Catalog::embedded()
        .text(lang, &format!("certificate.{}", p.code()))
        .to_owned();
    (field, message)
}

async fn account_page(
    state: &Taxpayer,
    lang: Lang,
    extras: AccountExtras,
) -> Result<Response, AppError> {
    let token = state.token.clone();
    let time = state.time();
    let found = bureau(state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        Ok((
            s.stage,
            who(scope, s.person_id, s.company_id)?,
            phone_view(scope, lang, time)?,
            account_data(scope, s.person_id, time)?,
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
    let page = AccountPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.account"],
            active: "account",
            who: Some(who),
            sandbox: state.bar(lang),
        },
        data,
        extras,
    };
    render(
        lang,
        "/portal/account",
        "portal_account.html",
        page,
        set.into_iter().collect(),
    )
}

pub async fn account(state: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    account_page(&state, lang, AccountExtras::default()).await
}

#[derive(Deserialize)]
pub struct ChangePasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn account_password(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ChangePasswordForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(&state, lang, AccountExtras::error(csrf_refusal(lang))).await;
    }
    let token = state.token.clone();
    let result = bureau(&state, lang, move |scope, now| {
        crate::bureau::passwords::change_password(
            scope,
            now,
            &token,
            &form.current,
            &form.new_password,
            &form.confirm,
        )
    })
    .await?;
    match result {
        Ok(()) => {
            account_page(
                &state,
                lang,
                AccountExtras::notice(lang, "account.password_done"),
            )
            .await
        }
        Err(e @ (LoginError::NoSession | LoginError::SessionExpired)) => Ok(to_login(&e)),
        // A second submit of a step already done (double click, back button) just moves on.
        Err(LoginError::WrongStage(stage)) => Ok(Redirect::to(stage_home(stage)).into_response()),
        Err(e) => {
            account_page(
                &state,
                lang,
                AccountExtras::error(login_message(&e, lang, state.time())),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct SecurityFormBody {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    two_factor: Option<String>,
    #[serde(default)]
    ip_allow: String,
    #[serde(default)]
    hours_from: String,
    #[serde(default)]
    hours_to: String,
}

pub async fn account_security(
    peer: crate::http::net::ClientAddr,
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<SecurityFormBody>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(&state, lang, AccountExtras::error(csrf_refusal(lang))).await;
    }
    let token = state.token.clone();
    let result = bureau(&state, lang, move |scope, now| {
        let f = account::SecurityForm {
            two_factor: form.two_factor.is_some(),
            ip_allow: &form.ip_allow,
            hours_from: &form.hours_from,
            hours_to: &form.hours_to,
        };
        account::save_security(scope, now, &token, &peer.ip().to_string(), &f)
    })
    .await?;
    match result {
        Ok(Ok(())) => {
            account_page(&state, lang, AccountExtras::notice(lang, "security.saved")).await
        }
        Ok(Err(p)) => {
            let (field, message) = security_problem(&p, lang);
            account_page(
                &state,
                lang,
                AccountExtras::error(FieldError {
                    field: Some(field),
                    message,
                }),
            )
            .await
        }
        Err(e) => Ok(to_login(&e)),
    }
}

#[derive(Deserialize)]
pub struct ContactFormBody {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    which: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    code: String,
}

fn contact_kind(which: &str) -> (account::Contact, &'static str) {
    if which == "email" {
        (account::Contact::Email, "email")
    } else {
        (account::Contact::Mobile, "mobile")
    }
}

pub(in crate::http) fn contact_message(p: account::ContactProblem, lang: Lang) -> String {
    let c = Catalog::embedded();
    let key = format!("contact.{}", p.code());
    match p {
        account::ContactProblem::TooSoon(wait) => {
            c.format(lang, &key, &[("wait", &wait.to_string())])
        }
        _ => c.text(lang, &key).to_owned(),
    }
}

pub async fn account_contact(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ContactFormBody>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(&state, lang, AccountExtras::error(csrf_refusal(lang))).await;
    }
    let (which, which_name) = contact_kind(&form.which);
    let token = state.token.clone();
    let value = form.value.clone();
    let result = bureau(&state, lang, move |scope, now| {
        account::request_contact_change(scope, now, &token, which, &value)
    })
    .await?;
    let base = AccountExtras {
        contact_which: which_name,
        contact_value: form.value,
        ..AccountExtras::default()
    };
    let extras = match result {
        Ok(Ok(())) => AccountExtras {
            contact_pending: true,
            notice: Some(Catalog::embedded().text(lang, "contact.sent").to_owned()),
            at: "contact",
            ..base
        },
        Ok(Err(p)) => AccountExtras {
            contact_pending: matches!(p, account::ContactProblem::TooSoon(_)),
            error: Some(FieldError {
                field: Some("contact_value"),
                message: contact_message(p, lang),
            }),
            ..base
        },
        Err(e) => return Ok(to_login(&e)),
    };
    account_page(&state, lang, extras).await
}

pub async fn account_contact_confirm(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ContactFormBody>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(&state, lang, AccountExtras::error(csrf_refusal(lang))).await;
    }
    let (which, which_name) = contact_kind(&form.which);
    let token = state.token.clone();
    let code = form.code.clone();
    let result = bureau(&state, lang, move |scope, now| {
        account::confirm_contact_change(scope, now, &token, which, &code)
    })
    .await?;
    let extras = match result {
        Ok(Ok(())) => AccountExtras::notice(lang, "contact.done"),
        Ok(Err(p)) => AccountExtras {
            contact_pending: true,
            contact_which: which_name,
            error: Some(FieldError {
                field: Some("contact_code"),
                message: contact_message(p, lang),
            }),
            ..AccountExtras::default()
        },
        Err(e) => return Ok(to_login(&e)),
    };
    account_page(&state, lang, extras).await
}

#[derive(Deserialize)]
pub struct CertificateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pin: String,
    #[serde(default)]
    pin_confirm: String,
}

/// `POST /portal/account/certificate`: issue (or renew) a certificate and download it.
pub async fn account_certificate(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CertificateForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(&state, lang, AccountExtras::error(csrf_refusal(lang))).await;
    }
    let token = state.token.clone();
    let r = bureau(&state, lang, move |scope, now| {
        certificate::issue(scope, now, &token, &form.pin, &form.pin_confirm)
    })
    .await?;
    match r {
        Ok(Ok(file)) => {
            let disposition = format!("attachment; filename=\"{}\"", file.file_name);
            let mut res = file.text.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            Ok(res)
        }
        Ok(Err(p)) => {
            let (field, message) = certificate_problem(p, lang);
            account_page(
                &state,
                lang,
                AccountExtras::error(FieldError {
                    field: Some(field),
                    message,
                }),
            )
            .await
        }
        Err(e) => Ok(to_login(&e)),
    }
}
