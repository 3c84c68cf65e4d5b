//! The instructor console (`/console`): staff login, classes, the live dashboard and its
//! controls, the audit log; and the trainee's side of a class, joining (`/join`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::ops::Deref;
use std::time::Duration;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::cookies::{cookie, with_cookies};
use super::portal::{csrf_ok, csrf_token, form_body, render};
use super::sandbox::SANDBOX_COOKIE;
use super::{AppError, AppState, ReqLang};
use crate::classroom::{self, ClassError, Dashboard, Seats};
use crate::i18n::{Catalog, Lang};
use crate::labs::setup::Fault;
use crate::store::{ClassRecord, Store, User};

pub const STAFF_COOKIE: &str = "taxlab_staff";
pub const STAFF_HEADER: &str = "x-staff-token";

/// A signed-in admin, instructor or assistant.
#[derive(Clone)]
pub struct Staff {
    app: AppState,
    pub user: User,
}

impl Deref for Staff {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

fn staff_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(STAFF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| cookie(headers, STAFF_COOKIE))
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Staff, Response> {
        let api = parts.uri.path().starts_with("/api/");
        let lang = super::lang::from_parts(parts);
        let user = match staff_token(&parts.headers) {
            Some(t) => state
                .db
                .run_read(move |s| s.session_user(&t))
                .await
                .map_err(|e| AppError::from_store(e, lang).into_response())?,
            None => None,
        };
        match user {
            Some(user) => Ok(Staff {
                app: state.clone(),
                user,
            }),
            None if api => Err(AppError::api(
                StatusCode::UNAUTHORIZED,
                lang,
                "staff_required",
                Catalog::embedded()
                    .text(lang, "console.required")
                    .to_owned(),
                None,
            )
            .into_response()),
            None => Err(Redirect::to("/console/login").into_response()),
        }
    }
}

