//! 缴款: paying a filed return from the company's bank account under the tripartite
//! agreement (三方协议), with the late-payment surcharge (滞纳金) counted day by day.

use serde_json::json;

use super::{Filer, ReturnError};
use crate::domain::entities::{CreditEventKind, ReturnKind};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;
use crate::domain::tax::{Policy, late_fee};
use crate::store::{Remittance, TenantScope};

/// A payment made: the payment document, and the days it was late.
#[derive(Debug, Clone)]
pub struct PaidNotice {
    pub remittance: Remittance,
    pub days_late: i64,
}

/// Pay everything a return (all its versions) still asks for, with the surcharge for each
/// day past its due date up to the sandbox date. Refused, and nothing taken, without a
/// tripartite agreement, while the bank is under maintenance, or without enough balance.
pub fn pay(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ReturnKind,
    period: TaxPeriod,
) -> Result<PaidNotice, ReturnError> {
    let outcome = pay_checked(scope, who, kind, period);
    if let Err(e) = &outcome {
        let detail = match e {
            ReturnError::InsufficientBalance { balance, needed } => {
                json!({ "balance": balance, "needed": needed })
            }
            _ => json!(null),
        };
        if !matches!(e, ReturnError::Store(_) | ReturnError::Policy(_)) {
            scope.trace(
                who.now,
                Some(who.person),
                "payment.pay",
                e.code(),
                &json!({ "kind": kind.as_str(), "period": period.to_string(), "detail": detail }),
            )?;
        }
    }
    outcome
}

fn pay_checked(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ReturnKind,
    period: TaxPeriod,
) -> Result<PaidNotice, ReturnError> {
    if scope
        .return_version_heads(who.company, kind, period)?
        .is_empty()
    {
        return Err(ReturnError::NotFiled);
    }
    let unpaid: Vec<_> = scope
        .return_payments(who.company, kind, period)?
        .into_iter()
        .filter(|p| p.paid_on.is_none())
        .collect();
    if unpaid.is_empty() {
        return Err(ReturnError::NothingToPay);
    }
    let account = scope.bank_account(who.company)?;
    if !account.value.tripartite_agreement {
        return Err(ReturnError::NoAgreement);
    }
    if let Some(until) = bank_maintenance(scope, who)? {
        return Err(ReturnError::BankMaintenance { until });
    }
    let policy = Policy::embedded();
    let mut fees = Vec::new();
    let (mut tax, mut fee_total, mut days) = (Fen::ZERO, Fen::ZERO, 0);
    for p in &unpaid {
        let fee = late_fee::fee(policy, p.amount, p.due_on, who.today)?;
        days = days.max(late_fee::days_late(p.due_on, who.today));
        tax += p.amount;
        fee_total += fee;
        fees.push(fee);
    }
    let needed = tax + fee_total;
    if account.value.balance < needed {
        return Err(ReturnError::InsufficientBalance {
            balance: account.value.balance,
            needed,
        });
    }
    scope.debit_bank(account.id, needed)?;
    let remittance = scope.insert_remittance(
        who.company,
        who.today,
        who.now,
        tax,
        fee_total,
        &account.value.bank_name,
        &account.value.account_no.to_string(),
    )?;
    for (p, fee) in unpaid.iter().zip(fees) {
        scope.settle_payment(p.id, who.today, fee, remittance.id)?;
    }
    // Tax left owing is already on the record as arrears, which this payment puts right.
    let owed = scope.credit_events(who.company)?.iter().any(|e| {
        e.value.kind == CreditEventKind::Arrears
            && e.value.period == period
            && e.value.return_kind.is_none_or(|k| k == kind)
    });
    if days > 0 && !owed {
        scope.add_credit_event(
            who.company,
            who.today,
            CreditEventKind::LatePayment,
            (kind, period),
            Policy::embedded().credit.deductions.late_payment,
        )?;
    }
    scope.trace(
        who.now,
        Some(who.person),
        "payment.pay",
        "ok",
        &json!({
            "kind": kind.as_str(), "period": period.to_string(), "number": remittance.number,
            "tax": tax, "late_fee": fee_total, "days_late": days,
        }),
    )?;
    Ok(PaidNotice {
        remittance,
        days_late: days,
    })
}

/// The end of a bank maintenance window in force (a `maintenance` fault on module `bank`),
/// in China Standard Time.
fn bank_maintenance(
    scope: &TenantScope<'_>,
    who: &Filer,
) -> Result<Option<String>, crate::store::StoreError> {
    Ok(scope
        .faults("maintenance", who.now)?
        .into_iter()
        .find(|f| {
            serde_json::from_str::<serde_json::Value>(&f.params)
                .is_ok_and(|p| p["module"] == "bank")
        })
        .map(|f| f.ends_at.map(crate::domain::cst).unwrap_or_default()))
}

/// Sign the tripartite agreement (三方协议) for the company's account, as the bank and
/// the bureau would after verification.
pub fn sign_agreement(scope: &TenantScope<'_>, who: &Filer) -> Result<(), ReturnError> {
    scope.set_tripartite(who.company, true)?;
    scope.trace(
        who.now,
        Some(who.person),
        "payment.agreement",
        "ok",
        &json!({}),
    )?;
    Ok(())
}
