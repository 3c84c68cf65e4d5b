//! Classes through the JSON API, for scripts (a training department creating twenty classes)
//! and for the trainee's join: the same rules, audit and errors as the console.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::console::{Staff, authenticate, class_error, class_work, run_control, seats_from};
use super::error::ApiErrorBody;
use super::forms::Body;
use super::{AppError, AppState, ReqLang};
use crate::classroom::ControlInput;
use crate::classroom::{self, Dashboard};
use crate::i18n::Lang;
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
    peer: crate::http::net::ClientAddr,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Body(b): Body<TokenBody>,
) -> Result<Json<Value>, AppError> {
    let token = authenticate(&state, b.username, b.password, peer.ip().to_string(), "api")
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    match token {
        Ok(t) => Ok(Json(json!({ "token": t }))),
        Err(refusal) => {
            let code = match refusal {
                crate::http::console::SignInRefusal::Wrong => "login_refused",
                crate::http::console::SignInRefusal::Locked { .. } => "locked",
            };
            let (status, message) = crate::http::console::refusal_text(&refusal, lang);
            Err(AppError::api(status, lang, code, message, None))
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordBody {
    current: String,
    new_password: String,
    confirm: String,
}

/// `POST /api/v1/console/password`.
#[utoipa::path(post, path = "/api/v1/console/password", tag = "console", security(("staff" = [])), request_body = PasswordBody, description = "Change your own password: the current one, and a new one of 10 to 128 characters that is not the username, twice. Every other sign-in and API token of yours ends; the one this call uses goes on. Five wrong current passwords in 15 minutes lock changing for a while (429).",
    responses((status = 200, description = "`{done: password_changed}`"), (status = "4XX", description = "Refused at its field", body = ApiErrorBody)))]
pub async fn password(
    peer: crate::http::net::ClientAddr,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Body(b): Body<PasswordBody>,
) -> Result<Json<Value>, AppError> {
    let changed = crate::http::console::change_password(
        &staff,
        b.current,
        b.new_password,
        b.confirm,
        peer.ip().to_string(),
    )
    .await
    .map_err(|e| AppError::from_store(e, lang).as_json())?;
    changed
        .map(|()| Json(json!({ "done": "password_changed" })))
        .map_err(|r| r.error(lang).as_json())
}

/// `DELETE /api/v1/console/token`.
#[utoipa::path(delete, path = "/api/v1/console/token", tag = "console", security(("staff" = [])), description = "Revoke the token this call is made with (a script's token, or the console session). Tokens also expire by themselves: API tokens after 30 days, console sign-ins after 12 hours.",
    responses((status = 200, description = "`{done: revoked}`"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn revoke_token(staff: Staff, ReqLang(lang): ReqLang) -> Result<Json<Value>, AppError> {
    let token = staff.token.clone();
    staff
        .db
        .run_write(move |s| s.close_user_session(&token))
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    Ok(Json(json!({ "done": "revoked" })))
}

/// `DELETE /api/v1/console/tokens`.
#[utoipa::path(delete, path = "/api/v1/console/tokens", tag = "console", security(("staff" = [])), description = "Revoke every API token of this user (a leaked script token, say); console sign-ins stay.",
    responses((status = 200, description = "`{done: revoked, tokens}`: how many were revoked"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn revoke_tokens(
    peer: crate::http::net::ClientAddr,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let (user, now, ip) = (staff.user.id, staff.clock.now(), peer.ip().to_string());
    let n = staff
        .db
        .run_write(move |s| {
            let n = s.revoke_api_tokens(user)?;
            s.audit(
                now,
                &format!("user:{user}"),
                None,
                None,
                &ip,
                "console.tokens_revoke",
                "ok",
                &json!({ "tokens": n }),
            )?;
            Ok(n)
        })
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    Ok(Json(json!({ "done": "revoked", "tokens": n })))
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
    /// When trainees may join (RFC 3339, or `2026-11-27T09:00` in China Standard Time);
    /// they may join 15 minutes early. Any time when absent.
    #[serde(default)]
    starts_at: String,
    /// When the class ends by itself; it runs until ended when absent.
    #[serde(default)]
    ends_at: String,
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
    let schedule = |t: &str, field| {
        classroom::parse_time(t, field).map_err(|e| class_error(e, lang).as_json())
    };
    let (starts_at, ends_at) = (
        schedule(&b.starts_at, "starts_at")?,
        schedule(&b.ends_at, "ends_at")?,
    );
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
            starts_at,
            ends_at,
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
    crate::http::console::board(&staff, lang, id)
        .await
        .map(Json)
        .map_err(AppError::as_json)
}

#[derive(Deserialize, ToSchema, Default)]
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
    /// `test-open`: the form (`a`, `b`, `all`; `a` before and `b` after by default).
    #[serde(default)]
    form: String,
    /// `test-open`: attempts allowed, 1–10 (default 1).
    #[serde(default)]
    attempts: Option<i64>,
}

/// A control's body: JSON, or nothing at all for controls that need nothing.
fn control_body(bytes: &[u8], lang: Lang) -> Result<ControlBody, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(ControlBody::default());
    }
    serde_json::from_slice(bytes).map_err(|_| super::api_portal::bad_body(lang))
}

fn input(b: ControlBody) -> ControlInput {
    ControlInput {
        kind: b.kind,
        module: b.module,
        minutes: b.minutes,
        text: b.text,
        form: b.form,
        attempts: b.attempts,
    }
}

/// `POST /api/v1/classes/{id}/{action}`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/{action}", tag = "console", security(("staff" = [])),
    params(("id" = i64, Path, description = "A class id"), ("action" = String, Path, description = "`faults` (kind `maintenance` with `module` and `minutes`, or `sms_delay`), `faults-clear`, `broadcast` (`text`), `pause`, `resume`, `clock` (`minutes` = days, 1–366), `regrade`, `end`, `test-open` (`kind` `pre` or `post`, `form`, `minutes` 1–180, `attempts` 1–10), `test-close` (`kind`); `seat` in the body limits `faults` and `faults-clear` to one seat")),
    request_body = ControlBody, description = "A control for the class: the same rules and audit as the console's buttons. Returns `{done}`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn class_action(
    peer: crate::http::net::ClientAddr,
    Path((id, action)): Path<(String, String)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    body: axum::body::Bytes,
) -> Result<Json<Value>, AppError> {
    let id = id_of(&id, lang)?;
    let b = control_body(&body, lang)?;
    let seat = b.seat;
    let done = run_control(
        &staff,
        lang,
        id,
        seat,
        &action,
        input(b),
        peer.ip().to_string(),
    )
    .await
    .map_err(AppError::as_json)?;
    Ok(Json(json!({ "done": done })))
}

/// `POST /api/v1/classes/{id}/seats/{seat}/{action}`.
#[utoipa::path(post, path = "/api/v1/classes/{id}/seats/{seat}/{action}", tag = "console", security(("staff" = [])),
    params(("id" = i64, Path, description = "A class id"), ("seat" = u32, Path, description = "A seat number"), ("action" = String, Path, description = "`reset` (the trainee's current lab starts again in a fresh tenant), `hand` (a raised hand is handled), or any class action for this seat only")),
    request_body = ControlBody, description = "A control for one seat. Returns `{done}`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn seat_action(
    peer: crate::http::net::ClientAddr,
    Path((id, seat, action)): Path<(String, u32, String)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    body: axum::body::Bytes,
) -> Result<Json<Value>, AppError> {
    let id = id_of(&id, lang)?;
    let b = control_body(&body, lang)?;
    let done = run_control(
        &staff,
        lang,
        id,
        Some(seat),
        &action,
        input(b),
        peer.ip().to_string(),
    )
    .await
    .map_err(AppError::as_json)?;
    Ok(Json(json!({ "done": done })))
}

