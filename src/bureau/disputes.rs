//! 【我要办税】—【争议处理】: a dispute over a late-payment surcharge (滞纳金) the company was
//! charged. The simulated office runs the course's stages on the sandbox clock — 争议发起,
//! 材料审核, 调解协商, 争议裁决 — faster for the grades with priority (the course's M-grade case:
//! materials reviewed in 3 working days, agreement within a week). The ruling recomputes the
//! surcharge by the rule (征管法 art. 32: 0.05% a day from the day after the deadline to the
//! day of payment); where too much was charged, the difference returns to the bank account.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use crate::bureau::returns::Filer;
use crate::domain::money::Fen;
use crate::domain::tax::{Policy, late_fee};
use crate::store::{CompanyId, Dispute, StoreError, Stored, TenantScope};

/// A surcharge the company paid, as 争议处理 offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Charged {
    pub payment: i64,
    pub return_kind: String,
    pub period: String,
    /// The tax item (`returns.item.<key>`).
    pub item: String,
    #[schema(value_type = String)]
    pub amount: Fen,
    pub due_on: String,
    pub paid_on: String,
    #[schema(value_type = String)]
    pub late_fee: Fen,
    /// Disputed already.
    pub disputed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stage {
    /// `filed`, `review`, `mediation`, `decided`, `refunded` (`dispute.stage.<key>`).
    pub key: String,
    pub on: String,
    pub reached: bool,
}

/// A dispute and where it stands on the sandbox date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DisputeView {
    pub number: String,
    pub payment: i64,
    pub reason: String,
    pub filed_on: String,
    pub priority: bool,
    pub stages: Vec<Stage>,
    /// `review`, `mediation`, `upheld` or `dismissed`.
    pub status: String,
    /// Once decided: the surcharge charged and the one the rule gives.
    #[schema(value_type = Option<String>)]
    pub charged: Option<Fen>,
    #[schema(value_type = Option<String>)]
    pub due: Option<Fen>,
}

