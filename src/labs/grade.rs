//! Grading: a pure function of the lab, the facts of the attempt's tenant and the hints
//! used. The same inputs give the same grade, so a stored attempt can be regraded after a
//! lab is fixed.

use serde::{Deserialize, Serialize};

use super::Lab;
use super::checks::{Deduction, Say};
use super::facts::Facts;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub kind: String,
    pub step: Option<usize>,
    pub points: u32,
    pub earned: u32,
    pub passed: bool,
    pub expected: Say,
    pub actual: Say,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    pub checks: Vec<CheckResult>,
    pub deductions: Vec<Deduction>,
    /// Points the hints the trainee opened cost.
    pub hint_cost: u32,
    pub earned: u32,
    /// `earned` less deductions and hints, never below zero.
    pub score: u32,
    pub max: u32,
    pub pass_mark: u32,
    pub passed: bool,
}

/// A hint the trainee opened: step and hint index, both 0-based.
pub type HintUsed = (usize, usize);

pub fn grade(lab: &Lab, facts: &Facts, hints: &[HintUsed]) -> Grade {
    let checks: Vec<CheckResult> = lab
        .checks
        .iter()
        .map(|c| {
            let mut v = c.check.evaluate(facts);
            // a lab that does not reveal expected values keeps the answer out of a check
            // the trainee has not passed yet
            if !lab.reveal_expected && !v.passed {
                v.expected = v.expected.hidden();
                v.actual = v.actual.hidden();
            }
            CheckResult {
                id: c.id.clone(),
                kind: c.check.kind().to_owned(),
                step: c.step,
                points: c.points,
                earned: if v.passed { c.points } else { 0 },
                passed: v.passed,
                expected: v.expected,
                actual: v.actual,
            }
        })
        .collect();
    let deductions: Vec<Deduction> = lab
        .penalties
        .iter()
        .map(|p| p.deduct(facts))
        .filter(|d| d.points > 0)
        .collect();
    let hint_cost = hints
        .iter()
        .filter_map(|(s, h)| lab.steps.get(*s)?.hints.get(*h))
        .map(|h| h.cost)
        .sum();
    let earned: u32 = checks.iter().map(|c| c.earned).sum();
    let lost: u32 = deductions.iter().map(|d| d.points).sum::<u32>() + hint_cost;
    let score = earned.saturating_sub(lost);
    Grade {
        checks,
        deductions,
        hint_cost,
        earned,
        score,
        max: lab.max_points(),
        pass_mark: lab.pass_mark,
        passed: score >= lab.pass_mark,
    }
}