#[derive(Deserialize, ToSchema)]
pub struct JoinBody {
    /// The class's join code.
    code: String,
    /// A name or student number (the same one, with the seat PIN, takes a trainee back to
    /// their seat).
    who: String,
    /// The seat PIN the first join gave (`seat_pin`), needed to rejoin a seat.
    #[serde(default)]
    pin: String,
}

/// `POST /api/v1/join`.
#[utoipa::path(post, path = "/api/v1/join", tag = "console", request_body = JoinBody, description = "A trainee joins a class: their seat (by roster name or number, the one they had, or the next free), the pack's first lab started. Returns `sandbox_token` for `X-Sandbox-Token`, the seat number, and at the first join `seat_pin`: a 4-digit PIN rejoining the seat needs (5 wrong PINs lock the seat until the instructor frees or unlocks it).",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn join(
    peer: crate::http::net::ClientAddr,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Body(b): Body<JoinBody>,
) -> Result<Json<Value>, AppError> {
    let (ip, now, labs) = (peer.ip().to_string(), state.clock.now(), state.labs.clone());
    let joined = state
        .db
        .run_write(move |s| {
            let req = classroom::JoinRequest {
                code: &b.code,
                who: &b.who,
                pin: &b.pin,
                ip: &ip,
            };
            crate::http::console::kept(classroom::join(s, &labs, &req, now))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    joined
        .map(|j| Json(json!({ "sandbox_token": j.token, "seat": j.seat, "seat_pin": j.pin })))
        .map_err(|e| class_error(e, lang).as_json())
}

/// `POST /api/v1/hand`.
#[utoipa::path(post, path = "/api/v1/hand", tag = "console", security(("sandbox" = [])), description = "举手: a trainee in a class asks the instructor for help (shown on the dashboard until handled).",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn hand(
    peer: crate::http::net::ClientAddr,
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

// ---- self-paced courses ----

/// `GET /api/v1/courses`.
#[utoipa::path(get, path = "/api/v1/courses", tag = "console", security(("staff" = [])), description = "The courses this user runs (every course for an admin), with how many learners registered and completed.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn courses(staff: Staff, ReqLang(lang): ReqLang) -> Result<Json<Value>, AppError> {
    let who = (staff.user.role != UserRole::Admin).then_some(staff.user.id);
    let rows = staff
        .db
        .run_read(move |s| crate::http::console::course_rows(s, who))
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    Ok(Json(json!(rows)))
}

#[derive(Deserialize, ToSchema)]
pub struct CourseBody {
    name: String,
    /// A lab pack id (`GET /api/v1/labs`).
    pack: String,
    /// The data seed; random when absent.
    #[serde(default)]
    seed: Option<u64>,
}

/// `POST /api/v1/courses`.
#[utoipa::path(post, path = "/api/v1/courses", tag = "console", security(("staff" = [])), request_body = CourseBody, description = "Open a self-paced course for a lab pack. Returns the course with its `enrol_code` (the learners' page is `/course/<code>`).",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn create_course(
    staff: Staff,
    ReqLang(lang): ReqLang,
    Body(b): Body<CourseBody>,
) -> Result<Json<crate::store::CourseRecord>, AppError> {
    let (user, now) = (staff.user.clone(), staff.clock.now());
    class_work(&staff, lang, move |s, lib| {
        crate::http::console::opened(s, lib, &user, &b.name, &b.pack, b.seed, now)
    })
    .await
    .map(Json)
    .map_err(AppError::as_json)
}