#[derive(Debug, thiserror::Error)]
pub enum DisputeError {
    #[error("no such surcharge")]
    UnknownPayment,
    #[error("already disputed")]
    AlreadyDisputed,
    #[error("{0}")]
    Field(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DisputeError {
    pub fn code(&self) -> &'static str {
        match self {
            DisputeError::UnknownPayment => "unknown_payment",
            DisputeError::AlreadyDisputed => "already_disputed",
            DisputeError::Field(c) => c,
            DisputeError::Store(_) => "store",
        }
    }
}

/// Every surcharge the company paid in the sandbox's records, newest first.
pub fn charged(scope: &TenantScope<'_>, company: CompanyId) -> Result<Vec<Charged>, StoreError> {
    let disputed: Vec<i64> = scope
        .disputes(company)?
        .iter()
        .map(|d| d.value.payment)
        .collect();
    Ok(scope
        .payments_of(company)?
        .into_iter()
        .rev()
        .filter(|p| p.payment.late_fee > Fen::ZERO)
        .filter_map(|p| {
            Some(Charged {
                payment: p.payment.id,
                return_kind: p.kind.as_str().to_owned(),
                period: p.period.to_string(),
                item: p.payment.item.as_str().to_owned(),
                amount: p.payment.amount,
                due_on: p.payment.due_on.to_string(),
                paid_on: p.payment.paid_on?.to_string(),
                late_fee: p.payment.late_fee,
                disputed: disputed.contains(&p.payment.id),
            })
        })
        .collect())
}

/// Whether the company's grade has disputes handled first.
pub fn priority(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<bool, StoreError> {
    let kind = scope.record()?.credit_profile;
    let profile = Policy::embedded().credit_profile(kind);
    let grade = crate::bureau::credit::grade(scope, company, today)?;
    Ok(profile
        .grade(grade)
        .is_some_and(|g| g.benefits.iter().any(|b| b == "priority_disputes")))
}

/// 争议发起 over the surcharge of `payment`, with a reason and an optional file.
pub fn file(
    scope: &TenantScope<'_>,
    who: &Filer,
    payment: i64,
    reason: &str,
    upload: Option<(String, Vec<u8>)>,
) -> Result<DisputeView, DisputeError> {
    let done = file_checked(scope, who, payment, reason, upload);
    if let Err(e) = &done
        && !matches!(e, DisputeError::Store(_))
    {
        scope.trace(
            who.now,
            Some(who.person),
            "dispute.file",
            e.code(),
            &json!({ "via": who.via }),
        )?;
    }
    done
}

fn file_checked(
    scope: &TenantScope<'_>,
    who: &Filer,
    payment: i64,
    reason: &str,
    upload: Option<(String, Vec<u8>)>,
) -> Result<DisputeView, DisputeError> {
    let rules = &Policy::embedded().disputes;
    let cal = &Policy::embedded().calendar;
    let p = scope
        .payments_of(who.company)?
        .into_iter()
        .find(|p| p.payment.id == payment && p.payment.late_fee > Fen::ZERO)
        .ok_or(DisputeError::UnknownPayment)?;
    let Some(paid_on) = p.payment.paid_on else {
        return Err(DisputeError::UnknownPayment);
    };
    let existing = scope.disputes(who.company)?;
    if existing.iter().any(|d| d.value.payment == payment) {
        return Err(DisputeError::AlreadyDisputed);
    }
    let reason = reason.trim();
    let chars = reason.chars().count();
    if chars < rules.reason_min_chars {
        return Err(DisputeError::Field("too_short"));
    }
    if chars > rules.reason_max_chars {
        return Err(DisputeError::Field("too_long"));
    }
    let file = upload
        .filter(|(_, b)| !b.is_empty())
        .map(|(name, bytes)| crate::bureau::attachments::check(&name, bytes))
        .transpose()
        .map_err(DisputeError::Field)?;
    let first = priority(scope, who.company, who.today)?;
    let (review, decide) = if first {
        (rules.priority_review_days, rules.priority_decide_days)
    } else {
        (rules.normal_review_days, rules.normal_decide_days)
    };
    let review_on = cal.working_days_after(who.today, review);
    let mediation_on = cal.working_days_after(review_on, rules.mediation_after_review_days);
    let decide_on = cal.working_days_after(who.today, decide);
    let due = late_fee::fee(
        Policy::embedded(),
        p.payment.amount,
        p.payment.due_on,
        paid_on,
    )
    .unwrap_or(p.payment.late_fee);
    let upheld = p.payment.late_fee > due;
    let d = Dispute {
        number: format!(
            "ZY{}{:04}{:03}",
            who.today.format("%Y%m%d"),
            who.company.0 % 10_000,
            existing.len() + 1
        ),
        payment,
        reason: reason.to_owned(),
        file_name: file.as_ref().map(|f| f.name.clone()),
        person: who.person,
        filed_on: who.today,
        filed_at: who.now,
        priority: first,
        review_on,
        mediation_on,
        decide_on,
        upheld,
        charged: p.payment.late_fee,
        due,
        treasury_on: upheld.then(|| cal.working_days_after(decide_on, rules.refund_working_days)),
    };
    scope.add_dispute(
        who.company,
        &d,
        file.as_ref().map(|f| (f.mime, f.bytes.as_slice())),
    )?;
    scope.trace(
        who.now,
        Some(who.person),
        "dispute.file",
        "ok",
        &json!({
            "number": d.number, "payment": payment, "priority": first, "upheld": upheld,
            "charged": d.charged, "due": d.due, "decide_on": decide_on.to_string(), "via": who.via,
        }),
    )?;
    Ok(view(&d, who.today))
}

/// Where a dispute stands on `today`: its outcome only once decided.
pub fn view(d: &Dispute, today: NaiveDate) -> DisputeView {
    let stage = |key: &str, on: NaiveDate| Stage {
        key: key.to_owned(),
        on: on.to_string(),
        reached: on <= today,
    };
    let mut stages = vec![
        stage("filed", d.filed_on),
        stage("review", d.review_on),
        stage("mediation", d.mediation_on),
        stage("decided", d.decide_on),
    ];
    if let Some(t) = d.treasury_on {
        stages.push(stage("refunded", t));
    }
    let decided = d.decide_on <= today;
    let status = if decided {
        if d.upheld { "upheld" } else { "dismissed" }
    } else if d.mediation_on <= today {
        "mediation"
    } else {
        "review"
    };
    DisputeView {
        number: d.number.clone(),
        payment: d.payment,
        reason: d.reason.clone(),
        filed_on: d.filed_on.to_string(),
        priority: d.priority,
        stages,
        status: status.to_owned(),
        charged: decided.then_some(d.charged),
        due: decided.then_some(d.due),
    }
}

/// Every dispute of the company, newest first.
pub fn list(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Vec<DisputeView>, StoreError> {
    Ok(scope
        .disputes(company)?
        .iter()
        .rev()
        .map(|d: &Stored<Dispute>| view(&d.value, today))
        .collect())
}

/// A lab's prior state: a surcharge charged wrongly on the company's latest payment made on
/// time (as if five days late). Its period, or `None` when nothing was paid on time.
pub fn plant_wrong_fee(
    scope: &TenantScope<'_>,
    company: CompanyId,
) -> Result<Option<String>, StoreError> {
    let on_time = scope
        .payments_of(company)?
        .into_iter()
        .filter(|p| p.payment.amount > Fen::ZERO && p.payment.late_fee == Fen::ZERO)
        .filter(|p| p.payment.paid_on.is_some_and(|d| d <= p.payment.due_on))
        .max_by_key(|p| (p.payment.due_on, p.payment.id));
    let Some(p) = on_time else {
        return Ok(None);
    };
    let due = p.payment.due_on;
    let fee = late_fee::fee(
        Policy::embedded(),
        p.payment.amount,
        due,
        due + chrono::Duration::days(5),
    )
    .unwrap_or(Fen::ZERO);
    scope.set_late_fee(p.payment.id, fee)?;
    Ok(Some(p.period.to_string()))
}
