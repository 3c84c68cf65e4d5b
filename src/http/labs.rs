//! Labs in the browser: the list on the sandbox's front page, starting a lab or a pack's
//! exam, the lab page, hints, "检查我的操作", finishing, results.
//! These pages belong to the sandbox, not the simulated bureau.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::forms::{CsrfForm, csrf_token, form_body, render, require_csrf};
pub use super::lab_panel::{Feedback, LabPanel, feedback, panel, stored_grade};
use super::sandbox::{Desk, SandboxBar};
use super::{AppError, AppState, ReqLang};
use crate::i18n::{Catalog, Lang};
use crate::labs::run::{self, LabError, Next};
use crate::labs::{Lab, Library};
use crate::store::{Attempt, Mode, StoreError};

pub use crate::labs::run::withheld;

/// A refused lab action as an error for a page or the API.
pub fn lab_error(e: LabError, lang: Lang) -> AppError {
    let status = match &e {
        LabError::UnknownLab | LabError::UnknownHint | LabError::UnknownQuestion => {
            StatusCode::NOT_FOUND
        }
        LabError::BadAnswer | LabError::ClockLimit => StatusCode::UNPROCESSABLE_ENTITY,
        LabError::NoClock => StatusCode::CONFLICT,
        LabError::TooManyAnswers => StatusCode::TOO_MANY_REQUESTS,
        LabError::NoAttempt => StatusCode::CONFLICT,
        LabError::TooManyStarts => StatusCode::TOO_MANY_REQUESTS,
        LabError::NoHintsInExam | LabError::NoFeedbackInExam | LabError::Finished => {
            StatusCode::CONFLICT
        }
        LabError::Store(StoreError::NotFound) => StatusCode::NOT_FOUND,
        LabError::Store(s) => {
            tracing::error!(error = %s, "lab store error");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let message = Catalog::embedded()
        .text(lang, &format!("lab.error.{}", e.code()))
        .to_owned();
    AppError::api(status, lang, e.code(), message, None).as_page()
}

// ---- the pages ----

/// Run lab work in one write transaction.
pub async fn lab_work<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&crate::store::Store<'_>, &Library) -> Result<T, LabError> + Send + 'static,
) -> Result<T, AppError> {
    let labs = state.labs.clone();
    state
        .db
        .run_write(move |s| match f(s, &labs) {
            // the sandbox failed: nothing the step did is kept (a refusal is)
            Err(LabError::Store(e)) => Err(e),
            other => Ok(other),
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| lab_error(e, lang))
}

/// `POST /labs/{id}/start`: a practice attempt, then to the bureau's login.
pub async fn start(
    Path(id): Path<String>,
    peer: crate::http::net::ClientAddr,
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let (trainee, now, ip) = (
        desk.trainee.clone(),
        desk.clock.now(),
        peer.ip().to_string(),
    );
    lab_work(&desk, lang, move |s, lib| {
        let lab = lib.lab(&id).ok_or(LabError::UnknownLab)?;
        run::count_start(s, trainee.id, &ip, now)?;
        run::start(s, lab, &trainee, Mode::Practice, None, now)
    })
    .await?;
    Ok(Redirect::to("/lab").into_response())
}

/// `POST /packs/{id}/exam`: the pack as an exam.
pub async fn exam(
    Path(id): Path<String>,
    peer: crate::http::net::ClientAddr,
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let (trainee, now, ip) = (
        desk.trainee.clone(),
        desk.clock.now(),
        peer.ip().to_string(),
    );
    lab_work(&desk, lang, move |s, lib| {
        run::count_start(s, trainee.id, &ip, now)?;
        run::start_exam(s, lib, &id, &trainee, now)
    })
    .await?;
    Ok(Redirect::to("/lab").into_response())
}

#[derive(Serialize)]
struct LabPage {
    csrf: String,
    sandbox: SandboxBar,
    panel: LabPanel,
    feedback: Option<Feedback>,
    notice: Option<String>,
    /// A refused answer: the question's topic and why.
    answer_problem: Option<(String, String)>,
    /// A refused move of the sandbox clock: why.
    clock_problem: Option<String>,
    /// For the JSON API (the course's API case study): where the server is and the
    /// trainee's own sandbox token.
    api_origin: String,
    api_token: String,
}

/// `http://host` as the request names it (the address the trainee's script should call).
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

#[derive(Deserialize, Default)]
pub struct LabQuery {
    /// A refused answer sent back here: its question and the refusal's code.
    #[serde(default)]
    topic: String,
    #[serde(default)]
    problem: String,
    /// A refused move of the sandbox clock: the refusal's code.
    #[serde(default)]
    clock_problem: String,
}

/// `GET /lab`: the lab in progress: story, steps, hints, files, questions, the latest
/// feedback.
pub async fn current(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<axum::extract::Query<LabQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|axum::extract::Query(q)| q).unwrap_or_default();
    let Some(a) = desk.attempt.clone() else {
        return Ok(Redirect::to("/#labs").into_response());
    };
    let lab = desk
        .labs
        .lab(&a.lab_id)
        .ok_or_else(|| lab_error(LabError::UnknownLab, lang))?;
    let panel = panel(lab, &a, lang, desk.time(), desk.trainee.sandbox_date)
        .map_err(|e| AppError::from_store(e, lang))?;
    let feedback = (a.mode == Mode::Practice)
        .then(|| stored_grade(&a))
        .flatten()
        .map(|g| feedback(lab, &g, lang));
    let answer_problem = panel
        .questions
        .iter()
        .find(|x| x.topic == q.topic && !q.problem.is_empty())
        .map(|x| {
            let code = match q.problem.as_str() {
                "too_many_answers" => "too_many_answers",
                _ => "bad_answer",
            };
            let key = format!("lab.error.{code}");
            (
                x.topic.clone(),
                Catalog::embedded().text(lang, &key).to_owned(),
            )
        });
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/lab",
        "lab.html",
        LabPage {
            csrf,
            sandbox: desk.bar(lang),
            panel,
            feedback,
            notice: None,
            answer_problem,
            clock_problem: match q.clock_problem.as_str() {
                "" => None,
                "no_clock" => Some("no_clock"),
                _ => Some("clock_limit"),
            }
            .map(|code| {
                Catalog::embedded()
                    .text(lang, &format!("lab.error.{code}"))
                    .to_owned()
            }),
            api_origin: origin(&headers),
            api_token: super::sandbox::token(&headers).unwrap_or_default(),
        },
        set.into_iter().collect(),
    )
}

