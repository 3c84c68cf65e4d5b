//! 消息中心 and 通知公告: messages the bureau sends a company (a return falling due,
//! arrears) and the announcements everyone sees, each read or unread.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

use super::overview::CompanySummary;
use crate::store::{CompanyId, StoreError, TenantScope};

/// One announcement (`fixtures/announcements.toml`), in both languages.
#[derive(Debug, Clone, Deserialize)]
pub struct Announcement {
    pub id: String,
    pub date: NaiveDate,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
}

#[derive(Deserialize)]
struct AnnouncementFile {
    announcement: Vec<Announcement>,
}

fn all() -> &'static [Announcement] {
    static ALL: OnceLock<Vec<Announcement>> = OnceLock::new();
    ALL.get_or_init(|| {
        match toml::from_str::<AnnouncementFile>(include_str!("../../fixtures/announcements.toml"))
        {
            Ok(f) => f.announcement,
            // Embedded and covered by tests: a failure here is a build defect.
            Err(e) => panic!("fixtures/announcements.toml: {e}"),
        }
    })
}

/// The announcements published by the sandbox date, newest first.
pub fn announcements(today: NaiveDate) -> Vec<&'static Announcement> {
    let mut list: Vec<&Announcement> = all().iter().filter(|a| a.date <= today).collect();
    list.sort_by_key(|a| std::cmp::Reverse(a.date));
    list
}

pub fn announcement(id: &str) -> Option<&'static Announcement> {
    all().iter().find(|a| a.id == id)
}

/// Post what the bureau has to say to a company today: the return due and any arrears.
/// Saying it again changes nothing.
pub fn refresh(
    scope: &TenantScope<'_>,
    today: NaiveDate,
    summary: &CompanySummary,
) -> Result<(), StoreError> {
    let company = CompanyId(summary.id);
    scope.post_message(
        company,
        today,
        "deadline",
        &summary.due_period,
        &json!({ "return": summary.due_return, "period": summary.due_period, "deadline": summary.due_deadline }),
    )?;
    if summary.arrears > 0 {
        scope.post_message(
            company,
            today,
            "arrears",
            &format!("{today}-{}", summary.arrears),
            &json!({ "count": summary.arrears }),
        )?;
    }
    Ok(())
}

/// Open a message (which marks it read).
pub fn open_message(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    person: i64,
    company: CompanyId,
    id: i64,
) -> Result<crate::store::Message, StoreError> {
    let m = scope.message(company, id)?;
    scope.mark_message_read(id, now)?;
    scope.trace(
        now,
        Some(person),
        "message.read",
        "ok",
        &json!({ "message_id": id, "kind": m.kind }),
    )?;
    Ok(m)
}

/// The id of a class's latest broadcast (课堂通知) among the announcements. It follows the
/// text, so a new broadcast is unread again. (FNV-1a: stable across Rust versions, unlike
/// the standard hasher.)
pub fn class_notice_id(text: &str) -> String {
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("class-{h:016x}")
}

/// Open the class's broadcast (marks it read; traced apart from the bureau's own
/// announcements, which labs check).
pub fn open_class_notice(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    person: i64,
    id: &str,
) -> Result<(), StoreError> {
    scope.mark_announcement_read(person, id, now)?;
    scope.trace(
        now,
        Some(person),
        "class_notice.read",
        "ok",
        &json!({ "announcement": id }),
    )
}

/// Open an announcement (which marks it read for the person).
pub fn open_announcement(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    person: i64,
    id: &str,
) -> Result<&'static Announcement, StoreError> {
    let a = announcement(id).ok_or(StoreError::NotFound)?;
    scope.mark_announcement_read(person, id, now)?;
    scope.trace(
        now,
        Some(person),
        "announcement.read",
        "ok",
        &json!({ "announcement": id }),
    )?;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_load_and_follow_the_sandbox_date() {
        assert!(all().len() >= 3);
        let early = announcements(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
        assert!(
            early
                .iter()
                .all(|a| a.date <= NaiveDate::from_ymd_opt(2025, 12, 31).unwrap())
        );
        let late = announcements(NaiveDate::from_ymd_opt(2026, 10, 12).unwrap());
        assert!(late.len() > early.len());
        assert!(late.windows(2).all(|w| w[0].date >= w[1].date));
    }
}
