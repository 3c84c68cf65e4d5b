//! The rest of the simulated bureau as JSON under `/api/v1/`: 账户设置 (password, security,
//! phone and email, certificate), 办税人员授权 and 身份切换, 消息中心, 帮助中心, and the
//! sandbox session itself. Same bureau functions, rules, trace and messages as the pages.
//!
//! Every endpoint but the sandbox entry needs `X-Sandbox-Token`; those acting inside the
//! bureau need `Authorization: Bearer <token>` from a completed login as well.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::api_portal::run;
use super::error::ApiErrorBody;
use super::forms::Body;
use super::portal::{
    AccountData, Inbox, Item, Opened, StaffData, account_data, certificate_problem,
    contact_message, inbox, open, search_views, security_problem, staff_data, staff_problem,
};
use super::sandbox::{Desk, display_name};
use super::taxpayer::Taxpayer;
use super::{AppError, AppState, ReqLang};
use crate::bureau::login::{self, LoginError};
use crate::bureau::overview::{tenant_overview, training_accounts};
use crate::bureau::{account, certificate, passwords, staff};
use crate::i18n::Lang;
use crate::store::{CompanyId, PortalSession, SessionStage, TenantScope};

/// Bureau work for a completed login (the bearer token's session, active).
async fn signed_in<T: Send + 'static>(
    desk: &Taxpayer,
    lang: Lang,
    f: impl FnOnce(&TenantScope<'_>, DateTime<Utc>, &PortalSession) -> Result<T, LoginError>
    + Send
    + 'static,
) -> Result<T, AppError> {
    let token = desk.token.clone();
    run(desk, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        if s.stage != SessionStage::Active {
            return Err(LoginError::WrongStage(s.stage));
        }
        f(scope, now, &s)
    })
    .await
}

/// A refusal that is not about the login: 422 with the field it concerns.
fn unprocessable(lang: Lang, code: &str, field: &str, message: String) -> AppError {
    AppError::api(
        StatusCode::UNPROCESSABLE_ENTITY,
        lang,
        code,
        message,
        Some(field.to_owned()),
    )
}

fn done(key: &str) -> Json<Value> {
    Json(json!({ "done": key }))
}

// ---- 账户设置 ----

