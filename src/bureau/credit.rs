//! 【我要办税】—【纳税信用】: the company's credit grade and score, evaluated year by year
//! from its own record by the rules of the profile in force (`fixtures/policy/credit.toml`);
//! 信用修复 of a failing that has been put right; 申请M级认定 where the profile has it (the
//! course's); and what the top grade's 信用专区 shows.
//!
//! A year scores 100, less the points of the failings recorded in it, plus the points
//! repairs answered by the sandbox date gave back. An application's answer is decided when it
//! is made (from the record as it stands) and given on its answer date, a number of working
//! days later on the sandbox clock: until then it is under review.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;

use crate::bureau::returns::Filer;
use crate::domain::entities::CreditEventKind;
use crate::domain::tax::Policy;
use crate::domain::tax::credit::{CreditProfileKind, Grade, YearStanding};
use crate::domain::tax::policy::CreditProfile;
use crate::store::{
    ApplicationKind, CompanyId, CreditApplication, StoreError, Stored, TenantScope,
};

/// A year's evaluation: its score and grade. The sandbox date's own year is still being
/// evaluated (`in_progress`): its grade is what the record so far would give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct YearScore {
    pub year: i32,
    pub deducted: u32,
    pub restored: u32,
    pub score: u32,
    pub grade: String,
    pub in_progress: bool,
}

/// Where a failing stands for repair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RepairState {
    /// It may be repaired now: the points it would get back, and until when.
    Open {
        points: u32,
        last_day: String,
        /// Whether the standard for this kind is confirmed from the source.
        confirmed: bool,
    },
    /// Not put right yet: the return is not filed or the tax is still owing.
    NotCorrected,
    /// The time to apply has passed.
    TooLate {
        last_day: String,
    },
    /// Applied for; the answer comes on `answer_on`.
    UnderReview {
        answer_on: String,
    },
    Repaired {
        points: u32,
        on: String,
    },
}

/// A failing on the record (扣分记录), with what repair can do for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Failing {
    pub id: i64,
    pub on: String,
    #[schema(value_type = String)]
    pub kind: CreditEventKind,
    pub period: String,
    /// The return it concerns (`vat_small`, `vat_general`, `cit_quarterly`, `culture_fee`).
    pub return_kind: Option<String>,
    pub points: u32,
    pub repair: RepairState,
}

/// An application as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Application {
    pub id: i64,
    /// `repair` or `m_grade`.
    pub kind: String,
    pub event: Option<i64>,
    pub applied_on: String,
    pub answer_on: String,
    /// `under_review`, `approved` or `refused`.
    pub status: String,
    pub points: u32,
    /// Why it was refused: catalogue keys `credit.reason.<key>`, once answered.
    pub reasons: Vec<String>,
}

/// 申请M级认定: whether the company may apply, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MGrade {
    /// It holds a recognition (认定) answered by the sandbox date.
    pub recognised: bool,
    /// An application is under review.
    pub pending: bool,
    /// Working days the answer takes.
    pub answer_days: u32,
}

/// The company's credit as 纳税信用 shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Standing {
    /// `course` or `national`.
    pub profile: String,
    /// The grades best first.
    pub ranking: Vec<String>,
    /// The evaluated year's (the year before the sandbox date's).
    pub evaluated_year: i32,
    pub grade: String,
    pub score: u32,
    /// What the grade brings (catalogue keys `credit.benefit.<key>`).
    pub benefits: Vec<String>,
    /// The profile's top grade holds the 信用专区.
    pub top_grade: String,
    pub in_zone: bool,
    pub years: Vec<YearScore>,
    pub failings: Vec<Failing>,
    pub applications: Vec<Application>,
    /// Where the profile has M applied for (the course's).
    pub m_grade: Option<MGrade>,
    /// Working days a repair takes to be answered.
    pub repair_days: u32,
}

