//! Staff accounts (admins, instructors, assistants): adding one and signing in. One copy of
//! the rules for the console's pages, its API and the command line (`taxlab user add`, the
//! first admin of `taxlab serve`).

use chrono::{DateTime, Utc};

use crate::store::{Db, Store, StoreError, UserRole};

/// A username: letters, digits, `_` and `-`, at most this many characters.
pub const USERNAME_MAX: usize = 40;

/// Why a new staff account was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewUserRefusal {
    /// Empty, too long, or with characters other than letters, digits, `_` and `-`.
    BadUsername,
    /// Another account has that username.
    Taken,
}

/// A username as typed, trimmed, if it can be one.
pub fn username(typed: &str) -> Result<String, NewUserRefusal> {
    let name = typed.trim();
    let fits = !name.is_empty()
        && name.chars().count() <= USERNAME_MAX
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
    if fits {
        Ok(name.to_owned())
    } else {
        Err(NewUserRefusal::BadUsername)
    }
}

/// Add a staff account whose password is already hashed (hash outside the transaction), and
/// audit it as `actor` from `ip`, in one transaction. The display name defaults to the
/// username.
#[allow(clippy::too_many_arguments)]
pub fn add_user(
    s: &Store<'_>,
    now: DateTime<Utc>,
    actor: &str,
    ip: &str,
    username: &str,
    display_name: &str,
    role: UserRole,
    password_hash: &str,
) -> Result<Result<(), NewUserRefusal>, StoreError> {
    let name = match display_name.trim() {
        "" => username,
        n => n,
    };
    let taken = s.user_by_name(username)?.is_some();
    if !taken {
        s.create_user(username, name, role, password_hash, now)?;
    }
    s.audit(
        now,
        actor,
        None,
        None,
        ip,
        "user.add",
        if taken { "taken" } else { "ok" },
        &serde_json::json!({ "username": username, "role": role.as_str() }),
    )?;
    Ok(if taken {
        Err(NewUserRefusal::Taken)
    } else {
        Ok(())
    })
}

/// Why a console sign-in was refused.
pub enum SignInRefusal {
    Wrong,
    /// Too many wrong passwords for this username or from this address lately.
    Locked {
        minutes: i64,
    },
}

/// Wrong console passwords a username may have in [`LOCK_MINUTES`], and an address (a
/// classroom shares one) four times that; the next attempt is refused without a check.
pub const LOCK_AFTER: i64 = 5;
pub const LOCK_MINUTES: i64 = 15;

/// Check a staff username and password; audited either way. The attempt is counted before
/// the password is checked, in the same transaction as the limit (an entry `pending`,
/// settled afterwards), so parallel guesses cannot slip past it; the check itself runs
/// outside any transaction, one per core at most.
pub async fn sign_in(
    db: &Db,
    now: DateTime<Utc>,
    username: String,
    password: String,
    ip: String,
    kind: &'static str,
) -> Result<Result<String, SignInRefusal>, StoreError> {
    let name = username.trim().to_owned();
    let (n, i) = (name.clone(), ip.clone());
    let counted = db
        .run_write(move |s| {
            let since = now - chrono::Duration::minutes(LOCK_MINUTES);
            let tries = |ip: Option<&str>, who: Option<(&str, &str)>| -> Result<i64, _> {
                Ok::<i64, StoreError>(
                    s.recent_audits("console.login", "refused", since, ip, who)?
                        + s.recent_audits("console.login", "pending", since, ip, who)?,
                )
            };
            let detail = serde_json::json!({ "username": n, "kind": kind });
            if tries(None, Some(("username", &n)))? >= LOCK_AFTER
                || tries(Some(&i), None)? >= LOCK_AFTER * 4
            {
                s.audit(
                    now,
                    "system",
                    None,
                    None,
                    &i,
                    "console.login",
                    "locked",
                    &detail,
                )?;
                return Ok(None);
            }
            let entry = s.audit_id(now, "system", &i, "console.login", "pending", &detail)?;
            Ok(Some((entry, s.user_by_name(&n)?)))
        })
        .await?;
    let Some((entry, user)) = counted else {
        return Ok(Err(SignInRefusal::Locked {
            minutes: LOCK_MINUTES,
        }));
    };
    let ok = match &user {
        Some(u) if !u.disabled => {
            crate::secrets::verify_async(password, u.password_hash.clone()).await
        }
        _ => false,
    };
    db.run_write(move |s| {
        let actor = user
            .as_ref()
            .map_or_else(|| "system".to_owned(), |u| format!("user:{}", u.id));
        s.set_audit_outcome(entry, &actor, if ok { "ok" } else { "refused" })?;
        match user {
            Some(u) if ok => Ok(Ok(s.open_user_session(u.id, kind, now)?)),
            _ => Ok(Err(SignInRefusal::Wrong)),
        }
    })
    .await
}