/// `GET /api/v1/account`.
#[utoipa::path(get, path = "/api/v1/account", tag = "account", security(("sandbox" = [], "bureau" = [])), description = "账户设置: the person's masked data, security settings, certificate and login history.",
    responses((status = 200, description = "Done", body = AccountData), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn account_get(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Json<AccountData>, AppError> {
    let time = desk.time();
    let data = signed_in(&desk, lang, move |scope, _, s| {
        account_data(scope, s.person_id, time)
    })
    .await?;
    Ok(Json(data))
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordBody {
    current: String,
    new_password: String,
    confirm: String,
}

/// `POST /api/v1/account/password`.
#[utoipa::path(post, path = "/api/v1/account/password", tag = "account", security(("sandbox" = [], "bureau" = [])), request_body = ChangePasswordBody, description = "修改密码: the current password and a new one that meets the policy.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn account_password(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<ChangePasswordBody>,
) -> Result<Json<Value>, AppError> {
    let token = desk.token.clone();
    run(&desk, lang, move |scope, now| {
        passwords::change_password(scope, now, &token, &b.current, &b.new_password, &b.confirm)
    })
    .await?;
    Ok(done("password_changed"))
}

#[derive(Deserialize, ToSchema)]
pub struct SecurityBody {
    /// SMS code at every login (二次验证).
    two_factor: bool,
    /// Addresses or prefixes (ending in `.` or `:`) logins may come from; empty: any.
    #[serde(default)]
    ip_allow: Vec<String>,
    /// Allowed login hours, `HH:MM` China time; both empty: any time.
    #[serde(default)]
    hours_from: String,
    #[serde(default)]
    hours_to: String,
}

/// `PUT /api/v1/account/security`.
#[utoipa::path(put, path = "/api/v1/account/security", tag = "account", security(("sandbox" = [], "bureau" = [])), request_body = SecurityBody, description = "安全设置: two-factor login, login IP allow-list, allowed login hours. A list that would lock out the address making the request is refused.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn account_security(
    peer: crate::http::net::ClientAddr,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<SecurityBody>,
) -> Result<Json<Value>, AppError> {
    let token = desk.token.clone();
    let r = run(&desk, lang, move |scope, now| {
        let ip_allow = b.ip_allow.join("\n");
        let form = account::SecurityForm {
            two_factor: b.two_factor,
            ip_allow: &ip_allow,
            hours_from: &b.hours_from,
            hours_to: &b.hours_to,
        };
        account::save_security(scope, now, &token, &peer.ip().to_string(), &form)
    })
    .await?;
    r.map_err(|p| {
        let (field, message) = security_problem(&p, lang);
        unprocessable(lang, p.code(), field, message)
    })?;
    Ok(done("security_saved"))
}

#[derive(Deserialize, ToSchema)]
pub struct ContactBody {
    /// `mobile` or `email`.
    which: String,
    /// The new number or address; a code goes to it.
    #[serde(default)]
    value: String,
    /// For the confirmation: the code that reached the new number or address.
    #[serde(default)]
    code: String,
}

fn contact_which(which: &str, lang: Lang) -> Result<account::Contact, AppError> {
    match which {
        "mobile" => Ok(account::Contact::Mobile),
        "email" => Ok(account::Contact::Email),
        _ => Err(unprocessable(
            lang,
            "bad_which",
            "which",
            crate::i18n::Catalog::embedded()
                .text(lang, "contact.bad_which")
                .to_owned(),
        )),
    }
}

/// `POST /api/v1/account/contact`.
#[utoipa::path(post, path = "/api/v1/account/contact", tag = "account", security(("sandbox" = [], "bureau" = [])), request_body = ContactBody, description = "Change the mobile number or email: a code goes to the new one; confirm with `/api/v1/account/contact/confirm`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn account_contact(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<ContactBody>,
) -> Result<Json<Value>, AppError> {
    let token = desk.token.clone();
    let which = contact_which(&b.which, lang)?;
    run(&desk, lang, move |scope, now| {
        account::request_contact_change(scope, now, &token, which, &b.value)
    })
    .await?
    .map_err(|p| unprocessable(lang, p.code(), "value", contact_message(p, lang)))?;
    Ok(done("code_sent"))
}

/// `POST /api/v1/account/contact/confirm`.
#[utoipa::path(post, path = "/api/v1/account/contact/confirm", tag = "account", security(("sandbox" = [], "bureau" = [])), request_body = ContactBody, description = "Confirm a mobile or email change with the code sent to the new one.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn account_contact_confirm(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<ContactBody>,
) -> Result<Json<Value>, AppError> {
    let token = desk.token.clone();
    let which = contact_which(&b.which, lang)?;
    run(&desk, lang, move |scope, now| {
        account::confirm_contact_change(scope, now, &token, which, &b.code)
    })
    .await?
    .map_err(|p| unprocessable(lang, p.code(), "code", contact_message(p, lang)))?;
    Ok(done("contact_changed"))
}

#[derive(Deserialize, ToSchema)]
pub struct CertificateBody {
    /// The certificate PIN (6 to 8 digits), twice.
    pin: String,
    pin_confirm: String,
}

/// `POST /api/v1/account/certificate`.
#[utoipa::path(post, path = "/api/v1/account/certificate", tag = "account", security(("sandbox" = [], "bureau" = [])), request_body = CertificateBody, description = "证书下载/更新证书: issue a simulated certificate for the logged-in person (earlier ones are revoked). Returns `{file_name, text}`: the file to keep for certificate login.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn account_certificate(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<CertificateBody>,
) -> Result<Json<Value>, AppError> {
    let token = desk.token.clone();
    let file = run(&desk, lang, move |scope, now| {
        certificate::issue(scope, now, &token, &b.pin, &b.pin_confirm)
    })
    .await?
    .map_err(|p| {
        let (field, message) = certificate_problem(p, lang);
        unprocessable(lang, p.code(), field, message)
    })?;
    Ok(Json(
        json!({ "file_name": file.file_name, "text": file.text }),
    ))
}

// ---- 办税人员授权, 身份切换 ----

