//! 帮助中心 and 在线客服 pages: open to everyone, logged in or not.

use crate::http::sandbox::Desk;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::{AppError, ReqLang};
use super::{Frame, csrf_token, phone_view, render};
use crate::bureau::help;
use crate::i18n::Lang;
use crate::store::{StoreError, TenantScope};
use chrono::{DateTime, Utc};
use utoipa::ToSchema;

#[derive(Deserialize, Default)]
pub struct HelpQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize, ToSchema)]
pub(in crate::http) struct EntryView {
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

/// The FAQ entries matching a search (all of them for an empty one).
pub(in crate::http) fn search_views(q: &str, lang: Lang) -> Vec<EntryView> {
    help::search(q)
        .into_iter()
        .map(|e| EntryView {
            id: e.id.clone(),
            question: e.question(lang).to_owned(),
            answer: e.answer(lang).to_owned(),
        })
        .collect()
}

/// 在线客服: the FAQ entry that answers a question, if any; the question goes into the trace.
pub(in crate::http) fn answer_traced(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    question: &str,
) -> Result<Option<&'static help::HelpEntry>, StoreError> {
    let reply = help::answer(question);
    let result = if reply.is_some() { "ok" } else { "no_answer" };
    scope.trace(
        now,
        None,
        "help.ask",
        result,
        &json!({ "question": question, "answer": reply.map(|e| &e.id) }),
    )?;
    Ok(reply)
}

async fn page(
    state: &Desk,
    lang: Lang,
    headers: &HeaderMap,
    q: String,
    asked: Option<String>,
) -> Result<Response, AppError> {
    let (demo, now) = (state.tenant(), state.clock.now());
    let question = asked.clone();
    let token = super::cookie(headers, super::SESSION_COOKIE).unwrap_or_default();
    let time = state.time();
    let (phone, reply_id, who) = state
        .db
        .run_write(move |s| {
            let scope = s.tenant(demo);
            let reply = match &question {
                Some(q) => answer_traced(&scope, now, q)?.map(|e| e.id.clone()),
                None => None,
            };
            // the logged-in frame for a trainee who is logged in
            let who = super::menus::signed_in(&scope, now, &token)?;
            Ok((phone_view(&scope, lang, time)?, reply, who))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let entries = search_views(&q, lang);
    let reply = reply_id
        .and_then(|id| help::entries().iter().find(|e| e.id == id))
        .map(|e| e.answer(lang).to_owned());
    let (csrf, set) = csrf_token(headers);
    let page = HelpPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec![
                "portal.crumb.home",
                "portal.crumb.public",
                "portal.crumb.help",
            ],
            active: "public",
            who,
            sandbox: state.bar(lang),
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
    state: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<HelpQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|Query(q)| q.q).unwrap_or_default();
    page(&state, lang, &headers, q, None).await
}

/// `GET /portal/help/ask?q=`: the online service answers.
pub async fn ask(
    state: Desk,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<HelpQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|Query(q)| q.q).unwrap_or_default();
    let asked = (!q.trim().is_empty()).then(|| q.chars().take(200).collect::<String>());
    page(&state, lang, &headers, String::new(), asked).await
}
