//! What the grader looks at: the attempt's tenant state and its trace, read once into a
//! plain value so grading is a pure function of it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::setup::Materials;
use crate::domain::entities::ReturnKind;
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;
use crate::store::{CompanyId, StoreError, TenantScope, TraceEvent};

#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The person the trainee plays, and the lab's clerk (the first company's tax clerk at
    /// the start).
    pub me: i64,
    pub clerk: i64,
    /// The first company.
    pub company: i64,
    pub names: BTreeMap<i64, String>,
    pub trace: Vec<TraceEvent>,
    pub two_factor: bool,
    pub locked: bool,
    /// (person, company, role) held when graded.
    pub roles: Vec<(i64, i64, String)>,
    /// Announcements published by the sandbox date, and those the trainee opened.
    pub announcements: Vec<String>,
    pub announcements_read: Vec<String>,
    /// Returns of the first company due on the sandbox date, with what the engine says
    /// they should ask (read only for labs with filing checks).
    pub returns: Vec<ReturnFacts>,
    /// The questions the lab asked and the trainee's latest answers (by topic).
    pub questions: Vec<super::questions::Question>,
    pub answers: BTreeMap<String, String>,
    /// The first company's risk alerts when graded, as (category, status) (read with the
    /// returns).
    pub risks: Vec<(String, String)>,
    /// The first company's 留抵退税 applications when graded: (period, reached the bank).
    pub credit_refunds: Vec<(String, bool)>,
}

/// One return of the first company: the answer from its own records, and what was filed
/// and paid.
#[derive(Debug, Clone, Default)]
pub struct ReturnFacts {
    pub kind: String,
    pub period: String,
    /// What the return should ask to be paid: the engine over the company's records and
    /// the lab's extra facts (e.g. unbilled sales).
    pub expected_total: Fen,
    /// Every version filed (the generated history's and the trainee's), oldest first:
    /// (version, total, filed on, reason, filed in the sandbox).
    pub versions: Vec<(u32, Fen, NaiveDate, String, bool)>,
    /// Still unpaid, and the surcharge paid so far.
    pub unpaid: Fen,
    pub late_fee_paid: Fen,
    pub paid_any: bool,
    /// What the payments exceed what the latest version asks (误收多缴).
    pub overpaid: Fen,
    /// Refunds of it that have reached the bank account (退库) by the sandbox date, and
    /// whether any went through the green channel.
    pub refunded: Fen,
    pub refund_green: bool,
}

impl Facts {
    /// Events by the trainee's person with this action and result.
    pub fn mine(&self, action: &str, result: &str) -> usize {
        self.trace
            .iter()
            .filter(|e| e.person_id == Some(self.me) && e.action == action && e.result == result)
            .count()
    }

    /// Refused attempts (any result but `ok`) at these actions, by the trainee's person or
    /// by nobody known (a login for an unknown account).
    pub fn my_failures(&self, actions: &[&str]) -> usize {
        self.trace
            .iter()
            .filter(|e| {
                (e.person_id == Some(self.me) || e.person_id.is_none())
                    && actions.contains(&e.action.as_str())
                    && e.result != "ok"
            })
            .count()
    }

    /// The facts of one return kind (`vat_small`, `vat_general`, `cit_quarterly`).
    pub fn return_of(&self, kind: &str) -> Option<&ReturnFacts> {
        self.returns.iter().find(|r| r.kind == kind)
    }

