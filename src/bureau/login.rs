//! 登录与身份验证: account login (company + personal account + password), the SMS code to
//! the simulated phone, lockout, forced change of the initial password, logout and timeout.
//! Every attempt, success or failure, goes into the trace (vocabulary: docs/trace.md).

use chrono::{DateTime, Duration, Utc};
use rand::RngExt;
use serde_json::json;

use crate::domain::password::{PasswordProblem, PortalPolicy};
use crate::secrets::{self, Strength};
use crate::store::limits::Limit;
use crate::store::{PortalSession, SessionStage, StoreError, TenantScope};

/// Why a login step failed. Each maps to a catalogue key `login.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("unknown company")]
    UnknownCompany,
    #[error("wrong account or password ({remaining} attempts left)")]
    WrongPassword { remaining: i64 },
    #[error("unknown account")]
    UnknownAccount,
    #[error("not authorised for this company")]
    NotAuthorised,
    #[error("locked until {until}")]
    Locked { until: DateTime<Utc> },
    #[error("wrong code")]
    WrongCode,
    #[error("code expired")]
    ExpiredCode,
    #[error("too many wrong codes")]
    CodeSpent,
    #[error("not a certificate file, or an altered one")]
    CertBadFile,
    #[error("certificate not issued here")]
    CertUnknown,
    #[error("certificate revoked")]
    CertRevoked,
    #[error("certificate expired on {on}")]
    CertExpired { on: chrono::NaiveDate },
    #[error("wrong certificate PIN")]
    WrongPin,
    #[error("the login is at another step")]
    WrongStage(SessionStage),
    #[error("resend too soon ({wait_seconds} s)")]
    ResendTooSoon { wait_seconds: i64 },
    #[error("no login in progress")]
    NoSession,
    #[error("session timed out")]
    SessionExpired,
    #[error("login from an address not on the allow-list")]
    IpNotAllowed,
    #[error("too many failed logins from this address")]
    TooManyTries,
    #[error("login outside the allowed hours {from}-{to}")]
    OutsideHours { from: String, to: String },
    #[error("wrong current password")]
    WrongCurrentPassword,
    #[error("password refused: {0:?}")]
    Password(PasswordProblem),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LoginError {
    /// Stable code for the API and the catalogue key suffix.
    pub fn code(&self) -> &'static str {
        match self {
            LoginError::UnknownCompany => "unknown_company",
            LoginError::WrongPassword { .. } => "wrong_password",
            LoginError::UnknownAccount => "unknown_account",
            LoginError::NotAuthorised => "not_authorised",
            LoginError::Locked { .. } => "locked",
            LoginError::WrongCode => "wrong_code",
            LoginError::ExpiredCode => "expired_code",
            LoginError::CodeSpent => "code_spent",
            LoginError::CertBadFile => "cert_bad_file",
            LoginError::CertUnknown => "cert_unknown",
            LoginError::CertRevoked => "cert_revoked",
            LoginError::CertExpired { .. } => "cert_expired",
            LoginError::WrongPin => "wrong_pin",
            LoginError::WrongStage(_) => "wrong_stage",
            LoginError::ResendTooSoon { .. } => "resend_too_soon",
            LoginError::NoSession => "no_session",
            LoginError::SessionExpired => "session_expired",
            LoginError::IpNotAllowed => "ip_not_allowed",
            LoginError::TooManyTries => "too_many_tries",
            LoginError::OutsideHours { .. } => "outside_hours",
            LoginError::WrongCurrentPassword => "wrong_current",
            LoginError::Password(_) => "password_policy",
            LoginError::Store(_) => "internal",
        }
    }
}

/// Hash a secret of the simulated bureau (a synthetic taxpayer's password, a certificate's
/// key or PIN): the cheap strength, see [`crate::secrets`].
pub(crate) fn hash_password(plain: &str) -> Result<String, StoreError> {
    secrets::hash(plain, Strength::Synthetic)
}

pub(crate) use crate::secrets::verify;

