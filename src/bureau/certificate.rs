//! 数字证书: a simulated certificate file a person downloads (with a PIN they choose) and
//! then logs in with, file + PIN, instead of password + SMS. Expiry follows the tenant's
//! sandbox date, so a lab can hand out an expired certificate; a renewed certificate
//! revokes the earlier ones (更新证书).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngExt;
use serde_json::json;

use super::login::{self, LoginError, admit, hash_password, new_token, verify};
use crate::domain::password::PortalPolicy;
use crate::store::{Certificate, PortalSession, SessionStage, StoreError, TenantScope};

const BEGIN: &str = "-----BEGIN TAXLAB SIMULATED CERTIFICATE-----";
const END: &str = "-----END TAXLAB SIMULATED CERTIFICATE-----";

/// Why issuing was refused; catalogue key `certificate.<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueProblem {
    BadPin,
    PinMismatch,
}

impl IssueProblem {
    pub fn code(self) -> &'static str {
        match self {
            IssueProblem::BadPin => "bad_pin",
            IssueProblem::PinMismatch => "pin_mismatch",
        }
    }
}

/// A downloaded certificate: the file name and its text.
pub struct CertificateFile {
    pub file_name: String,
    pub text: String,
    pub serial: String,
    pub expires_on: NaiveDate,
}

/// 申请/更新证书: issue a certificate for the logged-in person, protected by `pin`.
pub fn issue(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    pin: &str,
    confirm: &str,
) -> Result<Result<CertificateFile, IssueProblem>, LoginError> {
    let policy = PortalPolicy::embedded();
    let s = login::session(scope, now, token)?;
    if s.stage != SessionStage::Active {
        return Err(LoginError::WrongStage(s.stage));
    }
    let refuse = |p: IssueProblem| -> Result<Result<CertificateFile, IssueProblem>, LoginError> {
        scope.trace(
            now,
            Some(s.person_id),
            "certificate.issue",
            p.code(),
            &json!({}),
        )?;
        Ok(Err(p))
    };
    if pin.chars().count() != policy.certificate_pin_digits
        || !pin.chars().all(|c| c.is_ascii_digit())
    {
        return refuse(IssueProblem::BadPin);
    }
    if pin != confirm {
        return refuse(IssueProblem::PinMismatch);
    }
    let today = scope.record()?.sandbox_date;
    let file = issue_for(scope, s.person_id, pin, today)?;
    scope.trace(
        now,
        Some(s.person_id),
        "certificate.issue",
        "ok",
        &json!({ "serial": file.serial, "expires_on": file.expires_on }),
    )?;
    Ok(Ok(file))
}

/// Issue a certificate for a person (revoking their earlier ones), valid from `issued_on`
/// for the policy's validity; the key is kept only as a hash, so the file is the only copy.
/// Labs use it to hand out a certificate that has already expired.
pub fn issue_for(
    scope: &TenantScope<'_>,
    person_id: i64,
    pin: &str,
    issued_on: NaiveDate,
) -> Result<CertificateFile, LoginError> {
    let policy = PortalPolicy::embedded();
    let serial = format!(
        "TXL{}",
        hex::encode(rand::rng().random::<[u8; 8]>()).to_uppercase()
    );
    let key = hex::encode(rand::rng().random::<[u8; 32]>());
    let expires_on = issued_on + Duration::days(policy.certificate_valid_days);
    let person = scope.person(person_id)?.value;
    scope.issue_certificate(&Certificate {
        id: 0,
        person_id,
        serial: serial.clone(),
        key_hash: hash_password(&key)?,
        pin_hash: hash_password(pin)?,
        issued_on,
        expires_on,
        revoked: false,
    })?;
    let text = format!(
        "{BEGIN}\nserial: {serial}\nholder: {}\nresident_id: {}\nissued: {issued_on}\nexpires: {expires_on}\nkey: {key}\n{END}\n",
        person.name,
        person.resident_id.masked(),
    );
    Ok(CertificateFile {
        file_name: format!("{serial}.cer"),
        text,
        serial,
        expires_on,
    })
}

/// The serial and key of a certificate file, if it is one.
fn parse_file(text: &str) -> Option<(String, String)> {
    let body = text.split(BEGIN).nth(1)?.split(END).next()?;
    let field = |name: &str| {
        body.lines()
            .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_owned()))
            .filter(|v| !v.is_empty())
    };
    Some((field("serial:")?, field("key:")?))
}

