//! 满意度调查 and 跟踪回访 for the trainee, in the sandbox's frame: `/survey` (the form, or
//! thanks once answered) and `POST /survey`; `/follow-up` (once due: the self-report and the
//! retention lab) and `POST /follow-up`; the same through `/api/v1/survey` and
//! `/api/v1/follow-up`. A trainee answers their own class's or course's, once.

use axum::Json;
use axum::extract::Form;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::forms::{Body, csrf_token, form_body, render, require_csrf};
use super::sandbox::{Desk, SandboxBar};
use super::{AppError, ReqLang};
use crate::evaluation::survey::{self, ITEMS, Standing, SurveyError};
use crate::i18n::{Catalog, Lang};

fn survey_error(e: &SurveyError, lang: Lang) -> AppError {
    let status = match e {
        SurveyError::Field { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        SurveyError::NoSurvey => StatusCode::NOT_FOUND,
        SurveyError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::CONFLICT,
    };
    let message = Catalog::embedded()
        .text(lang, &format!("survey.error.{}", e.code()))
        .to_owned();
    AppError::api(
        status,
        lang,
        e.code(),
        message,
        e.field().map(str::to_owned),
    )
}

/// A form as typed (its first 20 fields, each cut to `max` characters), its CSRF token
/// checked; kept to show again at a refusal.
fn typed_form(
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
    headers: &HeaderMap,
    lang: Lang,
    max: usize,
) -> Result<std::collections::BTreeMap<String, String>, AppError> {
    let typed: std::collections::BTreeMap<String, String> = form_body(form, lang)?
        .into_iter()
        .take(20)
        .map(|(k, v)| (k, v.chars().take(max).collect()))
        .collect();
    require_csrf(
        headers,
        typed.get("csrf").map(String::as_str).unwrap_or(""),
        lang,
    )?;
    Ok(typed)
}

async fn standing(desk: &Desk, lang: Lang) -> Result<Standing, AppError> {
    let trainee = desk.trainee.id;
    desk.db
        .run_read(move |s| survey::standing(s, trainee))
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

/// Keep the response; a refusal is the trainee's to correct (nothing written).
async fn answer_work(
    desk: &Desk,
    lang: Lang,
    get: impl Fn(&str) -> Option<String>,
) -> Result<Result<(), SurveyError>, AppError> {
    let response = match survey::read(get) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let (trainee, now) = (desk.trainee.id, desk.clock.now());
    desk.db
        .run_write(move |s| match survey::answer(s, trainee, &response, now) {
            Err(SurveyError::Store(e)) => Err(e),
            other => Ok(other),
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

#[derive(Serialize)]
struct SurveyPage {
    csrf: String,
    sandbox: SandboxBar,
    standing: Standing,
    items: [&'static str; 5],
    /// What was typed, kept when refused.
    typed: std::collections::BTreeMap<String, String>,
    problem: Option<(&'static str, String)>,
}

async fn page(
    desk: &Desk,
    lang: Lang,
    headers: &HeaderMap,
    typed: std::collections::BTreeMap<String, String>,
    problem: Option<(&'static str, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let standing = standing(desk, lang).await?;
    let (csrf, set) = csrf_token(headers);
    let mut res = render(
        lang,
        "/survey",
        "survey.html",
        SurveyPage {
            csrf,
            sandbox: desk.bar(lang),
            standing,
            items: ITEMS,
            typed,
            problem,
        },
        set.into_iter().collect(),
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /survey`.
pub async fn show(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(
        &desk,
        lang,
        &headers,
        Default::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /survey`: the items, `recommend`, `comment`.
pub async fn submit(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, AppError> {
    let typed = typed_form(form, &headers, lang, 2000)?;
    let t = typed.clone();
    match answer_work(&desk, lang, move |k| t.get(k).cloned()).await? {
        Ok(()) => Ok(Redirect::to("/survey").into_response()),
        Err(e @ SurveyError::Field { .. }) => {
            let message = survey_error(&e, lang).message().to_owned();
            let problem = (e.field().unwrap_or("comment"), message);
            page(
                &desk,
                lang,
                &headers,
                typed,
                Some(problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(survey_error(&e, lang).as_page()),
    }
}

/// `GET /api/v1/survey`.
#[utoipa::path(get, path = "/api/v1/survey", tag = "tests", security(("sandbox" = [])),
    description = "满意度调查: whether the trainee's class or course has a survey open for them (`open` with `anonymous`), they have answered (`answered`), or neither (`none`).",
    responses((status = 200, description = "Done", body = Standing)))]
pub async fn api_show(desk: Desk, ReqLang(lang): ReqLang) -> Result<Json<Standing>, AppError> {
    standing(&desk, lang)
        .await
        .map(Json)
        .map_err(AppError::as_json)
}

#[derive(Deserialize, ToSchema)]
pub struct SurveyBody {
    /// 1–5 each.
    content: Option<i64>,
    instructor: Option<i64>,
    environment: Option<i64>,
    usefulness: Option<i64>,
    pace: Option<i64>,
    /// 0–10: how likely to recommend the training.
    recommend: Option<i64>,
    /// At most 1,000 characters.
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/survey`.
#[utoipa::path(post, path = "/api/v1/survey", tag = "tests", security(("sandbox" = [])), request_body = SurveyBody,
    description = "Answer the survey, once: 422 at the field for an item outside 1–5, a recommendation outside 0–10 or a comment over 1,000 characters; 409 `answered` or `closed`; 404 `no_survey`.",
    responses((status = 200, description = "Kept", body = Standing)))]
pub async fn api_submit(
    desk: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<SurveyBody>,
) -> Result<Json<Standing>, AppError> {
    let get = move |k: &str| -> Option<String> {
        let n = match k {
            "content" => b.content,
            "instructor" => b.instructor,
            "environment" => b.environment,
            "usefulness" => b.usefulness,
            "pace" => b.pace,
            "recommend" => b.recommend,
            "comment" => return Some(b.comment.chars().take(2000).collect()),
            _ => None,
        };
        n.map(|n| n.to_string())
    };
    match answer_work(&desk, lang, get)
        .await
        .map_err(AppError::as_json)?
    {
        Ok(()) => api_show(desk, ReqLang(lang)).await,
        Err(e) => Err(survey_error(&e, lang).as_json()),
    }
}

// ---- 跟踪回访 ----

use crate::evaluation::follow_up::{self, FollowUpError, TASKS, USAGE};

fn follow_up_error(e: &FollowUpError, lang: Lang) -> AppError {
    let status = match e {
        FollowUpError::Field { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        FollowUpError::NoFollowUp | FollowUpError::NotDue => StatusCode::NOT_FOUND,
        FollowUpError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::CONFLICT,
    };
    let message = Catalog::embedded()
        .text(lang, &format!("follow_up.error.{}", e.code()))
        .to_owned();
    AppError::api(
        status,
        lang,
        e.code(),
        message,
        e.field().map(str::to_owned),
    )
}

async fn follow_up_standing(desk: &Desk, lang: Lang) -> Result<follow_up::Standing, AppError> {
    let (trainee, now) = (desk.trainee.id, desk.clock.now());
    desk.db
        .run_read(move |s| follow_up::standing(s, trainee, now))
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

async fn report_work(
    desk: &Desk,
    lang: Lang,
    get: impl Fn(&str) -> Option<String>,
) -> Result<Result<(), FollowUpError>, AppError> {
    let (usage, confidence) = match follow_up::read(get) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let (trainee, now) = (desk.trainee.id, desk.clock.now());
    desk.db
        .run_write(
            move |s| match follow_up::report(s, trainee, &usage, &confidence, now) {
                Err(FollowUpError::Store(e)) => Err(e),
                other => Ok(other),
            },
        )
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

#[derive(Serialize)]
struct FollowUpPage {
    csrf: String,
    sandbox: SandboxBar,
    standing: follow_up::Standing,
    /// The retention lab's title.
    lab_title: String,
    usage: [&'static str; 4],
    tasks: [&'static str; 5],
    typed: std::collections::BTreeMap<String, String>,
    problem: Option<(String, String)>,
}

async fn follow_up_page(
    desk: &Desk,
    lang: Lang,
    headers: &HeaderMap,
    typed: std::collections::BTreeMap<String, String>,
    problem: Option<(String, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let standing = follow_up_standing(desk, lang).await?;
    let lab_title = match &standing {
        follow_up::Standing::Due { lab, .. } => desk
            .labs
            .lab(lab)
            .map(|l| l.title.get(lang).to_owned())
            .unwrap_or_default(),
        follow_up::Standing::None => String::new(),
    };
    let (csrf, set) = csrf_token(headers);
    let mut res = render(
        lang,
        "/follow-up",
        "follow_up.html",
        FollowUpPage {
            csrf,
            sandbox: desk.bar(lang),
            standing,
            lab_title,
            usage: USAGE,
            tasks: TASKS,
            typed,
            problem,
        },
        set.into_iter().collect(),
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /follow-up`.
pub async fn follow_up_show(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    follow_up_page(
        &desk,
        lang,
        &headers,
        Default::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /follow-up`: `usage`, `before_<task>`, `now_<task>`.
pub async fn follow_up_submit(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, AppError> {
    let typed = typed_form(form, &headers, lang, 100)?;
    let t = typed.clone();
    match report_work(&desk, lang, move |k| t.get(k).cloned()).await? {
        Ok(()) => Ok(Redirect::to("/follow-up").into_response()),
        Err(e @ FollowUpError::Field { .. }) => {
            let message = follow_up_error(&e, lang).message().to_owned();
            let problem = (e.field().unwrap_or("usage").to_owned(), message);
            follow_up_page(
                &desk,
                lang,
                &headers,
                typed,
                Some(problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(follow_up_error(&e, lang).as_page()),
    }
}

/// `GET /api/v1/follow-up`.
#[utoipa::path(get, path = "/api/v1/follow-up", tag = "tests", security(("sandbox" = [])),
    description = "跟踪回访: `due` (with whether the self-report is given and the retention lab's id) once the instructor's follow-up date has come, else `none`.",
    responses((status = 200, description = "Done", body = follow_up::Standing)))]
pub async fn follow_up_api_show(
    desk: Desk,
    ReqLang(lang): ReqLang,
) -> Result<Json<follow_up::Standing>, AppError> {
    follow_up_standing(&desk, lang)
        .await
        .map(Json)
        .map_err(AppError::as_json)
}

#[derive(Deserialize, ToSchema)]
pub struct FollowUpBody {
    /// `never`, `monthly`, `weekly` or `daily`.
    #[serde(default)]
    usage: String,
    /// Per task (login, filing, payment, proofs, queries): `[before, now]`, each 1–5.
    #[serde(default)]
    confidence: std::collections::BTreeMap<String, (i64, i64)>,
}

/// `POST /api/v1/follow-up`.
#[utoipa::path(post, path = "/api/v1/follow-up", tag = "tests", security(("sandbox" = [])), request_body = FollowUpBody,
    description = "The follow-up's self-report, once: 422 at the field for an unknown usage or a confidence outside 1–5 (fields `usage`, `before_<task>`, `now_<task>`); 404 `no_follow_up` or `not_due`; 409 `reported` or `closed`.",
    responses((status = 200, description = "Kept", body = follow_up::Standing)))]
pub async fn follow_up_api_submit(
    desk: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<FollowUpBody>,
) -> Result<Json<follow_up::Standing>, AppError> {
    let get = move |k: &str| -> Option<String> {
        if k == "usage" {
            return Some(b.usage.chars().take(20).collect());
        }
        let (which, task) = k.split_once('_')?;
        let (before, now) = b.confidence.get(task)?;
        Some(if which == "before" { before } else { now }.to_string())
    };
    match report_work(&desk, lang, get)
        .await
        .map_err(AppError::as_json)?
    {
        Ok(()) => follow_up_api_show(desk, ReqLang(lang)).await,
        Err(e) => Err(follow_up_error(&e, lang).as_json()),
    }
}
