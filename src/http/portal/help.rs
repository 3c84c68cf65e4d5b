//! 帮助中心 and 在线客服 pages: open to everyone, logged in or not.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::{AppError, AppState, ReqLang};
use super::{Frame, csrf_token, phone_view, render};
use crate::bureau::help;
use crate::i18n::Lang;

#[derive(Deserialize, Default)]
pub struct HelpQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct EntryView {
    id: String,
    question: String,
    answer: String,
}

#[derive(Serialize)]
struct HelpPage {
    #[serde(flatten)]
    frame: Frame,
    q: String,
    entries: Vec<EntryView>,
    asked: Option<String>,
    reply: Option<String>,
}

async fn page(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    q: String,
    asked: Option<String>,
) -> Result<Response, AppError> {
    let (demo, now) = (state.demo, state.clock.now());
    let question = asked.clone();
    let (phone, reply_id) = state
        .db
        .run_write(move |s| {
            let scope = s.tenant(demo);
            let reply = question
                .as_deref()
                .and_then(help::answer)
                .map(|e| e.id.clone());
            if let Some(question) = &question {
                let result = if reply.is_some() { "ok" } else { "no_answer" };
                scope.trace(
                    now,
                    None,
                    "help.ask",
                    result,
                    &json!({ "question": question, "answer": reply }),
                )?;
            }
            Ok((phone_view(&scope, lang)?, reply))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let entries = help::search(&q)
        .into_iter()
        .map(|e| EntryView {
            id: e.id.clone(),
            question: e.question(lang).to_owned(),
            answer: e.answer(lang).to_owned(),
        })
        .collect();
    let reply = reply_id
        .and_then(|id| help::entries().iter().find(|e| e.id == id))
        .map(|e| e.answer(lang).to_owned());
    let (csrf, set) = csrf_token(headers);
    let page = HelpPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.help"],
            active: "help",
            who: None,
        },
        q,
        entries,
        asked,
        reply,
    };
    render(
        lang,
        "/portal/help",
        "portal_help.html",
        page,
        set.into_iter().collect(),
    )
}

/// `GET /portal/help?q=`: the FAQ, searched.
pub async fn help(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<HelpQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|Query(q)| q.q).unwrap_or_default();
    page(&state, lang, &headers, q, None).await
}

/// `GET /portal/help/ask?q=`: the online service answers.
pub async fn ask(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<HelpQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|Query(q)| q.q).unwrap_or_default();
    let asked = (!q.trim().is_empty()).then(|| q.chars().take(200).collect::<String>());
    page(&state, lang, &headers, String::new(), asked).await
}