/// A refused class action, for a page (or, with `as_json`, the API).
pub fn class_error(e: ClassError, lang: Lang) -> AppError {
    let status = match &e {
        ClassError::NotYours | ClassError::UnknownCode | ClassError::NoSuchSeat => {
            StatusCode::NOT_FOUND
        }
        ClassError::Ended | ClassError::Full => StatusCode::CONFLICT,
        ClassError::Lab(_) | ClassError::Seed(_) | ClassError::Store(_) => {
            tracing::error!(error = %e, "class action failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let c = Catalog::embedded();
    let key = format!("class.error.{}", e.code());
    let message = match &e {
        ClassError::BadSeats { max } => c.format(lang, &key, &[("max", &max.to_string())]),
        ClassError::BadRoster { line, reason } => c.format(
            lang,
            &key,
            &[("line", &line.to_string()), ("reason", reason)],
        ),
        _ => c.text(lang, &key).to_owned(),
    };
    let field = match &e {
        ClassError::NoName => Some("name"),
        ClassError::UnknownPack => Some("pack"),
        ClassError::BadSeats { .. } => Some("seats"),
        ClassError::BadRoster { .. } => Some("roster"),
        ClassError::UnknownCode => Some("code"),
        ClassError::NoNameGiven => Some("who"),
        _ => None,
    };
    AppError::api(status, lang, e.code(), message, field.map(str::to_owned)).as_page()
}

/// Class work in one write transaction.
pub async fn class_work<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&Store<'_>, &crate::labs::Library) -> Result<T, ClassError> + Send + 'static,
) -> Result<T, AppError> {
    let labs = state.labs.clone();
    state
        .db
        .run_write(move |s| Ok(f(s, &labs)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| class_error(e, lang))
}

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

/// Check a staff username and password; audited either way.
pub async fn authenticate(
    state: &AppState,
    username: String,
    password: String,
    ip: String,
    kind: &'static str,
) -> Result<Option<String>, crate::store::StoreError> {
    let now = state.clock.now();
    state
        .db
        .run_write(move |s| {
            let user = s.user_by_name(username.trim())?;
            let ok = user.as_ref().is_some_and(|u| {
                !u.disabled && crate::bureau::login::verify(&password, &u.password_hash)
            });
            s.audit(
                now,
                &user
                    .as_ref()
                    .map_or_else(|| "system".to_owned(), |u| format!("user:{}", u.id)),
                None,
                None,
                &ip,
                "console.login",
                if ok { "ok" } else { "refused" },
                &serde_json::json!({ "username": username, "kind": kind }),
            )?;
            match user {
                Some(u) if ok => Ok(Some(s.open_user_session(u.id, kind, now)?)),
                _ => Ok(None),
            }
        })
        .await
}

pub async fn login_submit(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    let (csrf, set) = csrf_token(&headers);
    let page = |error: &str, username: String| {
        render(
            lang,
            "/console/login",
            "console_login.html",
            LoginPage {
                csrf: csrf.clone(),
                error: Some(Catalog::embedded().text(lang, error).to_owned()),
                username,
            },
            set.clone().into_iter().collect(),
        )
    };
    if !csrf_ok(&headers, &f.csrf) {
        return page("error.csrf", f.username);
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
        Some(t) => Ok(with_cookies(
            Redirect::to("/console").into_response(),
            [format!(
                "{STAFF_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax"
            )],
        )),
        None => {
            let mut res = page("console.login_refused", f.username)?;
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(res)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
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

fn check_csrf(headers: &HeaderMap, csrf: &str, lang: Lang) -> Result<(), AppError> {
    if csrf_ok(headers, csrf) {
        Ok(())
    } else {
        Err(AppError::page(StatusCode::FORBIDDEN, lang, "error.csrf"))
    }
}

// ---- classes ----

#[derive(Serialize)]
struct PackChoice {
    id: String,
    title: String,
}

#[derive(Serialize)]
struct ConsolePage {
    csrf: String,
    me: String,
    role: &'static str,
    classes: Vec<ClassRecord>,
    packs: Vec<PackChoice>,
    error: Option<super::error::FieldErrorView>,
}

async fn console_page(
    staff: &Staff,
    lang: Lang,
    headers: &HeaderMap,
    error: Option<AppError>,
) -> Result<Response, AppError> {
    let owner = (staff.user.role != crate::store::UserRole::Admin).then_some(staff.user.id);
    let classes = staff
        .db
        .run_read(move |s| s.classes(owner))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let (csrf, set) = csrf_token(headers);
    let status = error.as_ref().map(AppError::status);
    let mut res = render(
        lang,
        "/console",
        "console.html",
        ConsolePage {
            csrf,
            me: staff.user.display_name.clone(),
            role: staff.user.role.as_str(),
            classes,
            packs: staff
                .labs
                .packs()
                .iter()
                .map(|p| PackChoice {
                    id: p.id.clone(),
                    title: p.title.get(lang).to_owned(),
                })
                .collect(),
            error: error.map(|e| e.field_view()),
        },
        set.into_iter().collect(),
    )?;
    if let Some(s) = status {
        *res.status_mut() = s;
    }
    Ok(res)
}

pub async fn home(
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    console_page(&staff, lang, &headers, None).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    pack: String,
    #[serde(default)]
    seats: String,
    #[serde(default)]
    roster: String,
    #[serde(default)]
    seed: String,
}

/// Seats from a form or body: a roster when one is given, else the number.
pub fn seats_from(seats: &str, roster: &str) -> Result<Seats, ClassError> {
    if roster.trim().is_empty() {
        let n = seats
            .trim()
            .parse::<u32>()
            .map_err(|_| ClassError::BadSeats {
                max: classroom::MAX_SEATS,
            })?;
        Ok(Seats::Count(n))
    } else {
        Ok(Seats::Roster(classroom::parse_roster(roster)?))
    }
}

pub async fn create(
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CreateForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let seats = match seats_from(&f.seats, &f.roster) {
        Ok(s) => s,
        Err(e) => return console_page(&staff, lang, &headers, Some(class_error(e, lang))).await,
    };
    let seed = f.seed.trim().parse::<u64>().ok();
    let (db, labs, user, now) = (
        staff.db.clone(),
        staff.labs.clone(),
        staff.user.clone(),
        staff.clock.now(),
    );
    let made = tokio::task::spawn_blocking(move || {
        let plan = classroom::ClassPlan {
            name: f.name,
            pack: f.pack,
            seats,
            seed,
        };
        classroom::create_and_launch(&db, &labs, &user, plan, now)
    })
    .await
    .map_err(|_| AppError::internal(lang))?;
    match made {
        Ok(c) => Ok(Redirect::to(&format!("/console/classes/{}", c.id)).into_response()),
        Err(e) => console_page(&staff, lang, &headers, Some(class_error(e, lang))).await,
    }
}

// ---- the dashboard ----

#[derive(Serialize)]
struct DashboardPage {
    csrf: String,
    me: String,
    board: Dashboard,
    lab_titles: Vec<String>,
    join_url: String,
    modules: Vec<&'static str>,
    notice: Option<String>,
}

async fn board(staff: &Staff, lang: Lang, id: i64) -> Result<Dashboard, AppError> {
    let (user, now) = (staff.user.clone(), staff.clock.now());
    class_work(staff, lang, move |s, lib| {
        let class = classroom::class_for(s, &user, id)?;
        classroom::dashboard(s, lib, class, now)
    })
    .await
}

fn class_id(id: &str, lang: Lang) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::not_found(lang))
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    done: Option<String>,
}

pub async fn class_page(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let board = board(&staff, lang, id).await?;
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080")
        .to_owned();
    let lab_titles = board
        .labs
        .iter()
        .map(|l| {
            staff
                .labs
                .lab(l)
                .map_or_else(|| l.clone(), |x| x.title.get(lang).to_owned())
        })
        .collect();
    let notice = q
        .ok()
        .and_then(|Query(q)| q.done)
        .filter(|d| d.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(|d| {
            Catalog::embedded()
                .text(lang, &format!("console.done.{d}"))
                .to_owned()
        });
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/console/classes",
        "console_class.html",
        DashboardPage {
            csrf,
            me: staff.user.display_name.clone(),
            join_url: format!("http://{host}/join/{}", board.class.join_code),
            board,
            lab_titles,
            modules: crate::labs::setup::MODULES.to_vec(),
            notice,
        },
        set.into_iter().collect(),
    )
}

/// `GET /console/classes/{id}/events`: the dashboard as server-sent events, every two
/// seconds while the page is open.
pub async fn events(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, AppError> {
    let id = class_id(&id, lang)?;
    board(&staff, lang, id).await?; // refuses another instructor's class up front
    let stream = futures_util::stream::unfold((staff, true), move |(staff, first)| async move {
        if !first {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let data = match board(&staff, lang, id).await {
            Ok(b) => serde_json::to_string(&b).unwrap_or_default(),
            Err(_) => return None,
        };
        Some((
            Ok(Event::default().event("dashboard").data(data)),
            (staff, false),
        ))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[derive(Deserialize)]
pub struct ControlForm {
    #[serde(default)]
    csrf: String,
    /// A seat number, or empty/"all" for the whole class.
    #[serde(default)]
    seat: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    module: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    text: String,
}

fn seat_of(form: &ControlForm) -> Option<u32> {
    form.seat.trim().parse().ok()
}

/// A fault from a control form or body.
pub fn fault_from(kind: &str, module: &str, minutes: &str) -> Option<Fault> {
    let minutes = minutes
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| *m > 0)
        .unwrap_or(30);
    match kind {
        "maintenance" if crate::labs::setup::MODULES.contains(&module) => {
            Some(Fault::Maintenance {
                module: module.to_owned(),
                minutes,
            })
        }
        "sms_delay" => Some(Fault::SmsDelay { minutes, count: 1 }),
        _ => None,
    }
}

/// One control: check the form, do it in one transaction, back to the dashboard.
#[allow(clippy::too_many_arguments)]
async fn control(
    staff: Staff,
    lang: Lang,
    headers: HeaderMap,
    id: String,
    ip: String,
    form: Result<Form<ControlForm>, FormRejection>,
    done: &'static str,
    f: impl FnOnce(
        &Store<'_>,
        &crate::labs::Library,
        &User,
        &ClassRecord,
        &ControlForm,
        &str,
    ) -> Result<(), ClassError>
    + Send
    + 'static,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let form = form_body(form, lang)?;
    check_csrf(&headers, &form.csrf, lang)?;
    let user = staff.user.clone();
    class_work(&staff, lang, move |s, lib| {
        let class = classroom::class_for(s, &user, id)?;
        f(s, lib, &user, &class, &form, &ip)
    })
    .await?;
    Ok(Redirect::to(&format!("/console/classes/{id}?done={done}")).into_response())
}

pub async fn reset(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((id, seat)): Path<(String, u32)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "reset",
        move |s, lib, u, c, _, ip| classroom::reset_seat(s, lib, u, c, seat, ip, now),
    )
    .await
}

pub async fn fault(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "fault",
        move |s, _, u, c, f, ip| {
            let fault = fault_from(&f.kind, &f.module, &f.minutes).ok_or(ClassError::BadFault)?;
            classroom::inject_fault(s, u, c, seat_of(f), &fault, ip, now).map(|_| ())
        },
    )
    .await
}

pub async fn clear(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "cleared",
        move |s, _, u, c, f, ip| classroom::clear_faults(s, u, c, seat_of(f), ip, now).map(|_| ()),
    )
    .await
}

pub async fn broadcast(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "broadcast",
        move |s, _, u, c, f, ip| classroom::broadcast(s, u, c, &f.text, ip, now),
    )
    .await
}

pub async fn end(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "ended",
        move |s, _, u, c, _, ip| classroom::end(s, u, c, ip, now),
    )
    .await
}

pub async fn pause(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "paused",
        move |s, _, u, c, _, ip| classroom::set_paused(s, u, c, true, ip, now),
    )
    .await
}

pub async fn resume(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "resumed",
        move |s, _, u, c, _, ip| classroom::set_paused(s, u, c, false, ip, now),
    )
    .await
}

pub async fn clock(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "clock",
        move |s, _, u, c, f, ip| {
            let days = f
                .minutes
                .trim()
                .parse::<i64>()
                .map_err(|_| ClassError::BadDays)?;
            classroom::advance_clock(s, u, c, days, ip, now).map(|_| ())
        },
    )
    .await
}

