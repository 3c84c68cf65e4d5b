//! 帮助中心 and 在线客服 pages: open to everyone, logged in or not.

use super::Taxpayer;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::super::{AppError, ReqLang};
use super::{Frame, phone_view, render};
use crate::bureau::help;
use crate::i18n::Lang;
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

async fn page(
    state: &Taxpayer,
    lang: Lang,
    q: String,
    asked: Option<String>,
) -> Result<Response, AppError> {
    let (demo, now) = (state.tenant(), state.clock.now());
    let question = asked.clone();
    let token = state.token.clone();
    let time = state.time();
    // a page only reads: the question's trace is written after it
    let (phone, reply_id, who) = state
        .db
        .run_mostly_read(move |s| {
            let scope = s.tenant(demo);
            let reply = match &question {
                Some(q) => help::ask(&scope, now, q)?.map(|e| e.id.clone()),
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
    let (csrf, set) = state.page_token();
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
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<Query<HelpQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|Query(q)| q.q).unwrap_or_default();
    page(&state, lang, q, None).await
}

/// `GET /portal/help/ask?q=`: the online service answers.
pub async fn ask(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<Query<HelpQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|Query(q)| q.q).unwrap_or_default();
    let asked = (!q.trim().is_empty()).then(|| q.chars().take(200).collect::<String>());
    page(&state, lang, String::new(), asked).await
}