/// 证书登录: company + certificate file + PIN. A certificate is strong enough on its own:
/// no SMS step, and the session starts logged in.
pub fn login_with_certificate(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    ip: &str,
    company: &str,
    file: &str,
    pin: &str,
) -> Result<String, LoginError> {
    let fail = |person: Option<i64>, e: LoginError| -> Result<String, LoginError> {
        scope.trace(
            now,
            person,
            "login.certificate",
            e.code(),
            &json!({ "company": company, "ip": ip }),
        )?;
        Err(e)
    };
    let address = crate::store::limits::address_key(ip);
    if super::login::ADDRESS_FAILURES.reached(scope, &address, now)? {
        return fail(None, LoginError::TooManyTries);
    }
    let company_text = company.trim().to_uppercase();
    let Some(company_id) = scope.company_by_uscc(&company_text)? else {
        return fail(None, LoginError::UnknownCompany);
    };
    let Some((serial, key)) = parse_file(file) else {
        return fail(None, LoginError::CertBadFile);
    };
    let Some(cert) = scope.certificate(&serial)? else {
        return fail(None, LoginError::CertUnknown);
    };
    if !verify(&key, &cert.key_hash) {
        return fail(Some(cert.person_id), LoginError::CertBadFile);
    }
    if cert.revoked {
        return fail(Some(cert.person_id), LoginError::CertRevoked);
    }
    let today = scope.record()?.sandbox_date;
    if cert.expires_on < today {
        return fail(
            Some(cert.person_id),
            LoginError::CertExpired {
                on: cert.expires_on,
            },
        );
    }
    // A PIN is guessed like a password: the holder's account locks after the same number
    // of wrong tries, and a locked account cannot log in with its certificate either.
    let mut acct = scope.account(cert.person_id)?;
    if let Some(until) = acct.locked_until.filter(|u| *u > now) {
        return fail(Some(cert.person_id), LoginError::Locked { until });
    }
    if !verify(pin, &cert.pin_hash) {
        let e = super::login::count_failure(scope, now, ip, cert.person_id, &mut acct, |_| {
            LoginError::WrongPin
        })?;
        return fail(Some(cert.person_id), e);
    }
    if !acct.failures.is_empty() {
        acct.failures.clear();
        scope.save_account(cert.person_id, &acct)?;
    }
    if let Err(e) = admit(scope, now, ip, cert.person_id, company_id, &acct)? {
        return fail(Some(cert.person_id), e);
    }
    let token = new_token();
    scope.create_session(&PortalSession {
        token: token.clone(),
        person_id: cert.person_id,
        company_id,
        stage: SessionStage::Active,
        created_at: now,
        last_seen_at: now,
    })?;
    scope.trace(
        now,
        Some(cert.person_id),
        "login.certificate",
        "ok",
        &json!({ "company": company_text, "ip": ip, "serial": serial }),
    )?;
    scope.trace(
        now,
        Some(cert.person_id),
        "login",
        "ok",
        &json!({ "company_id": company_id.0 }),
    )?;
    Ok(token)
}

/// The person's current certificate, for the account page: serial, expiry, state.
pub fn current(
    scope: &TenantScope<'_>,
    person: i64,
) -> Result<Option<(String, NaiveDate, &'static str)>, StoreError> {
    let policy = PortalPolicy::embedded();
    let today = scope.record()?.sandbox_date;
    Ok(scope.latest_certificate(person)?.map(|c| {
        let state = if c.revoked {
            "revoked"
        } else if c.expires_on < today {
            "expired"
        } else if c.expires_on - today <= Duration::days(policy.certificate_warning_days) {
            "expiring"
        } else {
            "valid"
        };
        (c.serial, c.expires_on, state)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_serial_and_key_from_a_file() {
        let text = format!("{BEGIN}\nserial: TXL1\nholder: x\nkey: abc\n{END}\n");
        assert_eq!(parse_file(&text), Some(("TXL1".into(), "abc".into())));
        assert_eq!(parse_file("hello"), None);
        assert_eq!(parse_file(&format!("{BEGIN}\nserial: TXL1\n{END}")), None);
    }
}
