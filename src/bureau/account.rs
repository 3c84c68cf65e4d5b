//! 账户设置: security settings (two-factor login, IP allow-list, allowed hours) and the
//! change of phone or email, each verified by a code sent to the new one.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::login::{self, CodeProblem, LoginError, resend_wait, send_code_to};
use crate::domain::ids::Mobile;
use crate::store::{SessionStage, TenantScope};

/// Why security settings were refused; catalogue key `security.<code>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsProblem {
    /// An allow-list entry is neither an address nor a prefix.
    BadIp(String),
    /// Hours must be HH:MM, both or neither.
    BadHours,
    /// The list would lock out the address saving it.
    LocksOutThisAddress,
}

impl SettingsProblem {
    pub fn code(&self) -> &'static str {
        match self {
            SettingsProblem::BadIp(_) => "bad_ip",
            SettingsProblem::BadHours => "bad_hours",
            SettingsProblem::LocksOutThisAddress => "locks_out",
        }
    }
}

/// The settings as submitted: allow-list as text (one entry per line or comma), hours as
/// "HH:MM" or empty.
pub struct SecurityForm<'a> {
    pub two_factor: bool,
    pub ip_allow: &'a str,
    pub hours_from: &'a str,
    pub hours_to: &'a str,
}

fn valid_ip_entry(e: &str) -> bool {
    e.parse::<std::net::IpAddr>().is_ok()
        || ((e.ends_with('.') || e.ends_with(':'))
            && e.len() > 1
            && e.chars()
                .all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':'))
}

/// Save a person's security settings, refusing ones that are malformed or that would lock
/// out the address they are saved from.
pub fn save_security(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    ip: &str,
    form: &SecurityForm<'_>,
) -> Result<Result<(), SettingsProblem>, LoginError> {
    let s = login::session(scope, now, token)?;
    if s.stage != SessionStage::Active {
        return Err(LoginError::NoSession);
    }
    let entries: Vec<String> = form
        .ip_allow
        .split(|c: char| c == ',' || c == '\n' || c == '，' || c.is_whitespace())
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    let refuse = |p: SettingsProblem| -> Result<Result<(), SettingsProblem>, LoginError> {
        scope.trace(
            now,
            Some(s.person_id),
            "security.save",
            p.code(),
            &json!({}),
        )?;
        Ok(Err(p))
    };
    if let Some(bad) = entries.iter().find(|e| !valid_ip_entry(e)) {
        return refuse(SettingsProblem::BadIp(bad.clone()));
    }
    if !login::ip_allowed(&entries, ip) {
        return refuse(SettingsProblem::LocksOutThisAddress);
    }
    let hour = |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").is_ok();
    let (from, to) = (form.hours_from.trim(), form.hours_to.trim());
    let hours = match (from.is_empty(), to.is_empty()) {
        (true, true) => None,
        // Equal times would admit nobody, and a password reset would not undo it.
        (false, false) if hour(from) && hour(to) && from != to => {
            Some((from.to_owned(), to.to_owned()))
        }
        _ => return refuse(SettingsProblem::BadHours),
    };
    let mut acct = scope.account(s.person_id)?;
    acct.two_factor = form.two_factor;
    acct.ip_allow = entries.clone();
    (acct.hours_from, acct.hours_to) = hours.clone().unzip();
    scope.save_account(s.person_id, &acct)?;
    scope.trace(
        now,
        Some(s.person_id),
        "security.save",
        "ok",
        &json!({ "two_factor": form.two_factor, "ip_allow": entries, "hours": hours }),
    )?;
    Ok(Ok(()))
}

/// Which contact is being changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    Mobile,
    Email,
}

impl Contact {
    fn purpose(self) -> &'static str {
        match self {
            Contact::Mobile => "mobile",
            Contact::Email => "email",
        }
    }
}

/// Why a contact change was refused; catalogue key `contact.<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactProblem {
    BadMobile,
    BadEmail,
    Same,
    TooSoon(i64),
    WrongCode,
    ExpiredCode,
    CodeSpent,
    /// Another person already uses this number or address as their account.
    Taken,
}

impl ContactProblem {
    pub fn code(self) -> &'static str {
        match self {
            ContactProblem::BadMobile => "bad_mobile",
            ContactProblem::BadEmail => "bad_email",
            ContactProblem::Same => "same",
            ContactProblem::TooSoon(_) => "resend_too_soon",
            ContactProblem::WrongCode => "wrong_code",
            ContactProblem::ExpiredCode => "expired_code",
            ContactProblem::CodeSpent => "code_spent",
            ContactProblem::Taken => "taken",
        }
    }
}