/// Failed bureau logins (passwords and certificate PINs) from one client address, across
/// every tenant. A computer room shares one address and the lockout lab fails on purpose,
/// so this is wide: it stops a script, not a class.
pub const ADDRESS_FAILURES: Limit = Limit {
    kind: "bureau_login",
    max: 600,
    window: Duration::minutes(15),
};

/// A wrong password or PIN for `person`: counted against the account (the sliding window,
/// then the lockout) and against the address. Returns the refusal to give.
pub(crate) fn count_failure(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    ip: &str,
    person: i64,
    acct: &mut crate::store::Account,
    wrong: impl FnOnce(i64) -> LoginError,
) -> Result<LoginError, StoreError> {
    let policy = PortalPolicy::embedded();
    ADDRESS_FAILURES.take(scope, &crate::store::limits::address_key(ip), now)?;
    // A sliding window: the failures of the last `failure_window_minutes` count.
    let window = Duration::minutes(policy.failure_window_minutes);
    acct.failures.retain(|f| now - *f < window);
    acct.failures.push(now);
    let remaining = policy.max_failures - acct.failures.len() as i64;
    let e = if remaining <= 0 {
        let until = now + Duration::minutes(policy.lockout_minutes);
        acct.locked_until = Some(until);
        acct.failures.clear();
        LoginError::Locked { until }
    } else {
        wrong(remaining)
    };
    scope.save_account(person, acct)?;
    Ok(e)
}

pub(super) fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

fn new_code(digits: u32) -> String {
    let max = 10u32.pow(digits);
    format!(
        "{:0width$}",
        rand::rng().random_range(0..max),
        width = digits as usize
    )
}

/// Step 1: company ID + personal account + password. On success a session starts at the
/// returned stage: waiting for the SMS code (sent to the person's phone), or, with
/// two-factor login turned off, at the password change or logged in.
pub fn begin(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    ip: &str,
    company: &str,
    account: &str,
    password: &str,
) -> Result<(String, SessionStage), LoginError> {
    let policy = PortalPolicy::embedded();
    let fail = |person: Option<i64>, e: LoginError| -> Result<(String, SessionStage), LoginError> {
        scope.trace(
            now,
            person,
            "login.password",
            e.code(),
            &json!({ "company": company, "account": account, "ip": ip }),
        )?;
        Err(e)
    };
    if ADDRESS_FAILURES.reached(scope, &crate::store::limits::address_key(ip), now)? {
        return fail(None, LoginError::TooManyTries);
    }
    let company_text = company.trim().to_uppercase();
    let Some(company_id) = scope.company_by_uscc(&company_text)? else {
        return fail(None, LoginError::UnknownCompany);
    };
    let Some(person) = scope.person_by_account(account.trim())? else {
        return fail(None, LoginError::UnknownAccount);
    };
    let mut acct = scope.account(person)?;
    if let Some(until) = acct.locked_until.filter(|u| *u > now) {
        return fail(Some(person), LoginError::Locked { until });
    }
    let ok = match &acct.password_hash {
        None => password == policy.initial_password,
        Some(h) => verify(password, h),
    };
    if !ok {
        let e = count_failure(scope, now, ip, person, &mut acct, |remaining| {
            LoginError::WrongPassword { remaining }
        })?;
        return fail(Some(person), e);
    }
    // Right password for the wrong company is refused after the password check, as the real
    // system does. (Unknown accounts are told apart earlier, as it also does.)
    if let Err(e) = admit(scope, now, ip, person, company_id, &acct)? {
        return fail(Some(person), e);
    }
    acct.failures.clear();
    acct.locked_until = None;
    scope.save_account(person, &acct)?;
    let token = new_token();
    let stage = match (acct.two_factor, acct.password_hash.is_none()) {
        (true, _) => SessionStage::Sms,
        (false, true) => SessionStage::ChangePassword,
        (false, false) => SessionStage::Active,
    };
    scope.create_session(&PortalSession {
        token: token.clone(),
        person_id: person,
        company_id,
        stage,
        created_at: now,
        last_seen_at: now,
    })?;
    scope.trace(
        now,
        Some(person),
        "login.password",
        "ok",
        &json!({ "company": company_text, "ip": ip }),
    )?;
    match stage {
        // A code sent moments ago is still on the phone: resubmitting the password does not
        // get round the resend throttle.
        SessionStage::Sms
            if resend_wait(scope, now, person, "login")? > 0
                && scope
                    .latest_sms_code(person, "login")?
                    .is_some_and(|c| c.used_at.is_none()) => {}
        SessionStage::Sms => send_code(scope, now, person, "login")?,
        SessionStage::Active => scope.trace(
            now,
            Some(person),
            "login",
            "ok",
            &json!({ "company_id": company_id.0 }),
        )?,
        SessionStage::ChangePassword => {}
    }
    Ok((token, stage))
}

