//! 税费申报及缴纳: the returns a company owes (by tax and period, with deadlines and status),
//! filling one (prefill, drafts, checks), submitting it once and only once, correcting it
//! (更正申报), and paying what it says from the company's bank account. Every step is traced.

mod basis;
mod draft;
mod filing;
pub mod form;
pub mod grid;
pub mod import;
mod payment;

pub use draft::{import_file, opened_values, save_draft};
pub use filing::{Filed, amend, records_total, submit};
pub use payment::{PaidNotice, pay, sign_agreement};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

use self::form::{Basis, Figures, Problem, Values};
use crate::domain::entities::{ReturnKind, TaxpayerType};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;
use crate::domain::tax::deadline::due_periods;
use crate::domain::tax::{Assessment, Policy, PolicyError};
use crate::store::{CompanyId, FiledReturn, StoreError, TenantScope};

/// Why a filing step was refused; catalogue key `returns.error.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum ReturnError {
    #[error("no such return for this company")]
    UnknownReturn,
    #[error("the form has errors")]
    Invalid(Vec<Problem>),
    #[error("the form has warnings to confirm")]
    Unconfirmed(Vec<Problem>),
    #[error("the imported file has problems")]
    BadImport(Vec<import::ImportProblem>),
    #[error("filed already as {filing_no}")]
    AlreadyFiled { filing_no: String },
    #[error("not filed yet")]
    NotFiled,
    #[error("a correction after the filing period needs a reason")]
    ReasonRequired,
    #[error("the correction changes nothing")]
    Unchanged,
    #[error("nothing to pay")]
    NothingToPay,
    #[error("no tripartite agreement")]
    NoAgreement,
    #[error("the bank is under maintenance until {until}")]
    BankMaintenance { until: String },
    #[error("insufficient balance: {balance} for {needed}")]
    InsufficientBalance { balance: Fen, needed: Fen },
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ReturnError {
    pub fn code(&self) -> &'static str {
        match self {
            ReturnError::UnknownReturn => "unknown_return",
            ReturnError::Invalid(_) => "invalid",
            ReturnError::Unconfirmed(_) => "unconfirmed",
            ReturnError::BadImport(_) => "bad_file",
            ReturnError::AlreadyFiled { .. } => "already_filed",
            ReturnError::NotFiled => "not_filed",
            ReturnError::ReasonRequired => "reason_required",
            ReturnError::Unchanged => "unchanged",
            ReturnError::NothingToPay => "nothing_to_pay",
            ReturnError::NoAgreement => "no_agreement",
            ReturnError::BankMaintenance { .. } => "bank_maintenance",
            ReturnError::InsufficientBalance { .. } => "insufficient_balance",
            ReturnError::Policy(_) | ReturnError::Store(_) => "internal",
        }
    }
}

/// Where a return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 未申报
    NotFiled,
    /// 已暂存
    Draft,
    /// 已申报
    Filed,
    /// 逾期未申报
    Overdue,
}

/// One line of the list of returns.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnRow {
    pub kind: ReturnKind,
    pub period: TaxPeriod,
    pub deadline: NaiveDate,
    pub status: Status,
    /// The latest version's 申报序号, once filed here.
    pub filing_no: Option<String>,
    pub version: u32,
    /// What the latest version asks to be paid.
    pub total_due: Option<Fen>,
    /// What is still unpaid (before any late fee).
    pub unpaid: Fen,
    /// Filed after the deadline.
    pub late: bool,
}

/// The company's VAT return kind.
pub fn vat_kind(t: TaxpayerType) -> ReturnKind {
    match t {
        TaxpayerType::SmallScale => ReturnKind::VatSmall,
        TaxpayerType::General => ReturnKind::VatGeneral,
    }
}

/// Whether the company owes 文化事业建设费: its industry provides advertising or
/// entertainment services.
pub fn owes_culture_fee(co: &crate::domain::entities::Company) -> bool {
    crate::synth::Tables::embedded()
        .industry(&co.industry_code)
        .is_some_and(|i| i.culture_fee)
}

/// The returns a company files, with the period of each due on the sandbox date.
pub fn kinds_due(
    co: &crate::domain::entities::Company,
    today: NaiveDate,
) -> Vec<(ReturnKind, TaxPeriod)> {
    let (due_vat, due_cit) = due_periods(today, co.vat_quarterly);
    let mut kinds = vec![
        (vat_kind(co.taxpayer_type), due_vat),
        (ReturnKind::CitQuarterly, due_cit),
    ];
    if owes_culture_fee(co) {
        kinds.push((ReturnKind::CultureFee, due_vat));
    }
    kinds
}

