//! Answering the task panel's questions (实操演练四): `POST /lab/answer` from the panel
//! beside any portal page or the lab page, and `POST /api/v1/attempt/answer`. The latest
//! answer to each question counts; nothing says whether it is right until it is graded.

use axum::Json;
use axum::extract::Form;
use axum::extract::rejection::FormRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ApiErrorBody;
use super::forms::Body;
use super::forms::{form_body, require_csrf};
use super::labs::{LabPanel, lab_error, lab_work};
use super::sandbox::Desk;
use super::{AppError, ReqLang};
use crate::labs::run::{self, LabError};

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    /// Where to go back to (a local path).
    #[serde(default)]
    back: String,
}

/// `POST /lab/answer`: keep the answer and go back; a refused one goes to the lab page
/// with the reason at its question.
pub async fn answer_page(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<AnswerForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let a = desk
        .attempt
        .clone()
        .ok_or_else(|| lab_error(LabError::NoAttempt, lang))?;
    let now = desk.clock.now();
    let (topic, text) = (
        f.question.clone(),
        f.answer.chars().take(400).collect::<String>(),
    );
    let done = desk
        .db
        .run_write(move |s| {
            // a refused answer is the trainee's to correct, not a failure of the sandbox
            match run::answer(s, &a, &topic, &text, now) {
                Err(LabError::Store(e)) => Err(e),
                other => Ok(other),
            }
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let topic: String = f
        .question
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect();
    match done {
        Ok(()) => {
            let back = if super::pages::is_local_path(&f.back) {
                f.back.clone()
            } else {
                "/lab".to_owned()
            };
            Ok(Redirect::to(&back).into_response())
        }
        Err(e @ (LabError::BadAnswer | LabError::TooManyAnswers)) => {
            let to = format!("/lab?topic={topic}&problem={}#q-{topic}", e.code());
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => Err(lab_error(e, lang)),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerBody {
    /// The question's `topic`, as the task panel lists it.
    question: String,
    /// 1 to 100 characters: an amount in yuan, a number or words, as the question asks.
    answer: String,
}

/// `POST /api/v1/attempt/answer`.
#[utoipa::path(post, path = "/api/v1/attempt/answer", tag = "labs", security(("sandbox" = [])), request_body = AnswerBody,
    description = "Answer one of the task panel's questions (`questions[].topic`); the latest answer counts and is graded with the lab (never said right or wrong before). 404 `unknown_question`, 422 `bad_answer` (empty, over 100 characters or with line breaks), 429 `too_many_answers` (120 an hour). Returns the task panel.",
    responses((status = 200, description = "Kept", body = LabPanel), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn answer_api(
    desk: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<AnswerBody>,
) -> Result<Json<LabPanel>, AppError> {
    let a = desk
        .attempt
        .clone()
        .ok_or_else(|| lab_error(LabError::NoAttempt, lang).as_json())?;
    let (now, trainee) = (desk.clock.now(), desk.trainee.id);
    let text: String = b.answer.chars().take(400).collect();
    let a = lab_work(&desk, lang, move |s, _| {
        run::answer(s, &a, &b.question, &text, now)?;
        Ok(s.attempt_of(trainee, a.id)?)
    })
    .await
    .map_err(AppError::as_json)?;
    super::api_labs::panel_on(&desk, &a, lang, desk.trainee.sandbox_date)
}
