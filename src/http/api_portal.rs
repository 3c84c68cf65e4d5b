//! The login steps as JSON endpoints under `/api/v1/`, with the same rules, trace and
//! errors as the pages. A login is carried by `Authorization: Bearer <token>`.

use crate::http::sandbox::Desk;
use axum::Json;

use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ApiErrorBody;
pub(super) use super::forms::{Body, bad_body};
use super::taxpayer::Taxpayer;
use serde_json::{Value, json};

use super::{AppError, ReqLang};
use crate::bureau::login::{self, LoginError};
use crate::i18n::Lang;
use crate::store::SessionStage;

pub(super) fn bearer(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn stage_name(s: SessionStage) -> &'static str {
    match s {
        SessionStage::Sms => "sms",
        SessionStage::ChangePassword => "change_password",
        SessionStage::Active => "active",
    }
}

/// A bureau session's refusal (none, expired, not yet past its SMS or password stage), for
/// the API's filing, query and proof calls: nothing in these names a time, so no sandbox
/// clock is needed to word them.
/// A bureau call refused before its use case ran: the session's refusal, or (a store
/// failure) an internal error, as JSON.
pub(super) fn refused(r: super::portal::Refusal, lang: Lang) -> axum::response::Response {
    match r {
        super::portal::Refusal::Login(e) => {
            axum::response::IntoResponse::into_response(session_refusal(&e, lang).as_json())
        }
        super::portal::Refusal::Return(_) => {
            axum::response::IntoResponse::into_response(AppError::internal(lang).as_json())
        }
    }
}

pub(super) fn session_refusal(e: &LoginError, lang: Lang) -> AppError {
    refusal(e, lang, crate::domain::SandboxTime::unshifted())
}

/// A refused step as `{code, message, field}` with a status that says what kind of refusal;
/// a time in it (a lockout's end) is on the sandbox's clock.
pub(super) fn refusal(e: &LoginError, lang: Lang, time: crate::domain::SandboxTime) -> AppError {
    let status = match e {
        LoginError::NoSession | LoginError::SessionExpired => StatusCode::UNAUTHORIZED,
        LoginError::Locked { .. } => StatusCode::LOCKED,
        LoginError::WrongStage(_) => StatusCode::CONFLICT,
        LoginError::ResendTooSoon { .. } | LoginError::TooManyTries => {
            StatusCode::TOO_MANY_REQUESTS
        }
        LoginError::NotAuthorised | LoginError::IpNotAllowed | LoginError::OutsideHours { .. } => {
            StatusCode::FORBIDDEN
        }
        LoginError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let (field, message) = super::portal::login_message_parts(e, lang, time);
    let code = match e {
        LoginError::Password(p) => p.key().trim_start_matches("password.").to_owned(),
        other => other.code().to_owned(),
    };
    AppError::api(status, lang, &code, message, field.map(str::to_owned))
}

/// The portal's transaction helper, answering in JSON.
pub(super) async fn run<T: Send + 'static>(
    state: &Desk,
    lang: Lang,
    f: impl FnOnce(
        &crate::store::TenantScope<'_>,
        chrono::DateTime<chrono::Utc>,
    ) -> Result<T, LoginError>
    + Send
    + 'static,
) -> Result<T, AppError> {
    answered(
        super::portal::bureau(state, lang, f).await,
        lang,
        state.time(),
    )
}

/// [`run`] for a GET that only reads (see `portal::bureau_read`).
pub(super) async fn run_read<T: Send + 'static>(
    state: &Desk,
    lang: Lang,
    f: impl FnOnce(
        &crate::store::TenantScope<'_>,
        chrono::DateTime<chrono::Utc>,
    ) -> Result<T, LoginError>
    + Clone
    + Send
    + 'static,
) -> Result<T, AppError> {
    answered(
        super::portal::bureau_read(state, lang, f).await,
        lang,
        state.time(),
    )
}

