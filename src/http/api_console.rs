//! Classes through the JSON API, for scripts (a training department creating twenty classes)
//! and for the trainee's join: the same rules, audit and errors as the console.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::api_portal::Body;
use super::console::{Staff, authenticate, class_error, class_work, fault_from, seats_from};
use super::error::ApiErrorBody;
use super::{AppError, AppState, ReqLang};
use crate::classroom::{self, ClassError, Dashboard};
use crate::i18n::{Catalog, Lang};
use crate::store::{ClassRecord, UserRole};

#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    username: String,
    password: String,
}

/// `POST /api/v1/console/token`.
#[utoipa::path(post, path = "/api/v1/console/token", tag = "console", request_body = TokenBody, description = "An instructor token for scripts: send it as `X-Staff-Token`. Every sign-in, refused or not, is in the audit log.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn token(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Body(b): Body<TokenBody>,
) -> Result<Json<Value>, AppError> {
    let token = authenticate(&state, b.username, b.password, peer.ip().to_string(), "api")
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    match token {
        Some(t) => Ok(Json(json!({ "token": t }))),
        None => Err(AppError::api(
            axum::http::StatusCode::UNAUTHORIZED,
            lang,
            "login_refused",
            Catalog::embedded()
                .text(lang, "console.login_refused")
                .to_owned(),
            None,
        )),
    }
}

/// `GET /api/v1/classes`.
#[utoipa::path(get, path = "/api/v1/classes", tag = "console", security(("staff" = [])), description = "The instructor's classes (an admin's: every class).",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn list(
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Vec<ClassRecord>>, AppError> {
    let owner = (staff.user.role != UserRole::Admin).then_some(staff.user.id);
    let classes = staff
        .db
        .run_read(move |s| s.classes(owner))
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    Ok(Json(classes))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateBody {
    name: String,
    /// A lab pack id (`GET /api/v1/labs`).
    pack: String,
    /// How many seats, when there is no roster.
    #[serde(default)]
    seats: Option<u32>,
    /// `name,student_no` per line.
    #[serde(default)]
    roster: String,
    /// The data seed; random when absent.
    #[serde(default)]
    seed: Option<u64>,
}

/// `POST /api/v1/classes`.
#[utoipa::path(post, path = "/api/v1/classes", tag = "console", security(("staff" = [])), request_body = CreateBody, description = "Create a class and launch it: one tenant and one trainee per seat, in one pass. Returns the class with its join code and `launch_ms`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn create(
    staff: Staff,
    ReqLang(lang): ReqLang,
    Body(b): Body<CreateBody>,
) -> Result<Json<ClassRecord>, AppError> {
    let seats = seats_from(
        &b.seats.map(|n| n.to_string()).unwrap_or_default(),
        &b.roster,
    )
    .map_err(|e| class_error(e, lang).as_json())?;
    let (db, labs, user, now) = (
        staff.db.clone(),
        staff.labs.clone(),
        staff.user.clone(),
        staff.clock.now(),
    );
    tokio::task::spawn_blocking(move || {
        let plan = classroom::ClassPlan {
            name: b.name,
            pack: b.pack,
            seats,
            seed: b.seed,
        };
        classroom::create_and_launch(&db, &labs, &user, plan, now)
    })
    .await
    .map_err(|_| AppError::internal(lang).as_json())?
    .map(Json)
    .map_err(|e| class_error(e, lang).as_json())
}

fn id_of(id: &str, lang: Lang) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::not_found(lang).as_json())
}

/// `GET /api/v1/classes/{id}`.
#[utoipa::path(get, path = "/api/v1/classes/{id}", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id")), description = "The dashboard: every seat with its labs (state, score), the current lab's step and last action, who is stuck, and the checks failing most.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn dashboard(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Dashboard>, AppError> {
    let id = id_of(&id, lang)?;
    let (user, now) = (staff.user.clone(), staff.clock.now());
    class_work(&staff, lang, move |s, lib| {
        let class = classroom::class_for(s, &user, id)?;
        classroom::dashboard(s, lib, class, now)
    })
    .await
    .map(Json)
    .map_err(AppError::as_json)
}

