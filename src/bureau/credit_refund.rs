//! 【我要办税】—【退抵税】—增量留抵退税: a general taxpayer's excess input credit at the end
//! of the period just filed (line 20 of its VAT return) refunded on application, by the rules
//! of `fixtures/policy/refunds.toml` `[credit]`: the increment since 2019-03-31 (the sandbox's
//! companies carried none then) × 进项构成比例 × the industry's share, on conditions that
//! include credit grade A or B; applied for in the filing period after filing; reviewed in
//! working days on the sandbox clock, the money in the bank account on its 退库 date, and
//! transferred out in the return of the period it arrives in (line 14).

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use crate::bureau::returns::{self, Filer};
use crate::domain::entities::{InvoiceDirection, InvoiceKind, ReturnKind, TaxpayerType};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;
use crate::domain::tax::Policy;
use crate::domain::tax::deadline::due_periods;
use crate::store::{CompanyId, CreditRefund, FiledReturn, RefundRefusal, StoreError, TenantScope};

/// One condition of the rules, met or not (catalogue `credit_refund.condition.<key>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Condition {
    pub key: String,
    pub met: bool,
}

/// Whether the company may ask now, and for how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Eligibility {
    /// The period due on the sandbox date, whose return the refund rests on.
    pub period: String,
    pub deadline: String,
    pub grade: String,
    /// 期末留抵税额 of that return (line 20), and the increment since 2019-03-31.
    #[schema(value_type = String)]
    pub end_credit: Fen,
    #[schema(value_type = String)]
    pub increment: Fen,
    /// 进项构成比例, as a percentage with two decimals.
    pub ratio_percent: String,
    #[serde(skip)]
    ratio_ppm: i64,
    /// The industry's share (100 for 制造业等行业, else 60).
    pub share_percent: u32,
    pub full_share: bool,
    #[schema(value_type = String)]
    pub amount: Fen,
    pub conditions: Vec<Condition>,
    pub eligible: bool,
    pub review_working_days: u32,
    pub source: String,
    /// Whether the policy table's figures were confirmed against the official texts.
    pub confirmed: bool,
}

/// An application and where it stands on the sandbox date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CreditRefundView {
    pub number: String,
    pub period: String,
    #[schema(value_type = String)]
    pub end_credit: Fen,
    #[schema(value_type = String)]
    pub increment: Fen,
    pub ratio_percent: String,
    pub share_percent: u32,
    #[schema(value_type = String)]
    pub amount: Fen,
    pub reason: String,
    pub applied_on: String,
    pub approve_on: String,
    pub treasury_on: String,
    /// `review`, `approved` or `refunded` (`refund.status.<key>`).
    pub status: String,
    pub file_name: Option<String>,
}

/// Why an application was refused; catalogue key `credit_refund.error.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum CreditRefundError {
    #[error("only general taxpayers have excess input credit to refund")]
    NotGeneral,
    #[error("conditions not met: {0:?}")]
    Conditions(Vec<String>),
    #[error("{1} at {0}")]
    Field(&'static str, &'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CreditRefundError {
    pub fn code(&self) -> &'static str {
        match self {
            CreditRefundError::NotGeneral => "not_general",
            CreditRefundError::Conditions(_) => "conditions_unmet",
            CreditRefundError::Field(_, code) => code,
            CreditRefundError::Store(_) => "store",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            CreditRefundError::Field(field, _) => Some(field),
            _ => None,
        }
    }
}

fn total_of(json: &str, section: &str, name: &str) -> Fen {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v[section][name].as_str().map(str::to_owned))
        .and_then(|t| Fen::parse_yuan(&t).ok())
        .unwrap_or_default()
}

/// The latest version of each filed general VAT return, by period.
fn latest_returns(
    scope: &TenantScope<'_>,
    company: CompanyId,
) -> Result<Vec<FiledReturn>, StoreError> {
    let mut by_period: std::collections::BTreeMap<TaxPeriod, FiledReturn> = Default::default();
    let all = scope.returns_of(company)?;
    for r in all.into_iter().filter(|r| r.kind == ReturnKind::VatGeneral) {
        match by_period.get(&r.period) {
            Some(kept) if kept.version >= r.version => {}
            _ => {
                by_period.insert(r.period, r);
            }
        }
    }
    Ok(by_period.into_values().collect())
}

