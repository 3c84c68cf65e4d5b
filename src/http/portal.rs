//! The simulated bureau's pages: login with password and SMS code, the simulated phone,
//! the forced change of the initial password, the workbench, logout and timeout.
//! Until classrooms exist every visitor works in the demo tenant.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{FormRejection, QueryRejection};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::{AppError, AppState, ReqLang, templates};
use crate::bureau::login::{self, LoginError};
use crate::bureau::overview::{CompanySummary, tenant_overview};
use crate::bureau::{account, certificate};
use crate::domain::password::PortalPolicy;
use crate::i18n::{Catalog, Lang};
use crate::store::{CompanyId, SessionStage, StoreError, TenantScope};

pub(super) const SESSION_COOKIE: &str = "etax_session";
const CSRF_COOKIE: &str = "csrf";

pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// The form token: the one in the cookie, or a new one to set (double-submit protection).
pub(super) fn csrf_token(headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, CSRF_COOKIE).filter(|t| t.len() == 64) {
        Some(t) => (t, None),
        None => {
            let bytes: [u8; 32] = rand::random();
            let t = hex::encode(bytes);
            let set = format!("{CSRF_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict");
            (t, Some(set))
        }
    }
}

/// A form body, or a page saying the request was malformed.
pub(super) fn form_body<T>(
    form: Result<Form<T>, FormRejection>,
    lang: Lang,
) -> Result<T, AppError> {
    form.map(|Form(f)| f)
        .map_err(|_| AppError::page(StatusCode::BAD_REQUEST, lang, "error.bad_request"))
}

pub(super) fn csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    cookie(headers, CSRF_COOKIE).is_some_and(|c| !c.is_empty() && c == submitted)
}

fn with_cookies(mut res: Response, cookies: impl IntoIterator<Item = String>) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn session_cookie(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/portal; HttpOnly; SameSite=Lax")
}

fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/portal; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// China Standard Time, as the portal shows times.
fn cst(t: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
    t.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

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
) -> Result<serde_json::Value, StoreError> {
    let views = phone_view(scope, lang)?;
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

#[derive(Serialize)]
struct DemoAccount {
    company: String,
    uscc: String,
    role: &'static str,
    person: String,
    mobile: String,
}

/// What every portal page shows besides its content.
#[derive(Serialize)]
pub(super) struct Frame {
    pub(super) csrf: String,
    pub(super) phone: Vec<PhoneView>,
    pub(super) crumbs: Vec<&'static str>,
    pub(super) active: &'static str,
    pub(super) who: Option<Who>,
}

pub(super) fn phone_view(
    scope: &TenantScope<'_>,
    lang: Lang,
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
            ],
        );
        out.push(PhoneView {
            to: mask_address(&m.sent_to).unwrap_or_else(|| person.value.mobile.masked()),
            at: cst(m.sent_at),
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

pub(super) fn render(
    lang: Lang,
    path: &str,
    name: &str,
    ctx: impl Serialize,
    set_cookies: Vec<String>,
) -> Result<Response, AppError> {
    let html = templates::render(lang, path, name, ctx).map_err(|e| {
        tracing::error!(error = %e, template = name, "render failed");
        AppError::internal(lang)
    })?;
    Ok(with_cookies(Html(html).into_response(), set_cookies))
}

fn login_message(e: &LoginError, lang: Lang) -> FieldError {
    let (field, message) = login_message_parts(e, lang);
    FieldError { field, message }
}

/// The field a refusal concerns (if one) and its message, for pages and the API alike.
pub(super) fn login_message_parts(e: &LoginError, lang: Lang) -> (Option<&'static str>, String) {
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
        LoginError::Locked { until } => (None, c.format(lang, &key, &[("until", &cst(*until))])),
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
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&TenantScope<'_>, DateTime<Utc>) -> Result<T, LoginError> + Send + 'static,
) -> Result<Result<T, LoginError>, AppError> {
    let (demo, now) = (state.demo, state.clock.now());
    state
        .db
        .run_write(move |s| match f(&s.tenant(demo), now) {
            Err(LoginError::Store(e)) => Err(e),
            other => Ok(other),
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

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
    demo: Vec<DemoAccount>,
    initial_password: String,
    /// A refusal of the certificate login form, shown above that form.
    cert_error: Option<String>,
}

#[derive(Serialize, Default)]
struct LoginValues {
    company: String,
    account: String,
}

async fn login_page(
    state: &AppState,
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
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    notice: Option<&'static str>,
    error: Option<FieldError>,
    values: LoginValues,
    status: StatusCode,
    cert_error: Option<String>,
) -> Result<Response, AppError> {
    let (csrf, set) = csrf_token(headers);
    let demo = state.demo;
    let (phone, accounts) = state
        .db
        .run_read(move |s| {
            let scope = s.tenant(demo);
            let mut accounts = Vec::new();
            for c in scope.companies()? {
                for st in scope.staff(CompanyId(c.id))? {
                    accounts.push(DemoAccount {
                        company: c.value.name.clone(),
                        uscc: c.value.uscc.to_string(),
                        role: st.role.as_str(),
                        person: st.person.value.name.clone(),
                        mobile: st.person.value.mobile.to_string(),
                    });
                }
            }
            Ok((phone_view(&scope, lang)?, accounts))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let page = LoginPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.login"],
            active: "home",
            who: None,
        },
        notice,
        error,
        values,
        demo: accounts,
        initial_password: PortalPolicy::embedded().initial_password.clone(),
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
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let notice = match q.ok().and_then(|Query(q)| q.notice).as_deref() {
        Some("timeout") => Some("login.session_expired"),
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
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
                Some(login_message(&e, lang)),
                values,
                status,
            )
            .await
        }
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

#[derive(Serialize)]
struct SmsPage {
    #[serde(flatten)]
    frame: Frame,
    masked_mobile: String,
    notice: Option<String>,
    error: Option<FieldError>,
}

async fn sms_page(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    notice: Option<String>,
    error: Option<FieldError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let token = cookie(headers, SESSION_COOKIE).unwrap_or_default();
    let found = bureau(state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        let person = scope.person(s.person_id)?;
        Ok((
            s.stage,
            person.value.mobile.masked(),
            phone_view(scope, lang)?,
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
    let (csrf, set) = csrf_token(headers);
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

pub async fn sms_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    sms_page(&state, lang, &headers, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn sms_submit(
    State(state): State<AppState>,
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
        return sms_page(&state, lang, &headers, None, Some(e), StatusCode::FORBIDDEN).await;
    }
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
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
                &headers,
                None,
                Some(login_message(&e, lang)),
                StatusCode::OK,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn sms_resend(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, AppError> {
    let submitted = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !csrf_ok(&headers, &submitted) {
        let e = FieldError {
            field: None,
            message: Catalog::embedded().text(lang, "error.csrf").to_owned(),
        };
        return sms_page(&state, lang, &headers, None, Some(e), StatusCode::FORBIDDEN).await;
    }
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    match bureau(&state, lang, move |scope, now| {
        login::resend_code(scope, now, &token)
    })
    .await?
    {
        Ok(()) => {
            sms_page(
                &state,
                lang,
                &headers,
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
                &headers,
                None,
                Some(login_message(&e, lang)),
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
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    error: Option<FieldError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let token = cookie(headers, SESSION_COOKIE).unwrap_or_default();
    let found = bureau(state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        Ok((
            s.stage,
            who(scope, s.person_id, s.company_id)?,
            phone_view(scope, lang)?,
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
    let (csrf, set) = csrf_token(headers);
    let page = PasswordPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.password"],
            active: "home",
            who: Some(who),
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

pub async fn password_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    password_page(&state, lang, &headers, None, StatusCode::OK).await
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
    State(state): State<AppState>,
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
        return password_page(&state, lang, &headers, Some(e), StatusCode::FORBIDDEN).await;
    }
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let result = bureau(&state, lang, move |scope, now| {
        login::change_initial_password(scope, now, &token, &form.new_password, &form.confirm)
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
                &headers,
                Some(login_message(&e, lang)),
                StatusCode::OK,
            )
            .await
        }
    }
}

#[derive(Serialize)]
struct WorkbenchPage {
    #[serde(flatten)]
    frame: Frame,
    summary: CompanySummary,
    sandbox_date: String,
    reminders: Vec<String>,
    unread: usize,
    announcements: Vec<super::portal_messages::ItemView>,
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
    State(state): State<AppState>,
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
        let mut notices = super::portal_messages::announcement_views(scope, s.person_id, lang)?;
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

pub async fn logout(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, AppError> {
    let submitted = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !csrf_ok(&headers, &submitted) {
        return Err(AppError::page(StatusCode::FORBIDDEN, lang, "error.csrf"));
    }
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
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

#[derive(Serialize)]
struct Me {
    name: String,
    resident_id: String,
    mobile: String,
    email: String,
    password_changed: Option<String>,
}

#[derive(Serialize)]
struct HistoryRow {
    at: String,
    ip: String,
    action: String,
    result: String,
}

#[derive(Serialize)]
struct SecurityView {
    two_factor: bool,
    ip_allow: String,
    hours_from: String,
    hours_to: String,
}

#[derive(Serialize)]
struct CertView {
    serial: String,
    expires: String,
    state: &'static str,
}

#[derive(Serialize)]
struct AccountPage {
    #[serde(flatten)]
    frame: Frame,
    me: Me,
    security: SecurityView,
    certificate: Option<CertView>,
    history: Vec<HistoryRow>,
    #[serde(flatten)]
    extras: AccountExtras,
}

/// What a submission adds to the account page: a notice or an error, and the state of a
/// contact change in progress.
#[derive(Serialize, Default)]
struct AccountExtras {
    notice: Option<String>,
    error: Option<FieldError>,
    contact_pending: bool,
    contact_which: &'static str,
    contact_value: String,
}

impl AccountExtras {
    fn notice(lang: Lang, key: &str) -> AccountExtras {
        AccountExtras {
            notice: Some(Catalog::embedded().text(lang, key).to_owned()),
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

async fn account_page(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    extras: AccountExtras,
) -> Result<Response, AppError> {
    let token = cookie(headers, SESSION_COOKIE).unwrap_or_default();
    let found = bureau(state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        let person = scope.person(s.person_id)?.value;
        let account = scope.account(s.person_id)?;
        let history = login::login_history(scope, s.person_id, 20)?;
        let cert = certificate::current(scope, s.person_id)?;
        Ok((
            s.stage,
            who(scope, s.person_id, s.company_id)?,
            phone_view(scope, lang)?,
            person,
            account,
            (history, cert),
        ))
    })
    .await?;
    let (stage, who, phone, person, account, (history, cert)) = match found {
        Ok(v) => v,
        Err(e) => return Ok(to_login(&e)),
    };
    if stage != SessionStage::Active {
        return Ok(Redirect::to(stage_home(stage)).into_response());
    }
    let (csrf, set) = csrf_token(headers);
    let email_masked = mask_address(&person.email).unwrap_or_else(|| person.email.clone());
    let page = AccountPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.account"],
            active: "account",
            who: Some(who),
        },
        me: Me {
            name: mask_name(&person.name),
            resident_id: person.resident_id.masked(),
            mobile: person.mobile.masked(),
            email: email_masked,
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
                at: cst(h.at),
                ip: h.ip,
                action: h.action,
                result: h.result,
            })
            .collect(),
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

pub async fn account(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    account_page(&state, lang, &headers, AccountExtras::default()).await
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
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ChangePasswordForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(
            &state,
            lang,
            &headers,
            AccountExtras::error(csrf_refusal(lang)),
        )
        .await;
    }
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let result = bureau(&state, lang, move |scope, now| {
        login::change_password(
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
                &headers,
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
                &headers,
                AccountExtras::error(login_message(&e, lang)),
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<SecurityFormBody>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(
            &state,
            lang,
            &headers,
            AccountExtras::error(csrf_refusal(lang)),
        )
        .await;
    }
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
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
    let c = Catalog::embedded();
    match result {
        Ok(Ok(())) => {
            account_page(
                &state,
                lang,
                &headers,
                AccountExtras::notice(lang, "security.saved"),
            )
            .await
        }
        Ok(Err(p)) => {
            let key = format!("security.{}", p.code());
            let (field, message) = match &p {
                account::SettingsProblem::BadIp(v) => {
                    ("ip_allow", c.format(lang, &key, &[("value", v)]))
                }
                account::SettingsProblem::BadHours => ("hours", c.text(lang, &key).to_owned()),
                account::SettingsProblem::LocksOutThisAddress => {
                    ("ip_allow", c.text(lang, &key).to_owned())
                }
            };
            account_page(
                &state,
                lang,
                &headers,
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

fn contact_message(p: account::ContactProblem, lang: Lang) -> String {
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
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ContactFormBody>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(
            &state,
            lang,
            &headers,
            AccountExtras::error(csrf_refusal(lang)),
        )
        .await;
    }
    let (which, which_name) = contact_kind(&form.which);
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
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
    account_page(&state, lang, &headers, extras).await
}

pub async fn account_contact_confirm(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ContactFormBody>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(
            &state,
            lang,
            &headers,
            AccountExtras::error(csrf_refusal(lang)),
        )
        .await;
    }
    let (which, which_name) = contact_kind(&form.which);
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
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
    account_page(&state, lang, &headers, extras).await
}

/// `POST /portal/login/certificate`: company + certificate file + PIN (multipart form).
pub async fn login_certificate(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
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
            let c = Catalog::embedded();
            let key = format!("login.{}", e.code());
            let message = match &e {
                LoginError::CertExpired { on } => c.format(lang, &key, &[("on", &on.to_string())]),
                other => login_message_parts(other, lang).1,
            };
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
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CertificateForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return account_page(
            &state,
            lang,
            &headers,
            AccountExtras::error(csrf_refusal(lang)),
        )
        .await;
    }
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
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
            let field = if p == certificate::IssueProblem::PinMismatch {
                "pin_confirm"
            } else {
                "pin"
            };
            let message = Catalog::embedded()
                .text(lang, &format!("certificate.{}", p.code()))
                .to_owned();
            account_page(
                &state,
                lang,
                &headers,
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
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    account: String,
    sent: bool,
    notice: Option<String>,
    error: Option<FieldError>,
) -> Result<Response, AppError> {
    let demo = state.demo;
    let phone = state
        .db
        .run_read(move |s| phone_view(&s.tenant(demo), lang))
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
    State(state): State<AppState>,
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

pub(super) fn csrf_refusal(lang: Lang) -> FieldError {
    FieldError {
        field: None,
        message: Catalog::embedded().text(lang, "error.csrf").to_owned(),
    }
}

pub async fn forgot_submit(
    State(state): State<AppState>,
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
        login::request_reset(scope, now, &account)
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
                Some(login_message(&e, lang)),
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
                Some(login_message(&e, lang)),
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
    State(state): State<AppState>,
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
        login::reset_password(
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
            let mut message = login_message(&e, lang);
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
