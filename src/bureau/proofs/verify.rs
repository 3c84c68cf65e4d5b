//! 证明查验: a certificate checked by its number and verification code, or by its file —
//! genuine, altered (its bytes differ from what was issued), a wrong code, or unknown —
//! within the trainee's own world; traced without a person (it needs no login).

use super::{pdf, sha256_hex};
use crate::store::{Proof, StoreError, TenantScope};

/// What 证明查验 found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The number and code (or the file) match a certificate issued here.
    Genuine(Proof),
    /// The number exists but the code does not match.
    WrongCode,
    /// The file names a certificate issued here but its bytes differ from what was issued.
    Altered(Proof),
    /// No such certificate.
    Unknown,
}

impl Verdict {
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Genuine(_) => "genuine",
            Verdict::WrongCode => "wrong_code",
            Verdict::Altered(_) => "altered",
            Verdict::Unknown => "unknown",
        }
    }
}

/// 证明查验 by number and code, within the trainee's world (their tenant); traced
/// (`proof.verify`, no person: it needs no login).
pub fn verify(
    scope: &TenantScope<'_>,
    number: &str,
    code: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Verdict, StoreError> {
    let v = match scope.proof_by_number(number.trim())? {
        Some(p) if p.code == code.trim() => Verdict::Genuine(p),
        Some(_) => Verdict::WrongCode,
        None => Verdict::Unknown,
    };
    trace_verify(scope, now, "number", &v)?;
    Ok(v)
}

/// 证明查验 of a file: genuine when its bytes are exactly an issued certificate's; altered
/// when it names one (the PDF's metadata marker) but its bytes differ; else unknown. Traced.
pub fn verify_file(
    scope: &TenantScope<'_>,
    bytes: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Verdict, StoreError> {
    let v = if let Some(p) = scope.proof_by_hash(&sha256_hex(bytes))? {
        Verdict::Genuine(p)
    } else {
        let marker = pdf::MARKER.as_bytes();
        let named = bytes
            .windows(marker.len() + 18)
            .find(|w| w.starts_with(marker) && w[marker.len()..].iter().all(u8::is_ascii_digit))
            .map(|w| String::from_utf8_lossy(&w[marker.len()..]).into_owned());
        match named {
            Some(number) => match scope.proof_by_number(&number)? {
                Some(p) => Verdict::Altered(p),
                None => Verdict::Unknown,
            },
            None => Verdict::Unknown,
        }
    };
    trace_verify(scope, now, "file", &v)?;
    Ok(v)
}

/// Trace a verification (`proof.verify`): how, and what it found.
fn trace_verify(
    scope: &TenantScope<'_>,
    now: chrono::DateTime<chrono::Utc>,
    how: &str,
    v: &Verdict,
) -> Result<(), StoreError> {
    let number = match v {
        Verdict::Genuine(p) | Verdict::Altered(p) => Some(p.number.clone()),
        _ => None,
    };
    scope.trace(
        now,
        None,
        "proof.verify",
        v.code(),
        &serde_json::json!({ "how": how, "number": number }),
    )
}
