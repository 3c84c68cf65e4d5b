//! Filing a return (申报) and correcting a filed one (更正申报): the checks, the versions
//! kept, the payments each version asks for, the late-filing failing, the overpayment a
//! correction leaves, and the trace of every step and refusal.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::form::{self, Basis, Figures, Problem, Values};
use super::{Filer, ReturnError, Worked, deadline, open_return, work};
use crate::domain::entities::{CreditEventKind, ReturnKind};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;
use crate::domain::tax::Policy;
use crate::store::{FiledReturn, NewReturn, StoreError, TenantScope};

/// A submission accepted: the receipt's return, and whether it was a repeat of one
/// already filed (then nothing new was recorded).
#[derive(Debug, Clone)]
pub struct Filed {
    pub filing: FiledReturn,
    pub duplicate: bool,
    /// A network-drop fault took the response: the return was filed, but the filer's
    /// screen says the connection failed (the right move is to query, not resubmit).
    pub response_lost: bool,
}

/// The fields whose figure differs from `before` (the prefill, or the version corrected):
/// what the filer changed, for the trace.
fn changed_fields(before: &Values, after: &Figures, kind: ReturnKind) -> Vec<&'static str> {
    let before = form::parse(kind, before)
        .map(|f| f.values())
        .unwrap_or_default();
    let after = after.values();
    form::fields(kind)
        .iter()
        .filter(|f| before.get(f.name) != after.get(f.name))
        .map(|f| f.name)
        .collect()
}

fn figures_json(f: &Figures) -> String {
    serde_json::to_string(&f.values()).unwrap_or_default()
}

fn problems_json(p: &[Problem]) -> serde_json::Value {
    json!(
        p.iter()
            .map(|p| json!({ "field": p.field, "code": p.code }))
            .collect::<Vec<_>>()
    )
}

/// A refusal the trainee caused (not the store failing), and so worth tracing.
fn traced(e: &ReturnError) -> bool {
    !matches!(e, ReturnError::Store(_) | ReturnError::Policy(_))
}

/// Trace a refused step (validation errors seen, warnings not confirmed, a duplicate).
fn trace_refusal(
    scope: &TenantScope<'_>,
    who: &Filer,
    action: &str,
    kind: ReturnKind,
    period: TaxPeriod,
    e: &ReturnError,
) -> Result<(), StoreError> {
    let detail = match e {
        ReturnError::Invalid(p) | ReturnError::Unconfirmed(p) => problems_json(p),
        _ => json!(null),
    };
    scope.trace(
        who.now,
        Some(who.person),
        action,
        e.code(),
        &json!({
            "kind": kind.as_str(), "period": period.to_string(), "problems": detail,
            "via": who.via,
        }),
    )
}

/// Submit (申报) a return. A repeat of the filed return (double click, retry, a second
/// tab, concurrent requests: the single writer sees them one after another) gets the first
/// receipt back; different figures for a filed return are refused towards 更正申报.
pub fn submit(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ReturnKind,
    period: TaxPeriod,
    values: &Values,
    confirmed: bool,
) -> Result<Filed, ReturnError> {
    let basis = open_return(scope, who.company, kind, period, who.today)?;
    let outcome = submit_checked(scope, who, &basis, kind, period, values, confirmed);
    if let Err(e) = &outcome
        && traced(e)
    {
        trace_refusal(scope, who, "return.submit", kind, period, e)?;
    }
    outcome
}

fn submit_checked(
    scope: &TenantScope<'_>,
    who: &Filer,
    basis: &Basis,
    kind: ReturnKind,
    period: TaxPeriod,
    values: &Values,
    confirmed: bool,
) -> Result<Filed, ReturnError> {
    let versions = scope.return_versions(who.company, kind, period)?;
    if let Some(first) = versions.last() {
        let same = form::parse(kind, values)
            .ok()
            .is_some_and(|f| Some(figures_json(&f)) == first.form);
        if !same {
            return Err(ReturnError::AlreadyFiled {
                filing_no: first.filing_no.clone().unwrap_or_default(),
            });
        }
        scope.trace(
            who.now,
            Some(who.person),
            "return.duplicate",
            "ok",
            &json!({ "kind": kind.as_str(), "period": period.to_string(), "filing_no": first.filing_no }),
        )?;
        return Ok(Filed {
            filing: first.clone(),
            duplicate: true,
            response_lost: false,
        });
    }
    let worked = work(basis, kind, values)?;
    if !worked.warnings.is_empty() && !confirmed {
        return Err(ReturnError::Unconfirmed(worked.warnings));
    }
    let deadline = deadline(period);
    let filing = record(scope, who, basis, (kind, period, 1), &worked, "", deadline)?;
    for (item, amount) in form::payable_items(kind, &worked.assessment) {
        if amount > Fen::ZERO {
            scope.add_payment(who.company, filing.id, item, amount, deadline)?;
        }
    }
    let late = who.today > deadline;
    if late {
        scope.add_credit_event(
            who.company,
            who.today,
            CreditEventKind::LateFiling,
            (kind, period),
            Policy::embedded().credit.deductions.late_filing,
        )?;
    }
    scope.drop_draft(who.company, kind, period)?;
    let lost = take_network_drop(scope, who.now)?;
    scope.trace(
        who.now,
        Some(who.person),
        "return.submit",
        "ok",
        &json!({
            "kind": kind.as_str(), "period": period.to_string(), "filing_no": filing.filing_no,
            "total_due": filing.total_due, "late": late, "warnings": problems_json(&worked.warnings),
            "response_lost": lost, "changed_from_prefill": changed_fields(&basis.prefill(kind), &worked.figures, kind),
            "via": who.via,
        }),
    )?;
    Ok(Filed {
        filing,
        duplicate: false,
        response_lost: lost,
    })
}