/// The checks every login method makes once the person is known: authorised for the
/// company, and inside their own security settings (安全设置).
pub(super) fn admit(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    ip: &str,
    person: i64,
    company: crate::store::CompanyId,
    acct: &crate::store::Account,
) -> Result<Result<(), LoginError>, StoreError> {
    if !scope.acts_for(person, company)? {
        return Ok(Err(LoginError::NotAuthorised));
    }
    if !ip_allowed(&acct.ip_allow, ip) {
        return Ok(Err(LoginError::IpNotAllowed));
    }
    if let (Some(from), Some(to)) = (&acct.hours_from, &acct.hours_to)
        && !within_hours(now, from, to)
    {
        return Ok(Err(LoginError::OutsideHours {
            from: from.clone(),
            to: to.clone(),
        }));
    }
    Ok(Ok(()))
}

/// Whether `ip` matches the allow-list: an exact address, or a prefix ending in `.` or `:`.
/// An empty list allows every address.
pub fn ip_allowed(list: &[String], ip: &str) -> bool {
    // Compare canonical forms, so ::ffff:10.0.0.1 is 10.0.0.1 and IPv6 spellings agree.
    let canonical = |a: &str| {
        a.parse::<std::net::IpAddr>()
            .map_or_else(|_| a.to_owned(), |p| p.to_canonical().to_string())
    };
    let ip = canonical(ip);
    list.is_empty()
        || list.iter().any(|a| {
            canonical(a) == ip
                || ((a.ends_with('.') || a.ends_with(':')) && ip.starts_with(a.as_str()))
        })
}

/// Whether `now` (in China time) falls in the window `from`–`to` ("HH:MM"; a window may
/// pass midnight).
pub fn within_hours(now: DateTime<Utc>, from: &str, to: &str) -> bool {
    use chrono::Timelike;
    let minutes = |t: chrono::NaiveTime| t.hour() * 60 + t.minute();
    let parse = |t: &str| {
        chrono::NaiveTime::parse_from_str(t, "%H:%M")
            .ok()
            .map(minutes)
    };
    let (Some(from), Some(to)) = (parse(from), parse(to)) else {
        return true;
    };
    // Compared to the minute: "until 17:30" admits 17:30:59.
    let local = minutes((now + Duration::hours(8)).time());
    if from <= to {
        from <= local && local <= to
    } else {
        local >= from || local <= to
    }
}

/// Send a code to the person's own phone.
pub(super) fn send_code(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    person: i64,
    purpose: &str,
) -> Result<(), LoginError> {
    let mobile = scope.person(person)?.value.mobile.to_string();
    send_code_to(scope, now, person, purpose, &mobile, "")
}

