//! The password policy of the simulated bureau (the course: letters, digits and symbols;
//! not a birthday or a phone number; changed regularly). Pure: the recent-password rule
//! needs stored hashes and lives with the login use cases.

use serde::Deserialize;

use super::ids::{Mobile, ResidentId};

/// Login and security parameters (`fixtures/portal.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalPolicy {
    pub initial_password: String,
    pub sms_code_digits: u32,
    pub sms_code_ttl_seconds: i64,
    pub sms_resend_seconds: i64,
    pub max_failures: i64,
    pub failure_window_minutes: i64,
    pub lockout_minutes: i64,
    pub session_idle_minutes: i64,
    pub recent_passwords: usize,
    pub min_password_length: usize,
    pub certificate_valid_days: i64,
    pub certificate_warning_days: i64,
    pub certificate_pin_digits: usize,
    pub password_reminder_days: i64,
}

impl PortalPolicy {
    pub fn embedded() -> &'static PortalPolicy {
        static POLICY: std::sync::OnceLock<PortalPolicy> = std::sync::OnceLock::new();
        POLICY.get_or_init(
            || match toml::from_str(include_str!("../../fixtures/portal.toml")) {
                Ok(p) => p,
                // Embedded and covered by tests: a failure here is a build defect.
                Err(e) => panic!("fixtures/portal.toml: {e}"),
            },
        )
    }
}

/// Why a new password is refused; each has a catalogue key `password.<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    NeedsLetter,
    NeedsDigit,
    NeedsSymbol,
    Birthday,
    Phone,
    Initial,
    Recent,
    Mismatch,
}

impl PasswordProblem {
    pub fn key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password.too_short",
            PasswordProblem::NeedsLetter => "password.needs_letter",
            PasswordProblem::NeedsDigit => "password.needs_digit",
            PasswordProblem::NeedsSymbol => "password.needs_symbol",
            PasswordProblem::Birthday => "password.birthday",
            PasswordProblem::Phone => "password.phone",
            PasswordProblem::Initial => "password.initial",
            PasswordProblem::Recent => "password.recent",
            PasswordProblem::Mismatch => "password.mismatch",
        }
    }
}

/// Check a new password against the policy for this person.
pub fn check(
    policy: &PortalPolicy,
    new: &str,
    id: &ResidentId,
    mobile: &Mobile,
) -> Result<(), PasswordProblem> {
    if new.chars().count() < policy.min_password_length {
        return Err(PasswordProblem::TooShort);
    }
    if !new.chars().any(|c| c.is_ascii_alphabetic()) {
        return Err(PasswordProblem::NeedsLetter);
    }
    if !new.chars().any(|c| c.is_ascii_digit()) {
        return Err(PasswordProblem::NeedsDigit);
    }
    if !new
        .chars()
        .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
    {
        return Err(PasswordProblem::NeedsSymbol);
    }
    let birth = &id.as_str()[6..14]; // YYYYMMDD
    if new.contains(birth) || new.contains(&birth[2..]) {
        return Err(PasswordProblem::Birthday);
    }
    if new.contains(mobile.as_str()) {
        return Err(PasswordProblem::Phone);
    }
    if new == policy.initial_password {
        return Err(PasswordProblem::Initial);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_for(p: &str) -> Result<(), PasswordProblem> {
        let id = ResidentId::parse("360426199101010071").unwrap();
        let mobile = Mobile::parse("13800138000").unwrap();
        check(PortalPolicy::embedded(), p, &id, &mobile)
    }

    #[test]
    fn enforces_the_course_policy() {
        assert_eq!(check_for("Ab1!"), Err(PasswordProblem::TooShort));
        assert_eq!(check_for("12345678!"), Err(PasswordProblem::NeedsLetter));
        assert_eq!(check_for("abcdefgh!"), Err(PasswordProblem::NeedsDigit));
        assert_eq!(check_for("abcdefgh1"), Err(PasswordProblem::NeedsSymbol));
        assert_eq!(check_for("Tax@19910101"), Err(PasswordProblem::Birthday));
        assert_eq!(check_for("Tax@910101x"), Err(PasswordProblem::Birthday));
        assert_eq!(check_for("Tax@13800138000"), Err(PasswordProblem::Phone));
        assert_eq!(check_for("Etax@2026"), Err(PasswordProblem::Initial));
        assert_eq!(check_for("Good#Pass42"), Ok(()));
    }
}