/// A network-drop fault in force takes this response (and is spent).
fn take_network_drop(scope: &TenantScope<'_>, now: DateTime<Utc>) -> Result<bool, StoreError> {
    match scope.faults("network_drop", now)?.first() {
        Some(f) => {
            scope.spend_fault(f.id)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// What the company's own records give for a VAT return (the prefill, worked): kept with
/// the return so 风险提示 (申报异常) need not run the engine each time it counts alerts.
pub fn records_total(basis: &Basis, kind: ReturnKind) -> Option<Fen> {
    if kind == ReturnKind::CitQuarterly {
        return None;
    }
    form::parse(kind, &basis.prefill(kind))
        .ok()
        .and_then(|f| basis.compute(kind, &f).ok())
        .map(|a| form::total_due(kind, &a))
}

fn record(
    scope: &TenantScope<'_>,
    who: &Filer,
    basis: &Basis,
    (kind, period, version): (ReturnKind, TaxPeriod, u32),
    worked: &Worked,
    reason: &str,
    deadline: NaiveDate,
) -> Result<FiledReturn, ReturnError> {
    let form = figures_json(&worked.figures);
    let assessment = worked.assessment.form_json();
    scope
        .insert_return(&NewReturn {
            company: who.company,
            kind,
            period,
            version,
            deadline,
            filed_on: who.today,
            submitted_at: who.now,
            person: who.person,
            total_due: form::total_due(kind, &worked.assessment),
            assessment_json: &assessment,
            form: &form,
            reason,
            records_total: records_total(basis, kind),
        })
        .map_err(ReturnError::from)
}

/// 更正申报: file a new version of a filed return. Inside the filing period it replaces the
/// return directly; after the deadline it needs a reason. Unpaid tax of earlier versions
/// is replaced by what the new version asks beyond what was paid, still due from the
/// original deadline (so extra tax found late carries the surcharge from then).
pub fn amend(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ReturnKind,
    period: TaxPeriod,
    values: &Values,
    reason: &str,
    confirmed: bool,
) -> Result<Filed, ReturnError> {
    let basis = open_return(scope, who.company, kind, period, who.today)?;
    let outcome = amend_checked(scope, who, &basis, kind, period, values, reason, confirmed);
    if let Err(e) = &outcome
        && traced(e)
    {
        trace_refusal(scope, who, "return.amend", kind, period, e)?;
    }
    outcome
}

#[allow(clippy::too_many_arguments)]
fn amend_checked(
    scope: &TenantScope<'_>,
    who: &Filer,
    basis: &Basis,
    kind: ReturnKind,
    period: TaxPeriod,
    values: &Values,
    reason: &str,
    confirmed: bool,
) -> Result<Filed, ReturnError> {
    let versions = scope.return_versions(who.company, kind, period)?;
    let latest = versions.last().ok_or(ReturnError::NotFiled)?;
    let deadline = latest.deadline;
    let reason = reason.trim();
    if who.today > deadline && reason.is_empty() {
        return Err(ReturnError::ReasonRequired);
    }
    let worked = work(basis, kind, values)?;
    if latest.form.as_deref() == Some(figures_json(&worked.figures).as_str()) {
        return Err(ReturnError::Unchanged);
    }
    if !worked.warnings.is_empty() && !confirmed {
        return Err(ReturnError::Unconfirmed(worked.warnings));
    }
    let filing = record(
        scope,
        who,
        basis,
        (kind, period, latest.version + 1),
        &worked,
        reason,
        deadline,
    )?;
    let payments = scope.return_payments(who.company, kind, period)?;
    let mut overpaid = Fen::ZERO;
    for (item, amount) in form::payable_items(kind, &worked.assessment) {
        let paid: Fen = payments
            .iter()
            .filter(|p| p.item == item && p.paid_on.is_some())
            .map(|p| p.amount)
            .sum();
        for p in payments
            .iter()
            .filter(|p| p.item == item && p.paid_on.is_none())
        {
            scope.drop_unpaid_payment(p.id)?;
        }
        let owed = amount.max(Fen::ZERO) - paid;
        if owed > Fen::ZERO {
            scope.add_payment(who.company, filing.id, item, owed, deadline)?;
        } else {
            overpaid += -owed;
        }
    }
    // 误收多缴: what the payments now exceed, refundable on application
    let paid_on = payments.iter().filter_map(|p| p.paid_on).max();
    crate::bureau::refunds::record_overpayment(scope, who, (kind, period), overpaid, paid_on)?;
    scope.trace(
        who.now,
        Some(who.person),
        "return.amend",
        "ok",
        &json!({
            "kind": kind.as_str(), "period": period.to_string(), "filing_no": filing.filing_no,
            "version": filing.version, "total_due": filing.total_due,
            "previous_total": latest.total_due, "after_deadline": who.today > deadline,
            "reason": reason, "overpaid": overpaid,
            "changed": changed_fields(
                &latest.form.as_deref().and_then(|f| serde_json::from_str(f).ok()).unwrap_or_default(),
                &worked.figures,
                kind,
            ),
        }),
    )?;
    Ok(Filed {
        filing,
        duplicate: false,
        response_lost: false,
    })
}