/// Send a code for `purpose` to `address` (a phone, or for `email` a mailbox), remembering
/// `target` (the new phone or email it verifies; empty otherwise).
pub(super) fn send_code_to(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    person: i64,
    purpose: &str,
    address: &str,
    target: &str,
) -> Result<(), LoginError> {
    let policy = PortalPolicy::embedded();
    let code = new_code(policy.sms_code_digits);
    // A lab's `sms_delay` fault: the message reaches the phone now, but was sent (and its
    // validity started) that many minutes ago.
    let mut delayed = 0;
    if let Some(f) = scope.faults("sms_delay", now)?.into_iter().next() {
        let params: serde_json::Value = serde_json::from_str(&f.params).unwrap_or_default();
        delayed = params["minutes"]
            .as_i64()
            .unwrap_or(0)
            .clamp(0, crate::labs::setup::FAULT_MINUTES_MAX);
        scope.spend_fault(f.id)?;
    }
    let sent = now - Duration::minutes(delayed);
    let expires = sent + Duration::seconds(policy.sms_code_ttl_seconds);
    scope.insert_sms_code(person, purpose, target, &code, sent, expires)?;
    let minutes = policy.sms_code_ttl_seconds / 60;
    let kind = if purpose == "email" {
        "email_code"
    } else {
        "sms_code"
    };
    scope.send_to_phone(
        person,
        now,
        address,
        kind,
        &json!({ "code": code, "purpose": purpose, "minutes": minutes }),
    )?;
    scope.trace(
        now,
        Some(person),
        "sms.sent",
        "ok",
        &json!({ "purpose": purpose, "delayed_minutes": delayed }),
    )?;
    Ok(())
}

/// Wrong entries a code survives; the next wrong one spends it.
const MAX_CODE_ATTEMPTS: i64 = 5;

/// Why an entered code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    Wrong,
    Expired,
    /// Too many wrong entries: the code is spent and a new one is needed.
    Spent,
}

/// Check a code entered for `purpose` against the newest one sent. A wrong entry counts
/// against the code, so codes cannot be guessed; a right one spends it.
pub fn check_code(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    person: i64,
    purpose: &str,
    entered: &str,
) -> Result<Result<crate::store::SmsCode, CodeProblem>, StoreError> {
    let Some(sent) = scope.latest_sms_code(person, purpose)? else {
        return Ok(Err(CodeProblem::Wrong));
    };
    if sent.used_at.is_some() {
        return Ok(Err(CodeProblem::Wrong));
    }
    if sent.code != entered.trim() {
        let attempts = scope.count_sms_attempt(sent.id)?;
        if attempts >= MAX_CODE_ATTEMPTS {
            scope.mark_sms_code_used(sent.id, now)?;
            return Ok(Err(CodeProblem::Spent));
        }
        return Ok(Err(CodeProblem::Wrong));
    }
    if now > sent.expires_at {
        return Ok(Err(CodeProblem::Expired));
    }
    scope.mark_sms_code_used(sent.id, now)?;
    Ok(Ok(sent))
}

impl From<CodeProblem> for LoginError {
    fn from(p: CodeProblem) -> LoginError {
        match p {
            CodeProblem::Wrong => LoginError::WrongCode,
            CodeProblem::Expired => LoginError::ExpiredCode,
            CodeProblem::Spent => LoginError::CodeSpent,
        }
    }
}

/// Seconds to wait before another code for `purpose` may go out (0: now).
pub(super) fn resend_wait(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    person: i64,
    purpose: &str,
) -> Result<i64, StoreError> {
    let policy = PortalPolicy::embedded();
    Ok(scope.latest_sms_code(person, purpose)?.map_or(0, |last| {
        (policy.sms_resend_seconds - (now - last.sent_at).num_seconds()).max(0)
    }))
}

