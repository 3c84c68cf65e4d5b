//! 纳税信用信息查询: the company's grade, the profile in force, its deductions.

use chrono::Datelike;
use serde::Serialize;

use crate::store::{StoreError, TenantScope};

/// A deduction from the credit score (扣分): what happened, for which period, how many points.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Deduction {
    pub on: String,
    #[schema(value_type = String)]
    pub kind: crate::domain::entities::CreditEventKind,
    pub period: String,
    pub points: u32,
}

/// The points deducted in one year (the chart of the history).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearDeducted {
    pub year: i32,
    pub points: u32,
}

/// 纳税信用信息查询: the grade and score of the last evaluated year, the profile in force and
/// its ranking, what the grade brings, every deduction, and the points by year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreditRecord {
    pub grade: String,
    pub score: u32,
    /// The year the grade evaluates (评价年度): the year before the sandbox date's.
    pub evaluated_year: i32,
    /// `course` or `national`.
    pub profile: String,
    /// The grades best first, as the profile in force ranks them.
    pub ranking: Vec<String>,
    /// What the grade brings (catalogue keys `credit.benefit.<key>`).
    pub benefits: Vec<String>,
    pub deductions: Vec<Deduction>,
    pub by_year: Vec<YearDeducted>,
    /// The largest single deduction, if any.
    pub largest: Option<Deduction>,
}

/// The company's credit record on the sandbox date (traced as `query.credit`).
pub fn credit(
    scope: &TenantScope<'_>,
    who: &crate::bureau::returns::Filer,
) -> Result<CreditRecord, StoreError> {
    scope.trace(
        who.now,
        Some(who.person),
        "query.credit",
        "ok",
        &serde_json::json!({}),
    )?;
    let (company, today) = (who.company, who.today);
    let standing = crate::bureau::credit::standing(scope, company, today)?;
    let deductions: Vec<Deduction> = scope
        .credit_events(company)?
        .into_iter()
        .rev()
        .map(|e| e.value)
        .map(|e| Deduction {
            on: e.on.to_string(),
            kind: e.kind,
            period: e.period.to_string(),
            points: e.points,
        })
        .collect();
    let mut by_year: Vec<YearDeducted> = Vec::new();
    for e in scope.credit_events(company)?.into_iter().map(|e| e.value) {
        match by_year.iter_mut().find(|y| y.year == e.on.year()) {
            Some(y) => y.points += e.points,
            None => by_year.push(YearDeducted {
                year: e.on.year(),
                points: e.points,
            }),
        }
    }
    by_year.sort_by_key(|y| y.year);
    let largest = deductions.iter().max_by_key(|d| d.points).cloned();
    Ok(CreditRecord {
        grade: standing.grade,
        score: standing.score,
        evaluated_year: standing.evaluated_year,
        profile: standing.profile,
        ranking: standing.ranking,
        benefits: standing.benefits,
        deductions,
        by_year,
        largest,
    })
}
