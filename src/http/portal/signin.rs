//! 登录: the login pages (password + SMS code, certificate, forced password change, logout).

use super::super::{AppError, ReqLang};
use super::*;
use crate::bureau::certificate;
use crate::bureau::login::{self, LoginError};
use crate::http::sandbox::Desk;
use crate::i18n::{Catalog, Lang};
use crate::store::SessionStage;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

#[derive(Serialize)]
struct LoginPage {
    #[serde(flatten)]
    frame: Frame,
    notice: Option<&'static str>,
    error: Option<FieldError>,
    values: LoginValues,
    /// A refusal of the certificate login form, shown above that form.
    cert_error: Option<String>,
}

#[derive(Serialize, Default)]
struct LoginValues {
    company: String,
    account: String,
}

async fn login_page(
    state: &Desk,
    lang: Lang,
    headers: &HeaderMap,
    notice: Option<&'static str>,
    error: Option<FieldError>,
    values: LoginValues,
    status: StatusCode,
) -> Result<Response, AppError> {
    login_page_with(state, lang, headers, notice, error, values, status, None).await
}

#[allow(clippy::too_many_arguments)]
async fn login_page_with(
    state: &Desk,
    lang: Lang,
    headers: &HeaderMap,
    notice: Option<&'static str>,
    error: Option<FieldError>,
    values: LoginValues,
    status: StatusCode,
    cert_error: Option<String>,
) -> Result<Response, AppError> {
    let (csrf, set) = csrf_token(headers);
    let time = state.time();
    let demo = state.tenant();
    let phone = state
        .db
        .run_read(move |s| phone_view(&s.tenant(demo), lang, time))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let page = LoginPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.login"],
            active: "home",
            who: None,
            sandbox: state.bar(lang),
        },
        notice,
        error,
        values,
        cert_error,
    };
    let mut res = render(
        lang,
        "/portal/login",
        "portal_login.html",
        page,
        set.into_iter().collect(),
    )?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn login_form(
    state: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let notice = match q.ok().and_then(|Query(q)| q.notice).as_deref() {
        Some("timeout") => Some("login.session_expired"),
        Some("timeout_draft") => Some("login.session_expired_draft"),
        Some("logged_out") => Some("login.logged_out"),
        Some("login") => Some("login.no_session"),
        Some("reset_done") => Some("login.reset_done"),
        _ => None,
    };
    login_page(
        &state,
        lang,
        &headers,
        notice,
        None,
        LoginValues::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
}

pub async fn login_submit(
    peer: crate::http::net::ClientAddr,
    state: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    let values = LoginValues {
        company: form.company.clone(),
        account: form.account.clone(),
    };
    if !csrf_ok(&headers, &form.csrf) {
        let e = FieldError {
            field: None,
            message: Catalog::embedded().text(lang, "error.csrf").to_owned(),
        };
        return login_page(
            &state,
            lang,
            &headers,
            None,
            Some(e),
            values,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let (company, account, password) = (form.company, form.account, form.password);
    match bureau(&state, lang, move |scope, now| {
        login::begin(
            scope,
            now,
            &peer.ip().to_string(),
            &company,
            &account,
            &password,
        )
    })
    .await?
    {
        Ok((token, stage)) => Ok(with_cookies(
            Redirect::to(stage_home(stage)).into_response(),
            [session_cookie(&token)],
        )),
        Err(e) => {
            // A refused form is an ordinary page showing the reason (200), as the real
            // portal does: the browser must not log it as a failed resource.
            let status = StatusCode::OK;
            login_page(
                &state,
                lang,
                &headers,
                None,
                Some(login_message(&e, lang, state.time())),
                values,
                status,
            )
            .await
        }
    }
}

#[derive(Serialize)]
struct SmsPage {
    #[serde(flatten)]
    frame: Frame,
    masked_mobile: String,
    notice: Option<String>,
    error: Option<FieldError>,
}

async fn sms_page(
    state: &Taxpayer,
    lang: Lang,
    notice: Option<String>,
    error: Option<FieldError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let token = state.token.clone();
    let time = state.time();
    let found = bureau(state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        let person = scope.person(s.person_id)?;
        Ok((
            s.stage,
            person.value.mobile.masked(),
            phone_view(scope, lang, time)?,
        ))
    })
    .await?;
    let (stage, masked_mobile, phone) = match found {
        Ok(v) => v,
        Err(e) => return Ok(to_login(&e)),
    };
    if stage != SessionStage::Sms {
        return Ok(Redirect::to(stage_home(stage)).into_response());
    }
    let (csrf, set) = state.page_token();
    let page = SmsPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec![
                "portal.crumb.home",
                "portal.crumb.login",
                "portal.crumb.sms",
            ],
            active: "home",
            who: None,
            sandbox: state.bar(lang),
        },
        masked_mobile,
        notice,
        error,
    };
    let mut res = render(
        lang,
        "/portal/login/sms",
        "portal_sms.html",
        page,
        set.into_iter().collect(),
    )?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn sms_form(state: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    sms_page(&state, lang, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn sms_submit(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        let e = FieldError {
            field: None,
            message: Catalog::embedded().text(lang, "error.csrf").to_owned(),
        };
        return sms_page(&state, lang, None, Some(e), StatusCode::FORBIDDEN).await;
    }
    let token = state.token.clone();
    let code = form.code;
    match bureau(&state, lang, move |scope, now| {
        login::verify_code(scope, now, &token, &code)
    })
    .await?
    {
        Ok(next) => Ok(Redirect::to(stage_home(next)).into_response()),
        Err(e @ (LoginError::NoSession | LoginError::SessionExpired)) => Ok(to_login(&e)),
        // A second submit of a step already done (double click, back button) just moves on.
        Err(LoginError::WrongStage(stage)) => Ok(Redirect::to(stage_home(stage)).into_response()),
        Err(e) => {
            sms_page(
                &state,
                lang,
                None,
                Some(login_message(&e, lang, state.time())),
                StatusCode::OK,
            )
            .await
        }
    }
}

pub async fn sms_resend(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let submitted = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !csrf_ok(&headers, &submitted) {
        let e = FieldError {
            field: None,
            message: Catalog::embedded().text(lang, "error.csrf").to_owned(),
        };
        return sms_page(&state, lang, None, Some(e), StatusCode::FORBIDDEN).await;
    }
    let token = state.token.clone();
    match bureau(&state, lang, move |scope, now| {
        login::resend_code(scope, now, &token)
    })
    .await?
    {
        Ok(()) => {
            sms_page(
                &state,
                lang,
                Some(Catalog::embedded().text(lang, "sms.sent").to_owned()),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(e @ (LoginError::NoSession | LoginError::SessionExpired)) => Ok(to_login(&e)),
        // A second submit of a step already done (double click, back button) just moves on.
        Err(LoginError::WrongStage(stage)) => Ok(Redirect::to(stage_home(stage)).into_response()),
        Err(e) => {
            sms_page(
                &state,
                lang,
                None,
                Some(login_message(&e, lang, state.time())),
                StatusCode::OK,
            )
            .await
        }
    }
}

#[derive(Serialize)]
struct PasswordPage {
    #[serde(flatten)]
    frame: Frame,
    error: Option<FieldError>,
}

async fn password_page(
    state: &Taxpayer,
    lang: Lang,
    error: Option<FieldError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let token = state.token.clone();
    let time = state.time();
    let found = bureau(state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        Ok((
            s.stage,
            who(scope, s.person_id, s.company_id)?,
            phone_view(scope, lang, time)?,
        ))
    })
    .await?;
    let (stage, who, phone) = match found {
        Ok(v) => v,
        Err(e) => return Ok(to_login(&e)),
    };
    if stage != SessionStage::ChangePassword {
        return Ok(Redirect::to(stage_home(stage)).into_response());
    }
    let (csrf, set) = state.page_token();
    let page = PasswordPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.password"],
            active: "home",
            who: Some(who),
            sandbox: state.bar(lang),
        },
        error,
    };
    let mut res = render(
        lang,
        "/portal/password/initial",
        "portal_password.html",
        page,
        set.into_iter().collect(),
    )?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn password_form(state: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    password_page(&state, lang, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn password_submit(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        let e = FieldError {
            field: None,
            message: Catalog::embedded().text(lang, "error.csrf").to_owned(),
        };
        return password_page(&state, lang, Some(e), StatusCode::FORBIDDEN).await;
    }
    let token = state.token.clone();
    let result = bureau(&state, lang, move |scope, now| {
        crate::bureau::passwords::change_initial_password(
            scope,
            now,
            &token,
            &form.new_password,
            &form.confirm,
        )
    })
    .await?;
    match result {
        Ok(()) => Ok(Redirect::to("/portal").into_response()),
        Err(e @ (LoginError::NoSession | LoginError::SessionExpired)) => Ok(to_login(&e)),
        // A second submit of a step already done (double click, back button) just moves on.
        Err(LoginError::WrongStage(stage)) => Ok(Redirect::to(stage_home(stage)).into_response()),
        Err(e) => {
            password_page(
                &state,
                lang,
                Some(login_message(&e, lang, state.time())),
                StatusCode::OK,
            )
            .await
        }
    }
}

pub async fn logout(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let submitted = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !csrf_ok(&headers, &submitted) {
        return Err(AppError::page(StatusCode::FORBIDDEN, lang, "error.csrf"));
    }
    let token = state.token.clone();
    // Logging out twice is harmless.
    let _ = bureau(&state, lang, move |scope, now| {
        login::logout(scope, now, &token)
    })
    .await?;
    Ok(with_cookies(
        Redirect::to("/portal/login?notice=logged_out").into_response(),
        [clear_session_cookie()],
    ))
}

/// `POST /portal/login/certificate`: company + certificate file + PIN (multipart form).
pub async fn login_certificate(
    peer: crate::http::net::ClientAddr,
    state: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let bad = || AppError::page(StatusCode::BAD_REQUEST, lang, "error.bad_request");
    let mut multipart = multipart.map_err(|_| bad())?;
    let (mut csrf, mut company, mut file, mut pin) =
        (String::new(), String::new(), String::new(), String::new());
    while let Some(field) = multipart.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        // A file that is not text cannot be a certificate; it is read as empty and refused.
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "csrf" => csrf = value,
            "company" => company = value,
            "certificate" => file = value,
            "pin" => pin = value,
            _ => {}
        }
    }
    let values = LoginValues {
        company: company.clone(),
        account: String::new(),
    };
    if !csrf_ok(&headers, &csrf) {
        let message = Catalog::embedded().text(lang, "error.csrf").to_owned();
        return login_page_with(
            &state,
            lang,
            &headers,
            None,
            None,
            values,
            StatusCode::FORBIDDEN,
            Some(message),
        )
        .await;
    }
    let ip = peer.ip().to_string();
    match bureau(&state, lang, move |scope, now| {
        certificate::login_with_certificate(scope, now, &ip, &company, &file, &pin)
    })
    .await?
    {
        Ok(token) => Ok(with_cookies(
            Redirect::to("/portal").into_response(),
            [session_cookie(&token)],
        )),
        Err(e) => {
            let message = login_message_parts(&e, lang, state.time()).1;
            login_page_with(
                &state,
                lang,
                &headers,
                None,
                None,
                values,
                StatusCode::OK,
                Some(message),
            )
            .await
        }
    }
}
