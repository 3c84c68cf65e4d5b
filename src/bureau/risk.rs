//! 【我要办税】—【风险提示】: alerts in the course's five categories, worked out from the
//! company's own records on the sandbox date by the thresholds of `fixtures/policy/risk.toml`
//! — 欠税风险 (tax overdue, the surcharge growing), 申报异常 (the latest VAT return asking
//! less than the company's own invoices and books give), 发票风险 (进销不符: purchases well above sales), 逾期申报 (late
//! returns), 经营异常 (revenue falling while costs rise). Each has a level, its indicator and
//! figures, the self-check the course suggests, and a response: correct (pay, amend, repair the
//! credit), after which the alert lifts by itself, or explain (情况说明, with a file), which
//! the office accepts where the facts allow and refuses where only a correction will do.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use serde_json::json;

use crate::bureau::returns::Filer;
use crate::domain::entities::{InvoiceDirection, ReturnKind};
use crate::domain::money::Fen;
use crate::domain::period::{TaxPeriod, YearMonth};
use crate::domain::tax::{Policy, late_fee};
use crate::store::{CompanyId, RiskResponse, StoreError, TenantScope};

/// One figure of an alert's indicator: a catalogue key (`risk.figure.<key>`) and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub key: String,
    pub value: String,
}

/// An alert and where it stands on the sandbox date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Alert {
    /// `<category>:<what>`, e.g. `arrears:vat_small:2026Q2`.
    pub id: String,
    /// `arrears`, `filing`, `invoice`, `late` or `business` (`risk.category.<key>`).
    pub category: String,
    /// `high`, `medium` or `low`.
    pub level: String,
    /// What it concerns: `<return kind>:<period>`, a quarter, or a window of dates.
    pub subject: String,
    /// The return it concerns, where it is one (`return.<kind>` in the catalogue).
    pub return_kind: Option<String>,
    /// The period or window, as shown.
    pub period: String,
    pub figures: Vec<Figure>,
    /// `open`; `explaining` (an explanation under review); `explained` (accepted);
    /// `refused` (an explanation the office did not accept: correct it); `resolved` (put
    /// right: the records no longer show it).
    pub status: String,
    /// Whether an explanation can lift it (otherwise only a correction does).
    pub explainable: bool,
    /// The explanation's answer date, while under review or once answered.
    pub answer_on: Option<String>,
}

/// Why an explanation was refused at once; catalogue key `risk.error.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum RiskError {
    #[error("no such alert")]
    UnknownAlert,
    #[error("{0}")]
    Field(&'static str),
    #[error("already explained or under review")]
    AlreadyExplained,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RiskError {
    pub fn code(&self) -> &'static str {
        match self {
            RiskError::UnknownAlert => "unknown_alert",
            RiskError::Field(code) => code,
            RiskError::AlreadyExplained => "already_explained",
            RiskError::Store(_) => "store",
        }
    }
}

fn fig(key: &str, value: impl ToString) -> Figure {
    Figure {
        key: key.to_owned(),
        value: value.to_string(),
    }
}

/// An alert found in the records: whether the records still show it.
struct Found {
    id: String,
    category: &'static str,
    level: &'static str,
    subject: String,
    figures: Vec<Figure>,
    active: bool,
}

/// The last full quarter before `today`.
pub(crate) fn last_quarter(today: NaiveDate) -> TaxPeriod {
    let this = TaxPeriod::quarter_of(YearMonth::of(today));
    TaxPeriod::quarter_of(YearMonth::of(this.first_day() - chrono::Duration::days(1)))
}

fn percent(part: Fen, whole: Fen) -> i64 {
    if whole.fen() == 0 {
        return 0;
    }
    (i128::from(part.fen()) * 100 / i128::from(whole.fen())) as i64
}