/// `GET /api/v1/staff`.
#[utoipa::path(get, path = "/api/v1/staff", tag = "staff", security(("sandbox" = [], "bureau" = [])), description = "办税人员: the company's tax staff (masked), whether this person may grant, and the companies they can switch to.",
    responses((status = 200, description = "Done", body = StaffData), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn staff_get(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Json<StaffData>, AppError> {
    let data = signed_in(&desk, lang, |scope, _, s| Ok(staff_data(scope, s)?)).await?;
    Ok(Json(data))
}

fn staff_refusal(p: staff::StaffProblem, lang: Lang) -> AppError {
    let status = match p {
        staff::StaffProblem::NotManager => StatusCode::FORBIDDEN,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    AppError::api(status, lang, p.code(), staff_problem(p, lang), None)
}

#[derive(Deserialize, ToSchema)]
pub struct GrantBody {
    /// The person's resident ID number and name, as on their ID card.
    resident_id: String,
    name: String,
    /// `tax_clerk` (办税员) or `finance_manager` (财务负责人).
    role: String,
}

/// `POST /api/v1/staff/grant`.
#[utoipa::path(post, path = "/api/v1/staff/grant", tag = "staff", security(("sandbox" = [], "bureau" = [])), request_body = GrantBody, description = "办税人员授权: the legal representative or finance manager grants a person a role in the company.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn staff_grant(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<GrantBody>,
) -> Result<Json<Value>, AppError> {
    let token = desk.token.clone();
    run(&desk, lang, move |scope, now| {
        staff::grant(scope, now, &token, &b.resident_id, &b.name, &b.role)
    })
    .await?
    .map_err(|p| staff_refusal(p, lang))?;
    Ok(done("granted"))
}

#[derive(Deserialize, ToSchema)]
pub struct RevokeBody {
    /// `person_id` from `GET /api/v1/staff`.
    person_id: i64,
    role: String,
}

/// `POST /api/v1/staff/revoke`.
#[utoipa::path(post, path = "/api/v1/staff/revoke", tag = "staff", security(("sandbox" = [], "bureau" = [])), request_body = RevokeBody, description = "解除授权: remove a person's role in the company.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn staff_revoke(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<RevokeBody>,
) -> Result<Json<Value>, AppError> {
    let token = desk.token.clone();
    run(&desk, lang, move |scope, now| {
        staff::revoke(scope, now, &token, b.person_id, &b.role)
    })
    .await?
    .map_err(|p| staff_refusal(p, lang))?;
    Ok(done("revoked"))
}

#[derive(Deserialize, ToSchema)]
pub struct SwitchBody {
    /// A company id from `companies` in `GET /api/v1/staff`.
    company_id: i64,
}

/// `POST /api/v1/switch`.
#[utoipa::path(post, path = "/api/v1/switch", tag = "staff", security(("sandbox" = [], "bureau" = [])), request_body = SwitchBody, description = "身份切换: act for another company this person serves.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn switch(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<SwitchBody>,
) -> Result<Json<Value>, AppError> {
    let token = desk.token.clone();
    run(&desk, lang, move |scope, now| {
        staff::switch_company(scope, now, &token, CompanyId(b.company_id))
    })
    .await?
    .map_err(|p| staff_refusal(p, lang))?;
    Ok(done("switched"))
}

// ---- 消息中心 ----