#[derive(Deserialize, ToSchema)]
pub struct ControlBody {
    /// A seat number; absent for the whole class.
    #[serde(default)]
    seat: Option<u32>,
    /// Faults: `maintenance` or `sms_delay`.
    #[serde(default)]
    kind: String,
    /// Maintenance: `login`, `certificate`, `account`, `staff`, `messages` or `help`.
    #[serde(default)]
    module: String,
    #[serde(default)]
    minutes: Option<i64>,
    /// A broadcast's text.
    #[serde(default)]
    text: String,
}

/// One control, in one transaction, audited.
async fn control(
    staff: Staff,
    lang: Lang,
    id: String,
    ip: String,
    body: ControlBody,
    done: &'static str,
    f: impl FnOnce(
        &crate::store::Store<'_>,
        &crate::labs::Library,
        &crate::store::User,
        &ClassRecord,
        &ControlBody,
        &str,
    ) -> Result<(), ClassError>
    + Send
    + 'static,
) -> Result<Json<Value>, AppError> {
    let id = id_of(&id, lang)?;
    let user = staff.user.clone();
    class_work(&staff, lang, move |s, lib| {
        let class = classroom::class_for(s, &user, id)?;
        f(s, lib, &user, &class, &body, &ip)
    })
    .await
    .map_err(AppError::as_json)?;
    Ok(Json(json!({ "done": done })))
}

/// `POST /api/v1/classes/{id}/seats/{seat}/reset`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/seats/{seat}/reset", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id"), ("seat" = u32, Path, description = "A seat number")), description = "Rescue a trainee: their current lab starts again from its setup in a fresh tenant.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn reset(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((id, seat)): Path<(String, u32)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let now = staff.clock.now();
    let body = ControlBody {
        seat: Some(seat),
        kind: String::new(),
        module: String::new(),
        minutes: None,
        text: String::new(),
    };
    control(
        staff,
        lang,
        id,
        peer.ip().to_string(),
        body,
        "reset",
        move |s, lib, u, c, _, ip| classroom::reset_seat(s, lib, u, c, seat, ip, now),
    )
    .await
}

/// `POST /api/v1/classes/{id}/faults`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/faults", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id")), request_body = ControlBody, description = "Inject a fault for one seat or the whole class, into the bureau each is working in now.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn fault(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Body(b): Body<ControlBody>,
) -> Result<Json<Value>, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        id,
        peer.ip().to_string(),
        b,
        "fault",
        move |s, _, u, c, b, ip| {
            let minutes = b.minutes.map(|m| m.to_string()).unwrap_or_default();
            let fault = fault_from(&b.kind, &b.module, &minutes).ok_or(ClassError::BadFault)?;
            classroom::inject_fault(s, u, c, b.seat, &fault, ip, now).map(|_| ())
        },
    )
    .await
}

/// `POST /api/v1/classes/{id}/faults/clear`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/faults/clear", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id")), request_body = ControlBody, description = "Clear every fault for one seat or the whole class.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn clear(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Body(b): Body<ControlBody>,
) -> Result<Json<Value>, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        id,
        peer.ip().to_string(),
        b,
        "cleared",
        move |s, _, u, c, b, ip| classroom::clear_faults(s, u, c, b.seat, ip, now).map(|_| ()),
    )
    .await
}

/// `POST /api/v1/classes/{id}/broadcast`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/broadcast", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id")), request_body = ControlBody, description = "课堂通知: `text` appears above every trainee's pages and on their simulated phone.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn broadcast(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Body(b): Body<ControlBody>,
) -> Result<Json<Value>, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        id,
        peer.ip().to_string(),
        b,
        "broadcast",
        move |s, _, u, c, b, ip| classroom::broadcast(s, u, c, &b.text, ip, now),
    )
    .await
}

