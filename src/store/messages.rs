//! The message centre and announcement reads, tenant-scoped.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::portal::ts;
use super::records::CompanyId;
use super::{StoreError, TenantScope};

/// A message in the message centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub company_id: CompanyId,
    pub sent_on: chrono::NaiveDate,
    pub kind: String,
    /// JSON object of the message's arguments.
    pub args: String,
    pub read: bool,
}

impl TenantScope<'_> {
    /// Post a message unless one of this kind and key was posted already.
    pub fn post_message(
        &self,
        company: CompanyId,
        sent_on: chrono::NaiveDate,
        kind: &str,
        key: &str,
        args: &serde_json::Value,
    ) -> Result<(), StoreError> {
        // Looked up first, so a page that posts what is already there stays a read.
        let there = self
            .conn()
            .prepare_cached(
                "SELECT 1 FROM messages WHERE tenant_id = ?1 AND company_id = ?2 AND kind = ?3 AND key = ?4",
            )?
            .exists(params![self.t(), company.0, kind, key])?;
        if there {
            return Ok(());
        }
        self.conn().prepare_cached("INSERT OR IGNORE INTO messages (tenant_id, company_id, sent_on, kind, key, args) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![self.t(), company.0, sent_on.to_string(), kind, key, args.to_string()])?;
        Ok(())
    }

    fn message_rows(
        &self,
        sql_tail: &str,
        p: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Message>, StoreError> {
        let sql = format!(
            "SELECT id, company_id, sent_on, kind, args, read_at IS NOT NULL FROM messages WHERE tenant_id = ?1 {sql_tail}"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt
            .query_map(p, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, company, sent, kind, args, read)| {
                let sent_on = chrono::NaiveDate::parse_from_str(&sent, "%Y-%m-%d")
                    .map_err(|_| StoreError::BadData(format!("date {sent:?}")))?;
                Ok(Message {
                    id,
                    company_id: CompanyId(company),
                    sent_on,
                    kind,
                    args,
                    read,
                })
            })
            .collect()
    }

    /// A company's messages, newest first.
    pub fn messages(&self, company: CompanyId) -> Result<Vec<Message>, StoreError> {
        self.message_rows(
            "AND company_id = ?2 ORDER BY sent_on DESC, id DESC",
            &[&self.t(), &company.0],
        )
    }

    /// One message of this tenant's company; another tenant's id is not found.
    pub fn message(&self, company: CompanyId, id: i64) -> Result<Message, StoreError> {
        self.message_rows(
            "AND company_id = ?2 AND id = ?3",
            &[&self.t(), &company.0, &id],
        )?
        .pop()
        .ok_or(StoreError::NotFound)
    }

    pub fn mark_message_read(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().prepare_cached("UPDATE messages SET read_at = coalesce(read_at, ?3) WHERE tenant_id = ?1 AND id = ?2")?.execute(params![self.t(), id, ts(at)])?;
        Ok(())
    }

    /// The announcements a person has read.
    pub fn announcements_read(&self, person: i64) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT announcement FROM announcement_reads WHERE tenant_id = ?1 AND person_id = ?2",
        )?;
        let rows = stmt
            .query_map(params![self.t(), person], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    pub fn mark_announcement_read(
        &self,
        person: i64,
        announcement: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("INSERT OR IGNORE INTO announcement_reads (tenant_id, person_id, announcement, read_at) VALUES (?1, ?2, ?3, ?4)")?.execute(params![self.t(), person, announcement, ts(at)])?;
        Ok(())
    }
}