/// `GET /api/v1/messages`.
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages", security(("sandbox" = [], "bureau" = [])), description = "消息中心: the company's messages and the announcements, with read marks.",
    responses((status = 200, description = "Done", body = Inbox), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn messages_get(desk: Taxpayer, ReqLang(lang): ReqLang) -> Result<Json<Inbox>, AppError> {
    let notice = desk.trainee.class_notice.clone();
    let data = signed_in(&desk, lang, move |scope, _, s| {
        Ok(inbox(scope, s, lang, notice.as_deref())?)
    })
    .await?;
    Ok(Json(data))
}

/// `GET /api/v1/messages/{id}`.
#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "messages", security(("sandbox" = [], "bureau" = [])), params(("id" = i64, Path, description = "A message id from `GET /api/v1/messages`")), description = "Open a message (marks it read).",
    responses((status = 200, description = "Done", body = Opened), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn message_get(
    Path(id): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Json<Opened>, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::not_found(lang).as_json())?;
    let data = signed_in(&desk, lang, move |scope, now, s| {
        open(scope, now, s, Item::Message(id), lang)
    })
    .await?;
    Ok(Json(data))
}

/// `GET /api/v1/announcements/{id}`.
#[utoipa::path(get, path = "/api/v1/announcements/{id}", tag = "messages", security(("sandbox" = [], "bureau" = [])), params(("id" = String, Path, description = "An announcement id from `GET /api/v1/messages`")), description = "Open an announcement (marks it read).",
    responses((status = 200, description = "Done", body = Opened), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn announcement_get(
    Path(id): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Json<Opened>, AppError> {
    let item = super::portal::announcement_item(id, desk.trainee.class_notice.as_deref())
        .ok_or_else(|| AppError::not_found(lang).as_json())?;
    let data = signed_in(&desk, lang, move |scope, now, s| {
        open(scope, now, s, item, lang)
    })
    .await?;
    Ok(Json(data))
}

// ---- 帮助中心 ----

#[derive(Deserialize)]
pub struct HelpQuery {
    #[serde(default)]
    q: String,
}

/// `GET /api/v1/help?q=`.
#[utoipa::path(get, path = "/api/v1/help", tag = "help", security(("sandbox" = [])), params(("q" = Option<String>, Query, description = "Words to search for; empty lists every entry")), description = "帮助中心: the course's FAQ, searched.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn help_get(
    _desk: Desk,
    ReqLang(lang): ReqLang,
    q: Result<Query<HelpQuery>, QueryRejection>,
) -> Json<Value> {
    let q = q.map(|Query(q)| q.q).unwrap_or_default();
    Json(json!({ "entries": search_views(&q, lang) }))
}

#[derive(Deserialize, ToSchema)]
pub struct AskBody {
    question: String,
}

/// `POST /api/v1/help/ask`.
#[utoipa::path(post, path = "/api/v1/help/ask", tag = "help", security(("sandbox" = [])), request_body = AskBody, description = "在线客服: the FAQ answer to a question, or `answered: false` with a pointer to 12366. The question is traced.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn help_ask(
    desk: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<AskBody>,
) -> Result<Json<Value>, AppError> {
    let question: String = b.question.chars().take(200).collect();
    let entry = run(&desk, lang, move |scope, now| {
        Ok(crate::bureau::help::ask(scope, now, &question)?)
    })
    .await?;
    Ok(Json(match entry {
        Some(e) => json!({ "answered": true, "entry": e.id, "answer": e.answer(lang) }),
        None => json!({
            "answered": false,
            "answer": crate::i18n::Catalog::embedded().text(lang, "help.no_answer"),
        }),
    }))
}

// ---- the sandbox ----

/// `POST /api/v1/sandbox/demo`.
#[utoipa::path(post, path = "/api/v1/sandbox/demo", tag = "sandbox", description = "Enter the sandbox as the demo trainee. Returns `sandbox_token`: send it as `X-Sandbox-Token` with every other request.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn sandbox_demo(
    peer: super::net::ClientAddr,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let token = super::home::open_demo(&state, lang, peer.ip().to_string())
        .await
        .map_err(AppError::as_json)?;
    Ok(Json(json!({ "sandbox_token": token })))
}

/// `GET /api/v1/sandbox`.
#[utoipa::path(get, path = "/api/v1/sandbox", tag = "sandbox", security(("sandbox" = [])), description = "The trainee and their training materials: the sandbox date, the companies and who can log in for them (unmasked: this is the trainee's handout, outside the bureau).",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn sandbox_get(desk: Desk, ReqLang(lang): ReqLang) -> Result<Json<Value>, AppError> {
    let tenant = desk.tenant();
    let (overview, accounts) = desk
        .db
        .run_read(move |s| {
            let scope = s.tenant(tenant);
            Ok((tenant_overview(&scope)?, training_accounts(&scope)?))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    Ok(Json(json!({
        "trainee": { "name": display_name(&desk.trainee, lang), "kind": desk.trainee.kind },
        "sandbox_date": overview.sandbox_date,
        "companies": overview.companies,
        "accounts": accounts,
    })))
}

/// `POST /api/v1/sandbox/leave`.
#[utoipa::path(post, path = "/api/v1/sandbox/leave", tag = "sandbox", security(("sandbox" = [])), description = "End the sandbox session; the token stops working.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn sandbox_leave(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    super::home::close(&desk, &headers, lang)
        .await
        .map_err(AppError::as_json)?;
    Ok(done("left"))
}