/// 进项构成比例 up to `period`: the input tax on special invoices over all input deducted
/// (line 12) in the returns filed, in millionths (at most one whole).
fn input_ratio(
    scope: &TenantScope<'_>,
    company: CompanyId,
    filed: &[FiledReturn],
    period: TaxPeriod,
) -> Result<i64, StoreError> {
    let Some(first) = filed.first() else {
        return Ok(0);
    };
    let deducted: i64 = filed
        .iter()
        .filter(|r| r.period <= period)
        .map(|r| total_of(&r.assessment_json, "lines", "12").fen())
        .sum();
    let special: i64 = scope
        .invoice_totals(company, first.period.first_day(), period.last_day())?
        .iter()
        .filter(|t| t.direction == InvoiceDirection::Purchase && t.kind == InvoiceKind::Special)
        .map(|t| t.tax.fen())
        .sum();
    if deducted <= 0 {
        return Ok(0);
    }
    Ok((i128::from(special) * 1_000_000 / i128::from(deducted)).clamp(0, 1_000_000) as i64)
}

/// A document's number: `LD` (留抵退税申请) or `BY` (不予退税决定), the day, the company,
/// and its place among the company's documents of that kind (`before` of them already).
fn number(prefix: &str, on: NaiveDate, company: CompanyId, before: usize) -> String {
    format!(
        "{prefix}{}{:04}{:03}",
        on.format("%Y%m%d"),
        company.0 % 10_000,
        before + 1
    )
}

fn percent_text(ppm: i64) -> String {
    format!("{}.{:02}", ppm / 10_000, (ppm % 10_000) / 100)
}

/// The refund the figures give: increment × ratio × share, rounded half up to the fen.
fn refund_amount(increment: Fen, ratio_ppm: i64, share: u32) -> Fen {
    let scaled = i128::from(increment.fen()) * i128::from(ratio_ppm) * i128::from(share);
    let whole = 1_000_000i128 * 100;
    Fen::new(((scaled + whole / 2) / whole) as i64)
}