/// Why an application was refused at once; catalogue key `credit.error.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum CreditError {
    #[error("no such credit event")]
    UnknownEvent,
    #[error("the failing is not put right yet")]
    NotCorrected,
    #[error("the time to apply for a repair has passed")]
    TooLate,
    #[error("already applied for or repaired")]
    AlreadyApplied,
    #[error("the profile in force has no M-grade application")]
    NoMApplication,
    #[error("an M-grade application is under review")]
    MPending,
    #[error("the company already holds M")]
    AlreadyM,
    #[error("too many applications")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CreditError {
    pub fn code(&self) -> &'static str {
        match self {
            CreditError::UnknownEvent => "unknown_event",
            CreditError::NotCorrected => "not_corrected",
            CreditError::TooLate => "too_late",
            CreditError::AlreadyApplied => "already_applied",
            CreditError::NoMApplication => "no_m_application",
            CreditError::MPending => "m_pending",
            CreditError::AlreadyM => "already_m",
            CreditError::TooMany => "too_many",
            CreditError::Store(_) => "store",
        }
    }
}

/// Applications one company may make in a sandbox year: every failing's repair and a few
/// M-grade attempts fit well inside it.
pub const APPLICATIONS_PER_YEAR: usize = 100;

fn profile(
    scope: &TenantScope<'_>,
) -> Result<(CreditProfileKind, &'static CreditProfile), StoreError> {
    let kind = scope.record()?.credit_profile;
    Ok((kind, Policy::embedded().credit_profile(kind)))
}

/// What is on record, read once.
struct Record {
    kind: CreditProfileKind,
    profile: &'static CreditProfile,
    registered_on: NaiveDate,
    seeded_m: bool,
    events: Vec<Stored<crate::domain::entities::CreditEvent>>,
    applications: Vec<Stored<CreditApplication>>,
}

impl Record {
    fn read(scope: &TenantScope<'_>, company: CompanyId) -> Result<Record, StoreError> {
        let (kind, profile) = profile(scope)?;
        let co = scope.company(company)?.value;
        Ok(Record {
            kind,
            profile,
            registered_on: co.registered_on,
            seeded_m: co.credit_grade == Grade::M,
            events: scope.credit_events(company)?,
            applications: scope.credit_applications(company)?,
        })
    }

    /// The points repairs answered by `today` gave back to event `id`.
    fn restored(&self, id: i64, today: NaiveDate) -> u32 {
        self.applications
            .iter()
            .filter(|a| a.value.kind == ApplicationKind::Repair && a.value.event == Some(id))
            .filter(|a| a.value.approved && a.value.answer_on <= today)
            .map(|a| a.value.points)
            .sum()
    }

    fn recognised_m(&self, today: NaiveDate) -> bool {
        self.seeded_m
            || self.applications.iter().any(|a| {
                a.value.kind == ApplicationKind::MGrade
                    && a.value.approved
                    && a.value.answer_on <= today
            })
    }

    fn year(&self, year: i32, today: NaiveDate, previous: Option<Grade>) -> YearScore {
        let (mut deducted, mut restored) = (0, 0);
        for e in self.events.iter().filter(|e| e.value.on.year() == year) {
            deducted += e.value.points;
            restored += self.restored(e.id, today).min(e.value.points);
        }
        let score = (100 + restored).saturating_sub(deducted).min(100);
        let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
        let three_years = self
            .registered_on
            .with_year(self.registered_on.year() + 3)
            .unwrap_or(self.registered_on);
        let standing = YearStanding {
            new_or_no_revenue: self.registered_on.year() == year,
            barred_from_a: !self.profile.a_bars.is_empty()
                && (three_years > year_end || previous == Some(Grade::D)),
            recognised_m: self.recognised_m(today),
        };
        YearScore {
            year,
            deducted,
            restored,
            score,
            grade: self.profile.grade_of(score, standing).to_string(),
            in_progress: year >= today.year(),
        }
    }
}

