//! The trainee's side of a class: joining with the code and a name or student number.

use super::*;

// ---- joining ----

#[derive(Serialize)]
struct JoinPage {
    csrf: String,
    code: String,
    who: String,
    error: Option<crate::http::error::FieldErrorView>,
}

async fn join_page(
    lang: Lang,
    headers: &HeaderMap,
    code: String,
    who: String,
    error: Option<AppError>,
) -> Result<Response, AppError> {
    let (csrf, set) = csrf_token(headers);
    let status = error.as_ref().map(AppError::status);
    let res = render(
        lang,
        "/join",
        "join.html",
        JoinPage {
            csrf,
            code,
            who,
            error: error.map(|e| e.field_view()),
        },
        set.into_iter().collect(),
    )?;
    Ok(crate::http::error::with_status(res, status))
}

pub async fn join_form(ReqLang(lang): ReqLang, headers: HeaderMap) -> Result<Response, AppError> {
    join_page(lang, &headers, String::new(), String::new(), None).await
}

pub async fn join_code(
    Path(code): Path<String>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    join_page(lang, &headers, code, String::new(), None).await
}

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    who: String,
    #[serde(default)]
    pin: String,
}

#[derive(Serialize)]
struct JoinedPage {
    seat: u32,
    pin: String,
}

pub async fn join_submit(
    peer: crate::http::net::ClientAddr,
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<JoinForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let (code, who, pin, ip, now) = (
        f.code.clone(),
        f.who.clone(),
        f.pin.clone(),
        peer.ip().to_string(),
        state.clock.now(),
    );
    let labs = state.labs.clone();
    let joined = state
        .db
        .run_write(move |s| {
            let req = classroom::JoinRequest {
                code: &code,
                who: &who,
                pin: &pin,
                ip: &ip,
            };
            super::kept(classroom::join(s, &labs, &req, now))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    match joined {
        // The first join shows the seat's PIN, once, before the lab.
        Ok(classroom::Joined {
            token,
            seat,
            pin: Some(pin),
        }) => {
            let page = render(
                lang,
                "/join",
                "joined.html",
                JoinedPage { seat, pin },
                vec![],
            )?;
            Ok(with_cookies(
                page,
                [super::super::sandbox::sandbox_cookie(&token)],
            ))
        }
        Ok(j) => Ok(with_cookies(
            Redirect::to("/lab").into_response(),
            [super::super::sandbox::sandbox_cookie(&j.token)],
        )),
        Err(e) => join_page(lang, &headers, f.code, f.who, Some(class_error(e, lang))).await,
    }
}
