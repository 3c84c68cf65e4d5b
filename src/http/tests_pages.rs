//! 课后测试 for the trainee, in the sandbox's frame: `/tests` (the class's or course's
//! pre-test and post-test, with the attempts so far), `/tests/{phase}` (the paper in progress
//! with its time left, or the latest result with every question's explanation), start and
//! hand in; and the same through `/api/v1/tests`. Only the trainee's own attempts exist here:
//! nothing is addressed by id.

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::forms::{Body, csrf_token, form_body, render, require_csrf};
use super::sandbox::{Desk, SandboxBar};
use super::{AppError, ReqLang};
use crate::evaluation::{self, PHASES, PaperItem, TestError};
use crate::i18n::{Catalog, Lang};
use crate::labs::Library;
use crate::labs::quiz::{Answer, Bank, Given};
use crate::store::{MarkedAnswer, Store, TestAttempt, TestRecord};

/// One question of the paper as shown: its choices in the order drawn for this trainee.
#[derive(Serialize, ToSchema)]
pub struct PaperQuestion {
    /// The form field is `q_<id>`.
    pub id: String,
    /// `single`, `multiple`, `true_false` or `figure`.
    pub kind: &'static str,
    pub text: String,
    /// For a choice question: the choices, answered by their position here (0, 1…).
    pub choices: Vec<String>,
}

/// How one question went, after handing in.
#[derive(Serialize, ToSchema)]
pub struct MarkView {
    pub id: String,
    pub text: String,
    pub topic: String,
    pub correct: bool,
    /// What the trainee answered, and the right answer, as words.
    pub given: String,
    pub right: String,
    pub explanation: String,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub no: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub score: Option<i64>,
    pub total: i64,
}

/// A test as the trainee sees it.
#[derive(Serialize, ToSchema)]
pub struct TestView {
    /// `pre` or `post`.
    pub phase: String,
    pub open: bool,
    pub minutes: i64,
    pub attempts_allowed: i64,
    pub attempts: Vec<AttemptView>,
    /// May the trainee start an attempt now.
    pub can_start: bool,
    /// The attempt in progress: its paper and time.
    pub paper: Option<Vec<PaperQuestion>>,
    pub deadline: Option<String>,
    pub seconds_left: Option<i64>,
    /// The latest attempt handed in, question by question.
    pub result: Option<Vec<MarkView>>,
}

fn attempt_view(a: &TestAttempt, time: crate::domain::SandboxTime) -> AttemptView {
    AttemptView {
        no: a.no,
        started_at: time.show(a.started_at),
        finished_at: a.finished_at.map(|t| time.show(t)),
        score: a.score,
        total: a.total,
    }
}

fn paper_view(bank: &Bank, paper: &[PaperItem], lang: Lang) -> Vec<PaperQuestion> {
    paper
        .iter()
        .filter_map(|item| {
            let q = bank.question(&item.question)?;
            Some(PaperQuestion {
                id: q.id.clone(),
                kind: q.answer.kind(),
                text: q.text.get(lang).to_owned(),
                choices: item
                    .order
                    .iter()
                    .filter_map(|i| q.choices.get(*i))
                    .map(|c| c.get(lang).to_owned())
                    .collect(),
            })
        })
        .collect()
}

/// An answer in words: the choices' texts, 正确/错误, the figure.
fn words(bank: &Bank, id: &str, given: Option<&Given>, lang: Lang) -> String {
    let cat = Catalog::embedded();
    let Some(q) = bank.question(id) else {
        return String::new();
    };
    match given {
        None => cat.text(lang, "test.blank").to_owned(),
        Some(Given::Choices(c)) => c
            .iter()
            .filter_map(|i| q.choices.get(*i))
            .map(|t| t.get(lang).to_owned())
            .collect::<Vec<_>>()
            .join(cat.text(lang, "test.and")),
        Some(Given::TrueFalse(t)) => cat
            .text(lang, if *t { "test.true" } else { "test.false" })
            .to_owned(),
        Some(Given::Figure(f)) => f.clone(),
    }
}

