//! The simulated bureau's login state, tenant-scoped: accounts, SMS codes, the phone
//! panel, portal sessions and the trace.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::deferred::Pending;
use super::records::CompanyId;
use super::{StoreError, TenantScope};

/// Timestamps are stored as RFC 3339 UTC text, which sorts as time does.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn parse_ts(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::BadData(format!("timestamp: {text:?}")))
}

fn parse_opt_ts(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.as_deref().map(parse_ts).transpose()
}

/// A person's e-tax account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// `None` while the initial password is in force.
    pub password_hash: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// Newest first.
    pub recent_hashes: Vec<String>,
    /// Recent failed logins, oldest first (the lockout counts those inside its window).
    pub failures: Vec<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
    /// Ask for an SMS code after the password (on unless the person turns it off).
    pub two_factor: bool,
    /// Addresses or prefixes logins may come from; empty: anywhere.
    pub ip_allow: Vec<String>,
    /// Allowed login hours ("HH:MM", China time), when set.
    pub hours_from: Option<String>,
    pub hours_to: Option<String>,
}

impl Default for Account {
    fn default() -> Account {
        Account {
            password_hash: None,
            password_changed_at: None,
            recent_hashes: Vec::new(),
            failures: Vec::new(),
            locked_until: None,
            two_factor: true,
            ip_allow: Vec::new(),
            hours_from: None,
            hours_to: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsCode {
    pub id: i64,
    pub code: String,
    /// The new phone or email a code verifies; empty for login and reset codes.
    pub target: String,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneMessage {
    pub id: i64,
    pub person_id: i64,
    pub sent_at: DateTime<Utc>,
    pub sent_to: String,
    pub kind: String,
    /// JSON object of the message's arguments.
    pub args: String,
}

/// Where a portal login stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Password accepted; the SMS code is awaited.
    Sms,
    /// First login: the initial password must be changed.
    ChangePassword,
    Active,
}

impl SessionStage {
    fn as_str(self) -> &'static str {
        match self {
            SessionStage::Sms => "sms",
            SessionStage::ChangePassword => "change_password",
            SessionStage::Active => "active",
        }
    }

    fn parse(text: &str) -> Result<SessionStage, StoreError> {
        match text {
            "sms" => Ok(SessionStage::Sms),
            "change_password" => Ok(SessionStage::ChangePassword),
            "active" => Ok(SessionStage::Active),
            other => Err(StoreError::BadData(format!("session stage {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    pub token: String,
    pub person_id: i64,
    pub company_id: CompanyId,
    pub stage: SessionStage,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// One entry of the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub sandbox_date: String,
    pub person_id: Option<i64>,
    pub action: String,
    pub result: String,
    pub detail: String,
}

impl TenantScope<'_> {
    /// The company with this USCC, if the tenant has one.
    pub fn company_by_uscc(&self, uscc: &str) -> Result<Option<CompanyId>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id FROM companies WHERE tenant_id = ?1 AND uscc = ?2")?
            .query_row(params![self.t(), uscc], |r| r.get(0))
            .optional()?
            .map(CompanyId))
    }

    /// The person whose resident ID or mobile number is `account`.
    pub fn person_by_account(&self, account: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id FROM people WHERE tenant_id = ?1 AND (resident_id = upper(?2) OR mobile = ?2) ORDER BY id LIMIT 1")?.query_row(params![self.t(), account],
                |r| r.get(0))
            .optional()?)
    }

    /// One person of this tenant.
    pub fn person(
        &self,
        id: i64,
    ) -> Result<super::records::Stored<crate::domain::entities::Person>, StoreError> {
        let (name, rid, mobile, email): (String, String, String, String) = self.conn().prepare_cached("SELECT name, resident_id, mobile, email FROM people WHERE tenant_id = ?1 AND id = ?2")?.query_row(params![self.t(), id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        let bad = |what: &str, v: &str| StoreError::BadData(format!("{what}: {v:?}"));
        Ok(super::records::Stored {
            id,
            value: crate::domain::entities::Person {
                name,
                resident_id: crate::domain::ids::ResidentId::parse(&rid)
                    .map_err(|_| bad("resident id", &rid))?,
                mobile: crate::domain::ids::Mobile::parse(&mobile)
                    .map_err(|_| bad("mobile", &mobile))?,
                email,
            },
        })
    }

    /// Change a person's mobile number or email (after the new one was verified).
    pub fn set_contact(
        &self,
        person: i64,
        mobile: Option<&str>,
        email: Option<&str>,
    ) -> Result<(), StoreError> {
        if let Some(m) = mobile {
            self.conn()
                .prepare_cached("UPDATE people SET mobile = ?3 WHERE tenant_id = ?1 AND id = ?2")?
                .execute(params![self.t(), person, m])?;
        }
        if let Some(e) = email {
            self.conn()
                .prepare_cached("UPDATE people SET email = ?3 WHERE tenant_id = ?1 AND id = ?2")?
                .execute(params![self.t(), person, e])?;
        }
        Ok(())
    }

    /// Whether the person holds any role in the company.
    pub fn acts_for(&self, person: i64, company: CompanyId) -> Result<bool, StoreError> {
        Ok(self.conn().prepare_cached("SELECT EXISTS (SELECT 1 FROM company_roles WHERE tenant_id = ?1 AND person_id = ?2 AND company_id = ?3)")?.query_row(params![self.t(), person, company.0],
            |r| r.get(0))?)
    }

    pub fn account(&self, person: i64) -> Result<Account, StoreError> {
        let row = self
            .conn()
            .prepare_cached(
                "SELECT password_hash, password_changed_at, recent_hashes, failures, locked_until,
                 two_factor, ip_allow, hours_from, hours_to
                 FROM accounts WHERE tenant_id = ?1 AND person_id = ?2",
            )?
            .query_row(params![self.t(), person], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, bool>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ))
            })
            .optional()?;
        let Some((
            hash,
            changed,
            recent,
            failures,
            locked,
            two_factor,
            ip_allow,
            hours_from,
            hours_to,
        )) = row
        else {
            return Ok(Account::default());
        };
        let json = |text: &str| -> Result<Vec<String>, StoreError> {
            serde_json::from_str(text).map_err(|e| StoreError::BadData(e.to_string()))
        };
        Ok(Account {
            password_hash: hash,
            password_changed_at: parse_opt_ts(changed)?,
            recent_hashes: json(&recent)?,
            failures: json(&failures)?
                .iter()
                .map(|t| parse_ts(t))
                .collect::<Result<_, _>>()?,
            locked_until: parse_opt_ts(locked)?,
            two_factor,
            ip_allow: json(&ip_allow)?,
            hours_from,
            hours_to,
        })
    }

    pub fn save_account(&self, person: i64, a: &Account) -> Result<(), StoreError> {
        let recent = serde_json::to_string(&a.recent_hashes)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        self.conn().prepare_cached("INSERT INTO accounts (tenant_id, person_id, password_hash, password_changed_at, recent_hashes, failures,
             locked_until, two_factor, ip_allow, hours_from, hours_to)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (tenant_id, person_id) DO UPDATE SET password_hash = ?3, password_changed_at = ?4,
             recent_hashes = ?5, failures = ?6, locked_until = ?7, two_factor = ?8,
             ip_allow = ?9, hours_from = ?10, hours_to = ?11")?.execute(params![
                self.t(),
                person,
                a.password_hash,
                a.password_changed_at.map(ts),
                recent,
                serde_json::to_string(&a.failures.iter().map(|t| ts(*t)).collect::<Vec<_>>())
                    .map_err(|e| StoreError::Other(e.to_string()))?,
                a.locked_until.map(ts),
                a.two_factor,
                serde_json::to_string(&a.ip_allow).map_err(|e| StoreError::Other(e.to_string()))?,
                a.hours_from,
                a.hours_to
            ])?;
        Ok(())
    }

    pub fn insert_sms_code(
        &self,
        person: i64,
        purpose: &str,
        target: &str,
        code: &str,
        sent: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("INSERT INTO sms_codes (tenant_id, person_id, purpose, target, code, sent_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![self.t(), person, purpose, target, code, ts(sent), ts(expires)])?;
        Ok(())
    }

    /// The newest code sent to a person for a purpose.
    pub fn latest_sms_code(
        &self,
        person: i64,
        purpose: &str,
    ) -> Result<Option<SmsCode>, StoreError> {
        let row = self
            .conn()
            .prepare_cached(
                "SELECT id, code, sent_at, expires_at, used_at, target FROM sms_codes
                 WHERE tenant_id = ?1 AND person_id = ?2 AND purpose = ?3 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![self.t(), person, purpose], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .optional()?;
        row.map(|(id, code, sent, expires, used, target)| {
            Ok(SmsCode {
                id,
                target,
                code,
                sent_at: parse_ts(&sent)?,
                expires_at: parse_ts(&expires)?,
                used_at: parse_opt_ts(used)?,
            })
        })
        .transpose()
    }

    /// Count a wrong entry against a code; returns the attempts so far.
    pub fn count_sms_attempt(&self, id: i64) -> Result<i64, StoreError> {
        Ok(self.conn().prepare_cached("UPDATE sms_codes SET attempts = attempts + 1 WHERE tenant_id = ?1 AND id = ?2 RETURNING attempts")?.query_row(params![self.t(), id],
            |r| r.get(0))?)
    }

    /// End every portal session of a person (after a password reset, say).
    pub fn delete_sessions_of(&self, person: i64) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("DELETE FROM portal_sessions WHERE tenant_id = ?1 AND person_id = ?2")?
            .execute(params![self.t(), person])?;
        Ok(())
    }

    /// End every portal session of a person but `keep` (after a password change).
    pub fn delete_other_sessions_of(&self, person: i64, keep: &str) -> Result<usize, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "DELETE FROM portal_sessions WHERE tenant_id = ?1 AND person_id = ?2 AND token != ?3",
            )?
            .execute(params![self.t(), person, keep])?)
    }

    pub fn mark_sms_code_used(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("UPDATE sms_codes SET used_at = ?3 WHERE tenant_id = ?1 AND id = ?2")?
            .execute(params![self.t(), id, ts(at)])?;
        Ok(())
    }

    /// Deliver a message to the person's simulated phone (or mailbox), addressed to `sent_to`.
    pub fn send_to_phone(
        &self,
        person: i64,
        at: DateTime<Utc>,
        sent_to: &str,
        kind: &str,
        args: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("INSERT INTO phone_messages (tenant_id, person_id, sent_at, sent_to, kind, args) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![self.t(), person, ts(at), sent_to, kind, args.to_string()])?;
        Ok(())
    }

    /// The newest messages on the tenant's phones, newest first.
    /// The tenant's people, by id.
    pub fn people_ids(&self) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id FROM people WHERE tenant_id = ?1 ORDER BY id")?;
        let rows = stmt
            .query_map(params![self.t()], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(rows)
    }

    pub fn phone_messages(&self, limit: i64) -> Result<Vec<PhoneMessage>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, person_id, sent_at, kind, args, sent_to FROM phone_messages WHERE tenant_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![self.t(), limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, person_id, sent, kind, args, sent_to)| {
                Ok(PhoneMessage {
                    id,
                    person_id,
                    sent_at: parse_ts(&sent)?,
                    sent_to,
                    kind,
                    args,
                })
            })
            .collect()
    }

    pub fn create_session(&self, s: &PortalSession) -> Result<(), StoreError> {
        self.conn().prepare_cached("INSERT INTO portal_sessions (token, tenant_id, person_id, company_id, stage, created_at, last_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![s.token, self.t(), s.person_id, s.company_id.0, s.stage.as_str(), ts(s.created_at), ts(s.last_seen_at)])?;
        Ok(())
    }

    /// A session of this tenant; a token from another tenant is not found.
    pub fn session(&self, token: &str) -> Result<Option<PortalSession>, StoreError> {
        let row = self
            .conn()
            .prepare_cached("SELECT token, person_id, company_id, stage, created_at, last_seen_at FROM portal_sessions
                 WHERE tenant_id = ?1 AND token = ?2")?.query_row(params![self.t(), token],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?, r.get::<_, String>(5)?)))
            .optional()?;
        row.map(|(token, person_id, company, stage, created, seen)| {
            Ok(PortalSession {
                token,
                person_id,
                company_id: CompanyId(company),
                stage: SessionStage::parse(&stage)?,
                created_at: parse_ts(&created)?,
                last_seen_at: parse_ts(&seen)?,
            })
        })
        .transpose()
    }

    /// Record that the session was seen at `seen` (never moving it back), leaving its stage
    /// alone: a page's touch applied after its read must not undo a step taken meanwhile.
    pub fn touch_session(&self, token: &str, seen: DateTime<Utc>) -> Result<(), StoreError> {
        if self.deferred(|| Pending::Touch {
            tenant: self.id(),
            token: token.to_owned(),
            seen,
        }) {
            return Ok(());
        }
        self.conn()
            .prepare_cached(
                "UPDATE portal_sessions SET last_seen_at = ?3
                 WHERE tenant_id = ?1 AND token = ?2 AND last_seen_at < ?3",
            )?
            .execute(params![self.t(), token, ts(seen)])?;
        Ok(())
    }

    pub fn update_session(
        &self,
        token: &str,
        stage: SessionStage,
        seen: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().prepare_cached("UPDATE portal_sessions SET stage = ?3, last_seen_at = ?4 WHERE tenant_id = ?1 AND token = ?2")?.execute(params![self.t(), token, stage.as_str(), ts(seen)])?;
        Ok(())
    }

    /// Act for another company in the same login (身份切换).
    pub fn switch_session_company(
        &self,
        token: &str,
        company: CompanyId,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE portal_sessions SET company_id = ?3 WHERE tenant_id = ?1 AND token = ?2",
            )?
            .execute(params![self.t(), token, company.0])?;
        Ok(())
    }

    /// The person with this resident ID and name, if the tenant has one.
    pub fn person_by_identity(
        &self,
        resident_id: &str,
        name: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id FROM people WHERE tenant_id = ?1 AND resident_id = upper(?2) AND name = ?3")?.query_row(params![self.t(), resident_id, name],
                |r| r.get(0))
            .optional()?)
    }

    /// The companies a person acts for, with their roles there.
    pub fn roles_of(&self, person: i64) -> Result<Vec<(CompanyId, String)>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT company_id, role FROM company_roles WHERE tenant_id = ?1 AND person_id = ?2 ORDER BY company_id, role",
        )?;
        let rows = stmt
            .query_map(params![self.t(), person], |r| {
                Ok((CompanyId(r.get(0)?), r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Give a person a role in a company; false if they already had it.
    pub fn grant_role(
        &self,
        company: CompanyId,
        person: i64,
        role: &str,
    ) -> Result<bool, StoreError> {
        let n = self.conn().prepare_cached("INSERT OR IGNORE INTO company_roles (tenant_id, company_id, person_id, role) VALUES (?1, ?2, ?3, ?4)")?.execute(params![self.t(), company.0, person, role])?;
        Ok(n == 1)
    }

    /// Take a role away; false if the person did not have it.
    pub fn revoke_role(
        &self,
        company: CompanyId,
        person: i64,
        role: &str,
    ) -> Result<bool, StoreError> {
        let n = self.conn().prepare_cached("DELETE FROM company_roles WHERE tenant_id = ?1 AND company_id = ?2 AND person_id = ?3 AND role = ?4")?.execute(params![self.t(), company.0, person, role])?;
        Ok(n == 1)
    }

    pub fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        if self.deferred(|| Pending::EndSession {
            tenant: self.id(),
            token: token.to_owned(),
        }) {
            return Ok(());
        }
        self.conn()
            .prepare_cached("DELETE FROM portal_sessions WHERE tenant_id = ?1 AND token = ?2")?
            .execute(params![self.t(), token])?;
        Ok(())
    }

    /// Append to the trace.
    pub fn trace(
        &self,
        at: DateTime<Utc>,
        person: Option<i64>,
        action: &str,
        result: &str,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        if self.deferred(|| Pending::Trace {
            tenant: self.id(),
            at,
            person,
            action: action.to_owned(),
            result: result.to_owned(),
            detail: detail.clone(),
        }) {
            return Ok(());
        }
        self.conn().prepare_cached(
            "INSERT INTO trace_events (tenant_id, at, sandbox_date, person_id, action, result, detail)
             SELECT ?1, ?2, sandbox_date, ?3, ?4, ?5, ?6 FROM tenants WHERE id = ?1",
        )?
        .execute(params![self.t(), ts(at), person, action, result, detail.to_string()])?;
        Ok(())
    }

    /// The trace, oldest first.
    /// How often a person did each action, for 常用功能.
    pub fn action_counts(&self, person: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT action, COUNT(*) FROM trace_events WHERE tenant_id = ?1 AND person_id = ?2 GROUP BY action",
        )?;
        let rows = stmt
            .query_map(params![self.t(), person], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The tenant's latest trace row (0 for none): every action that changes its records
    /// leaves one, so an unchanged value means nothing was done since.
    pub fn last_trace_id(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM trace_events WHERE tenant_id = ?1")?
            .query_row(params![self.t()], |r| r.get(0))?)
    }

    /// Which database file this is (for caches kept beside it; empty in memory).
    pub fn db_path(&self) -> String {
        self.conn().path().unwrap_or_default().to_owned()
    }

    pub fn trace_events(&self) -> Result<Vec<TraceEvent>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, at, sandbox_date, person_id, action, result, detail FROM trace_events WHERE tenant_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![self.t()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(
                |(id, at, sandbox_date, person_id, action, result, detail)| {
                    Ok(TraceEvent {
                        id,
                        at: parse_ts(&at)?,
                        sandbox_date,
                        person_id,
                        action,
                        result,
                        detail,
                    })
                },
            )
            .collect()
    }
}
