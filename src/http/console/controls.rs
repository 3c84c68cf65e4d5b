//! The dashboard's controls, one handler for all: `POST /console/classes/{id}/{action}`
//! (the class) and `/console/classes/{id}/seats/{seat}/{action}` (one seat). Each checks the
//! form, runs in one transaction (audited by `classroom`), and returns to the dashboard.

use super::classes::class_id;
use super::*;
use crate::classroom::{Control, ControlInput};

#[derive(Deserialize)]
pub struct ControlForm {
    #[serde(default)]
    csrf: String,
    /// A seat number, or empty for the whole class.
    #[serde(default)]
    seat: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    module: String,
    /// Minutes for a fault, days for the clock.
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    text: String,
    /// A test's form and attempts.
    #[serde(default)]
    form: String,
    #[serde(default)]
    attempts: String,
}

/// Carry out a control for the whole class (or the seat the form names), for pages and API.
pub async fn run_control(
    staff: &Staff,
    lang: Lang,
    id: i64,
    seat: Option<u32>,
    action: &str,
    input: ControlInput,
    ip: String,
) -> Result<&'static str, AppError> {
    let control = match Control::parse(action, &input) {
        Some(c) => c.map_err(|e| class_error(e, lang))?,
        None => return Err(AppError::not_found(lang)),
    };
    if control.needs_seat() && seat.is_none() {
        return Err(class_error(ClassError::NoSuchSeat, lang));
    }
    let (user, now, done) = (staff.user.clone(), staff.clock.now(), control.done());
    let ends = matches!(control, classroom::Control::End);
    class_work(staff, lang, move |s, lib| {
        let class = classroom::class_for(s, &user, id)?;
        classroom::apply(s, lib, &user, &class, seat, &control, &ip, now)
    })
    .await?;
    // every attempt still running is handed in and graded before the page shows the room
    if ends {
        crate::http::hand_in_ended(staff).await;
    }
    Ok(done)
}

/// Which control, for which class and seat, from where.
struct Target {
    id: String,
    seat: Option<u32>,
    action: String,
    ip: String,
}

async fn act(
    staff: Staff,
    lang: Lang,
    headers: HeaderMap,
    Target {
        id,
        seat,
        action,
        ip,
    }: Target,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let seat = seat.or_else(|| f.seat.trim().parse().ok());
    let input = ControlInput {
        kind: f.kind,
        module: f.module,
        minutes: f.minutes.trim().parse().ok(),
        text: f.text,
        form: f.form,
        attempts: f.attempts.trim().parse().ok(),
    };
    let done = run_control(&staff, lang, id, seat, &action, input, ip).await?;
    Ok(Redirect::to(&format!("/console/classes/{id}?done={done}")).into_response())
}

/// `POST /console/classes/{id}/{action}`.
pub async fn class_action(
    peer: crate::http::net::ClientAddr,
    Path((id, action)): Path<(String, String)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let target = Target {
        id,
        seat: None,
        action,
        ip: peer.ip().to_string(),
    };
    act(staff, lang, headers, target, form).await
}

/// `POST /console/classes/{id}/seats/{seat}/{action}`.
pub async fn seat_action(
    peer: crate::http::net::ClientAddr,
    Path((id, seat, action)): Path<(String, u32, String)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, AppError> {
    let target = Target {
        id,
        seat: Some(seat),
        action,
        ip: peer.ip().to_string(),
    };
    act(staff, lang, headers, target, form).await
}
