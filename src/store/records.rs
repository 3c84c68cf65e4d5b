//! What the store hands back: domain values with the ids they are stored under.

use chrono::NaiveDate;

use super::TenantId;
use crate::domain::entities::{Role, TaxItem};
use crate::domain::money::Fen;
use crate::domain::tax::credit::CreditProfileKind;

/// A tenant's own row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRecord {
    pub id: TenantId,
    pub label: String,
    pub class_seed: u64,
    pub seat: u32,
    pub sandbox_date: NaiveDate,
    pub credit_profile: CreditProfileKind,
    /// 文化事业建设费: the province's cut of a local payer's fee (0 to 50%).
    pub culture_fee_local_cut: crate::domain::money::Rate,
}

/// A company's id. Any caller may hold one (it comes from URLs); only a
/// [`super::TenantScope`] turns it into data, and only for its own tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CompanyId(pub i64);

/// A stored value and its row id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<T> {
    pub id: i64,
    pub value: T,
}

/// A person with the role they hold in a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub person: Stored<crate::domain::entities::Person>,
    pub role: Role,
}

/// A tax or fee owed for a filing, paid or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: i64,
    pub filing_id: i64,
    pub item: TaxItem,
    pub amount: Fen,
    pub due_on: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    pub late_fee: Fen,
}

/// Row counts of one tenant, table by table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantCounts {
    pub companies: u64,
    pub people: u64,
    pub invoices: u64,
    pub ledger_months: u64,
    pub filings: u64,
    pub payments: u64,
    pub credit_events: u64,
}

impl TenantCounts {
    pub fn total(&self) -> u64 {
        // +1 for the tenant row itself; roles and bank accounts ride with companies.
        1 + self.companies * 5
            + self.people
            + self.invoices
            + self.ledger_months
            + self.filings
            + self.payments
            + self.credit_events
    }
}