/// `GET /api/v1/courses/{id}`.
#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A course id")), description = "The course and every learner's progress: labs passed, best scores, completion record.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn course(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let id = id_of(&id, lang)?;
    let (user, now) = (staff.user.clone(), staff.clock.now());
    class_work(&staff, lang, move |s, lib| {
        let c = classroom::course::course_for(s, &user, id)?;
        let learners = classroom::course::learners(s, lib, &c, lang, now)?;
        Ok(json!({ "course": c, "learners": learners }))
    })
    .await
    .map(Json)
    .map_err(AppError::as_json)
}

/// `POST /api/v1/courses/{id}/{action}`.
#[utoipa::path(post, path = "/api/v1/courses/{id}/{action}", tag = "console", security(("staff" = [])),
    params(("id" = i64, Path, description = "A course id"), ("action" = String, Path, description = "`open` or `close` enrolment")),
    description = "Open or close a course for new learners (those registered can always sign in). Returns `{done}`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn course_action(
    peer: crate::http::net::ClientAddr,
    Path((id, action)): Path<(String, String)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let id = id_of(&id, lang)?;
    let open = match action.as_str() {
        "open" => true,
        "close" => false,
        _ => return Err(AppError::not_found(lang).as_json()),
    };
    let (user, now, ip) = (staff.user.clone(), staff.clock.now(), peer.ip().to_string());
    class_work(&staff, lang, move |s, _| {
        let c = classroom::course::course_for(s, &user, id)?;
        classroom::course::set_open(s, &user, &c, open, &ip, now)
    })
    .await
    .map_err(AppError::as_json)?;
    Ok(Json(json!({ "done": action })))
}

