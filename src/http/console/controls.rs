//! The dashboard's controls: each checks the form, runs in one transaction, is audited
//! by `classroom`, and returns to the dashboard.

use super::classes::class_id;
use super::*;

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