/// `POST /api/v1/classes/{id}/end`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/end", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id")), description = "End the class: no more joins, every trainee's sandbox session ends.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn end(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let now = staff.clock.now();
    let body = ControlBody {
        seat: None,
        kind: String::new(),
        module: String::new(),
        minutes: None,
        text: String::new(),
    };
    control(
        staff,
        lang,
        id,
        peer.ip().to_string(),
        body,
        "ended",
        move |s, _, u, c, _, ip| classroom::end(s, u, c, ip, now),
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct JoinBody {
    /// The class's join code.
    code: String,
    /// A name or student number (the same one takes a trainee back to their seat).
    who: String,
}

/// `POST /api/v1/join`.
#[utoipa::path(post, path = "/api/v1/join", tag = "console", request_body = JoinBody, description = "A trainee joins a class: their seat (by roster name or number, the one they had, or the next free), the pack's first lab started. Returns `sandbox_token` for `X-Sandbox-Token`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn join(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Body(b): Body<JoinBody>,
) -> Result<Json<Value>, AppError> {
    let (ip, now, labs) = (peer.ip().to_string(), state.clock.now(), state.labs.clone());
    let joined = state
        .db
        .run_write(move |s| Ok(classroom::join(s, &labs, &b.code, &b.who, &ip, now)))
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    joined
        .map(|token| Json(json!({ "sandbox_token": token })))
        .map_err(|e| class_error(e, lang).as_json())
}

fn no_body() -> ControlBody {
    ControlBody {
        seat: None,
        kind: String::new(),
        module: String::new(),
        minutes: None,
        text: String::new(),
    }
}

/// `POST /api/v1/classes/{id}/pause`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/pause", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id")), description = "Pause the class: trainees' bureau and labs answer 503 `class_paused` until resumed.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn pause(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        id,
        peer.ip().to_string(),
        no_body(),
        "paused",
        move |s, _, u, c, _, ip| classroom::set_paused(s, u, c, true, ip, now),
    )
    .await
}

/// `POST /api/v1/classes/{id}/resume`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/resume", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id")), description = "Resume a paused class.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn resume(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        id,
        peer.ip().to_string(),
        no_body(),
        "resumed",
        move |s, _, u, c, _, ip| classroom::set_paused(s, u, c, false, ip, now),
    )
    .await
}

/// `POST /api/v1/classes/{id}/clock`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/clock", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id")), request_body = ControlBody, description = "Move the class's sandbox date forward by `minutes` whole days (the field is reused: 1 to 366).",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn clock(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Body(b): Body<ControlBody>,
) -> Result<Json<Value>, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        id,
        peer.ip().to_string(),
        b,
        "clock",
        move |s, _, u, c, b, ip| {
            let days = b.minutes.ok_or(ClassError::BadDays)?;
            classroom::advance_clock(s, u, c, days, ip, now).map(|_| ())
        },
    )
    .await
}

/// `POST /api/v1/classes/{id}/seats/{seat}/hand`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/seats/{seat}/hand", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id"), ("seat" = u32, Path, description = "A seat number")), description = "Mark a seat's raised hand (举手) as handled.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn hand_done(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((id, seat)): Path<(String, u32)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let now = staff.clock.now();
    control(
        staff,
        lang,
        id,
        peer.ip().to_string(),
        no_body(),
        "hand",
        move |s, _, u, c, _, ip| classroom::resolve_hand(s, u, c, seat, ip, now),
    )
    .await
}

/// `POST /api/v1/hand`.
#[utoipa::path(post, path = "/api/v1/hand", tag = "console", security(("sandbox" = [])), description = "举手: a trainee in a class asks the instructor for help (shown on the dashboard until handled).",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn hand(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    desk: super::sandbox::Desk,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let (trainee, now, ip) = (desk.trainee.id, desk.clock.now(), peer.ip().to_string());
    class_work(&desk, lang, move |s, _| {
        classroom::raise_hand(s, trainee, &ip, now)
    })
    .await
    .map_err(AppError::as_json)?;
    Ok(Json(json!({ "done": "hand" })))
}