/// The report's `?format=` and, for CSV, `&section=`.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFormat {
    /// `json` (the default: the report itself), `xlsx`, `pdf`, `csv` (with `section`) or
    /// `xapi` (the learning records as xAPI statements).
    #[serde(default)]
    format: String,
    /// For `csv`: people, questions, labs, checks, survey or gradebook.
    #[serde(default)]
    section: String,
}

async fn report(
    staff: Staff,
    lang: Lang,
    headers: HeaderMap,
    subject: crate::http::console::ReportSubject,
    q: ReportFormat,
) -> Result<Response, AppError> {
    if q.format.is_empty() || q.format == "json" {
        return crate::http::console::report_for(&staff, lang, &subject)
            .await
            .map(|r| Json(r).into_response())
            .map_err(AppError::as_json);
    }
    crate::http::console::report_file(&staff, lang, &headers, &subject, &q.format, &q.section)
        .await
        .map_err(AppError::as_json)?
        .ok_or_else(|| AppError::not_found(lang).as_json())
}

/// `GET /api/v1/classes/{id}/report`.
#[utoipa::path(get, path = "/api/v1/classes/{id}/report", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A class id"), ReportFormat),
    description = "培训效果评估报告: the class's report by Kirkpatrick level (docs/evaluation.md): the survey (L1), tests with the normalised gain, questions' difficulty and discrimination, labs and the checks failed most (L2), the follow-up and retention lab (L3), filing mistakes in the labs (L4), a row per trainee, and what is missing. With `format`, the same as an XLSX workbook, a PDF, a CSV section or xAPI statements.",
    responses((status = 200, description = "Done", body = crate::evaluation::report::Report), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn class_report(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<ReportFormat>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = id_of(&id, lang)?;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let subject = crate::http::console::ReportSubject::Owner(crate::store::TestOwner::Class(id));
    report(staff, lang, headers, subject, q).await
}

/// `GET /api/v1/courses/{id}/report`.
#[utoipa::path(get, path = "/api/v1/courses/{id}/report", tag = "console", security(("staff" = [])), params(("id" = i64, Path, description = "A course id"), ReportFormat),
    description = "The same report for a self-paced course, in the same formats.",
    responses((status = 200, description = "Done", body = crate::evaluation::report::Report), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn course_report(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<ReportFormat>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = id_of(&id, lang)?;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let subject = crate::http::console::ReportSubject::Owner(crate::store::TestOwner::Course(id));
    report(staff, lang, headers, subject, q).await
}

/// `GET /api/v1/packs/{pack}/report`.
#[utoipa::path(get, path = "/api/v1/packs/{pack}/report", tag = "console", security(("staff" = [])), params(("pack" = String, Path, description = "A lab pack's id"), ReportFormat),
    description = "The report of every class of a lab pack that the caller runs or assists (an admin: all) together: tests, labs and surveys over all their trainees, a row per trainee with their class. The same formats.",
    responses((status = 200, description = "Done", body = crate::evaluation::report::Report), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn pack_report(
    Path(pack): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<ReportFormat>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    report(
        staff,
        lang,
        headers,
        crate::http::console::ReportSubject::Pack(pack),
        q,
    )
    .await
}
