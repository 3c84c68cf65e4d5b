//! Certificates issued (证明开具): their record and the PDF handed out. Tenant-scoped.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::portal::{parse_ts, ts};
use super::records::CompanyId;
use super::tenants::date;
use super::{StoreError, TenantScope};

/// A certificate to record.
pub struct NewProof<'a> {
    pub company: CompanyId,
    pub person: i64,
    pub number: &'a str,
    pub code: &'a str,
    pub kind: &'a str,
    pub issued_on: NaiveDate,
    pub issued_at: DateTime<Utc>,
    /// What it certifies, as JSON.
    pub content: &'a str,
    pub sha256: &'a str,
    pub pdf: &'a [u8],
}

/// A certificate issued, without its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub id: i64,
    pub company: CompanyId,
    pub person: Option<i64>,
    pub number: String,
    pub code: String,
    pub kind: String,
    pub issued_on: NaiveDate,
    pub issued_at: DateTime<Utc>,
    pub content: String,
    pub sha256: String,
}

const PROOF_COLUMNS: &str =
    "id, company_id, person_id, number, code, kind, issued_on, issued_at, content, sha256";

fn proof_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Proof, StoreError>> {
    let (on, at): (String, String) = (r.get(6)?, r.get(7)?);
    let (id, company, person, number, code, kind, content, sha256) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(8)?,
        r.get(9)?,
    );
    Ok((|| {
        Ok(Proof {
            id,
            company: CompanyId(company),
            person,
            number,
            code,
            kind,
            issued_on: date(&on)?,
            issued_at: parse_ts(&at)?,
            content,
            sha256,
        })
    })())
}

impl TenantScope<'_> {
    pub fn insert_proof(&self, p: &NewProof<'_>) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO tax_proofs (tenant_id, company_id, person_id, number, code, kind,
                 issued_on, issued_at, content, sha256, pdf)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                self.t(),
                p.company.0,
                p.person,
                p.number,
                p.code,
                p.kind,
                p.issued_on.to_string(),
                ts(p.issued_at),
                p.content,
                p.sha256,
                p.pdf,
            ])?;
        Ok(self.conn().last_insert_rowid())
    }

    /// The company's certificates, newest first.
    pub fn proofs_of(&self, company: CompanyId) -> Result<Vec<Proof>, StoreError> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {PROOF_COLUMNS} FROM tax_proofs WHERE tenant_id = ?1 AND company_id = ?2
             ORDER BY id DESC"
        ))?;
        let rows = stmt
            .query_map(params![self.t(), company.0], proof_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// A certificate of this tenant by its number (证明查验 looks in the trainee's world only).
    pub fn proof_by_number(&self, number: &str) -> Result<Option<Proof>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {PROOF_COLUMNS} FROM tax_proofs WHERE tenant_id = ?1 AND number = ?2"
            ))?
            .query_row(params![self.t(), number], proof_row)
            .optional()?
            .transpose()
    }

    /// A certificate of this tenant whose file has this SHA-256.
    pub fn proof_by_hash(&self, sha256: &str) -> Result<Option<Proof>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {PROOF_COLUMNS} FROM tax_proofs WHERE tenant_id = ?1 AND sha256 = ?2"
            ))?
            .query_row(params![self.t(), sha256], proof_row)
            .optional()?
            .transpose()
    }

    /// The PDF of one of the company's certificates.
    pub fn proof_pdf(
        &self,
        company: CompanyId,
        number: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT pdf FROM tax_proofs WHERE tenant_id = ?1 AND company_id = ?2 AND number = ?3",
            )?
            .query_row(params![self.t(), company.0, number], |r| r.get(0))
            .optional()?)
    }
}