pub async fn hand_done(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((id, seat)): Path<(String, u32)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "hand",
        move |s, _, u, c, _, ip| classroom::resolve_hand(s, u, c, seat, ip, now),
    )
    .await
}

pub async fn regrade(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        headers,
        id,
        peer.ip().to_string(),
        form,
        "regraded",
        move |s, lib, u, c, _, ip| classroom::regrade_class(s, lib, u, c, ip, now).map(|_| ()),
    )
    .await
}

#[derive(Serialize)]
struct AttemptView {
    id: i64,
    title: String,
    mode: &'static str,
    started: String,
    finished: bool,
    hints: usize,
    feedback: Option<super::labs::Feedback>,
}

#[derive(Serialize)]
struct TraceView {
    at: String,
    action: String,
    result: String,
    detail: String,
}

#[derive(Serialize)]
struct SeatPage {
    csrf: String,
    me: String,
    class: ClassRecord,
    seat: crate::store::SeatRecord,
    attempts: Vec<AttemptView>,
    trace: Vec<TraceView>,
}

/// `GET /console/classes/{id}/seats/{seat}`: read-only review of one trainee: every
/// attempt with its grade, and the trace of the latest one.
pub async fn seat_page(
    Path((id, seat)): Path<(String, u32)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let user = staff.user.clone();
    let (class, st, attempts, events) = class_work(&staff, lang, move |s, _| {
        let class = classroom::class_for(s, &user, id)?;
        let st = s
            .seats(id)?
            .into_iter()
            .find(|x| x.seat_no == seat)
            .ok_or(ClassError::NoSuchSeat)?;
        let attempts = s.attempts_of(st.trainee_id)?;
        let events = match attempts.first().and_then(|a| a.tenant) {
            Some(t) => s.tenant(t).trace_events()?,
            None => Vec::new(),
        };
        Ok((class, st, attempts, events))
    })
    .await?;
    let attempts = attempts
        .iter()
        .map(|a| {
            let lab = staff.labs.lab(&a.lab_id);
            AttemptView {
                id: a.id,
                title: lab.map_or_else(|| a.lab_id.clone(), |l| l.title.get(lang).to_owned()),
                mode: a.mode.as_str(),
                started: super::portal::cst(a.started_at),
                finished: a.finished_at.is_some(),
                hints: a.hints.len(),
                feedback: lab
                    .zip(super::labs::stored_grade(a))
                    .map(|(l, g)| super::labs::feedback(l, &g, lang)),
            }
        })
        .collect();
    let trace = events
        .into_iter()
        .rev()
        .map(|e| TraceView {
            at: super::portal::cst(e.at),
            action: e.action,
            result: e.result,
            detail: e.detail,
        })
        .collect();
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/console/seat",
        "console_seat.html",
        SeatPage {
            csrf,
            me: staff.user.display_name.clone(),
            class,
            seat: st,
            attempts,
            trace,
        },
        set.into_iter().collect(),
    )
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct AuditPage {
    csrf: String,
    me: String,
    class: ClassRecord,
    q: String,
    entries: Vec<crate::store::AuditEntry>,
}

