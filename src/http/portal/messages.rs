//! 消息中心 and 通知公告 pages.

use crate::http::taxpayer::Taxpayer;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::super::{AppError, ReqLang};
use super::{Frame, bureau, bureau_read, phone_view, render, stage_home, to_login, who};
use crate::bureau::login;
use crate::bureau::messages::{self, Announcement};
use crate::i18n::{Catalog, Lang};
use crate::store::{Message, PortalSession, SessionStage, StoreError, TenantScope};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(in crate::http) struct ItemView {
    id: String,
    date: String,
    title: String,
    read: bool,
}

fn message_text(m: &Message, lang: Lang) -> (String, String) {
    let c = Catalog::embedded();
    let args: serde_json::Value = serde_json::from_str(&m.args).unwrap_or_default();
    let arg = |k: &str| {
        args.get(k)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default()
    };
    let ret = c
        .text(lang, &format!("return.{}", arg("return")))
        .to_owned();
    let fill = [
        ("return", ret.as_str()),
        ("period", &arg("period")),
        ("deadline", &arg("deadline")),
        ("count", &arg("count")),
    ];
    let fill: Vec<(&str, &str)> = fill.iter().map(|(k, v)| (*k, *v)).collect();
    (
        c.format(lang, &format!("message.{}.title", m.kind), &fill),
        c.format(lang, &format!("message.{}.body", m.kind), &fill),
    )
}

fn announcement_text(a: &Announcement, lang: Lang) -> (String, String) {
    match lang {
        Lang::Zh => (a.title_zh.clone(), a.body_zh.clone()),
        Lang::En => (a.title_en.clone(), a.body_en.clone()),
    }
}

/// The announcements published by the tenant's date, with the person's read marks; the
/// class's latest broadcast (课堂通知), if any, first.
pub(super) fn announcement_views(
    scope: &TenantScope<'_>,
    person: i64,
    lang: Lang,
    notice: Option<&str>,
) -> Result<Vec<ItemView>, StoreError> {
    let today = scope.record()?.sandbox_date;
    let read = scope.announcements_read(person)?;
    let class = notice.map(|text| {
        let id = messages::class_notice_id(text);
        let short: String = text.chars().take(30).collect();
        let more = if text.chars().count() > 30 { "…" } else { "" };
        ItemView {
            read: read.contains(&id),
            id,
            date: today.to_string(),
            title: format!("{}：{short}{more}", notice_title(lang)),
        }
    });
    Ok(class
        .into_iter()
        .chain(
            messages::announcements(today)
                .into_iter()
                .map(|a| ItemView {
                    id: a.id.clone(),
                    date: a.date.to_string(),
                    title: announcement_text(a, lang).0,
                    read: read.contains(&a.id),
                }),
        )
        .collect())
}

fn notice_title(lang: Lang) -> String {
    crate::i18n::Catalog::embedded()
        .text(lang, "messages.class_notice")
        .to_owned()
}

/// What an announcement id names: one of the bureau's, or the class's current broadcast.
/// `None` when it is neither (an old broadcast, another class's, or nothing).
pub(in crate::http) fn announcement_item(id: String, notice: Option<&str>) -> Option<Item> {
    if messages::announcement(&id).is_some() {
        return Some(Item::Announcement(id));
    }
    notice
        .filter(|text| messages::class_notice_id(text) == id)
        .map(|text| Item::ClassNotice(id, text.to_owned()))
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    frame: Frame,
    #[serde(flatten)]
    data: Inbox,
}

/// 消息中心: the company's messages and the published announcements, with read marks.
#[derive(Serialize, ToSchema)]
pub(in crate::http) struct Inbox {
    messages: Vec<ItemView>,
    announcements: Vec<ItemView>,
}

pub(in crate::http) fn inbox(
    scope: &TenantScope<'_>,
    s: &PortalSession,
    lang: Lang,
    notice: Option<&str>,
) -> Result<Inbox, StoreError> {
    let messages = scope
        .messages(s.company_id)?
        .iter()
        .map(|m| ItemView {
            id: m.id.to_string(),
            date: m.sent_on.to_string(),
            title: message_text(m, lang).0,
            read: m.read,
        })
        .collect();
    Ok(Inbox {
        messages,
        announcements: announcement_views(scope, s.person_id, lang, notice)?,
    })
}