/// Bureau work's outcome as JSON: a failure, or a refusal with its field.
fn answered<T>(
    r: Result<Result<T, LoginError>, AppError>,
    lang: Lang,
    time: crate::domain::SandboxTime,
) -> Result<T, AppError> {
    r.map_err(AppError::as_json)?
        .map_err(|e| refusal(&e, lang, time))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    /// 统一社会信用代码 / 纳税人识别号.
    company: String,
    /// Resident ID number or mobile number.
    account: String,
    password: String,
}

/// `POST /api/v1/login`: company + account + password; a code goes to the phone.
#[utoipa::path(post, path = "/api/v1/login", tag = "login", security(("sandbox" = [])), request_body = LoginBody, description = "Company + account + password; the code goes to the simulated phone. Returns `{token, stage}`: use the token as `Authorization: Bearer`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn login(
    peer: crate::http::net::ClientAddr,
    state: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<LoginBody>,
) -> Result<Json<Value>, AppError> {
    let (token, stage) = run(&state, lang, move |scope, now| {
        login::begin(
            scope,
            now,
            &peer.ip().to_string(),
            &b.company,
            &b.account,
            &b.password,
        )
    })
    .await?;
    Ok(Json(json!({ "token": token, "stage": stage_name(stage) })))
}

#[derive(Deserialize, ToSchema)]
pub struct CodeBody {
    /// The 6-digit code from the simulated phone.
    code: String,
}

/// `POST /api/v1/login/sms`: the code from the phone.
#[utoipa::path(post, path = "/api/v1/login/sms", tag = "login", security(("sandbox" = [], "bureau" = [])), request_body = CodeBody, description = "The SMS code. Returns the next `stage` (`change_password` or `active`).",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn sms(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<CodeBody>,
) -> Result<Json<Value>, AppError> {
    let token = state.token.clone();
    let stage = run(&state, lang, move |scope, now| {
        login::verify_code(scope, now, &token, &b.code)
    })
    .await?;
    Ok(Json(json!({ "stage": stage_name(stage) })))
}

/// `POST /api/v1/login/sms/resend`.
#[utoipa::path(post, path = "/api/v1/login/sms/resend", tag = "login", security(("sandbox" = [], "bureau" = [])), description = "Send another code, no sooner than the throttle allows.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn resend(state: Taxpayer, ReqLang(lang): ReqLang) -> Result<Json<Value>, AppError> {
    let token = state.token.clone();
    run(&state, lang, move |scope, now| {
        login::resend_code(scope, now, &token)
    })
    .await?;
    Ok(Json(json!({ "sent": true })))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPasswordBody {
    new_password: String,
    confirm: String,
}

/// `POST /api/v1/password/initial`: replace the initial password at first login.
#[utoipa::path(post, path = "/api/v1/password/initial", tag = "login", security(("sandbox" = [], "bureau" = [])), request_body = NewPasswordBody, description = "Replace the initial password at first login.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn initial_password(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    Body(b): Body<NewPasswordBody>,
) -> Result<Json<Value>, AppError> {
    let token = state.token.clone();
    run(&state, lang, move |scope, now| {
        crate::bureau::passwords::change_initial_password(
            scope,
            now,
            &token,
            &b.new_password,
            &b.confirm,
        )
    })
    .await?;
    Ok(Json(json!({ "stage": "active" })))
}

#[derive(Deserialize, ToSchema)]
pub struct ForgotBody {
    /// Resident ID number or mobile number.
    account: String,
}

