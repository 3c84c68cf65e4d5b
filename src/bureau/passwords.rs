//! Passwords: the forced change at first login, the change in 账户设置, and 忘记密码 by
//! SMS code. Every new password goes through the policy and the recent-password rule.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::login::{
    LoginError, check_code, hash_password, resend_wait, send_code, session, verify,
};
use crate::domain::password::{self, PasswordProblem, PortalPolicy};
use crate::store::{SessionStage, TenantScope};

/// Set a new password for a person after checking it against the policy and their recent
/// passwords; `action` names the trace event (`password.change` or `password.reset`).
/// A new password also lifts a lockout.
fn set_password(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    person: i64,
    new: &str,
    confirm: &str,
    action: &str,
    detail: &serde_json::Value,
) -> Result<(), LoginError> {
    let policy = PortalPolicy::embedded();
    let who = scope.person(person)?.value;
    let refuse = |p: PasswordProblem| -> Result<(), LoginError> {
        scope.trace(now, Some(person), action, p.key(), detail)?;
        Err(LoginError::Password(p))
    };
    if new != confirm {
        return refuse(PasswordProblem::Mismatch);
    }
    if let Err(p) = password::check(policy, new, &who.resident_id, &who.mobile) {
        return refuse(p);
    }
    let mut acct = scope.account(person)?;
    if acct
        .recent_hashes
        .iter()
        .take(policy.recent_passwords)
        .any(|h| verify(new, h))
    {
        return refuse(PasswordProblem::Recent);
    }
    let hash = hash_password(new)?;
    acct.recent_hashes.insert(0, hash.clone());
    acct.recent_hashes.truncate(policy.recent_passwords);
    acct.password_hash = Some(hash);
    acct.password_changed_at = Some(now);
    acct.failures.clear();
    acct.locked_until = None;
    scope.save_account(person, &acct)?;
    scope.trace(now, Some(person), action, "ok", detail)?;
    Ok(())
}

/// Step 3 at first login: replace the initial password.
pub fn change_initial_password(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    new: &str,
    confirm: &str,
) -> Result<(), LoginError> {
    let s = session(scope, now, token)?;
    if s.stage != SessionStage::ChangePassword {
        return Err(LoginError::WrongStage(s.stage));
    }
    set_password(
        scope,
        now,
        s.person_id,
        new,
        confirm,
        "password.change",
        &json!({ "forced": true }),
    )?;
    scope.update_session(token, SessionStage::Active, now)?;
    scope.trace(
        now,
        Some(s.person_id),
        "login",
        "ok",
        &json!({ "company_id": s.company_id.0 }),
    )?;
    Ok(())
}

/// 修改密码 while logged in: the current password, then a new one under the policy.
pub fn change_password(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), LoginError> {
    let policy = PortalPolicy::embedded();
    let s = session(scope, now, token)?;
    if s.stage != SessionStage::Active {
        return Err(LoginError::NoSession);
    }
    let ok = match scope.account(s.person_id)?.password_hash {
        None => current == policy.initial_password,
        Some(h) => verify(current, &h),
    };
    if !ok {
        scope.trace(
            now,
            Some(s.person_id),
            "password.change",
            "wrong_current",
            &json!({ "forced": false }),
        )?;
        return Err(LoginError::WrongCurrentPassword);
    }
    set_password(
        scope,
        now,
        s.person_id,
        new,
        confirm,
        "password.change",
        &json!({ "forced": false }),
    )?;
    // Other logins made with the old password end; this one goes on.
    scope.delete_other_sessions_of(s.person_id, token)?;
    Ok(())
}

/// 忘记密码, step 1: send a reset code to the phone of the person with this account.
pub fn request_reset(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    account: &str,
) -> Result<(), LoginError> {
    let Some(person) = scope.person_by_account(account.trim())? else {
        scope.trace(
            now,
            None,
            "password.reset_request",
            "unknown_account",
            &json!({ "account": account }),
        )?;
        return Err(LoginError::UnknownAccount);
    };
    let wait = resend_wait(scope, now, person, "reset")?;
    if wait > 0 {
        scope.trace(
            now,
            Some(person),
            "password.reset_request",
            "resend_too_soon",
            &json!({}),
        )?;
        return Err(LoginError::ResendTooSoon { wait_seconds: wait });
    }
    scope.trace(
        now,
        Some(person),
        "password.reset_request",
        "ok",
        &json!({}),
    )?;
    send_code(scope, now, person, "reset")
}

/// 忘记密码, step 2: the code from the phone and a new password.
pub fn reset_password(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    account: &str,
    code: &str,
    new: &str,
    confirm: &str,
) -> Result<(), LoginError> {
    let Some(person) = scope.person_by_account(account.trim())? else {
        return Err(LoginError::UnknownAccount);
    };
    // The code is checked (and counted) before the password, which may then be retried
    // with the same code if only the password was refused.
    let Some(sent) = scope.latest_sms_code(person, "reset")? else {
        return Err(LoginError::WrongCode);
    };
    if sent.used_at.is_none() && sent.code == code.trim() && now <= sent.expires_at {
        set_password(
            scope,
            now,
            person,
            new,
            confirm,
            "password.reset",
            &json!({}),
        )?;
    }
    if let Err(p) = check_code(scope, now, person, "reset", code)? {
        let e = LoginError::from(p);
        scope.trace(now, Some(person), "password.reset", e.code(), &json!({}))?;
        return Err(e);
    }
    // A new password ends every login made with the old one.
    scope.delete_sessions_of(person)?;
    Ok(())
}
