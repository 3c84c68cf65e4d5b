//! Labs through the JSON API: the same attempts, hints, checks and grades as the pages.

use axum::Json;
use axum::extract::Path;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::error::ApiErrorBody;
use super::forms::Body;
use super::labs::{
    Feedback, LabPanel, LabsView, feedback, lab_error, lab_work, labs_view, panel, stored_grade,
};
use super::sandbox::Desk;
use super::{AppError, ReqLang};
use crate::i18n::Lang;
use crate::labs::run::{self, LabError, Next};
use crate::store::{Attempt, Mode};

fn no_attempt(lang: Lang) -> AppError {
    lab_error(LabError::NoAttempt, lang).as_json()
}

fn current(desk: &Desk, lang: Lang) -> Result<Attempt, AppError> {
    desk.attempt.clone().ok_or_else(|| no_attempt(lang))
}

/// `GET /api/v1/labs`.
#[utoipa::path(get, path = "/api/v1/labs", tag = "labs", security(("sandbox" = [])), description = "The lab packs and labs on offer, each with the trainee's best score, and the trainee's attempts.",
    responses((status = 200, description = "Done", body = LabsView), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn list(desk: Desk, ReqLang(lang): ReqLang) -> Result<Json<LabsView>, AppError> {
    let trainee = desk.trainee.id;
    let attempts = desk
        .db
        .run_read(move |s| s.attempts_of(trainee))
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    Ok(Json(labs_view(
        &desk.labs,
        &attempts,
        lang,
        desk.clock.now(),
        desk.time(),
    )))
}

/// `POST /api/v1/labs/{id}/start`.
#[utoipa::path(post, path = "/api/v1/labs/{id}/start", tag = "labs", security(("sandbox" = [])), params(("id" = String, Path, description = "A lab id")), description = "Start a lab in practice mode: a tenant of its own is generated from the lab's setup and becomes the one the bureau shows. Returns the task panel.",
    responses((status = 200, description = "Done", body = LabPanel), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn start(
    Path(id): Path<String>,
    peer: crate::http::net::ClientAddr,
    desk: Desk,
    ReqLang(lang): ReqLang,
) -> Result<Json<LabPanel>, AppError> {
    let (trainee, now, ip) = (
        desk.trainee.clone(),
        desk.clock.now(),
        peer.ip().to_string(),
    );
    let a = lab_work(&desk, lang, move |s, lib| {
        let lab = lib.lab(&id).ok_or(LabError::UnknownLab)?;
        run::count_start(s, trainee.id, &ip, now)?;
        let id = run::start(s, lab, &trainee, Mode::Practice, None, now)?;
        Ok(s.attempt_of(trainee.id, id)?)
    })
    .await
    .map_err(AppError::as_json)?;
    panel_of(&desk, &a, lang)
}

fn panel_of(desk: &Desk, a: &Attempt, lang: Lang) -> Result<Json<LabPanel>, AppError> {
    panel_on(desk, a, lang, desk.trainee.sandbox_date)
}

/// The attempt's task panel as JSON, with the sandbox on `today` (the trainee's date, or
/// the one a request has just moved it to).
pub(super) fn panel_on(
    desk: &Desk,
    a: &Attempt,
    lang: Lang,
    today: chrono::NaiveDate,
) -> Result<Json<LabPanel>, AppError> {
    let lab = desk
        .labs
        .lab(&a.lab_id)
        .ok_or_else(|| lab_error(LabError::UnknownLab, lang).as_json())?;
    let time = crate::domain::SandboxTime::new(today, desk.clock.now());
    panel(lab, a, lang, time, today)
        .map(Json)
        .map_err(|e| AppError::from_store(e, lang).as_json())
}

/// `POST /api/v1/packs/{id}/exam`.
#[utoipa::path(post, path = "/api/v1/packs/{id}/exam", tag = "labs", security(("sandbox" = [])), params(("id" = String, Path, description = "A pack id")), description = "Take a pack as an exam: its labs one after another, no hints, one time limit, feedback only at the end. Returns the first lab's task panel.",
    responses((status = 200, description = "Done", body = LabPanel), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn exam(
    Path(id): Path<String>,
    peer: crate::http::net::ClientAddr,
    desk: Desk,
    ReqLang(lang): ReqLang,
) -> Result<Json<LabPanel>, AppError> {
    let (trainee, now, ip) = (
        desk.trainee.clone(),
        desk.clock.now(),
        peer.ip().to_string(),
    );
    let a = lab_work(&desk, lang, move |s, lib| {
        run::count_start(s, trainee.id, &ip, now)?;
        let id = run::start_exam(s, lib, &id, &trainee, now)?;
        Ok(s.attempt_of(trainee.id, id)?)
    })
    .await
    .map_err(AppError::as_json)?;
    panel_of(&desk, &a, lang)
}

/// `GET /api/v1/attempt`.
#[utoipa::path(get, path = "/api/v1/attempt", tag = "labs", security(("sandbox" = [])), description = "The lab in progress: the task panel (story and steps filled with the trainee's own data, hints opened, files, last score).",
    responses((status = 200, description = "Done", body = LabPanel), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn attempt(desk: Desk, ReqLang(lang): ReqLang) -> Result<Json<LabPanel>, AppError> {
    let a = current(&desk, lang)?;
    panel_of(&desk, &a, lang)
}

#[derive(Deserialize, ToSchema)]
pub struct HintBody {
    /// The step, counting from 1.
    step: usize,
    /// The hint within the step, counting from 0.
    hint: usize,
}

/// `POST /api/v1/attempt/hint`.
#[utoipa::path(post, path = "/api/v1/attempt/hint", tag = "labs", security(("sandbox" = [])), request_body = HintBody, description = "Open a hint (practice only); it costs the points it shows. Returns the task panel with the hint's text.",
    responses((status = 200, description = "Done", body = LabPanel), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn hint(
    desk: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<HintBody>,
) -> Result<Json<LabPanel>, AppError> {
    let a = current(&desk, lang)?;
    let trainee = desk.trainee.id;
    let a = lab_work(&desk, lang, move |s, lib| {
        let lab = lib.lab(&a.lab_id).ok_or(LabError::UnknownLab)?;
        run::hint(s, lab, &a, b.step.saturating_sub(1), b.hint)?;
        Ok(s.attempt_of(trainee, a.id)?)
    })
    .await
    .map_err(AppError::as_json)?;
    panel_of(&desk, &a, lang)
}

/// `POST /api/v1/attempt/check`.
#[utoipa::path(post, path = "/api/v1/attempt/check", tag = "labs", security(("sandbox" = [])), description = "检查我的操作: grade the work so far (practice only; an exam answers 409).",
    responses((status = 200, description = "Done", body = Feedback), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn check(desk: Desk, ReqLang(lang): ReqLang) -> Result<Json<Feedback>, AppError> {
    let a = current(&desk, lang)?;
    let now = desk.clock.now();
    let lab_id = a.lab_id.clone();
    let g = lab_work(&desk, lang, move |s, lib| {
        if a.mode == Mode::Exam {
            return Err(LabError::NoFeedbackInExam);
        }
        let lab = lib.lab(&a.lab_id).ok_or(LabError::UnknownLab)?;
        run::check(s, lab, &a, now, false)
    })
    .await
    .map_err(AppError::as_json)?;
    let lab = desk
        .labs
        .lab(&lab_id)
        .ok_or_else(|| lab_error(LabError::UnknownLab, lang).as_json())?;
    Ok(Json(feedback(lab, &g, lang)))
}

/// `POST /api/v1/attempt/finish`.
#[utoipa::path(post, path = "/api/v1/attempt/finish", tag = "labs", security(("sandbox" = [])), description = "Finish the lab: the final grade is stored. In an exam the pack's next lab starts (`next: \"lab\"`) while time is left; otherwise `next: \"done\"` and the trainee is back in their own tenant. Returns the finished attempt's id.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn finish(desk: Desk, ReqLang(lang): ReqLang) -> Result<Json<Value>, AppError> {
    let a = current(&desk, lang)?;
    let (trainee, now, id) = (desk.trainee.clone(), desk.clock.now(), a.id);
    let next = lab_work(&desk, lang, move |s, lib| {
        run::finish(s, lib, &trainee, &a, now)
    })
    .await
    .map_err(AppError::as_json)?;
    Ok(Json(match next {
        Next::Lab(next) => json!({ "attempt": id, "next": "lab", "next_attempt": next }),
        Next::Done => json!({ "attempt": id, "next": "done" }),
    }))
}

/// `GET /api/v1/attempts/{id}`.
#[utoipa::path(get, path = "/api/v1/attempts/{id}", tag = "labs", security(("sandbox" = [])), params(("id" = i64, Path, description = "An attempt id")), description = "One of the trainee's attempts: mode, times, hints, and the feedback once it may be shown (an unfinished exam's is withheld). Another trainee's attempt is not found.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn attempt_get(
    Path(id): Path<String>,
    desk: Desk,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::not_found(lang).as_json())?;
    let trainee = desk.trainee.id;
    let a = desk
        .db
        .run_read(move |s| s.attempt_of(trainee, id))
        .await
        .map_err(|e| AppError::from_store(e, lang).as_json())?;
    let finished = a.finished_at.is_some();
    let fb = match (desk.labs.lab(&a.lab_id), stored_grade(&a)) {
        (Some(lab), Some(g)) if finished || a.mode == Mode::Practice => {
            Some(feedback(lab, &g, lang))
        }
        _ => None,
    };
    Ok(Json(json!({
        "id": a.id,
        "lab": a.lab_id,
        "mode": a.mode,
        "pack": a.pack_id,
        "started_at": a.started_at,
        "finished_at": a.finished_at,
        "minutes": (a.finished_at.unwrap_or_else(|| desk.clock.now()) - a.started_at).num_minutes(),
        "hints": a.hints.len(),
        "checks_run": a.checks_run,
        "feedback": fb,
    })))
}

/// `GET /api/v1/attempt/files/{n}`.
#[utoipa::path(get, path = "/api/v1/attempt/files/{n}", tag = "labs", security(("sandbox" = [])), params(("n" = usize, Path, description = "The file's index in the task panel")), description = "A file the lab hands out, e.g. an expired certificate: `{name, text}`.",
    responses((status = 200, description = "Done"), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn file(
    Path(n): Path<String>,
    desk: Desk,
    ReqLang(lang): ReqLang,
) -> Result<Json<Value>, AppError> {
    let a = current(&desk, lang)?;
    let m = run::materials(&a).map_err(|e| AppError::from_store(e, lang).as_json())?;
    let f = n
        .parse::<usize>()
        .ok()
        .and_then(|n| m.files.get(n))
        .ok_or_else(|| AppError::not_found(lang).as_json())?;
    Ok(Json(json!({ "name": f.name, "text": f.text })))
}
