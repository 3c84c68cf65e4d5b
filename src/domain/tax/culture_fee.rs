//! 文化事业建设费申报表: the fee on advertising (and entertainment) services, filed with the
//! VAT return's period.

use super::policy::{CultureFeeRule, rule_for};
use super::{Assessment, Policy, PolicyError, Value};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CultureFeeInput {
    pub period: TaxPeriod,
    /// 应征收入: the VAT-inclusive income from the services that owe the fee (line 1).
    pub income: Fen,
    /// 减除项: advertising publication fees paid to other advertisers, VAT-inclusive (line 2).
    pub deduction: Fen,
    /// For the small-scale threshold: the period's sales excluding VAT; `None` for a
    /// general taxpayer (no threshold).
    pub small_scale_sales: Option<Fen>,
    /// Fee already paid for the period (line 7).
    pub prepaid: Fen,
}

pub fn assess(policy: &Policy, input: &CultureFeeInput) -> Result<Assessment, PolicyError> {
    let rule: &CultureFeeRule = rule_for(&policy.culture_fee, "culture_fee", input.period)?;
    let mut a = Assessment::new("culture-fee", input.period);
    a.policy.push(rule.id.clone());
    let l1 = a.line("1", "culture_fee.line.1", input.income, "");
    let l2 = a.line(
        "2",
        "culture_fee.line.2",
        input.deduction.min(l1),
        "min(L2, L1)",
    );
    let l3 = a.line("3", "culture_fee.line.3", l1 - l2, "L1 − L2");
    a.steps.push(super::Step {
        line: Some("4".into()),
        key: "culture_fee.line.4",
        value: Value::Rate(rule.rate),
        formula: String::new(),
    });
    let l5 = a.line(
        "5",
        "culture_fee.line.5",
        l3.max(Fen::ZERO).times(rule.rate),
        format!("L3 × {}", rule.rate),
    );
    let threshold = if input.period.is_quarter() {
        rule.threshold_quarter
    } else {
        rule.threshold_month
    };
    let exempt = input.small_scale_sales.is_some_and(|s| s <= threshold);
    let l6 = if exempt {
        a.notes.push("note.culture_fee_exempt");
        a.line("6", "culture_fee.line.6", l5, format!("≤ {threshold}"))
    } else if let Some(h) = rule.halving {
        a.notes.push("note.culture_fee_halved");
        a.line("6", "culture_fee.line.6", l5.times(h), format!("L5 × {h}"))
    } else {
        a.line("6", "culture_fee.line.6", Fen::ZERO, "")
    };
    let l7 = a.line("7", "culture_fee.line.7", input.prepaid, "");
    let l8 = a.line("8", "culture_fee.line.8", l5 - l6 - l7, "L5 − L6 − L7");
    a.total("fee", l5 - l6);
    a.total("fee_due", l8);
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(period: &str, income: i64, small: Option<i64>) -> Assessment {
        assess(
            Policy::embedded(),
            &CultureFeeInput {
                period: TaxPeriod::parse(period).unwrap(),
                income: Fen::from_yuan(income),
                deduction: Fen::from_yuan(10_000),
                small_scale_sales: small.map(Fen::from_yuan),
                prepaid: Fen::ZERO,
            },
        )
        .unwrap()
    }

    #[test]
    fn three_percent_of_the_income_less_deductions_halved() {
        // (106,000 − 10,000) × 3% = 2,880.00, halved → 1,440.00
        let a = run("2026Q3", 106_000, None);
        assert_eq!(a.money("fee_due"), Fen::from_yuan(1_440));
        assert_eq!(a.line_value("5"), Some(Value::Money(Fen::from_yuan(2_880))));
    }

    #[test]
    fn small_scale_at_or_under_the_threshold_pays_nothing() {
        assert_eq!(
            run("2026Q3", 61_800, Some(60_000)).money("fee_due"),
            Fen::ZERO
        );
        assert_ne!(
            run("2026Q3", 61_800, Some(60_001)).money("fee_due"),
            Fen::ZERO
        );
    }

    #[test]
    fn before_the_halving_the_whole_fee_is_due() {
        assert_eq!(
            run("2019Q1", 110_000, None).money("fee_due"),
            Fen::from_yuan(3_000)
        );
    }
}
