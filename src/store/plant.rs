//! Changes a lab's setup makes to a freshly generated tenant's records so that the bureau
//! raises a specific risk alert (labs::plant). Tenant-scoped; never used by a trainee's
//! request.

use chrono::NaiveDate;
use rusqlite::params;

use super::records::CompanyId;
use super::{StoreError, TenantScope};
use crate::domain::money::Fen;
use crate::domain::period::YearMonth;

impl TenantScope<'_> {
    /// Scale the amounts of the company's purchase invoices issued from `from` to `to` by
    /// `percent` per cent, the tax worked again from each invoice's rate (rounded to the fen).
    pub fn scale_purchases(
        &self,
        company: CompanyId,
        (from, to): (NaiveDate, NaiveDate),
        percent: i64,
    ) -> Result<usize, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "UPDATE invoices SET amount_fen = amount_fen * ?5 / 100,
                    tax_fen = ((amount_fen * ?5 / 100) * rate_ppm + 500000) / 1000000
             WHERE tenant_id = ?1 AND company_id = ?2 AND direction = 'purchase'
               AND issued_on BETWEEN ?3 AND ?4",
            )?
            .execute(params![
                self.t(),
                company.0,
                from.to_string(),
                to.to_string(),
                percent
            ])?)
    }

    /// Rewrite one month of the company's books (profit follows).
    pub fn set_ledger_month(
        &self,
        company: CompanyId,
        month: YearMonth,
        revenue: Fen,
        cost: Fen,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE ledger_months SET revenue_fen = ?4, cost_fen = ?5,
                    profit_fen = ?4 - ?5 - expenses_fen
             WHERE tenant_id = ?1 AND company_id = ?2 AND month = ?3",
            )?
            .execute(params![
                self.t(),
                company.0,
                month.to_string(),
                revenue.fen(),
                cost.fen()
            ])?;
        Ok(())
    }

    /// A filing of the company's history made on `on` instead (its payments paid that day).
    pub fn refile_on(&self, filing: i64, on: NaiveDate) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("UPDATE filings SET filed_on = ?3 WHERE tenant_id = ?1 AND id = ?2")?
            .execute(params![self.t(), filing, on.to_string()])?;
        self.conn()
            .prepare_cached(
                "UPDATE payments SET paid_on = ?3 WHERE tenant_id = ?1 AND filing_id = ?2
                   AND paid_on IS NOT NULL",
            )?
            .execute(params![self.t(), filing, on.to_string()])?;
        Ok(())
    }
}
