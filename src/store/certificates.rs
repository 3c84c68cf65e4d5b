//! Simulated digital certificates, tenant-scoped.

use rusqlite::{OptionalExtension, params};

use super::{StoreError, TenantScope};

/// A stored certificate (the key and PIN only as hashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub id: i64,
    pub person_id: i64,
    pub serial: String,
    pub key_hash: String,
    pub pin_hash: String,
    pub issued_on: chrono::NaiveDate,
    pub expires_on: chrono::NaiveDate,
    pub revoked: bool,
}

impl TenantScope<'_> {
    /// Store a new certificate, revoking the person's earlier ones (更新证书 replaces them).
    pub fn issue_certificate(&self, c: &Certificate) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE certificates SET revoked = 1 WHERE tenant_id = ?1 AND person_id = ?2",
            )?
            .execute(params![self.t(), c.person_id])?;
        self.conn().prepare_cached("INSERT INTO certificates (tenant_id, person_id, serial, key_hash, pin_hash, issued_on, expires_on, revoked)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(params![
                self.t(),
                c.person_id,
                c.serial,
                c.key_hash,
                c.pin_hash,
                c.issued_on.to_string(),
                c.expires_on.to_string(),
                c.revoked
            ])?;
        Ok(())
    }

    /// The certificate with this serial, if this tenant issued it.
    pub fn certificate(&self, serial: &str) -> Result<Option<Certificate>, StoreError> {
        let row = self
            .conn()
            .prepare_cached("SELECT id, person_id, serial, key_hash, pin_hash, issued_on, expires_on, revoked FROM certificates
                 WHERE tenant_id = ?1 AND serial = ?2")?.query_row(params![self.t(), serial],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, bool>(7)?,
                    ))
                })
            .optional()?;
        let date = |t: &str| {
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map_err(|_| StoreError::BadData(format!("date {t:?}")))
        };
        row.map(
            |(id, person_id, serial, key_hash, pin_hash, issued, expires, revoked)| {
                Ok(Certificate {
                    id,
                    person_id,
                    serial,
                    key_hash,
                    pin_hash,
                    issued_on: date(&issued)?,
                    expires_on: date(&expires)?,
                    revoked,
                })
            },
        )
        .transpose()
    }

    /// The person's newest certificate.
    pub fn latest_certificate(&self, person: i64) -> Result<Option<Certificate>, StoreError> {
        let serial: Option<String> = self
            .conn()
            .prepare_cached("SELECT serial FROM certificates WHERE tenant_id = ?1 AND person_id = ?2 ORDER BY id DESC LIMIT 1")?.query_row(params![self.t(), person],
                |r| r.get(0))
            .optional()?;
        match serial {
            Some(s) => self.certificate(&s),
            None => Ok(None),
        }
    }
}
