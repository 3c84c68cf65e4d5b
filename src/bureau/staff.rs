//! 办税人员授权 and 身份切换: the legal representative or finance manager grants a person
//! a role in the company (or takes it away); a person who acts for several companies
//! switches between them without logging in again.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::login::{self, LoginError};
use crate::domain::entities::Role;
use crate::store::{CompanyId, SessionStage, TenantScope};

/// Why a grant or revocation was refused; catalogue key `staff.<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffProblem {
    /// Only the legal representative or the finance manager may authorise.
    NotManager,
    UnknownPerson,
    BadRole,
    AlreadyHas,
    NotHeld,
    /// Nobody may grant or remove their own roles.
    OwnRole,
    /// Only the legal representative may grant or revoke the manager roles.
    NeedsLegalRepresentative,
    NotYourCompany,
}

impl StaffProblem {
    pub fn code(self) -> &'static str {
        match self {
            StaffProblem::NotManager => "not_manager",
            StaffProblem::UnknownPerson => "unknown_person",
            StaffProblem::BadRole => "bad_role",
            StaffProblem::AlreadyHas => "already_has",
            StaffProblem::NotHeld => "not_held",
            StaffProblem::OwnRole => "own_role",
            StaffProblem::NeedsLegalRepresentative => "needs_legal_representative",
            StaffProblem::NotYourCompany => "not_your_company",
        }
    }
}

fn has_role(
    scope: &TenantScope<'_>,
    person: i64,
    company: CompanyId,
    roles: &[Role],
) -> Result<bool, LoginError> {
    Ok(scope
        .roles_of(person)?
        .iter()
        .any(|(c, r)| *c == company && roles.iter().any(|x| x.as_str() == r)))
}

fn is_manager(
    scope: &TenantScope<'_>,
    person: i64,
    company: CompanyId,
) -> Result<bool, LoginError> {
    has_role(
        scope,
        person,
        company,
        &[Role::LegalRepresentative, Role::FinanceManager],
    )
}

/// Tax clerks may be authorised by either manager; the finance manager only by the legal
/// representative; the legal representative is a registration matter, not granted here.
fn may_handle(
    scope: &TenantScope<'_>,
    actor: i64,
    company: CompanyId,
    role: Role,
) -> Result<Result<(), StaffProblem>, LoginError> {
    Ok(match role {
        Role::TaxClerk => Ok(()),
        Role::FinanceManager if has_role(scope, actor, company, &[Role::LegalRepresentative])? => {
            Ok(())
        }
        Role::FinanceManager | Role::LegalRepresentative => {
            Err(StaffProblem::NeedsLegalRepresentative)
        }
    })
}

fn active(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
) -> Result<crate::store::PortalSession, LoginError> {
    let s = login::session(scope, now, token)?;
    if s.stage != SessionStage::Active {
        return Err(LoginError::NoSession);
    }
    Ok(s)
}

/// Grant the person with this resident ID and name a role in the session's company.
pub fn grant(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    resident_id: &str,
    name: &str,
    role: &str,
) -> Result<Result<(), StaffProblem>, LoginError> {
    let s = active(scope, now, token)?;
    let refuse = |p: StaffProblem| -> Result<Result<(), StaffProblem>, LoginError> {
        scope.trace(
            now,
            Some(s.person_id),
            "staff.grant",
            p.code(),
            &json!({ "role": role }),
        )?;
        Ok(Err(p))
    };
    if !is_manager(scope, s.person_id, s.company_id)? {
        return refuse(StaffProblem::NotManager);
    }
    let Some(role) = Role::parse(role) else {
        return refuse(StaffProblem::BadRole);
    };
    if let Err(p) = may_handle(scope, s.person_id, s.company_id, role)? {
        return refuse(p);
    }
    let Some(person) = scope.person_by_identity(resident_id.trim(), name.trim())? else {
        return refuse(StaffProblem::UnknownPerson);
    };
    if person == s.person_id {
        return refuse(StaffProblem::OwnRole);
    }
    if !scope.grant_role(s.company_id, person, role.as_str())? {
        return refuse(StaffProblem::AlreadyHas);
    }
    scope.trace(
        now,
        Some(s.person_id),
        "staff.grant",
        "ok",
        &json!({ "person_id": person, "role": role.as_str() }),
    )?;
    Ok(Ok(()))
}

/// Take a role in the session's company away from a person.
pub fn revoke(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    person: i64,
    role: &str,
) -> Result<Result<(), StaffProblem>, LoginError> {
    let s = active(scope, now, token)?;
    let refuse = |p: StaffProblem| -> Result<Result<(), StaffProblem>, LoginError> {
        scope.trace(
            now,
            Some(s.person_id),
            "staff.revoke",
            p.code(),
            &json!({ "person_id": person, "role": role }),
        )?;
        Ok(Err(p))
    };
    if !is_manager(scope, s.person_id, s.company_id)? {
        return refuse(StaffProblem::NotManager);
    }
    if person == s.person_id {
        return refuse(StaffProblem::OwnRole);
    }
    let Some(parsed) = Role::parse(role) else {
        return refuse(StaffProblem::BadRole);
    };
    if let Err(p) = may_handle(scope, s.person_id, s.company_id, parsed)? {
        return refuse(p);
    }
    if !scope.revoke_role(s.company_id, person, role)? {
        return refuse(StaffProblem::NotHeld);
    }
    scope.trace(
        now,
        Some(s.person_id),
        "staff.revoke",
        "ok",
        &json!({ "person_id": person, "role": role }),
    )?;
    Ok(Ok(()))
}

/// Act for another company the person holds a role in.
pub fn switch_company(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
    company: CompanyId,
) -> Result<Result<(), StaffProblem>, LoginError> {
    let s = active(scope, now, token)?;
    if !scope.acts_for(s.person_id, company)? {
        scope.trace(
            now,
            Some(s.person_id),
            "identity.switch",
            "not_your_company",
            &json!({ "company_id": company.0 }),
        )?;
        return Ok(Err(StaffProblem::NotYourCompany));
    }
    scope.switch_session_company(token, company)?;
    scope.trace(
        now,
        Some(s.person_id),
        "identity.switch",
        "ok",
        &json!({ "from": s.company_id.0, "to": company.0 }),
    )?;
    Ok(Ok(()))
}
