//! Late-payment surcharge (滞纳金).

use chrono::NaiveDate;

use super::policy::{LateFeeRule, rule_for};
use super::{Assessment, Policy, PolicyError, Value};
use crate::domain::money::Fen;
use crate::domain::period::{TaxPeriod, YearMonth};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateFeeInput {
    /// The period the tax belongs to (for the report; the deadline is given).
    pub period: TaxPeriod,
    pub tax: Fen,
    pub deadline: NaiveDate,
    pub paid_on: NaiveDate,
}

/// Days of delay: from the day after the deadline to the payment day inclusive (算尾不算头).
pub fn days_late(deadline: NaiveDate, paid_on: NaiveDate) -> i64 {
    (paid_on - deadline).num_days().max(0)
}

/// The surcharge alone, for callers that need only the figure.
pub fn fee(
    policy: &Policy,
    tax: Fen,
    deadline: NaiveDate,
    paid_on: NaiveDate,
) -> Result<Fen, PolicyError> {
    let rule = rule_at(policy, deadline)?;
    Ok(tax.max(Fen::ZERO).mul_ratio(
        i128::from(rule.daily_rate.ppm()) * i128::from(days_late(deadline, paid_on)),
        1_000_000,
    ))
}

fn rule_at(policy: &Policy, deadline: NaiveDate) -> Result<&LateFeeRule, PolicyError> {
    rule_for(
        &policy.late_fee,
        "late_fee",
        TaxPeriod::Month(YearMonth::of(deadline)),
    )
}

pub fn assess(policy: &Policy, input: &LateFeeInput) -> Result<Assessment, PolicyError> {
    let rule = rule_at(policy, input.deadline)?;
    let mut a = Assessment::new("late-fee", input.period);
    a.policy.push(rule.id.clone());
    let days = days_late(input.deadline, input.paid_on);
    let amount = fee(policy, input.tax, input.deadline, input.paid_on)?;
    a.item("late_fee.tax", Value::Money(input.tax), "");
    a.item(
        "late_fee.days",
        Value::Count(days),
        format!("{} − {}", input.paid_on, input.deadline),
    );
    a.item("late_fee.daily_rate", Value::Rate(rule.daily_rate), "");
    a.item(
        "late_fee.amount",
        Value::Money(amount),
        format!("{} × {} × {days}", input.tax, rule.daily_rate),
    );
    a.totals.push(("days", Value::Count(days)));
    a.total("late_fee", amount);
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn worked_example_ten_days() {
        // TAXRULES.md: due 15 April, paid 25 April → 10 days → tax × 0.05% × 10.
        let input = LateFeeInput {
            period: TaxPeriod::parse("2026-03").unwrap(),
            tax: Fen::from_yuan(4_000),
            deadline: date("2026-04-15"),
            paid_on: date("2026-04-25"),
        };
        let a = assess(Policy::embedded(), &input).unwrap();
        assert_eq!(a.total_value("days"), Some(Value::Count(10)));
        assert_eq!(a.money("late_fee"), Fen::from_yuan(20));
    }

    #[test]
    fn on_time_costs_nothing_and_rounding_is_once() {
        let p = Policy::embedded();
        assert_eq!(
            fee(
                p,
                Fen::from_yuan(4_000),
                date("2026-04-15"),
                date("2026-04-15")
            )
            .unwrap(),
            Fen::ZERO
        );
        // 333.33 × 0.05% × 3 = 0.499995 → 0.50 (rounded once, not per day)
        assert_eq!(
            fee(p, Fen::new(33_333), date("2026-04-15"), date("2026-04-18")).unwrap(),
            Fen::new(50)
        );
    }
}
