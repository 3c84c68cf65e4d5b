//! Staff sign-in and out, and the admin's page for staff accounts.

use super::*;

// ---- staff login ----

#[derive(Serialize)]
struct LoginPage {
    csrf: String,
    error: Option<String>,
    username: String,
}

pub async fn login_form(ReqLang(lang): ReqLang, headers: HeaderMap) -> Result<Response, AppError> {
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/console/login",
        "console_login.html",
        LoginPage {
            csrf,
            error: None,
            username: String::new(),
        },
        set.into_iter().collect(),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub use crate::classroom::staff::SignInRefusal;
use crate::classroom::staff::{LOCK_AFTER, LOCK_MINUTES};

/// Check a staff username and password (see [`crate::classroom::staff::sign_in`]).
pub async fn authenticate(
    state: &AppState,
    username: String,
    password: String,
    ip: String,
    kind: &'static str,
) -> Result<Result<String, SignInRefusal>, crate::store::StoreError> {
    crate::classroom::staff::sign_in(&state.db, state.clock.now(), username, password, ip, kind)
        .await
}

pub async fn login_submit(
    peer: crate::http::net::ClientAddr,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    let (csrf, set) = csrf_token(&headers);
    let page = |error: String, username: String| {
        render(
            lang,
            "/console/login",
            "console_login.html",
            LoginPage {
                csrf: csrf.clone(),
                error: Some(error),
                username,
            },
            set.clone().into_iter().collect(),
        )
    };
    let c = Catalog::embedded();
    if !csrf_ok(&headers, &f.csrf) {
        return page(c.text(lang, "error.csrf").to_owned(), f.username);
    }
    let token = authenticate(
        &state,
        f.username.clone(),
        f.password,
        peer.ip().to_string(),
        "browser",
    )
    .await
    .map_err(|e| AppError::from_store(e, lang))?;
    match token {
        Ok(t) => Ok(with_cookies(
            Redirect::to("/console").into_response(),
            [format!(
                "{STAFF_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax"
            )],
        )),
        Err(refusal) => {
            let (status, message) = refusal_text(&refusal, lang);
            let mut res = page(message, f.username)?;
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

/// A refused sign-in's status and message, for the page and the API.
pub fn refusal_text(r: &SignInRefusal, lang: Lang) -> (StatusCode, String) {
    let c = Catalog::embedded();
    match r {
        SignInRefusal::Wrong => (
            StatusCode::UNAUTHORIZED,
            c.text(lang, "console.login_refused").to_owned(),
        ),
        SignInRefusal::Locked { minutes } => (
            StatusCode::TOO_MANY_REQUESTS,
            c.format(
                lang,
                "console.login_locked",
                &[("minutes", &minutes.to_string())],
            ),
        ),
    }
}

pub async fn logout(
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    if let Some(t) = staff_token(&headers) {
        staff
            .db
            .run_write(move |s| s.close_user_session(&t))
            .await
            .map_err(|e| AppError::from_store(e, lang))?;
    }
    Ok(with_cookies(
        Redirect::to("/console/login").into_response(),
        [format!(
            "{STAFF_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        )],
    ))
}

// ---- a staff member's own password ----

/// Why a password change was refused; each has a catalogue key `console.pw.<code>` and a
/// field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRefusal {
    WrongCurrent,
    TooShort,
    TooLong,
    SameAsUsername,
    Mismatch,
    /// Too many wrong current passwords lately.
    Locked,
}

impl PasswordRefusal {
    pub fn code(self) -> &'static str {
        match self {
            PasswordRefusal::WrongCurrent => "wrong_current",
            PasswordRefusal::TooShort => "too_short",
            PasswordRefusal::TooLong => "too_long",
            PasswordRefusal::SameAsUsername => "same_as_username",
            PasswordRefusal::Mismatch => "mismatch",
            PasswordRefusal::Locked => "locked",
        }
    }

    fn field(self) -> Option<&'static str> {
        match self {
            PasswordRefusal::WrongCurrent => Some("current"),
            PasswordRefusal::TooShort
            | PasswordRefusal::TooLong
            | PasswordRefusal::SameAsUsername => Some("new_password"),
            PasswordRefusal::Mismatch => Some("confirm"),
            PasswordRefusal::Locked => None,
        }
    }

    /// As an error for a page or (with `as_json`) the API.
    pub fn error(self, lang: Lang) -> AppError {
        let status = match self {
            PasswordRefusal::Locked => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let c = Catalog::embedded();
        let key = format!("console.pw.{}", self.code());
        let message = c.format(
            lang,
            &key,
            &[
                ("min", &STAFF_PASSWORD_MIN.to_string()),
                ("max", &STAFF_PASSWORD_MAX.to_string()),
                ("minutes", &LOCK_MINUTES.to_string()),
            ],
        );
        AppError::api(
            status,
            lang,
            self.code(),
            message,
            self.field().map(str::to_owned),
        )
    }
}

/// A staff password's length, in characters.
pub const STAFF_PASSWORD_MIN: usize = 10;
pub const STAFF_PASSWORD_MAX: usize = 128;

/// Wrong current passwords a user may give in [`LOCK_MINUTES`] before changing is refused.
const PASSWORD_TRIES: crate::store::limits::Limit = crate::store::limits::Limit {
    kind: "staff_password",
    max: LOCK_AFTER,
    window: chrono::Duration::minutes(LOCK_MINUTES),
};

/// Change the signed-in staff member's password: the current one checked (and counted), the
/// new one hashed, both outside any transaction; then every other sign-in and API token of
/// the user ends, this one goes on. Audited.
pub async fn change_password(
    staff: &Staff,
    current: String,
    new: String,
    confirm: String,
    ip: String,
) -> Result<Result<(), PasswordRefusal>, crate::store::StoreError> {
    let n = new.chars().count();
    if n < STAFF_PASSWORD_MIN {
        return Ok(Err(PasswordRefusal::TooShort));
    }
    if n > STAFF_PASSWORD_MAX {
        return Ok(Err(PasswordRefusal::TooLong));
    }
    if new.trim().eq_ignore_ascii_case(staff.user.username.trim()) {
        return Ok(Err(PasswordRefusal::SameAsUsername));
    }
    if new != confirm {
        return Ok(Err(PasswordRefusal::Mismatch));
    }
    let (user, now) = (staff.user.id, staff.clock.now());
    let key = user.to_string();
    // the hash as it is now, read with the attempt counted
    let hash = staff
        .db
        .run_write(move |s| {
            if !PASSWORD_TRIES.take(s, &key, now)? {
                return Ok(None);
            }
            Ok(Some(
                s.users()?
                    .into_iter()
                    .find(|u| u.id == user)
                    .map(|u| u.password_hash),
            ))
        })
        .await?;
    let Some(Some(hash)) = hash else {
        return Ok(Err(PasswordRefusal::Locked));
    };
    let audited = move |s: &crate::store::Store<'_>, outcome: &str| {
        s.audit(
            now,
            &format!("user:{user}"),
            None,
            None,
            &ip,
            "console.password",
            outcome,
            &serde_json::json!({}),
        )
    };
    if !crate::secrets::verify_async(current, hash).await {
        staff
            .db
            .run_write(move |s| audited(s, "wrong_current"))
            .await?;
        return Ok(Err(PasswordRefusal::WrongCurrent));
    }
    let hashed = crate::secrets::hash_async(new, crate::secrets::Strength::Person).await?;
    let keep = staff.token.clone();
    staff
        .db
        .run_write(move |s| {
            s.set_user_password(user, &hashed)?;
            s.close_other_user_sessions(user, &keep)?;
            audited(s, "ok")
        })
        .await?;
    Ok(Ok(()))
}

#[derive(Serialize)]
struct PasswordPage {
    csrf: String,
    me: String,
    done: bool,
    error: Option<crate::http::error::FieldErrorView>,
}

fn password_page(
    staff: &Staff,
    lang: Lang,
    headers: &HeaderMap,
    done: bool,
    error: Option<AppError>,
) -> Result<Response, AppError> {
    let (csrf, set) = csrf_token(headers);
    let status = error.as_ref().map(AppError::status);
    let res = render(
        lang,
        "/console/password",
        "console_password.html",
        PasswordPage {
            csrf,
            me: staff.user.display_name.clone(),
            done,
            error: error.map(AppError::field_view),
        },
        set.into_iter().collect(),
    )?;
    Ok(crate::http::error::with_status(res, status))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

/// `GET /console/password`.
pub async fn password_form(
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    password_page(&staff, lang, &headers, false, None)
}

/// `POST /console/password`.
pub async fn password_submit(
    peer: crate::http::net::ClientAddr,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let changed = change_password(
        &staff,
        f.current,
        f.new_password,
        f.confirm,
        peer.ip().to_string(),
    )
    .await
    .map_err(|e| AppError::from_store(e, lang))?;
    match changed {
        Ok(()) => password_page(&staff, lang, &headers, true, None),
        Err(r) => password_page(&staff, lang, &headers, false, Some(r.error(lang).as_page())),
    }
}

// ---- staff accounts (admin) ----

#[derive(Serialize)]
struct UserRow {
    username: String,
    display_name: String,
    role: &'static str,
}

#[derive(Serialize)]
struct UsersPage {
    csrf: String,
    me: String,
    users: Vec<UserRow>,
    created: Option<(String, String)>,
    error: Option<String>,
}

fn admin_only(staff: &Staff, lang: Lang) -> Result<(), AppError> {
    if staff.user.role == crate::store::UserRole::Admin {
        Ok(())
    } else {
        Err(AppError::page(
            StatusCode::FORBIDDEN,
            lang,
            "console.admin_only",
        ))
    }
}

async fn users_page(
    staff: &Staff,
    lang: Lang,
    headers: &HeaderMap,
    created: Option<(String, String)>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let users = staff
        .db
        .run_read(|s| s.users())
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let (csrf, set) = csrf_token(headers);
    render(
        lang,
        "/console/users",
        "console_users.html",
        UsersPage {
            csrf,
            me: staff.user.display_name.clone(),
            users: users
                .into_iter()
                .map(|u| UserRow {
                    username: u.username,
                    display_name: u.display_name,
                    role: u.role.as_str(),
                })
                .collect(),
            created,
            error,
        },
        set.into_iter().collect(),
    )
}

/// `GET /console/users`: the staff accounts (admin only).
pub async fn users(
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    admin_only(&staff, lang)?;
    users_page(&staff, lang, &headers, None, None).await
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

/// `POST /console/users`: add an instructor or assistant; the password shows once.
pub async fn add_user(
    peer: crate::http::net::ClientAddr,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<UserForm>, FormRejection>,
) -> Result<Response, AppError> {
    admin_only(&staff, lang)?;
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let c = Catalog::embedded();
    let role = crate::store::UserRole::parse(&f.role);
    let (Ok(username), Some(role)) = (classroom::staff::username(&f.username), role) else {
        let e = c.text(lang, "console.bad_user").to_owned();
        return users_page(&staff, lang, &headers, None, Some(e)).await;
    };
    let password = classroom::new_staff_password();
    let hash = crate::secrets::hash_async(password.clone(), crate::secrets::Strength::Person)
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let (now, actor, ip) = (
        staff.clock.now(),
        format!("user:{}", staff.user.id),
        peer.ip().to_string(),
    );
    let (u, name) = (username.clone(), f.display_name.clone());
    let made = staff
        .db
        .run_write(move |s| classroom::staff::add_user(s, now, &actor, &ip, &u, &name, role, &hash))
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .is_ok();
    if made {
        users_page(&staff, lang, &headers, Some((username, password)), None).await
    } else {
        let e = c.format(lang, "cli.user_exists", &[("username", &username)]);
        users_page(&staff, lang, &headers, None, Some(e)).await
    }
}
