//! 【我要办税】—【争议处理】: a dispute over a late-payment surcharge (滞纳金) the company was
//! charged. The simulated office runs the course's stages on the sandbox clock — 争议发起,
//! 材料审核, 调解协商, 争议裁决 — faster for the grades with priority (the course's M-grade case:
//! materials reviewed in 3 working days, agreement within a week). The ruling recomputes the
//! surcharge by the rule (征管法 art. 32: 0.05% a day from the day after the deadline to the
//! day of payment); where too much was charged, the difference returns to the bank account.
//! A dispute over a refused 留抵退税 (不予退税) is ruled on the conditions as they stood on the
//! day of the refusal: where they were met, the refund is granted (bureau::credit_refund).

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
    /// The payment whose surcharge is disputed (0 for a refused refund).
    pub payment: i64,
    /// The refused refund disputed (`refund_refusals` id), if that is what it concerns.
    pub refusal: Option<i64>,
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

/// What a dispute is about: a surcharge paid (its payment) or a refused refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Payment(i64),
    Refusal(i64),
}

impl Subject {
    /// From the form's value: a payment's id, or `r` and a refusal's id.
    pub fn parse(text: &str) -> Option<Subject> {
        let text = text.trim();
        match text.strip_prefix('r') {
            Some(id) => id.parse().ok().map(Subject::Refusal),
            None => text.parse().ok().map(Subject::Payment),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DisputeError {
    #[error("no such surcharge")]
    UnknownPayment,
    #[error("no such refusal")]
    UnknownRefusal,
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
            DisputeError::UnknownRefusal => "unknown_refusal",
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

/// 争议发起 over a surcharge or a refused refund, with a reason and an optional file.
pub fn file(
    scope: &TenantScope<'_>,
    who: &Filer,
    subject: Subject,
    reason: &str,
    upload: Option<(String, Vec<u8>)>,
) -> Result<DisputeView, DisputeError> {
    let done = file_checked(scope, who, subject, reason, upload);
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

/// What a dispute concerns, found among the company's own: (payment, refusal).
enum Found {
    Payment(crate::store::PaymentLine),
    Refusal(Stored<crate::store::RefundRefusal>),
}

fn find(scope: &TenantScope<'_>, who: &Filer, subject: Subject) -> Result<Found, DisputeError> {
    let existing = scope.disputes(who.company)?;
    match subject {
        Subject::Payment(payment) => {
            let p = scope
                .payments_of(who.company)?
                .into_iter()
                .find(|p| {
                    p.payment.id == payment
                        && p.payment.late_fee > Fen::ZERO
                        && p.payment.paid_on.is_some()
                })
                .ok_or(DisputeError::UnknownPayment)?;
            if existing
                .iter()
                .any(|d| d.value.refusal.is_none() && d.value.payment == payment)
            {
                return Err(DisputeError::AlreadyDisputed);
            }
            Ok(Found::Payment(p))
        }
        Subject::Refusal(id) => {
            let r = scope
                .refund_refusals(who.company)?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or(DisputeError::UnknownRefusal)?;
            if existing.iter().any(|d| d.value.refusal == Some(id)) {
                return Err(DisputeError::AlreadyDisputed);
            }
            Ok(Found::Refusal(r))
        }
    }
}

fn file_checked(
    scope: &TenantScope<'_>,
    who: &Filer,
    subject: Subject,
    reason: &str,
    upload: Option<(String, Vec<u8>)>,
) -> Result<DisputeView, DisputeError> {
    let rules = &Policy::embedded().disputes;
    let cal = &Policy::embedded().calendar;
    let found = find(scope, who, subject)?;
    let existing = scope.disputes(who.company)?;
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
    // the ruling: a surcharge recomputed by the rule (the overcharge paid back); a refusal
    // judged on the conditions of its day (the refund granted, money by credit_refund)
    let (payment, refusal, charged, due, upheld) = match &found {
        Found::Payment(p) => {
            let paid_on = p.payment.paid_on.unwrap_or(p.payment.due_on);
            let due = late_fee::fee(
                Policy::embedded(),
                p.payment.amount,
                p.payment.due_on,
                paid_on,
            )
            .unwrap_or(p.payment.late_fee);
            (
                p.payment.id,
                None,
                p.payment.late_fee,
                due,
                p.payment.late_fee > due,
            )
        }
        Found::Refusal(r) => {
            let granted =
                crate::bureau::credit_refund::rule_on_refusal(scope, who, &r.value, decide_on)?;
            (
                0,
                Some(r.id),
                r.value.amount,
                granted.unwrap_or_default(),
                granted.is_some(),
            )
        }
    };
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
        charged,
        due,
        // an overcharged surcharge comes back with the dispute; a granted refund with its
        // own 留抵退税 record
        treasury_on: (upheld && refusal.is_none())
            .then(|| cal.working_days_after(decide_on, rules.refund_working_days)),
        refusal,
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
            "number": d.number, "payment": payment, "refusal": refusal, "priority": first, "upheld": upheld,
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
        refusal: d.refusal,
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