fn right_words(bank: &Bank, id: &str, lang: Lang) -> String {
    let given = bank.question(id).map(|q| match &q.answer {
        Answer::One(i) => Given::Choices(vec![*i]),
        Answer::Many(all) => Given::Choices(all.clone()),
        Answer::TrueFalse(t) => Given::TrueFalse(*t),
        Answer::Figure(f) => Given::Figure(f.to_string()),
    });
    words(bank, id, given.as_ref(), lang)
}

fn mark_views(bank: &Bank, marks: &[MarkedAnswer], lang: Lang) -> Vec<MarkView> {
    marks
        .iter()
        .filter_map(|m| {
            let q = bank.question(&m.question_id)?;
            let given: Option<Given> = m
                .given
                .as_deref()
                .and_then(|g| serde_json::from_str(g).ok());
            Some(MarkView {
                id: q.id.clone(),
                text: q.text.get(lang).to_owned(),
                topic: q.topic.clone(),
                correct: m.correct,
                given: words(bank, &q.id, given.as_ref(), lang),
                right: right_words(bank, &q.id, lang),
                explanation: q.explanation.get(lang).to_owned(),
            })
        })
        .collect()
}

/// The trainee's view of their test of `phase` (an expired attempt is handed in blank first).
fn view(
    s: &Store<'_>,
    lib: &Library,
    test: &TestRecord,
    trainee: i64,
    lang: Lang,
    now: chrono::DateTime<Utc>,
    time: crate::domain::SandboxTime,
) -> Result<TestView, TestError> {
    let bank = lib.bank(&test.bank_id).ok_or(TestError::NoTest)?;
    // a page only reads: an expired attempt shows as handed in blank, and is kept so at the
    // trainee's next start or hand-in
    let attempts = evaluation::as_of(s.test_attempts_of(test.id, trainee)?, now);
    let current = attempts.iter().find(|a| a.finished_at.is_none());
    let last_done = attempts.iter().rev().find(|a| a.finished_at.is_some());
    let result = match last_done {
        Some(a) if current.is_none() => Some(mark_views(bank, &s.test_answers(a.id)?, lang)),
        _ => None,
    };
    Ok(TestView {
        phase: test.phase.clone(),
        open: test.open,
        minutes: test.minutes,
        attempts_allowed: test.attempts_allowed,
        can_start: test.open
            && current.is_none()
            && (attempts.len() as i64) < test.attempts_allowed,
        paper: current.map(|a| {
            let paper: Vec<PaperItem> = serde_json::from_str(&a.paper).unwrap_or_default();
            paper_view(bank, &paper, lang)
        }),
        deadline: current.map(|a| time.show_minutes(a.deadline_at)),
        seconds_left: current.map(|a| (a.deadline_at - now).num_seconds().max(0)),
        result,
        attempts: attempts.iter().map(|a| attempt_view(a, time)).collect(),
    })
}