/// Where the company stands for 增量留抵退税 on `today` (`None` for a small-scale taxpayer).
pub fn eligibility(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Option<Eligibility>, StoreError> {
    let co = scope.company(company)?.value;
    if co.taxpayer_type != TaxpayerType::General {
        return Ok(None);
    }
    let rules = &Policy::embedded().refunds.credit;
    let (period, _) = due_periods(today, co.vat_quarterly);
    let deadline = returns::deadline(period);
    let filed = latest_returns(scope, company)?;
    let credit_of =
        |r: &FiledReturn| total_of(&r.assessment_json, "totals", "carry_forward_credit");
    let this = filed.iter().find(|r| r.period == period);
    let end_credit = this.map(credit_of).unwrap_or_default();
    // the credit at 2019-03-31: the sandbox's companies carried none then
    let increment = end_credit.max(Fen::ZERO);
    let full = rules.full_share(&co.industry_code);
    let share = if full {
        rules.full_percent
    } else {
        rules.other_percent
    };
    let ratio = input_ratio(scope, company, &filed, period)?;
    let grade = crate::bureau::credit::grade(scope, company, today)?.to_string();
    let months = if co.vat_quarterly {
        rules.other_months / 3
    } else {
        rules.other_months
    } as usize;
    let recent: Vec<Fen> = filed
        .iter()
        .filter(|r| r.period <= period)
        .rev()
        .take(months)
        .map(credit_of)
        .collect();
    let grew = if full {
        increment > Fen::ZERO
    } else {
        recent.len() == months
            && recent.iter().all(|c| *c > Fen::ZERO)
            && increment >= Fen::from_yuan(rules.other_last_min_yuan)
    };
    let applied = scope
        .credit_refunds(company)?
        .iter()
        .any(|c| c.value.period == period);
    let conditions = [
        ("filed", this.is_some()),
        ("in_period", today <= deadline),
        ("grade", rules.grades.contains(&grade)),
        (if full { "increment" } else { "six_months" }, grew),
        // the sandbox's records hold no fraud, evasion or 即征即退: met by every company
        ("no_fraud", true),
        ("no_evasion", true),
        ("no_immediate_refund", true),
        ("not_applied", !applied),
    ]
    .map(|(key, met)| Condition {
        key: key.to_owned(),
        met,
    });
    let amount = refund_amount(increment, ratio, share);
    Ok(Some(Eligibility {
        period: period.to_string(),
        deadline: deadline.to_string(),
        grade,
        end_credit,
        increment,
        ratio_percent: percent_text(ratio),
        ratio_ppm: ratio,
        share_percent: share,
        full_share: full,
        eligible: conditions.iter().all(|c| c.met) && amount > Fen::ZERO,
        amount,
        conditions: conditions.to_vec(),
        review_working_days: rules.review_working_days,
        source: rules.source.clone(),
        confirmed: rules.confirmed,
    }))
}

fn view(c: &CreditRefund, today: NaiveDate) -> CreditRefundView {
    CreditRefundView {
        number: c.number.clone(),
        period: c.period.to_string(),
        end_credit: c.end_credit,
        increment: c.increment,
        ratio_percent: percent_text(c.ratio_ppm),
        share_percent: c.share_percent,
        amount: c.amount,
        reason: c.reason.clone(),
        applied_on: c.applied_on.to_string(),
        approve_on: c.approve_on.to_string(),
        treasury_on: c.treasury_on.to_string(),
        status: if today < c.approve_on {
            "review"
        } else if today < c.treasury_on {
            "approved"
        } else {
            "refunded"
        }
        .to_owned(),
        file_name: c.file_name.clone(),
    }
}

/// The company's applications on `today`, newest first.
pub fn list(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Vec<CreditRefundView>, StoreError> {
    Ok(scope
        .credit_refunds(company)?
        .iter()
        .rev()
        .map(|c| view(&c.value, today))
        .collect())
}

/// Apply for the refund the figures give, with a reason and the application form (`(name,
/// bytes)`); refused, with the conditions not met, unless every one is.
pub fn apply(
    scope: &TenantScope<'_>,
    who: &Filer,
    reason: &str,
    file: Option<(String, Vec<u8>)>,
) -> Result<CreditRefundView, CreditRefundError> {
    let done = apply_checked(scope, who, reason, file);
    if let Err(e) = &done
        && !matches!(e, CreditRefundError::Store(_))
    {
        let unmet = match e {
            CreditRefundError::Conditions(keys) => json!(keys),
            _ => json!(null),
        };
        scope.trace(
            who.now,
            Some(who.person),
            "refund.credit_apply",
            e.code(),
            &json!({ "unmet": unmet, "via": who.via }),
        )?;
    }
    done
}

fn apply_checked(
    scope: &TenantScope<'_>,
    who: &Filer,
    reason: &str,
    file: Option<(String, Vec<u8>)>,
) -> Result<CreditRefundView, CreditRefundError> {
    let policy = Policy::embedded();
    let e = eligibility(scope, who.company, who.today)?.ok_or(CreditRefundError::NotGeneral)?;
    let unmet: Vec<String> = e
        .conditions
        .iter()
        .filter(|c| !c.met)
        .map(|c| c.key.clone())
        .collect();
    if !unmet.is_empty() || !e.eligible {
        // a refusal of a filed period's credit is the office's decision (不予退税), kept so
        // the company may dispute it; asking twice for a refund granted is not one
        let decided = !unmet.iter().any(|k| k == "filed" || k == "not_applied");
        if decided && e.amount > Fen::ZERO {
            let n = scope.refund_refusals(who.company)?.len();
            scope.add_refund_refusal(
                who.company,
                &RefundRefusal {
                    number: number("BY", who.today, who.company, n),
                    period: TaxPeriod::parse(&e.period).map_err(|_| StoreError::NotFound)?,
                    amount: e.amount,
                    unmet: unmet.clone(),
                    refused_on: who.today,
                    person: who.person,
                },
            )?;
        }
        return Err(CreditRefundError::Conditions(unmet));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CreditRefundError::Field("reason", "reason_missing"));
    }
    if reason.chars().count() > policy.refunds.reason_max_chars {
        return Err(CreditRefundError::Field("reason", "reason_long"));
    }
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or(CreditRefundError::Field("file", "file_missing"))?;
    let file = crate::bureau::attachments::check(&name, bytes)
        .map_err(|code| CreditRefundError::Field("file", code))?;
    let period = TaxPeriod::parse(&e.period).map_err(|_| StoreError::NotFound)?;
    let approve_on = policy
        .calendar
        .working_days_after(who.today, policy.refunds.credit.review_working_days);
    let n = scope.credit_refunds(who.company)?.len();
    let c = CreditRefund {
        number: number("LD", who.today, who.company, n),
        period,
        end_credit: e.end_credit,
        increment: e.increment,
        ratio_ppm: e.ratio_ppm,
        share_percent: e.share_percent,
        amount: e.amount,
        reason: reason.to_owned(),
        person: who.person,
        applied_on: who.today,
        applied_at: who.now,
        approve_on,
        treasury_on: policy
            .calendar
            .working_days_after(approve_on, policy.refunds.treasury_working_days),
        file_name: Some(file.name.clone()),
    };
    scope.add_credit_refund(who.company, &c, Some((file.mime, file.bytes.as_slice())))?;
    scope.trace(
        who.now,
        Some(who.person),
        "refund.credit_apply",
        "ok",
        &json!({
            "number": c.number, "period": e.period, "amount": c.amount, "end_credit": c.end_credit,
            "share_percent": c.share_percent, "ratio_percent": e.ratio_percent,
            "approve_on": c.approve_on.to_string(), "treasury_on": c.treasury_on.to_string(),
            "via": who.via,
        }),
    )?;
    Ok(view(&c, who.today))
}

/// 不予退税 as its notice shows it, and whether it is disputed already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RefusalView {
    pub id: i64,
    pub number: String,
    pub period: String,
    #[schema(value_type = String)]
    pub amount: Fen,
    /// The conditions found unmet (`credit_refund.condition.<key>`).
    pub unmet: Vec<String>,
    pub refused_on: String,
    pub disputed: bool,
}

