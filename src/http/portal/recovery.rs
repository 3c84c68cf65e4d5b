//! 忘记密码: a reset code to the phone, then a new password.

use super::super::{AppError, ReqLang};
use super::*;
use crate::bureau::login::LoginError;
use crate::http::sandbox::Desk;
use crate::i18n::{Catalog, Lang};
use axum::extract::Form;
use axum::extract::rejection::FormRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct ForgotPage {
    #[serde(flatten)]
    frame: Frame,
    account: String,
    sent: bool,
    notice: Option<String>,
    error: Option<FieldError>,
}

async fn forgot_page(
    state: &Desk,
    lang: Lang,
    headers: &HeaderMap,
    account: String,
    sent: bool,
    notice: Option<String>,
    error: Option<FieldError>,
) -> Result<Response, AppError> {
    let time = state.time();
    let demo = state.tenant();
    let phone = state
        .db
        .run_read(move |s| phone_view(&s.tenant(demo), lang, time))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let (csrf, set) = csrf_token(headers);
    let page = ForgotPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.forgot"],
            active: "home",
            who: None,
            sandbox: state.bar(lang),
        },
        account,
        sent,
        notice,
        error,
    };
    render(
        lang,
        "/portal/password/forgot",
        "portal_forgot.html",
        page,
        set.into_iter().collect(),
    )
}

pub async fn forgot_form(
    state: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    forgot_page(&state, lang, &headers, String::new(), false, None, None).await
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    account: String,
}

pub async fn forgot_submit(
    state: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ForgotForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return forgot_page(
            &state,
            lang,
            &headers,
            form.account,
            false,
            None,
            Some(csrf_refusal(lang)),
        )
        .await;
    }
    let account = form.account.clone();
    match bureau(&state, lang, move |scope, now| {
        crate::bureau::passwords::request_reset(scope, now, &account)
    })
    .await?
    {
        Ok(()) => {
            let notice = Catalog::embedded().text(lang, "forgot.sent").to_owned();
            forgot_page(
                &state,
                lang,
                &headers,
                form.account,
                true,
                Some(notice),
                None,
            )
            .await
        }
        // Too soon: the earlier code is still on its way, so the second step stays open.
        Err(e @ LoginError::ResendTooSoon { .. }) => {
            forgot_page(
                &state,
                lang,
                &headers,
                form.account,
                true,
                None,
                Some(login_message(&e, lang, state.time())),
            )
            .await
        }
        Err(e) => {
            forgot_page(
                &state,
                lang,
                &headers,
                form.account,
                false,
                None,
                Some(login_message(&e, lang, state.time())),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn reset_submit(
    state: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ResetForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return forgot_page(
            &state,
            lang,
            &headers,
            form.account,
            true,
            None,
            Some(csrf_refusal(lang)),
        )
        .await;
    }
    let account = form.account.clone();
    let result = bureau(&state, lang, move |scope, now| {
        crate::bureau::passwords::reset_password(
            scope,
            now,
            &account,
            &form.code,
            &form.new_password,
            &form.confirm,
        )
    })
    .await?;
    match result {
        Ok(()) => Ok(Redirect::to("/portal/login?notice=reset_done").into_response()),
        Err(e) => {
            let mut message = login_message(&e, lang, state.time());
            if matches!(e, LoginError::WrongCode | LoginError::ExpiredCode) {
                message.field = Some("code");
            }
            forgot_page(
                &state,
                lang,
                &headers,
                form.account,
                true,
                None,
                Some(message),
            )
            .await
        }
    }
}