fn arrears(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
    since: NaiveDate,
) -> Result<Vec<Found>, StoreError> {
    let policy = Policy::embedded();
    // per return: owed, surcharge, due, still owing, last day counted
    let mut by_return: Vec<(ReturnKind, TaxPeriod, Fen, Fen, NaiveDate, bool, NaiveDate)> =
        Vec::new();
    for p in scope.payments_of(company)? {
        let due = p.payment.due_on;
        let owing = p.payment.paid_on.is_none() && due < today;
        // paid late in the sandbox (a payment document), inside the window
        let settled =
            p.payment.paid_on.is_some_and(|d| d > due && d >= since) && p.remittance.is_some();
        if !(owing || settled) || p.payment.amount <= Fen::ZERO {
            continue;
        }
        let fee = if owing {
            late_fee::fee(policy, p.payment.amount, due, today).unwrap_or(Fen::ZERO)
        } else {
            p.payment.late_fee
        };
        let until = p.payment.paid_on.unwrap_or(today);
        match by_return
            .iter_mut()
            .find(|r| r.0 == p.kind && r.1 == p.period)
        {
            Some(r) => {
                r.2 += if owing { p.payment.amount } else { Fen::ZERO };
                r.3 += fee;
                r.5 |= owing;
                r.6 = r.6.max(until);
            }
            None => by_return.push((
                p.kind,
                p.period,
                if owing { p.payment.amount } else { Fen::ZERO },
                fee,
                due,
                owing,
                until,
            )),
        }
    }
    Ok(by_return
        .into_iter()
        .map(|(kind, period, owed, fee, due, owing, until)| Found {
            id: format!("arrears:{}:{period}", kind.as_str()),
            category: "arrears",
            level: "high",
            subject: format!("{}:{period}", kind.as_str()),
            figures: vec![
                fig("owed", owed),
                fig("surcharge", fee),
                fig("due_on", due),
                fig("days_overdue", (until - due).num_days().max(0)),
            ],
            active: owing,
        })
        .collect())
}

fn filing(
    scope: &TenantScope<'_>,
    company: CompanyId,
    since: NaiveDate,
) -> Result<Vec<Found>, StoreError> {
    use crate::bureau::returns::form;
    let rules = &Policy::embedded().risk.filing;
    let heads = scope.return_heads_of(company)?;
    let mut out = Vec::new();
    for kind in [ReturnKind::VatSmall, ReturnKind::VatGeneral] {
        // the latest return of this kind filed in the sandbox (it has a filing number)
        let Some(period) = heads
            .iter()
            .filter(|r| r.kind == kind && r.filing_no.is_some() && r.filed_on >= since)
            .map(|r| r.period)
            .max()
        else {
            continue;
        };
        let versions: Vec<_> = heads
            .iter()
            .filter(|r| r.kind == kind && r.period == period && r.filing_no.is_some())
            .collect();
        let Some(latest) = versions.iter().max_by_key(|r| r.version) else {
            continue;
        };
        // what the records give, kept when the return was filed (worked again only for a
        // return filed before it was kept)
        let expected = match latest.records_total {
            Some(kept) => kept,
            None => {
                let basis = form::Basis::load(scope, company, period)?;
                crate::bureau::returns::records_total(&basis, kind).unwrap_or_default()
            }
        };
        if expected <= Fen::ZERO {
            continue;
        }
        let under = |total: Fen| percent(expected - total.max(Fen::ZERO), expected);
        let ever = versions
            .iter()
            .any(|r| under(r.total_due) >= rules.under_percent);
        if !ever {
            continue;
        }
        out.push(Found {
            id: format!("filing:{}:{period}", kind.as_str()),
            category: "filing",
            level: "medium",
            subject: format!("{}:{period}", kind.as_str()),
            figures: vec![
                fig("declared", latest.total_due),
                fig("expected", expected),
                fig("under_percent", under(latest.total_due).max(0)),
                fig("threshold_percent", rules.under_percent),
            ],
            active: under(latest.total_due) >= rules.under_percent,
        });
    }
    Ok(out)
}

