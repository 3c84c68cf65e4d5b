//! A tenant at a glance: each company with the return due on the sandbox date and its
//! arrears. The workbench's to-do list will grow from this.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::entities::{ReturnKind, TaxpayerType};
use crate::domain::tax::Policy;
use crate::domain::tax::deadline::due_periods;
use crate::store::{CompanyId, StoreError, TenantRecord, TenantScope};

#[derive(Debug, Clone, Serialize)]
pub struct CompanySummary {
    pub id: i64,
    pub name: String,
    pub uscc: String,
    pub taxpayer_type: &'static str,
    pub tier: &'static str,
    pub credit_grade: &'static str,
    /// The VAT return due on the sandbox date.
    pub due_return: &'static str,
    pub due_period: String,
    pub due_deadline: NaiveDate,
    /// Payments past their deadline and still unpaid.
    pub arrears: usize,
    /// Every return due on the sandbox date (VAT, the CIT prepayment, 文化事业建设费 where
    /// owed), filed or not: the workbench's 我的待办.
    pub due: Vec<DueReturn>,
}

/// A return due on the sandbox date.
#[derive(Debug, Clone, Serialize)]
pub struct DueReturn {
    pub kind: &'static str,
    pub period: String,
    pub deadline: NaiveDate,
    pub filed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantOverview {
    pub label: String,
    pub sandbox_date: NaiveDate,
    pub credit_profile: &'static str,
    pub companies: Vec<CompanySummary>,
}

/// One person who can log in for a company: the trainee's handout (实训资料), shown by the
/// sandbox outside the simulated bureau, so unmasked.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingAccount {
    pub company: String,
    pub uscc: String,
    pub role: &'static str,
    pub person: String,
    pub resident_id: String,
    pub mobile: String,
}

/// Everyone who can log in, company by company.
pub fn training_accounts(scope: &TenantScope<'_>) -> Result<Vec<TrainingAccount>, StoreError> {
    let mut out = Vec::new();
    for c in scope.companies()? {
        for st in scope.staff(CompanyId(c.id))? {
            out.push(TrainingAccount {
                company: c.value.name.clone(),
                uscc: c.value.uscc.to_string(),
                role: st.role.as_str(),
                person: st.person.value.name.clone(),
                resident_id: st.person.value.resident_id.to_string(),
                mobile: st.person.value.mobile.to_string(),
            });
        }
    }
    Ok(out)
}

pub fn tenant_overview(scope: &TenantScope<'_>) -> Result<TenantOverview, StoreError> {
    overview_of(scope, scope.record()?, None)
}

/// The overview with one company's summary only (the workbench's: the others' grades and
/// arrears are not read), its grade kept between views at `stamp`.
pub fn company_overview(
    scope: &TenantScope<'_>,
    record: TenantRecord,
    company: CompanyId,
    stamp: &crate::bureau::kept::Stamp,
) -> Result<TenantOverview, StoreError> {
    overview_of(scope, record, Some((company, stamp)))
}

fn overview_of(
    scope: &TenantScope<'_>,
    record: TenantRecord,
    only: Option<(CompanyId, &crate::bureau::kept::Stamp)>,
) -> Result<TenantOverview, StoreError> {
    let TenantRecord {
        label,
        sandbox_date,
        credit_profile,
        ..
    } = record;
    let calendar = &Policy::embedded().calendar;
    let mut companies = Vec::new();
    for c in scope.companies()? {
        if only.is_some_and(|(o, _)| o.0 != c.id) {
            continue;
        }
        let co = &c.value;
        let (due, _) = due_periods(sandbox_date, co.vat_quarterly);
        let due_return = match co.taxpayer_type {
            TaxpayerType::SmallScale => ReturnKind::VatSmall,
            TaxpayerType::General => ReturnKind::VatGeneral,
        };
        let arrears = scope.arrears_count(CompanyId(c.id), sandbox_date)?;
        let filed = scope.filed_periods(CompanyId(c.id))?;
        let due_all = crate::bureau::returns::kinds_due(co, sandbox_date)
            .into_iter()
            .map(|(kind, period)| DueReturn {
                kind: kind.as_str(),
                period: period.to_string(),
                deadline: calendar.filing_deadline(period).date,
                filed: filed.contains(&(kind, period)),
            })
            .collect();
        companies.push(CompanySummary {
            id: c.id,
            name: co.name.clone(),
            uscc: co.uscc.to_string(),
            taxpayer_type: co.taxpayer_type.as_str(),
            tier: co.tier.as_str(),
            credit_grade: match only {
                Some((company, stamp)) => crate::bureau::credit::grade_kept(scope, stamp, company)?,
                None => crate::bureau::credit::grade(scope, CompanyId(c.id), sandbox_date)?,
            }
            .as_str(),
            due_return: due_return.as_str(),
            due_period: due.to_string(),
            due_deadline: calendar.filing_deadline(due).date,
            arrears,
            due: due_all,
        });
    }
    Ok(TenantOverview {
        label,
        sandbox_date,
        credit_profile: credit_profile.as_str(),
        companies,
    })
}