pub async fn audit(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let q = q.map(|Query(q)| q.q).unwrap_or_default();
    let (user, query) = (staff.user.clone(), q.clone());
    let (class, entries) = class_work(&staff, lang, move |s, _| {
        let class = classroom::class_for(s, &user, id)?;
        // the sandbox's audit log and the trainees' portal actions, as one list
        let mut entries = s.audit_of_class(id, &query, 500)?;
        entries.extend(s.class_trace(id, &query, 500)?);
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        entries.truncate(500);
        Ok((class, entries))
    })
    .await?;
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/console/audit",
        "console_audit.html",
        AuditPage {
            csrf,
            me: staff.user.display_name.clone(),
            class,
            q,
            entries,
        },
        set.into_iter().collect(),
    )
}

// ---- joining ----

#[derive(Serialize)]
struct JoinPage {
    csrf: String,
    code: String,
    who: String,
    error: Option<super::error::FieldErrorView>,
}

async fn join_page(
    lang: Lang,
    headers: &HeaderMap,
    code: String,
    who: String,
    error: Option<AppError>,
) -> Result<Response, AppError> {
    let (csrf, set) = csrf_token(headers);
    let status = error.as_ref().map(AppError::status);
    let mut res = render(
        lang,
        "/join",
        "join.html",
        JoinPage {
            csrf,
            code,
            who,
            error: error.map(|e| e.field_view()),
        },
        set.into_iter().collect(),
    )?;
    if let Some(s) = status {
        *res.status_mut() = s;
    }
    Ok(res)
}

