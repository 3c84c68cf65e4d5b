//! 推进沙盒日期 from the task panel: where a lab allows it (`setup.clock_days`), the trainee
//! moves their own sandbox date forward to see an answer due in working days arrive —
//! `POST /lab/clock` from the panel or the lab page, `POST /api/v1/attempt/clock`.

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
pub struct ClockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    days: String,
    /// Where to go back to (a local path).
    #[serde(default)]
    back: String,
}

/// `POST /lab/clock`: move the date and go back; a refusal goes to the lab page with the
/// reason at the field.
pub async fn clock_page(
    desk: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ClockForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let a = desk
        .attempt
        .clone()
        .ok_or_else(|| lab_error(LabError::NoAttempt, lang))?;
    let now = desk.clock.now();
    // not a whole number of days: refused like one out of range
    let days = f.days.trim().parse::<i64>().unwrap_or(0);
    let done = desk
        .db
        .run_write(move |s| match run::advance_clock(s, &a, days, now) {
            Err(LabError::Store(e)) => Err(e),
            other => Ok(other),
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    match done {
        Ok(_) => {
            let back = if super::pages::is_local_path(&f.back) {
                f.back.clone()
            } else {
                "/lab".to_owned()
            };
            Ok(Redirect::to(&back).into_response())
        }
        Err(e @ (LabError::ClockLimit | LabError::NoClock)) => {
            let to = format!("/lab?clock_problem={}#lab-clock", e.code());
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => Err(lab_error(e, lang)),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ClockBody {
    /// Whole days forward, 1 to the task panel's `clock.left`.
    days: i64,
}

/// `POST /api/v1/attempt/clock`.
#[utoipa::path(post, path = "/api/v1/attempt/clock", tag = "labs", security(("sandbox" = [])), request_body = ClockBody,
    description = "Move the lab's sandbox date forward (only where the task panel shows `clock`), e.g. to the day a refund's approval or an explanation's answer is due. 409 `no_clock` (the lab does not allow it), 422 `clock_limit` (past the lab's last date, or not 1 to 60 days). Returns the task panel.",
    responses((status = 200, description = "Moved", body = LabPanel), (status = "4XX", description = "Refused", body = ApiErrorBody)))]
pub async fn clock_api(
    desk: Desk,
    ReqLang(lang): ReqLang,
    Body(b): Body<ClockBody>,
) -> Result<Json<LabPanel>, AppError> {
    let a = desk
        .attempt
        .clone()
        .ok_or_else(|| lab_error(LabError::NoAttempt, lang).as_json())?;
    let (now, trainee) = (desk.clock.now(), desk.trainee.id);
    let (a, today) = lab_work(&desk, lang, move |s, _| {
        let today = run::advance_clock(s, &a, b.days, now)?;
        Ok((s.attempt_of(trainee, a.id)?, today))
    })
    .await
    .map_err(AppError::as_json)?;
    super::api_labs::panel_on(&desk, &a, lang, today)
}