fn invoice(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Vec<Found>, StoreError> {
    let rules = &Policy::embedded().risk.invoice;
    let q = last_quarter(today);
    let totals = scope.invoice_totals(company, q.first_day(), q.last_day())?;
    let sum = |d: InvoiceDirection| -> Fen {
        totals
            .iter()
            .filter(|t| t.direction == d)
            .map(|t| t.amount)
            .sum()
    };
    let (sales, purchases) = (
        sum(InvoiceDirection::Sales),
        sum(InvoiceDirection::Purchase),
    );
    let ratio = percent(purchases, sales);
    if sales <= Fen::ZERO || ratio < rules.purchase_sales_percent {
        return Ok(Vec::new());
    }
    Ok(vec![Found {
        id: format!("invoice:{q}"),
        category: "invoice",
        level: "medium",
        subject: q.to_string(),
        figures: vec![
            fig("purchases", purchases),
            fig("sales", sales),
            fig("ratio_percent", ratio),
            fig("threshold_percent", rules.purchase_sales_percent),
        ],
        active: true,
    }])
}

fn late(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
    since: NaiveDate,
) -> Result<Vec<Found>, StoreError> {
    let rules = &Policy::embedded().risk.late;
    let (late, repaired) = crate::bureau::credit::late_returns(scope, company, since)?;
    if late < rules.late_returns {
        return Ok(Vec::new());
    }
    let unrepaired = late - repaired;
    Ok(vec![Found {
        id: format!("late:{}", today.year()),
        category: "late",
        level: if late > rules.late_returns {
            "medium"
        } else {
            "low"
        },
        subject: format!("{since}~{today}"),
        figures: vec![
            fig("late_returns", late),
            fig("unrepaired", unrepaired),
            fig("threshold", rules.late_returns),
        ],
        active: unrepaired > 0,
    }])
}

fn business(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Vec<Found>, StoreError> {
    let rules = &Policy::embedded().risk.business;
    let q = last_quarter(today);
    let before = TaxPeriod::quarter_of(q.first_month().prev());
    let ledger = scope.ledger(company)?;
    let sum = |p: TaxPeriod| -> (Fen, Fen) {
        ledger
            .iter()
            .filter(|m| p.months().any(|x| x == m.month))
            .fold((Fen::ZERO, Fen::ZERO), |(r, c), m| {
                (r + m.revenue, c + m.cost + m.expenses)
            })
    };
    let ((rev, cost), (rev0, cost0)) = (sum(q), sum(before));
    let drop = percent(rev0 - rev, rev0);
    if rev0 <= Fen::ZERO || drop < rules.revenue_drop_percent || cost <= cost0 {
        return Ok(Vec::new());
    }
    Ok(vec![Found {
        id: format!("business:{q}"),
        category: "business",
        level: "low",
        subject: q.to_string(),
        figures: vec![
            fig("revenue", rev),
            fig("revenue_before", rev0),
            fig("drop_percent", drop),
            fig("cost", cost),
            fig("cost_before", cost0),
        ],
        active: true,
    }])
}

/// Whether an explanation can lift an alert of this category: not tax owing nor late
/// returns (those are put right by paying and by credit repair).
pub fn explainable(category: &str) -> bool {
    matches!(category, "filing" | "invoice" | "business")
}

/// Every alert of the company on `today`, the open ones first.
pub fn alerts(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Vec<Alert>, StoreError> {
    let rules = &Policy::embedded().risk;
    let since = today - Months::new(rules.window_months);
    let mut found = arrears(scope, company, today, since)?;
    found.extend(filing(scope, company, since)?);
    found.extend(invoice(scope, company, today)?);
    found.extend(late(scope, company, today, since)?);
    found.extend(business(scope, company, today)?);
    let responses = scope.risk_responses(company)?;
    let mut out: Vec<Alert> = found
        .into_iter()
        .map(|f| {
            let last: Option<&RiskResponse> = responses.iter().rev().find(|r| r.alert == f.id);
            let status = match (f.active, last) {
                (false, _) => "resolved",
                (true, Some(r)) if r.answer_on > today => "explaining",
                (true, Some(r)) if r.accepted => "explained",
                (true, Some(_)) => "refused",
                (true, None) => "open",
            };
            let (return_kind, period) = match f.subject.split_once(':') {
                Some((k, p)) => (Some(k.to_owned()), p.to_owned()),
                None => (None, f.subject.replace('~', " ~ ")),
            };
            Alert {
                return_kind,
                period,
                explainable: explainable(f.category),
                answer_on: last.map(|r| r.answer_on.to_string()),
                id: f.id,
                category: f.category.to_owned(),
                level: f.level.to_owned(),
                subject: f.subject,
                figures: f.figures,
                status: status.to_owned(),
            }
        })
        .collect();
    let rank = |a: &Alert| match a.status.as_str() {
        "open" | "refused" => 0,
        "explaining" => 1,
        _ => 2,
    };
    out.sort_by_key(|a| (rank(a), a.category.clone(), a.subject.clone()));
    Ok(out)
}

/// The alerts as 风险提示 shows them (traced as `risk.view`).
pub fn view(scope: &TenantScope<'_>, who: &Filer) -> Result<Vec<Alert>, StoreError> {
    scope.trace(
        who.now,
        Some(who.person),
        "risk.view",
        "ok",
        &json!({ "via": who.via }),
    )?;
    alerts(scope, who.company, who.today)
}

/// How many alerts ask for something of the trainee (the workbench's 风险疑点), kept
/// between views at `stamp` (bureau::kept): one lookup instead of the alerts' reads.
pub fn open_count(
    scope: &TenantScope<'_>,
    stamp: &crate::bureau::kept::Stamp,
    company: CompanyId,
) -> Result<usize, StoreError> {
    let n = crate::bureau::kept::number(stamp, company, "risks", || {
        Ok(alerts(scope, company, stamp.today())?
            .iter()
            .filter(|a| matches!(a.status.as_str(), "open" | "refused"))
            .count() as i64)
    })?;
    Ok(n as usize)
}

/// 情况说明: explain alert `id` (with an optional file of `(name, bytes)`). The office answers
/// after the policy's working days: it accepts an explanation where the facts allow one.
pub fn explain(
    scope: &TenantScope<'_>,
    who: &Filer,
    id: &str,
    text: &str,
    file: Option<(String, Vec<u8>)>,
) -> Result<Alert, RiskError> {
    let done = explain_checked(scope, who, id, text, file);
    if let Err(e) = &done
        && !matches!(e, RiskError::Store(_))
    {
        scope.trace(
            who.now,
            Some(who.person),
            "risk.explain",
            e.code(),
            &json!({ "alert": id, "via": who.via }),
        )?;
    }
    done
}

fn explain_checked(
    scope: &TenantScope<'_>,
    who: &Filer,
    id: &str,
    text: &str,
    file: Option<(String, Vec<u8>)>,
) -> Result<Alert, RiskError> {
    let rules = &Policy::embedded().risk;
    let all = alerts(scope, who.company, who.today)?;
    let alert = all
        .iter()
        .find(|a| a.id == id)
        .ok_or(RiskError::UnknownAlert)?;
    if !matches!(alert.status.as_str(), "open" | "refused") {
        return Err(RiskError::AlreadyExplained);
    }
    let text = text.trim();
    let chars = text.chars().count();
    if chars < rules.explanation_min_chars {
        return Err(RiskError::Field("too_short"));
    }
    if chars > rules.explanation_max_chars {
        return Err(RiskError::Field("too_long"));
    }
    let file = file
        .filter(|(_, b)| !b.is_empty())
        .map(|(name, bytes)| crate::bureau::attachments::check(&name, bytes))
        .transpose()
        .map_err(RiskError::Field)?;
    let response = RiskResponse {
        alert: alert.id.clone(),
        text: text.to_owned(),
        file_name: file.as_ref().map(|f| f.name.clone()),
        person: who.person,
        sent_on: who.today,
        answer_on: Policy::embedded()
            .calendar
            .working_days_after(who.today, rules.explain_answer_working_days),
        accepted: alert.explainable,
    };
    scope.add_risk_response(
        who.company,
        &response,
        file.as_ref().map(|f| (f.mime, f.bytes.as_slice())),
    )?;
    scope.trace(
        who.now,
        Some(who.person),
        "risk.explain",
        "ok",
        &json!({
            "alert": alert.id, "category": alert.category, "accepted": response.accepted,
            "answer_on": response.answer_on.to_string(), "file": response.file_name, "via": who.via,
        }),
    )?;
    let now = alerts(scope, who.company, who.today)?;
    now.into_iter()
        .find(|a| a.id == id)
        .ok_or(RiskError::UnknownAlert)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_categories_the_facts_allow_are_lifted_by_an_explanation() {
        for c in ["filing", "invoice", "business"] {
            assert!(explainable(c), "{c}");
        }
        assert!(!explainable("arrears") && !explainable("late"));
        assert_eq!(percent(Fen::from_yuan(150), Fen::from_yuan(100)), 150);
        assert_eq!(percent(Fen::from_yuan(1), Fen::ZERO), 0);
        let d = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
        assert_eq!(last_quarter(d).to_string(), "2026Q3");
    }
}