#[derive(Deserialize)]
pub struct HintForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    step: usize,
    #[serde(default)]
    hint: usize,
    /// Where to go back to (a local path).
    #[serde(default)]
    back: String,
}

fn back_to(back: &str) -> String {
    if super::pages::is_local_path(back) {
        back.to_owned()
    } else {
        "/lab".to_owned()
    }
}

/// `POST /lab/hint`: open a hint (it costs its points).
pub async fn hint(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<HintForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let a = desk
        .attempt
        .clone()
        .ok_or_else(|| lab_error(LabError::NoAttempt, lang))?;
    let (step, h) = (f.step.saturating_sub(1), f.hint);
    lab_work(&desk, lang, move |s, lib| {
        let lab = lib.lab(&a.lab_id).ok_or(LabError::UnknownLab)?;
        run::hint(s, lab, &a, step, h)
    })
    .await?;
    Ok(Redirect::to(&back_to(&f.back)).into_response())
}

/// `POST /lab/check`: 检查我的操作 (practice only).
pub async fn check(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let a = desk
        .attempt
        .clone()
        .ok_or_else(|| lab_error(LabError::NoAttempt, lang))?;
    let now = desk.clock.now();
    lab_work(&desk, lang, move |s, lib| {
        if a.mode == Mode::Exam {
            return Err(LabError::NoFeedbackInExam);
        }
        let lab = lib.lab(&a.lab_id).ok_or(LabError::UnknownLab)?;
        run::check(s, lab, &a, now, false)
    })
    .await?;
    Ok(Redirect::to("/lab#feedback").into_response())
}