pub async fn join_form(ReqLang(lang): ReqLang, headers: HeaderMap) -> Result<Response, AppError> {
    join_page(lang, &headers, String::new(), String::new(), None).await
}

pub async fn join_code(
    Path(code): Path<String>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    join_page(lang, &headers, code, String::new(), None).await
}

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    who: String,
}

pub async fn join_submit(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<JoinForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let (code, who, ip, now) = (
        f.code.clone(),
        f.who.clone(),
        peer.ip().to_string(),
        state.clock.now(),
    );
    let labs = state.labs.clone();
    let joined = state
        .db
        .run_write(move |s| Ok(classroom::join(s, &labs, &code, &who, &ip, now)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    match joined {
        Ok(token) => Ok(with_cookies(
            Redirect::to("/lab").into_response(),
            [format!(
                "{SANDBOX_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
            )],
        )),
        Err(e) => join_page(lang, &headers, f.code, f.who, Some(class_error(e, lang))).await,
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<UserForm>, FormRejection>,
) -> Result<Response, AppError> {
    admin_only(&staff, lang)?;
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let c = Catalog::embedded();
    let username = f.username.trim().to_owned();
    let role = crate::store::UserRole::parse(&f.role);
    if username.is_empty()
        || !username
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        || role.is_none()
    {
        let e = c.text(lang, "console.bad_user").to_owned();
        return users_page(&staff, lang, &headers, None, Some(e)).await;
    }
    let password = classroom::new_staff_password();
    let hash = crate::bureau::login::hash_password(&password)
        .map_err(|e| AppError::from_store(e, lang))?;
    let (now, admin, ip) = (staff.clock.now(), staff.user.id, peer.ip().to_string());
    let name = if f.display_name.trim().is_empty() {
        username.clone()
    } else {
        f.display_name.trim().to_owned()
    };
    let (u, r) = (
        username.clone(),
        role.unwrap_or(crate::store::UserRole::Instructor),
    );
    let made = staff
        .db
        .run_write(move |s| {
            let made = s.create_user(&u, &name, r, &hash, now);
            s.audit(
                now,
                &format!("user:{admin}"),
                None,
                None,
                &ip,
                "user.add",
                if made.is_ok() { "ok" } else { "taken" },
                &serde_json::json!({ "username": u, "role": r.as_str() }),
            )?;
            Ok(made.is_ok())
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    if made {
        users_page(&staff, lang, &headers, Some((username, password)), None).await
    } else {
        let e = c.format(lang, "cli.user_exists", &[("username", &username)]);
        users_page(&staff, lang, &headers, None, Some(e)).await
    }
}