/// `POST /api/v1/password/forgot`: send a reset code.
#[utoipa::path(post, path = "/api/v1/password/forgot", tag = "login", security(("sandbox" = [])), request_body = ForgotBody, description = "忘记密码: send a reset code to the person's phone.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn forgot(
    state: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<ForgotBody>,
) -> Result<Json<Value>, AppError> {
    run(&state, lang, move |scope, now| {
        crate::bureau::passwords::request_reset(scope, now, &b.account)
    })
    .await?;
    Ok(Json(json!({ "sent": true })))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetBody {
    account: String,
    code: String,
    new_password: String,
    confirm: String,
}

/// `POST /api/v1/password/reset`: the reset code and a new password.
#[utoipa::path(post, path = "/api/v1/password/reset", tag = "login", security(("sandbox" = [])), request_body = ResetBody, description = "忘记密码: the reset code and a new password.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn reset(
    state: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<ResetBody>,
) -> Result<Json<Value>, AppError> {
    run(&state, lang, move |scope, now| {
        crate::bureau::passwords::reset_password(
            scope,
            now,
            &b.account,
            &b.code,
            &b.new_password,
            &b.confirm,
        )
    })
    .await?;
    Ok(Json(json!({ "reset": true })))
}

/// `POST /api/v1/logout`.
#[utoipa::path(post, path = "/api/v1/logout", tag = "login", security(("sandbox" = [], "bureau" = [])), description = "Leave the simulated bureau.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn logout(state: Taxpayer, ReqLang(lang): ReqLang) -> Result<Json<Value>, AppError> {
    let token = state.token.clone();
    run(&state, lang, move |scope, now| {
        login::logout(scope, now, &token)
    })
    .await?;
    Ok(Json(json!({ "logged_out": true })))
}

/// `GET /api/v1/workbench`: the logged-in company's to-dos.
#[utoipa::path(get, path = "/api/v1/workbench", tag = "login", security(("sandbox" = [], "bureau" = [])), description = "工作台: the logged-in company with the return due and its deadline, arrears, reminders, unread messages, the latest announcements and 常用功能 (most used first).",
    responses((status = 200, description = "Done", body = super::portal::WorkbenchData), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn workbench(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Json<super::portal::WorkbenchData>, AppError> {
    let token = state.token.clone();
    let notice = state.trainee.class_notice.clone();
    let summary = run_read(&state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        if s.stage != SessionStage::Active {
            return Err(LoginError::NoSession);
        }
        Ok(super::portal::workbench_data(
            scope,
            now,
            &s,
            lang,
            notice.as_deref(),
        )?)
    })
    .await?;
    Ok(Json(summary))
}

/// `GET /api/v1/phone`: what the simulated phone shows, newest first.
#[utoipa::path(get, path = "/api/v1/phone", tag = "login", security(("sandbox" = [])), description = "The simulated phone: the newest messages, with their codes.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn phone(state: Desk, ReqLang(lang): ReqLang) -> Result<Json<Value>, AppError> {
    let (demo, time) = (state.tenant(), state.time());
    let messages = state
        .db
        .run_read(move |s| super::portal::phone_messages_json(&s.tenant(demo), lang, time))
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    Ok(Json(json!({ "messages": messages })))
}

#[derive(Deserialize, ToSchema)]
pub struct CertificateLoginBody {
    /// 统一社会信用代码 / 纳税人识别号.
    company: String,
    /// The text of the certificate file from `POST /api/v1/account/certificate`.
    certificate: String,
    pin: String,
}

/// `POST /api/v1/login/certificate`: 数字证书登录.
#[utoipa::path(post, path = "/api/v1/login/certificate", tag = "login", security(("sandbox" = [])), request_body = CertificateLoginBody, description = "数字证书登录: company + certificate file + PIN. An expired or revoked certificate is refused with the remedy (更新证书). Returns `{token, stage}`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn login_certificate(
    peer: crate::http::net::ClientAddr,
    state: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<CertificateLoginBody>,
) -> Result<Json<Value>, AppError> {
    let token = run(&state, lang, move |scope, now| {
        crate::bureau::certificate::login_with_certificate(
            scope,
            now,
            &peer.ip().to_string(),
            &b.company,
            &b.certificate,
            &b.pin,
        )
    })
    .await?;
    Ok(Json(json!({ "token": token, "stage": "active" })))
}