/// `POST /lab/finish`: the final grade; in an exam, on to the next lab.
pub async fn finish(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let a = desk
        .attempt
        .clone()
        .ok_or_else(|| lab_error(LabError::NoAttempt, lang))?;
    let (trainee, now, id) = (desk.trainee.clone(), desk.clock.now(), a.id);
    let next = lab_work(&desk, lang, move |s, lib| {
        run::finish(s, lib, &trainee, &a, now)
    })
    .await?;
    Ok(match next {
        Next::Lab(_) => Redirect::to("/lab"),
        Next::Done => Redirect::to(&format!("/lab/attempts/{id}")),
    }
    .into_response())
}

/// `GET /lab/files/{n}`: a file the lab hands out (e.g. the expired certificate).
pub async fn file(
    Path(n): Path<String>,
    desk: Desk,
    ReqLang(lang): ReqLang,
) -> Result<Response, AppError> {
    let a = desk
        .attempt
        .as_ref()
        .ok_or_else(|| AppError::not_found(lang))?;
    let m = run::materials(a).map_err(|e| AppError::from_store(e, lang))?;
    let f = n
        .parse::<usize>()
        .ok()
        .and_then(|n| m.files.get(n))
        .ok_or_else(|| AppError::not_found(lang))?;
    let mut res = f.text.clone().into_response();
    let h = res.headers_mut();
    let kind = if f.name.ends_with(".pdf") {
        "application/pdf"
    } else {
        "text/plain; charset=utf-8"
    };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", f.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[derive(Serialize)]
struct ResultPage {
    csrf: String,
    sandbox: SandboxBar,
    feedback: Option<Feedback>,
    mode: &'static str,
    started: String,
    finished: Option<String>,
    minutes: i64,
    hints: usize,
    exam: Vec<ExamRow>,
}

#[derive(Serialize)]
struct ExamRow {
    title: String,
    score: Option<i64>,
    max: u32,
    passed: Option<bool>,
}

/// `GET /lab/attempts/{id}`: one of the trainee's attempts, graded (another trainee's is
/// not found). An exam's page lists every lab of the exam.
pub async fn attempt(
    Path(id): Path<String>,
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let trainee = desk.trainee.id;
    let (a, all) = desk
        .db
        .run_read(move |s| Ok((s.attempt_of(trainee, id)?, s.attempts_of(trainee)?)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let lab = desk.labs.lab(&a.lab_id);
    let hidden = withheld(&a, &all, desk.clock.now());
    // An exam's feedback waits for its end.
    let feedback = match (lab, stored_grade(&a)) {
        (Some(lab), Some(g)) if !hidden => Some(feedback(lab, &g, lang)),
        _ => None,
    };
    let exam = if a.mode == Mode::Exam {
        all.iter()
            .rev()
            .filter(|x| x.pack_id == a.pack_id && x.deadline_at == a.deadline_at)
            .map(|x| ExamRow {
                title: desk
                    .labs
                    .lab(&x.lab_id)
                    .map(|l| l.title.get(lang).to_owned())
                    .unwrap_or_else(|| x.lab_id.clone()),
                score: x.score.filter(|_| x.finished_at.is_some() && !hidden),
                max: desk.labs.lab(&x.lab_id).map_or(0, Lab::max_points),
                passed: x.passed.filter(|_| x.finished_at.is_some() && !hidden),
            })
            .collect()
    } else {
        Vec::new()
    };
    let end = a.finished_at.unwrap_or_else(|| desk.clock.now());
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/lab/attempts",
        "lab_result.html",
        ResultPage {
            csrf,
            sandbox: desk.bar(lang),
            feedback,
            mode: a.mode.as_str(),
            started: desk.time().show(a.started_at),
            finished: a.finished_at.map(|t| desk.time().show(t)),
            minutes: (end - a.started_at).num_minutes(),
            hints: a.hints.len(),
            exam,
        },
        set.into_iter().collect(),
    )
}

/// The labs and packs on the front page, with the trainee's attempts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LabsView {
    pub packs: Vec<PackView>,
    pub attempts: Vec<AttemptRow>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PackView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub exam_minutes: u32,
    pub labs: Vec<LabRow>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LabRow {
    pub id: String,
    pub title: String,
    pub minutes: u32,
    pub tags: Vec<String>,
    /// The best finished score so far.
    pub best: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AttemptRow {
    pub id: i64,
    pub lab: String,
    pub title: String,
    pub mode: &'static str,
    pub started: String,
    pub finished: bool,
    pub score: Option<i64>,
    pub passed: Option<bool>,
}

pub fn labs_view(
    lib: &Library,
    attempts: &[Attempt],
    lang: Lang,
    now: chrono::DateTime<chrono::Utc>,
    time: crate::domain::SandboxTime,
) -> LabsView {
    let row = |l: &Lab| LabRow {
        id: l.id.clone(),
        title: l.title.get(lang).to_owned(),
        minutes: l.minutes,
        tags: l.tags.iter().map(|t| t.get(lang).to_owned()).collect(),
        best: attempts
            .iter()
            .filter(|a| a.lab_id == l.id && a.finished_at.is_some() && !withheld(a, attempts, now))
            .filter_map(|a| a.score)
            .max(),
    };
    let mut packs: Vec<PackView> = lib
        .packs()
        .iter()
        .map(|p| PackView {
            id: p.id.clone(),
            title: p.title.get(lang).to_owned(),
            description: p.description.get(lang).to_owned(),
            exam_minutes: p.exam_minutes,
            labs: p
                .labs
                .iter()
                .filter_map(|id| lib.lab(id))
                .map(row)
                .collect(),
        })
        .collect();
    let loose: Vec<LabRow> = lib
        .labs()
        .filter(|l| !lib.packs().iter().any(|p| p.labs.contains(&l.id)))
        .map(row)
        .collect();
    if !loose.is_empty() {
        packs.push(PackView {
            id: String::new(),
            title: Catalog::embedded().text(lang, "labs.other").to_owned(),
            description: String::new(),
            exam_minutes: 0,
            labs: loose,
        });
    }
    LabsView {
        packs,
        attempts: attempts
            .iter()
            .map(|a| AttemptRow {
                id: a.id,
                lab: a.lab_id.clone(),
                title: lib
                    .lab(&a.lab_id)
                    .map(|l| l.title.get(lang).to_owned())
                    .unwrap_or_else(|| a.lab_id.clone()),
                mode: a.mode.as_str(),
                started: time.show(a.started_at),
                finished: a.finished_at.is_some(),
                score: a
                    .score
                    .filter(|_| a.finished_at.is_some() && !withheld(a, attempts, now)),
                passed: a
                    .passed
                    .filter(|_| a.finished_at.is_some() && !withheld(a, attempts, now)),
            })
            .collect(),
    }
}

/// `POST /lab/hand`: 举手 — ask the instructor for help.
pub async fn hand(
    peer: crate::http::net::ClientAddr,
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<HintForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let (trainee, now, ip) = (desk.trainee.id, desk.clock.now(), peer.ip().to_string());
    super::class_tx::class_work(&desk, lang, move |s, _| {
        crate::classroom::raise_hand(s, trainee, &ip, now)
    })
    .await?;
    Ok(Redirect::to(&back_to(&f.back)).into_response())
}