    /// Read the facts of an attempt's tenant; `filing` also works out its returns.
    pub fn read(
        scope: &TenantScope<'_>,
        m: &Materials,
        now: DateTime<Utc>,
        filing: bool,
    ) -> Result<Facts, StoreError> {
        let (me, clerk) = (m.me, m.clerk);
        let companies = scope.companies()?;
        let company = companies
            .first()
            .map(|c| c.id)
            .ok_or(StoreError::NotFound)?;
        let mut roles = Vec::new();
        let mut names = BTreeMap::new();
        for c in &companies {
            for st in scope.staff(CompanyId(c.id))? {
                names.insert(st.person.id, st.person.value.name.clone());
                roles.push((st.person.id, c.id, st.role.as_str().to_owned()));
            }
        }
        for p in [me, clerk] {
            names.insert(p, scope.person(p)?.value.name);
        }
        let account = scope.account(me)?;
        let today = scope.record()?.sandbox_date;
        let (returns, risks, credit_refunds) = if filing {
            let risks = crate::bureau::risk::alerts(scope, CompanyId(company), today)?
                .into_iter()
                .map(|a| (a.category, a.status))
                .collect();
            let credit = scope
                .credit_refunds(CompanyId(company))?
                .into_iter()
                .map(|c| (c.value.period.to_string(), c.value.treasury_on <= today))
                .collect();
            (return_facts(scope, CompanyId(company), m)?, risks, credit)
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        Ok(Facts {
            me,
            clerk,
            company,
            names,
            trace: scope.trace_events()?,
            two_factor: account.two_factor,
            locked: account.locked_until.is_some_and(|t| t > now),
            roles,
            announcements: crate::bureau::messages::announcements(today)
                .into_iter()
                .map(|a| a.id.clone())
                .collect(),
            announcements_read: scope.announcements_read(me)?.into_iter().collect(),
            returns,
            questions: m.questions.clone(),
            answers: BTreeMap::new(),
            risks,
            credit_refunds,
        })
    }
}

/// What each return due should ask: (kind, period, total), the engine over the first
/// company's records and the lab's facts. Worked out once when the lab starts (it is
/// kept in the attempt's materials) so grading a room does not run the engine per seat.
pub fn expected_returns(
    scope: &TenantScope<'_>,
    m: &Materials,
) -> Result<Vec<(ReturnKind, TaxPeriod, Fen)>, StoreError> {
    use crate::bureau::returns::{self, form};
    let company = scope
        .companies()?
        .first()
        .map(|c| CompanyId(c.id))
        .ok_or(StoreError::NotFound)?;
    let co = scope.company(company)?.value;
    let today = scope.record()?.sandbox_date;
    let mut out = Vec::new();
    for (kind, period) in returns::kinds_due(&co, today) {
        let basis = form::Basis::load(scope, company, period)?;
        let values = expected_values(&basis, kind, m);
        let total = form::parse(kind, &values)
            .ok()
            .and_then(|f| basis.compute(kind, &f).ok())
            .map(|a| form::total_due(kind, &a))
            .unwrap_or_default();
        out.push((kind, period, total));
    }
    Ok(out)
}

/// The first company's returns due, with what was filed and paid.
fn return_facts(
    scope: &TenantScope<'_>,
    company: CompanyId,
    m: &Materials,
) -> Result<Vec<ReturnFacts>, StoreError> {
    let expected = if m.expected.is_empty() {
        // an attempt started before the expected totals were kept
        expected_returns(scope, m)?
    } else {
        m.expected
            .iter()
            .filter_map(|(kind, (period, total))| {
                Some((
                    ReturnKind::parse(kind)?,
                    TaxPeriod::parse(period).ok()?,
                    Fen::new(*total),
                ))
            })
            .collect()
    };
    let today = scope.record()?.sandbox_date;
    let refunds = scope.refunds(company)?;
    let mut out = Vec::new();
    for (kind, period, total) in expected {
        let arrived: Vec<_> = refunds
            .iter()
            .map(|r| &r.value)
            .filter(|r| r.return_kind == kind && r.period == period)
            .filter(|r| r.treasury_on.is_some_and(|d| d <= today))
            .collect();
        let payments = scope.return_payments(company, kind, period)?;
        out.push(ReturnFacts {
            kind: kind.as_str().to_owned(),
            period: period.to_string(),
            expected_total: total,
            versions: scope
                .return_version_heads(company, kind, period)?
                .into_iter()
                .map(|r| {
                    (
                        r.version,
                        r.total_due,
                        r.filed_on,
                        r.reason,
                        r.filing_no.is_some(),
                    )
                })
                .collect(),
            unpaid: payments
                .iter()
                .filter(|p| p.paid_on.is_none())
                .map(|p| p.amount)
                .sum(),
            late_fee_paid: payments.iter().map(|p| p.late_fee).sum(),
            paid_any: payments.iter().any(|p| p.paid_on.is_some()),
            overpaid: scope
                .overpayments(company)?
                .into_iter()
                .find(|o| o.return_kind == kind && o.period == period)
                .map_or(Fen::ZERO, |o| o.amount),
            refunded: arrived.iter().map(|r| r.amount).sum(),
            refund_green: arrived.iter().any(|r| r.green),
        });
    }
    Ok(out)
}

/// The figures a correct return holds: the prefill from the company's records, plus what
/// the lab told the trainee that the records do not show (unbilled sales).
pub fn expected_values(
    basis: &crate::bureau::returns::form::Basis,
    kind: ReturnKind,
    m: &Materials,
) -> crate::bureau::returns::form::Values {
    let extra = m
        .values
        .get("unbilled_sales")
        .and_then(|v| Fen::parse_yuan(v).ok())
        .unwrap_or_default();
    let mut values = match kind {
        // sales without invoice are ordinary sales, placed as the period's rule says
        ReturnKind::VatSmall => {
            let mut b = basis.clone();
            b.invoiced_other += extra;
            return b.prefill(kind);
        }
        _ => basis.prefill(kind),
    };
    let field = match kind {
        ReturnKind::VatGeneral => Some("sales_13pct"),
        ReturnKind::VatSmall | ReturnKind::CitQuarterly | ReturnKind::CultureFee => None,
    };
    if let Some(field) = field.filter(|_| extra != Fen::ZERO) {
        let now = values
            .get(field)
            .and_then(|v| Fen::parse_yuan(v).ok())
            .unwrap_or_default();
        values.insert(field.to_owned(), (now + extra).to_string());
    }
    values
}

/// An event's detail as JSON (an unreadable one reads as null).
pub fn detail(e: &TraceEvent) -> serde_json::Value {
    serde_json::from_str(&e.detail).unwrap_or_default()
}
