//! What 我要查询 reads beyond the other modules: every payment with its return and payment
//! document, and an invoice by its number. Tenant- and company-scoped like the rest.

use rusqlite::{OptionalExtension, params};

use super::records::{CompanyId, PaymentRecord, Stored};
use super::returns::payment_row;
use super::tenants::{INVOICE_COLUMNS, invoice_row, parse_opt};
use super::{StoreError, TenantScope};
use crate::domain::entities::{Invoice, ReturnKind};
use crate::domain::period::TaxPeriod;

/// A payment with the return it belongs to and the 电子缴款书 that paid it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentLine {
    pub payment: PaymentRecord,
    pub kind: ReturnKind,
    pub period: TaxPeriod,
    pub remittance: Option<String>,
}

impl TenantScope<'_> {
    /// Every payment of the company, with its return and payment document.
    pub fn payments_of(&self, company: CompanyId) -> Result<Vec<PaymentLine>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT p.id, p.filing_id, p.item, p.amount_fen, p.due_on, p.paid_on, p.late_fee_fen,
                    f.kind, f.period, r.number
             FROM payments p JOIN filings f ON f.id = p.filing_id AND f.tenant_id = p.tenant_id
             LEFT JOIN remittances r ON r.id = p.remittance_id AND r.tenant_id = p.tenant_id
             WHERE p.tenant_id = ?1 AND p.company_id = ?2 ORDER BY p.due_on, p.id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let (kind, period, number): (String, String, Option<String>) =
                    (r.get(7)?, r.get(8)?, r.get(9)?);
                let p = payment_row(r)?;
                Ok(p.and_then(|payment| {
                    Ok(PaymentLine {
                        payment,
                        kind: parse_opt("return kind", &kind, ReturnKind::parse)?,
                        period: TaxPeriod::parse(&period)
                            .map_err(|_| StoreError::BadData(format!("period {period:?}")))?,
                        remittance: number,
                    })
                }))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// The company's invoice with this number, if it has one.
    pub fn invoice_by_number(
        &self,
        company: CompanyId,
        number: &str,
    ) -> Result<Option<Invoice>, StoreError> {
        let found: Option<Result<Stored<Invoice>, StoreError>> = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {INVOICE_COLUMNS} FROM invoices
                 WHERE tenant_id = ?1 AND company_id = ?2 AND number = ?3"
            ))?
            .query_row(params![self.t(), company.0, number], invoice_row)
            .optional()?;
        Ok(found.transpose()?.map(|s| s.value))
    }

    /// Every invoice of the tenant with this number, in whichever company has it (sales or
    /// purchase): 发票查验 looks in the trainee's world.
    pub fn invoices_numbered(&self, number: &str) -> Result<Vec<(CompanyId, Invoice)>, StoreError> {
        let mut out = Vec::new();
        for c in self.companies()? {
            let company = CompanyId(c.id);
            let mut stmt = self.conn().prepare_cached(&format!(
                "SELECT {INVOICE_COLUMNS} FROM invoices
                 WHERE tenant_id = ?1 AND company_id = ?2 AND number = ?3"
            ))?;
            let rows = stmt
                .query_map(params![self.t(), company.0, number], invoice_row)?
                .collect::<Result<Vec<_>, _>>()?;
            for r in rows {
                out.push((company, r?.value));
            }
        }
        Ok(out)
    }
}