pub async fn list(state: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    let token = state.token.clone();
    let notice = state.trainee.class_notice.clone();
    let time = state.time();
    let found = bureau_read(&state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        Ok((
            s.stage,
            who(scope, s.person_id, s.company_id)?,
            phone_view(scope, lang, time)?,
            inbox(scope, &s, lang, notice.as_deref())?,
        ))
    })
    .await?;
    let (stage, who, phone, data) = match found {
        Ok(v) => v,
        Err(e) => return Ok(to_login(&e)),
    };
    if stage != SessionStage::Active {
        return Ok(Redirect::to(stage_home(stage)).into_response());
    }
    let (csrf, set) = state.page_token();
    let page = ListPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.messages"],
            active: "messages",
            who: Some(who),
            sandbox: state.bar(lang),
        },
        data,
    };
    render(
        lang,
        "/portal/messages",
        "portal_messages.html",
        page,
        set.into_iter().collect(),
    )
}

#[derive(Serialize)]
struct DetailPage {
    #[serde(flatten)]
    frame: Frame,
    #[serde(flatten)]
    item: Opened,
}

/// A message or announcement, opened (and so marked read).
#[derive(Serialize, ToSchema)]
pub(in crate::http) struct Opened {
    title: String,
    date: String,
    body: String,
}

/// Which item to open.
pub(in crate::http) enum Item {
    Message(i64),
    Announcement(String),
    /// The class's current broadcast: its id and text.
    ClassNotice(String, String),
}

/// Open a message of the session's company or an announcement; marks it read.
pub(in crate::http) fn open(
    scope: &TenantScope<'_>,
    now: chrono::DateTime<chrono::Utc>,
    s: &PortalSession,
    item: Item,
    lang: Lang,
) -> Result<Opened, login::LoginError> {
    let (title, date, body) = match item {
        Item::Message(id) => {
            let m = messages::open_message(scope, now, s.person_id, s.company_id, id)?;
            let (t, b) = message_text(&m, lang);
            (t, m.sent_on.to_string(), b)
        }
        Item::Announcement(id) => {
            let a = messages::open_announcement(scope, now, s.person_id, &id)?;
            let (t, b) = announcement_text(a, lang);
            (t, a.date.to_string(), b)
        }
        Item::ClassNotice(id, text) => {
            messages::open_class_notice(scope, now, s.person_id, &id)?;
            let today = scope.record()?.sandbox_date.to_string();
            (notice_title(lang), today, text)
        }
    };
    Ok(Opened { title, date, body })
}

async fn detail(
    state: &Taxpayer,
    lang: Lang,
    item: Item,
    path: String,
) -> Result<Response, AppError> {
    let token = state.token.clone();
    let time = state.time();
    let found = bureau(state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        if s.stage != SessionStage::Active {
            return Err(login::LoginError::WrongStage(s.stage));
        }
        Ok((
            who(scope, s.person_id, s.company_id)?,
            phone_view(scope, lang, time)?,
            open(scope, now, &s, item, lang)?,
        ))
    })
    .await?;
    let (who, phone, item) = match found {
        Ok(v) => v,
        Err(login::LoginError::WrongStage(stage)) => {
            return Ok(Redirect::to(stage_home(stage)).into_response());
        }
        Err(e) => return Ok(to_login(&e)),
    };
    let (csrf, set) = state.page_token();
    let page = DetailPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.messages"],
            active: "messages",
            who: Some(who),
            sandbox: state.bar(lang),
        },
        item,
    };
    render(
        lang,
        &path,
        "portal_message.html",
        page,
        set.into_iter().collect(),
    )
}

pub async fn message(
    Path(id): Path<String>,
    state: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Response, AppError> {
    // A malformed id is simply not found, like another tenant's.
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    detail(
        &state,
        lang,
        Item::Message(id),
        format!("/portal/messages/{id}"),
    )
    .await
}

pub async fn announcement(
    Path(id): Path<String>,
    state: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Response, AppError> {
    let path = format!("/portal/announcements/{id}");
    let item = announcement_item(id, state.trainee.class_notice.as_deref())
        .ok_or_else(|| AppError::not_found(lang))?;
    detail(&state, lang, item, path).await
}