/// The trainee's tests (pre, then post), read only.
async fn my_tests(desk: &Desk, lang: Lang) -> Result<Vec<TestView>, AppError> {
    let (trainee, labs, now, time) = (
        desk.trainee.id,
        desk.labs.clone(),
        desk.clock.now(),
        desk.time(),
    );
    desk.db
        .run_read(move |s| {
            let mut out = Vec::new();
            for phase in PHASES {
                if let Some(test) = evaluation::test_for(s, trainee, phase)? {
                    match view(s, &labs, &test, trainee, lang, now, time) {
                        Ok(v) => out.push(v),
                        Err(TestError::Store(e)) => return Err(e),
                        Err(_) => {}
                    }
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

fn phase_of(text: &str, lang: Lang) -> Result<&'static str, AppError> {
    PHASES
        .into_iter()
        .find(|p| *p == text)
        .ok_or_else(|| AppError::not_found(lang))
}

/// A refusal as an error for a page or the API.
fn test_error(e: TestError, lang: Lang) -> AppError {
    let status = match &e {
        TestError::NoTest => StatusCode::NOT_FOUND,
        TestError::Setting { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        TestError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::CONFLICT,
    };
    let message = Catalog::embedded()
        .text(lang, &format!("test.error.{}", e.code()))
        .to_owned();
    AppError::api(
        status,
        lang,
        e.code(),
        message,
        e.field().map(str::to_owned),
    )
}

#[derive(Serialize)]
struct TestsPage {
    csrf: String,
    sandbox: SandboxBar,
    tests: Vec<TestView>,
    /// The test shown in full (`/tests/{phase}`).
    phase: Option<&'static str>,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct TestsQuery {
    #[serde(default)]
    notice: String,
}

async fn page(
    desk: &Desk,
    lang: Lang,
    headers: &HeaderMap,
    phase: Option<&'static str>,
    notice: &str,
) -> Result<Response, AppError> {
    let tests = my_tests(desk, lang).await?;
    if phase.is_some_and(|p| !tests.iter().any(|t| t.phase == p)) {
        return Err(AppError::not_found(lang));
    }
    let (csrf, set) = csrf_token(headers);
    let notice = match notice {
        "time_up" => Some("test.error.time_up"),
        "handed_in" => Some("test.handed_in"),
        _ => None,
    };
    render(
        lang,
        "/tests",
        "tests.html",
        TestsPage {
            csrf,
            sandbox: desk.bar(lang),
            tests,
            phase,
            notice,
        },
        set.into_iter().collect(),
    )
}

/// `GET /tests`: the trainee's tests.
pub async fn list(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<axum::extract::Query<TestsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|axum::extract::Query(q)| q).unwrap_or_default();
    page(&desk, lang, &headers, None, &q.notice).await
}

/// `GET /tests/{phase}`: the paper in progress, or the latest result.
pub async fn show(
    Path(phase): Path<String>,
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<axum::extract::Query<TestsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|axum::extract::Query(q)| q).unwrap_or_default();
    let phase = phase_of(&phase, lang)?;
    page(&desk, lang, &headers, Some(phase), &q.notice).await
}

async fn start_work(desk: &Desk, lang: Lang, phase: &'static str) -> Result<(), AppError> {
    let (trainee, labs, now) = (desk.trainee.id, desk.labs.clone(), desk.clock.now());
    desk.db
        .run_write(
            move |s| match evaluation::start(s, &labs, trainee, phase, now) {
                Ok(_) => Ok(Ok(())),
                Err(TestError::Store(e)) => Err(e),
                Err(e) => Ok(Err(e)),
            },
        )
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| test_error(e, lang))
}

async fn hand_in_work(
    desk: &Desk,
    lang: Lang,
    phase: &'static str,
    pairs: Vec<(String, String)>,
) -> Result<Result<(TestAttempt, Vec<MarkedAnswer>), TestError>, AppError> {
    let (trainee, labs, now) = (desk.trainee.id, desk.labs.clone(), desk.clock.now());
    desk.db
        .run_write(
            move |s| match evaluation::hand_in(s, &labs, trainee, phase, &pairs, now) {
                Err(TestError::Store(e)) => Err(e),
                other => Ok(other),
            },
        )
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

/// `POST /tests/{phase}/start`.
pub async fn start(
    Path(phase): Path<String>,
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<super::forms::CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let phase = phase_of(&phase, lang)?;
    start_work(&desk, lang, phase)
        .await
        .map_err(|e| e.as_page())?;
    Ok(Redirect::to(&format!("/tests/{phase}")).into_response())
}

/// `POST /tests/{phase}/submit`: hand in (`csrf`, `q_<id>` per question).
pub async fn submit(
    Path(phase): Path<String>,
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, AppError> {
    let pairs = form_body(form, lang)?;
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    require_csrf(&headers, &csrf, lang)?;
    let phase = phase_of(&phase, lang)?;
    let pairs: Vec<(String, String)> = pairs.into_iter().take(400).collect();
    match hand_in_work(&desk, lang, phase, pairs).await? {
        Ok(_) => Ok(Redirect::to(&format!("/tests/{phase}?notice=handed_in")).into_response()),
        Err(TestError::TimeUp) => {
            Ok(Redirect::to(&format!("/tests/{phase}?notice=time_up")).into_response())
        }
        Err(e) => Err(test_error(e, lang).as_page()),
    }
}

// ---- the API ----

/// `GET /api/v1/tests`.
#[utoipa::path(get, path = "/api/v1/tests", tag = "tests", security(("sandbox" = [])),
    description = "课后测试: the trainee's class's or course's pre-test and post-test, with their attempts, the paper in progress (questions and choices in the order drawn for this trainee; answer a choice by its position) and the latest result with explanations.",
    responses((status = 200, description = "Done", body = [TestView])))]
pub async fn api_list(desk: Desk, ReqLang(lang): ReqLang) -> Result<Json<Vec<TestView>>, AppError> {
    my_tests(&desk, lang)
        .await
        .map(Json)
        .map_err(AppError::as_json)
}

async fn one(desk: &Desk, lang: Lang, phase: &str) -> Result<Json<TestView>, AppError> {
    my_tests(desk, lang)
        .await
        .map_err(AppError::as_json)?
        .into_iter()
        .find(|t| t.phase == phase)
        .map(Json)
        .ok_or_else(|| AppError::not_found(lang).as_json())
}

/// `POST /api/v1/tests/{phase}/start`.
#[utoipa::path(post, path = "/api/v1/tests/{phase}/start", tag = "tests", security(("sandbox" = [])),
    params(("phase" = String, Path, description = "`pre` or `post`")),
    description = "Start an attempt (or carry on the one in progress): the paper and its deadline. 409 `closed`, `no_attempts_left`; 404 `no_test`.",
    responses((status = 200, description = "The test with its paper", body = TestView)))]