/// The company's refused applications, newest first.
pub fn refusals(
    scope: &TenantScope<'_>,
    company: CompanyId,
) -> Result<Vec<RefusalView>, StoreError> {
    let disputed: Vec<i64> = scope
        .disputes(company)?
        .iter()
        .filter_map(|d| d.value.refusal)
        .collect();
    Ok(scope
        .refund_refusals(company)?
        .into_iter()
        .rev()
        .map(|r| RefusalView {
            id: r.id,
            number: r.value.number,
            period: r.value.period.to_string(),
            amount: r.value.amount,
            unmet: r.value.unmet,
            refused_on: r.value.refused_on.to_string(),
            disputed: disputed.contains(&r.id),
        })
        .collect())
}

/// The ruling on a dispute over refusal `r`: were the conditions met on the day it was
/// refused (asking once aside)? If so the refund is granted as of the ruling (`decide_on`),
/// the money in the account on 退库; returns the amount granted, or `None` (the refusal
/// stands).
pub fn rule_on_refusal(
    scope: &TenantScope<'_>,
    who: &Filer,
    r: &RefundRefusal,
    decide_on: NaiveDate,
) -> Result<Option<Fen>, StoreError> {
    let policy = Policy::embedded();
    let Some(then) = eligibility(scope, who.company, r.refused_on)? else {
        return Ok(None);
    };
    let met = then.period == r.period.to_string()
        && then
            .conditions
            .iter()
            .all(|c| c.met || c.key == "not_applied")
        && then.amount > Fen::ZERO;
    let granted = scope.credit_refunds(who.company)?;
    if !met || granted.iter().any(|c| c.value.period == r.period) {
        return Ok(None);
    }
    let c = CreditRefund {
        number: number("LD", decide_on, who.company, granted.len()),
        period: r.period,
        end_credit: then.end_credit,
        increment: then.increment,
        ratio_ppm: then.ratio_ppm,
        share_percent: then.share_percent,
        amount: then.amount,
        reason: r.number.clone(),
        person: who.person,
        applied_on: r.refused_on,
        applied_at: who.now,
        approve_on: decide_on,
        treasury_on: policy
            .calendar
            .working_days_after(decide_on, policy.refunds.treasury_working_days),
        file_name: None,
    };
    scope.add_credit_refund(who.company, &c, None)?;
    Ok(Some(then.amount))
}

/// A lab's prior state: the company applied for the refund of the period due (its return
/// filed) and the office refused it wrongly, finding its credit grade unmet (the grade
/// before last year's evaluation). Its number.
pub fn plant_wrong_refusal(
    scope: &TenantScope<'_>,
    company: CompanyId,
    person: i64,
    today: NaiveDate,
) -> Result<Option<String>, StoreError> {
    let Some(e) = eligibility(scope, company, today)?.filter(|e| e.eligible) else {
        return Ok(None);
    };
    let r = RefundRefusal {
        number: number("BY", today, company, 0),
        period: TaxPeriod::parse(&e.period).map_err(|_| StoreError::NotFound)?,
        amount: e.amount,
        unmet: vec!["grade".into()],
        refused_on: today,
        person,
    };
    scope.add_refund_refusal(company, &r)?;
    Ok(Some(r.number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refund_is_the_increment_times_the_ratio_times_the_share_rounded_to_the_fen() {
        assert_eq!(
            refund_amount(Fen::from_yuan(100_000), 1_000_000, 100),
            Fen::from_yuan(100_000)
        );
        // 60% of 1,234.57 × 87.50% = 648.15 (648.149…, half up)
        assert_eq!(
            refund_amount(Fen::new(123_457), 875_000, 60),
            Fen::new(64_815)
        );
        assert_eq!(percent_text(875_000), "87.50");
        assert_eq!(percent_text(1_000_000), "100.00");
        let rules = &Policy::embedded().refunds.credit;
        assert!(rules.full_share("C34") && rules.full_share("I65") && !rules.full_share("I64"));
        assert!(!rules.full_share("L72"));
        assert_eq!(rules.grades, ["A", "B"]);
    }
}