/// The grade of the evaluated year on the sandbox date, without the rest of the standing
/// (what a page that only shows the grade needs: a handful of reads).
pub fn grade(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Grade, StoreError> {
    let rec = Record::read(scope, company)?;
    let year = rec.year(today.year() - 1, today, None);
    Ok(Grade::parse(&year.grade).unwrap_or(Grade::B))
}

/// The late-return failings recorded since `since`, and how many of them have a repair
/// applied for (under review or granted) by `today`.
pub fn late_returns(
    scope: &TenantScope<'_>,
    company: CompanyId,
    since: NaiveDate,
) -> Result<(usize, usize), StoreError> {
    // the failings and the repairs alone: no profile or company needed
    let events = scope.credit_events(company)?;
    let late: Vec<i64> = events
        .iter()
        .filter(|e| e.value.kind == CreditEventKind::LateFiling && e.value.on >= since)
        .map(|e| e.id)
        .collect();
    if late.is_empty() {
        return Ok((0, 0));
    }
    let applications = scope.credit_applications(company)?;
    let repaired = late
        .iter()
        .filter(|id| {
            applications.iter().any(|a| {
                a.value.kind == ApplicationKind::Repair
                    && a.value.event == Some(**id)
                    && a.value.approved
            })
        })
        .count();
    Ok((late.len(), repaired))
}

/// [`grade`], kept between views at `stamp` (bureau::kept).
pub fn grade_kept(
    scope: &TenantScope<'_>,
    stamp: &crate::bureau::kept::Stamp,
    company: CompanyId,
) -> Result<Grade, StoreError> {
    let n = crate::bureau::kept::number(stamp, company, "grade", || {
        let g = grade(scope, company, stamp.today())?;
        Ok(Grade::ALL.iter().position(|x| *x == g).unwrap_or(0) as i64)
    })?;
    Ok(Grade::ALL[usize::try_from(n).unwrap_or(0).min(Grade::ALL.len() - 1)])
}

/// The company's credit on the sandbox date.
pub fn standing(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Standing, StoreError> {
    let rec = Record::read(scope, company)?;
    let first = rec
        .events
        .first()
        .map_or(today.year() - 1, |e| e.value.on.year())
        .min(today.year() - 1)
        .max(rec.registered_on.year());
    let mut years: Vec<YearScore> = Vec::new();
    for year in first..=today.year() {
        let previous = years
            .last()
            .and_then(|y: &YearScore| Grade::parse(&y.grade));
        years.push(rec.year(year, today, previous));
    }
    let evaluated_year = today.year() - 1;
    let evaluated = years
        .iter()
        .find(|y| y.year == evaluated_year)
        .cloned()
        .unwrap_or_else(|| rec.year(evaluated_year, today, None));
    let grade = Grade::parse(&evaluated.grade).unwrap_or(Grade::B);
    let repair = &Policy::embedded().credit.repair;
    let mut failings = Vec::new();
    for e in rec.events.iter().rev() {
        failings.push(Failing {
            id: e.id,
            on: e.value.on.to_string(),
            kind: e.value.kind,
            period: e.value.period.to_string(),
            return_kind: e.value.return_kind.map(|k| k.as_str().to_owned()),
            points: e.value.points,
            repair: repair_state(scope, company, &rec, e, today)?,
        });
    }
    let top = rec
        .profile
        .grade
        .first()
        .map(|g| g.grade.clone())
        .unwrap_or_default();
    Ok(Standing {
        profile: rec.kind.as_str().to_owned(),
        ranking: rec.profile.grade.iter().map(|g| g.grade.clone()).collect(),
        evaluated_year,
        grade: grade.to_string(),
        score: evaluated.score,
        benefits: rec
            .profile
            .grade(grade)
            .map(|g| g.benefits.clone())
            .unwrap_or_default(),
        in_zone: grade.as_str() == top,
        top_grade: top,
        years,
        failings,
        applications: rec
            .applications
            .iter()
            .rev()
            .map(|a| application_view(a, today))
            .collect(),
        m_grade: rec.profile.m_application.as_ref().map(|m| MGrade {
            recognised: rec.recognised_m(today),
            pending: rec
                .applications
                .iter()
                .any(|a| a.value.kind == ApplicationKind::MGrade && a.value.answer_on > today),
            answer_days: m.answer_working_days,
        }),
        repair_days: repair.answer_working_days,
    })
}

fn application_view(a: &Stored<CreditApplication>, today: NaiveDate) -> Application {
    let answered = a.value.answer_on <= today;
    Application {
        id: a.id,
        kind: a.value.kind.as_str().to_owned(),
        event: a.value.event,
        applied_on: a.value.applied_on.to_string(),
        answer_on: a.value.answer_on.to_string(),
        status: match (answered, a.value.approved) {
            (false, _) => "under_review",
            (true, true) => "approved",
            (true, false) => "refused",
        }
        .to_owned(),
        points: if answered { a.value.points } else { 0 },
        reasons: if answered {
            a.value.reasons.clone()
        } else {
            Vec::new()
        },
    }
}

/// When a failing was put right, and the tax it involved.
fn corrected(
    scope: &TenantScope<'_>,
    company: CompanyId,
    e: &crate::domain::entities::CreditEvent,
) -> Result<(Option<NaiveDate>, crate::domain::money::Fen), StoreError> {
    let settled = scope.return_settled(company, e.return_kind, e.period)?;
    let tax = settled.map_or(crate::domain::money::Fen::ZERO, |s| s.tax);
    let on = match e.kind {
        // the return was filed, or the tax paid, on the day the failing was recorded
        CreditEventKind::LateFiling | CreditEventKind::LatePayment => Some(e.on),
        CreditEventKind::Arrears => settled.and_then(|s| s.paid_in_full),
    };
    Ok((on, tax))
}

fn repair_state(
    scope: &TenantScope<'_>,
    company: CompanyId,
    rec: &Record,
    e: &Stored<crate::domain::entities::CreditEvent>,
    today: NaiveDate,
) -> Result<RepairState, StoreError> {
    let mine = rec
        .applications
        .iter()
        .filter(|a| a.value.kind == ApplicationKind::Repair && a.value.event == Some(e.id));
    for a in mine {
        if a.value.answer_on > today {
            return Ok(RepairState::UnderReview {
                answer_on: a.value.answer_on.to_string(),
            });
        }
        if a.value.approved {
            return Ok(RepairState::Repaired {
                points: a.value.points,
                on: a.value.answer_on.to_string(),
            });
        }
    }
    let repair = &Policy::embedded().credit.repair;
    let last_day = repair.last_day(e.value.on);
    if today > last_day {
        return Ok(RepairState::TooLate {
            last_day: last_day.to_string(),
        });
    }
    let (on, tax) = corrected(scope, company, &e.value)?;
    let Some(on) = on.filter(|d| *d <= today) else {
        return Ok(RepairState::NotCorrected);
    };
    let deadline = Policy::embedded()
        .calendar
        .filing_deadline(e.value.period)
        .date;
    Ok(RepairState::Open {
        points: repair.points(deadline, on, tax).min(e.value.points),
        last_day: last_day.to_string(),
        confirmed: repair.confirmed(e.value.kind.as_str()),
    })
}

fn count_this_year(rec: &Record, today: NaiveDate) -> usize {
    rec.applications
        .iter()
        .filter(|a| a.value.applied_on.year() == today.year())
        .count()
}

/// 信用修复: apply to repair the failing `event`. The tax office's answer (the points the
/// standard gives back) comes after the policy's working days.
pub fn apply_repair(
    scope: &TenantScope<'_>,
    who: &Filer,
    event: i64,
) -> Result<Application, CreditError> {
    let rec = Record::read(scope, who.company)?;
    let Some(e) = rec.events.iter().find(|e| e.id == event) else {
        return Err(refused(
            scope,
            who,
            "credit.repair",
            CreditError::UnknownEvent,
        )?);
    };
    let points = match repair_state(scope, who.company, &rec, e, who.today)? {
        RepairState::Open { points, .. } => points,
        RepairState::NotCorrected => {
            return Err(refused(
                scope,
                who,
                "credit.repair",
                CreditError::NotCorrected,
            )?);
        }
        RepairState::TooLate { .. } => {
            return Err(refused(scope, who, "credit.repair", CreditError::TooLate)?);
        }
        RepairState::UnderReview { .. } | RepairState::Repaired { .. } => {
            return Err(refused(
                scope,
                who,
                "credit.repair",
                CreditError::AlreadyApplied,
            )?);
        }
    };
    if count_this_year(&rec, who.today) >= APPLICATIONS_PER_YEAR {
        return Err(refused(scope, who, "credit.repair", CreditError::TooMany)?);
    }
    let days = Policy::embedded().credit.repair.answer_working_days;
    let a = CreditApplication {
        kind: ApplicationKind::Repair,
        event: Some(e.id),
        person: who.person,
        applied_on: who.today,
        answer_on: Policy::embedded()
            .calendar
            .working_days_after(who.today, days),
        approved: true,
        points,
        reasons: Vec::new(),
        applied_at: who.now,
    };
    let id = scope.add_credit_application(who.company, &a)?;
    scope.trace(
        who.now,
        Some(who.person),
        "credit.repair",
        "ok",
        &json!({
            "event": e.id, "kind": e.value.kind.as_str(), "period": e.value.period.to_string(),
            "points": points, "answer_on": a.answer_on.to_string(), "via": who.via,
        }),
    )?;
    Ok(application_view(&Stored { id, value: a }, who.today))
}

/// 申请M级认定 (the course profile): the system checks the record and answers within the
/// profile's working days.
pub fn apply_m(scope: &TenantScope<'_>, who: &Filer) -> Result<Application, CreditError> {
    let rec = Record::read(scope, who.company)?;
    let Some(rule) = rec.profile.m_application.as_ref() else {
        return Err(refused(
            scope,
            who,
            "credit.m_grade",
            CreditError::NoMApplication,
        )?);
    };
    let today = who.today;
    let pending = rec
        .applications
        .iter()
        .any(|a| a.value.kind == ApplicationKind::MGrade && a.value.answer_on > today);
    if pending {
        return Err(refused(
            scope,
            who,
            "credit.m_grade",
            CreditError::MPending,
        )?);
    }
    if rec.recognised_m(today) {
        return Err(refused(
            scope,
            who,
            "credit.m_grade",
            CreditError::AlreadyM,
        )?);
    }
    if count_this_year(&rec, today) >= APPLICATIONS_PER_YEAR {
        return Err(refused(scope, who, "credit.m_grade", CreditError::TooMany)?);
    }
    let reasons = m_reasons(scope, who.company, &rec, rule, today)?;
    let a = CreditApplication {
        kind: ApplicationKind::MGrade,
        event: None,
        person: who.person,
        applied_on: today,
        answer_on: Policy::embedded()
            .calendar
            .working_days_after(today, rule.answer_working_days),
        approved: reasons.is_empty(),
        points: 0,
        reasons,
        applied_at: who.now,
    };
    let id = scope.add_credit_application(who.company, &a)?;
    scope.trace(
        who.now,
        Some(who.person),
        "credit.m_grade",
        "ok",
        &json!({
            "approved": a.approved, "reasons": a.reasons, "answer_on": a.answer_on.to_string(),
            "via": who.via,
        }),
    )?;
    Ok(application_view(&Stored { id, value: a }, today))
}

/// What keeps the company from M, as the automatic check reads the record on `today`.
fn m_reasons(
    scope: &TenantScope<'_>,
    company: CompanyId,
    rec: &Record,
    rule: &crate::domain::tax::policy::MApplication,
    today: NaiveDate,
) -> Result<Vec<String>, StoreError> {
    let mut reasons = Vec::new();
    let in_business_since = rec
        .registered_on
        .with_year(rec.registered_on.year() + rule.years_in_business)
        .unwrap_or(rec.registered_on);
    if in_business_since > today {
        reasons.push("years_in_business".to_owned());
    }
    let since = today
        .with_year(today.year() - rule.clean_years)
        .unwrap_or(today);
    let unrepaired = rec
        .events
        .iter()
        .filter(|e| e.value.on > since)
        .any(|e| rec.restored(e.id, today) < e.value.points);
    if unrepaired {
        reasons.push("failings".to_owned());
    }
    if scope.arrears_count(company, today)? > 0 {
        reasons.push("arrears".to_owned());
    }
    let evaluated = rec.year(today.year() - 1, today, None);
    let m_floor = rec.profile.grade(Grade::M).map_or(u32::MAX, |g| g.score);
    if evaluated.score < m_floor {
        reasons.push("score".to_owned());
    }
    Ok(reasons)
}

/// Trace a refusal, then hand it back.
fn refused(
    scope: &TenantScope<'_>,
    who: &Filer,
    action: &str,
    e: CreditError,
) -> Result<CreditError, StoreError> {
    scope.trace(
        who.now,
        Some(who.person),
        action,
        e.code(),
        &json!({ "via": who.via }),
    )?;
    Ok(e)
}

/// A view of the page (traced as `credit.view`).
pub fn view(scope: &TenantScope<'_>, who: &Filer) -> Result<Standing, StoreError> {
    scope.trace(
        who.now,
        Some(who.person),
        "credit.view",
        "ok",
        &json!({ "via": who.via }),
    )?;
    standing(scope, who.company, who.today)
}