pub async fn api_start(
    Path(phase): Path<String>,
    desk: Desk,
    ReqLang(lang): ReqLang,
) -> Result<Json<TestView>, AppError> {
    let phase = phase_of(&phase, lang).map_err(AppError::as_json)?;
    start_work(&desk, lang, phase)
        .await
        .map_err(AppError::as_json)?;
    one(&desk, lang, phase).await
}

#[derive(Deserialize, ToSchema)]
pub struct HandInBody {
    /// Question id → the answer: a choice's position (a number), several positions (a
    /// list), `true`/`false`, or an amount in yuan (a string).
    #[serde(default)]
    answers: std::collections::BTreeMap<String, serde_json::Value>,
}

/// `POST /api/v1/tests/{phase}/submit`.
#[utoipa::path(post, path = "/api/v1/tests/{phase}/submit", tag = "tests", security(("sandbox" = [])),
    params(("phase" = String, Path, description = "`pre` or `post`")), request_body = HandInBody,
    description = "Hand in the attempt in progress: marked, kept, and the result returned. 409 `not_started`; 409 `time_up` past the time limit (the answers do not count).",
    responses((status = 200, description = "The test with its result", body = TestView)))]
pub async fn api_submit(
    Path(phase): Path<String>,
    desk: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<HandInBody>,
) -> Result<Json<TestView>, AppError> {
    let phase = phase_of(&phase, lang).map_err(AppError::as_json)?;
    let mut pairs = Vec::new();
    for (id, v) in b.answers.into_iter().take(200) {
        let name = format!("q_{}", id.chars().take(60).collect::<String>());
        let values: Vec<String> = match v {
            serde_json::Value::Array(items) => items.iter().take(8).map(value_text).collect(),
            other => vec![value_text(&other)],
        };
        pairs.extend(values.into_iter().map(|v| (name.clone(), v)));
    }
    match hand_in_work(&desk, lang, phase, pairs).await? {
        Ok(_) => one(&desk, lang, phase).await,
        Err(e) => Err(test_error(e, lang).as_json()),
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.chars().take(40).collect(),
        other => other.to_string().chars().take(40).collect(),
    }
}