fn plausible_email(e: &str) -> bool {
    let Some((user, domain)) = e.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.contains(char::is_whitespace)
}

/// Step 1: send a code to the new phone number or email address.
pub fn request_contact_change(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    which: Contact,
    new: &str,
) -> Result<Result<(), ContactProblem>, LoginError> {
    let s = login::session(scope, now, token)?;
    if s.stage != SessionStage::Active {
        return Err(LoginError::NoSession);
    }
    let new = new.trim();
    let person = scope.person(s.person_id)?.value;
    let action = format!("contact.{}.request", which.purpose());
    let refuse = |p: ContactProblem| -> Result<Result<(), ContactProblem>, LoginError> {
        scope.trace(now, Some(s.person_id), &action, p.code(), &json!({}))?;
        Ok(Err(p))
    };
    let current = match which {
        Contact::Mobile => {
            if Mobile::parse(new).is_err() {
                return refuse(ContactProblem::BadMobile);
            }
            person.mobile.to_string()
        }
        Contact::Email => {
            if !plausible_email(new) {
                return refuse(ContactProblem::BadEmail);
            }
            person.email.clone()
        }
    };
    if new == current {
        return refuse(ContactProblem::Same);
    }
    // A mobile number is a login account: it must stay one person's.
    if which == Contact::Mobile
        && scope
            .person_by_account(new)?
            .is_some_and(|p| p != s.person_id)
    {
        return refuse(ContactProblem::Taken);
    }
    let wait = resend_wait(scope, now, s.person_id, which.purpose())?;
    if wait > 0 {
        return refuse(ContactProblem::TooSoon(wait));
    }
    send_code_to(scope, now, s.person_id, which.purpose(), new, new)?;
    scope.trace(now, Some(s.person_id), &action, "ok", &json!({}))?;
    Ok(Ok(()))
}

/// Step 2: the code that reached the new phone or mailbox; on success the contact changes.
pub fn confirm_contact_change(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    which: Contact,
    code: &str,
) -> Result<Result<(), ContactProblem>, LoginError> {
    let s = login::session(scope, now, token)?;
    if s.stage != SessionStage::Active {
        return Err(LoginError::NoSession);
    }
    let action = format!("contact.{}.change", which.purpose());
    let refuse = |p: ContactProblem| -> Result<Result<(), ContactProblem>, LoginError> {
        scope.trace(now, Some(s.person_id), &action, p.code(), &json!({}))?;
        Ok(Err(p))
    };
    let sent = match login::check_code(scope, now, s.person_id, which.purpose(), code)? {
        Ok(sent) => sent,
        Err(CodeProblem::Wrong) => return refuse(ContactProblem::WrongCode),
        Err(CodeProblem::Expired) => return refuse(ContactProblem::ExpiredCode),
        Err(CodeProblem::Spent) => return refuse(ContactProblem::CodeSpent),
    };
    match which {
        Contact::Mobile => scope.set_contact(s.person_id, Some(&sent.target), None)?,
        Contact::Email => scope.set_contact(s.person_id, None, Some(&sent.target))?,
    }
    scope.trace(now, Some(s.person_id), &action, "ok", &json!({}))?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn allow_list_entries() {
        assert!(valid_ip_entry("10.0.0.8"));
        assert!(valid_ip_entry("192.168."));
        assert!(valid_ip_entry("::1"));
        assert!(!valid_ip_entry("10.0.0.300"));
        assert!(!valid_ip_entry("evil.example"));
        assert!(login::ip_allowed(&["192.168.".into()], "192.168.3.4"));
        assert!(!login::ip_allowed(&["192.168.".into()], "10.1.1.1"));
        assert!(login::ip_allowed(&[], "10.1.1.1"));
    }

    #[test]
    fn hours_windows_in_china_time() {
        // 01:00 UTC is 09:00 in China.
        let t = DateTime::parse_from_rfc3339("2026-10-12T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(login::within_hours(t, "08:30", "17:30"));
        assert!(!login::within_hours(t, "10:00", "17:30"));
        assert!(
            login::within_hours(t, "22:00", "09:30"),
            "a window may pass midnight"
        );
        assert!(!login::within_hours(
            t + Duration::hours(4),
            "22:00",
            "09:30"
        ));
    }

    #[test]
    fn emails() {
        assert!(plausible_email("a.b@example.cn"));
        assert!(!plausible_email("a.b@example"));
        assert!(!plausible_email("@example.cn"));
        assert!(!plausible_email("a b@example.cn"));
    }
}