/// The session behind a token, refreshed; an idle one has expired and is removed.
pub fn session(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
) -> Result<PortalSession, LoginError> {
    let policy = PortalPolicy::embedded();
    let Some(mut s) = scope.session(token)? else {
        return Err(LoginError::NoSession);
    };
    if now - s.last_seen_at > Duration::minutes(policy.session_idle_minutes) {
        scope.delete_session(token)?;
        scope.trace(now, Some(s.person_id), "session.timeout", "ok", &json!({}))?;
        return Err(LoginError::SessionExpired);
    }
    // An authorisation revoked meanwhile ends the login for that company.
    if !scope.acts_for(s.person_id, s.company_id)? {
        scope.delete_session(token)?;
        scope.trace(
            now,
            Some(s.person_id),
            "session.revoked",
            "ok",
            &json!({ "company_id": s.company_id.0 }),
        )?;
        return Err(LoginError::NotAuthorised);
    }
    // Touched at most once a minute: a page view stays a read (the idle timeout is counted
    // in minutes, so this loses nothing a trainee could notice).
    if now - s.last_seen_at >= Duration::seconds(TOUCH_EVERY_SECONDS) {
        scope.touch_session(token, now)?;
        s.last_seen_at = now;
    }
    Ok(s)
}

/// How stale a session's last-seen time may get before a request refreshes it.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// Step 2: the SMS code. Returns the next stage.
pub fn verify_code(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    code: &str,
) -> Result<SessionStage, LoginError> {
    let s = session(scope, now, token)?;
    if s.stage != SessionStage::Sms {
        return Err(LoginError::WrongStage(s.stage));
    }
    if let Err(p) = check_code(scope, now, s.person_id, "login", code)? {
        let e = LoginError::from(p);
        scope.trace(now, Some(s.person_id), "login.sms", e.code(), &json!({}))?;
        return Err(e);
    }
    let next = if scope.account(s.person_id)?.password_hash.is_none() {
        SessionStage::ChangePassword
    } else {
        SessionStage::Active
    };
    scope.update_session(token, next, now)?;
    scope.trace(now, Some(s.person_id), "login.sms", "ok", &json!({}))?;
    if next == SessionStage::Active {
        scope.trace(
            now,
            Some(s.person_id),
            "login",
            "ok",
            &json!({ "company_id": s.company_id.0 }),
        )?;
    }
    Ok(next)
}

/// Send another code, no sooner than the throttle allows.
pub fn resend_code(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
) -> Result<(), LoginError> {
    let s = session(scope, now, token)?;
    if s.stage != SessionStage::Sms {
        return Err(LoginError::WrongStage(s.stage));
    }
    let wait = resend_wait(scope, now, s.person_id, "login")?;
    if wait > 0 {
        scope.trace(
            now,
            Some(s.person_id),
            "sms.resend",
            "resend_too_soon",
            &json!({}),
        )?;
        return Err(LoginError::ResendTooSoon { wait_seconds: wait });
    }
    send_code(scope, now, s.person_id, "login")
}

/// One row of a person's login history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoginRecord {
    pub at: DateTime<Utc>,
    pub ip: String,
    /// The trace action: `login.password`, `login.sms`, `login`, `logout`, `session.timeout`.
    pub action: String,
    pub result: String,
}

/// The person's logins, newest first (from the trace).
pub fn login_history(
    scope: &TenantScope<'_>,
    person: i64,
    limit: usize,
) -> Result<Vec<LoginRecord>, StoreError> {
    const ACTIONS: [&str; 5] = [
        "login.password",
        "login.sms",
        "login",
        "logout",
        "session.timeout",
    ];
    let mut rows: Vec<LoginRecord> = scope
        .trace_events()?
        .into_iter()
        .filter(|e| e.person_id == Some(person) && ACTIONS.contains(&e.action.as_str()))
        .map(|e| {
            let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
            LoginRecord {
                at: e.at,
                ip: detail["ip"].as_str().unwrap_or("").to_owned(),
                action: e.action,
                result: e.result,
            }
        })
        .collect();
    rows.reverse();
    rows.truncate(limit);
    Ok(rows)
}

/// Leave the simulated bureau (the sandbox session stays).
pub fn logout(scope: &TenantScope<'_>, now: DateTime<Utc>, token: &str) -> Result<(), LoginError> {
    if let Some(s) = scope.session(token)? {
        scope.delete_session(token)?;
        scope.trace(now, Some(s.person_id), "logout", "ok", &json!({}))?;
    }
    Ok(())
}