pub fn deadline(period: TaxPeriod) -> NaiveDate {
    Policy::embedded().calendar.filing_deadline(period).date
}

/// The returns of a company on the sandbox date: for VAT and for income tax, every period
/// from the first one not yet filed up to the one due now, and the filed history of the
/// twelve months before it (at least the last two filed), so a period filed last quarter
/// stays on the list when the next one falls due; and, however old, any return with tax
/// still owing, so arrears can be paid from the list.
pub fn returns_list(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Vec<ReturnRow>, StoreError> {
    let co = scope.company(company)?.value;
    let filed = scope.filed_periods(company)?;
    let owing: Vec<(ReturnKind, TaxPeriod)> = scope
        .payments_of(company)?
        .into_iter()
        .filter(|p| p.payment.paid_on.is_none() && p.payment.amount > Fen::ZERO)
        .map(|p| (p.kind, p.period))
        .collect();
    let mut rows = Vec::new();
    for (kind, due) in kinds_due(&co, today) {
        let periods: Vec<TaxPeriod> = {
            let mut done: Vec<TaxPeriod> = filed
                .iter()
                .filter(|(k, p)| *k == kind && *p <= due)
                .map(|(_, p)| *p)
                .collect();
            done.dedup();
            // a year back from the period due: its periods end after this day
            let year_ago = due.last_day() - chrono::Months::new(12);
            let mut out: Vec<TaxPeriod> = done
                .iter()
                .enumerate()
                .filter(|(i, p)| {
                    p.last_day() > year_ago || i + 2 >= done.len() || owing.contains(&(kind, **p))
                })
                .map(|(_, p)| *p)
                .collect();
            let mut p = done.last().map_or(due, |last| last.next());
            while p <= due {
                if !out.contains(&p) {
                    out.push(p);
                }
                p = p.next();
            }
            out
        };
        for period in periods {
            rows.push(row(scope, company, kind, period, today)?);
        }
    }
    rows.sort_by_key(|r| (std::cmp::Reverse(r.period), r.kind.as_str()));
    Ok(rows)
}

/// The list of returns, as the filer looks it up (traced: after a lost response, looking
/// the filing up is the right move, and the grader checks for it).
pub fn look_up(scope: &TenantScope<'_>, who: &Filer) -> Result<Vec<ReturnRow>, StoreError> {
    let rows = returns_list(scope, who.company, who.today)?;
    scope.trace(who.now, Some(who.person), "return.list", "ok", &json!({}))?;
    Ok(rows)
}

/// A receipt of this company's, by 申报序号, as the filer opens it (traced).
pub fn open_receipt(
    scope: &TenantScope<'_>,
    who: &Filer,
    number: &str,
) -> Result<FiledReturn, ReturnError> {
    let r = scope
        .return_by_number(number)?
        .filter(|r| {
            scope
                .return_versions(who.company, r.kind, r.period)
                .is_ok_and(|v| v.iter().any(|x| x.id == r.id))
        })
        .ok_or(ReturnError::UnknownReturn)?;
    scope.trace(
        who.now,
        Some(who.person),
        "return.receipt",
        "ok",
        &json!({
            "filing_no": number, "kind": r.kind.as_str(), "period": r.period.to_string(),
            "via": who.via,
        }),
    )?;
    Ok(r)
}

/// Where one return stands.
pub fn row(
    scope: &TenantScope<'_>,
    company: CompanyId,
    kind: ReturnKind,
    period: TaxPeriod,
    today: NaiveDate,
) -> Result<ReturnRow, StoreError> {
    let versions = scope.return_version_heads(company, kind, period)?;
    let deadline = deadline(period);
    let unpaid = scope
        .return_payments(company, kind, period)?
        .iter()
        .filter(|p| p.paid_on.is_none())
        .map(|p| p.amount)
        .sum();
    let latest = versions.last();
    let status = match latest {
        Some(_) => Status::Filed,
        None if scope.draft(company, kind, period)?.is_some() => Status::Draft,
        None if today > deadline => Status::Overdue,
        None => Status::NotFiled,
    };
    Ok(ReturnRow {
        kind,
        period,
        deadline,
        status,
        filing_no: latest.and_then(|r| r.filing_no.clone()),
        version: latest.map_or(0, |r| r.version),
        total_due: latest.map(|r| r.total_due),
        unpaid,
        late: versions.first().is_some_and(|r| r.filed_on > r.deadline),
    })
}

/// A return the company may file: its kind is the company's, the period has ended.
pub fn open_return(
    scope: &TenantScope<'_>,
    company: CompanyId,
    kind: ReturnKind,
    period: TaxPeriod,
    today: NaiveDate,
) -> Result<Basis, ReturnError> {
    let co = scope.company(company)?.value;
    let vat_like = kind == vat_kind(co.taxpayer_type)
        || kind == ReturnKind::CultureFee && owes_culture_fee(&co);
    let kind_ok = kind == ReturnKind::CitQuarterly && period.is_quarter()
        || vat_like && period.is_quarter() == co.vat_quarterly;
    if !kind_ok || period.last_day() >= today {
        return Err(ReturnError::UnknownReturn);
    }
    Ok(Basis::load(scope, company, period)?)
}

/// A form worked through: the figures, the engine's lines, and what the checks found.
#[derive(Debug, Clone)]
pub struct Worked {
    pub figures: Figures,
    pub assessment: Assessment,
    pub warnings: Vec<Problem>,
}

/// A form worked as far as it goes, for a page to show while it is being filled: the
/// figures if every field reads, the engine's lines if they also compute, and the problems
/// (unreadable fields, or else failed checks) and warnings.
#[derive(Debug, Clone, Default)]
pub struct WorkedSoFar {
    pub figures: Option<Figures>,
    pub assessment: Option<Assessment>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// Read, compute and check a form without refusing it: what [`work`] refuses on, kept.
pub fn work_so_far(basis: &Basis, kind: ReturnKind, values: &Values) -> WorkedSoFar {
    match form::parse(kind, values) {
        Err(errors) => WorkedSoFar {
            errors,
            ..WorkedSoFar::default()
        },
        Ok(figures) => {
            let assessment = basis.compute(kind, &figures).ok();
            let (errors, warnings) = basis.check(kind, &figures);
            WorkedSoFar {
                figures: Some(figures),
                assessment,
                errors,
                warnings,
            }
        }
    }
}

/// Read, compute and check a form. Errors (unreadable fields, failed checks) refuse it;
/// warnings are returned for the filer to confirm.
pub fn work(basis: &Basis, kind: ReturnKind, values: &Values) -> Result<Worked, ReturnError> {
    let figures = form::parse(kind, values).map_err(ReturnError::Invalid)?;
    let assessment = basis.compute(kind, &figures)?;
    let (errors, warnings) = basis.check(kind, &figures);
    if !errors.is_empty() {
        return Err(ReturnError::Invalid(errors));
    }
    Ok(Worked {
        figures,
        assessment,
        warnings,
    })
}

/// Who files, and when (wall clock and sandbox date).
#[derive(Debug, Clone, Copy)]
pub struct Filer {
    pub person: i64,
    pub company: CompanyId,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    /// How the filer reached the bureau (`page`, `api`), traced with what they file and
    /// open (the course's API case study is graded on it).
    pub via: &'static str,
}

/// Who files for a bureau session: its person for its company, once the login is complete.
/// When the session has run out and `keep` holds what was typed into a form, it is saved as
/// that form's draft first (the page then says so after the new login), so nothing typed is
/// lost to a timeout. A refusal says why there is no filer; a store failure is the error.
pub fn filer_of(
    scope: &TenantScope<'_>,
    token: &str,
    (now, today, via): (DateTime<Utc>, NaiveDate, &'static str),
    keep: Option<(ReturnKind, TaxPeriod, &Values)>,
) -> Result<
    Result<(Filer, crate::store::PortalSession), crate::bureau::login::LoginError>,
    StoreError,
> {
    use crate::bureau::login::{self, LoginError};
    let raw = scope.session(token)?;
    let filer = |person, company| Filer {
        person,
        company,
        now,
        today,
        via,
    };
    match login::session(scope, now, token) {
        Ok(s) if s.stage == crate::store::SessionStage::Active => {
            Ok(Ok((filer(s.person_id, s.company_id), s)))
        }
        Ok(s) => Ok(Err(LoginError::WrongStage(s.stage))),
        Err(LoginError::Store(e)) => Err(e),
        Err(e) => {
            if let (LoginError::SessionExpired, Some(r), Some((kind, period, values))) =
                (&e, raw, keep)
            {
                // a form that cannot be kept (not this company's) is simply lost
                let _ = save_draft(
                    scope,
                    &filer(r.person_id, r.company_id),
                    kind,
                    period,
                    values,
                    true,
                );
            }
            Ok(Err(e))
        }
    }
}

impl Filer {
    /// The sandbox's clock at the filer's desk: the sandbox date, Beijing's time of day.
    pub fn time(&self) -> crate::domain::SandboxTime {
        crate::domain::SandboxTime::new(self.today, self.now)
    }
}
