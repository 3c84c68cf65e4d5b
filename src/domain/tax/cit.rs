//! 企业所得税月（季）度预缴纳税申报表（A类）A200000, year to date.

use super::policy::{CitRule, rule_for};
use super::{Assessment, Policy, PolicyError, Step, Value};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;

/// Headcount and total assets at the start and end of one quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarterSize {
    pub headcount_start: i64,
    pub headcount_end: i64,
    pub assets_start: Fen,
    pub assets_end: Fen,
}

impl QuarterSize {
    /// A quarter the headcount and assets did not change in.
    pub fn steady(headcount: i64, assets: Fen) -> QuarterSize {
        QuarterSize {
            headcount_start: headcount,
            headcount_end: headcount,
            assets_start: assets,
            assets_end: assets,
        }
    }
}

/// How the small low-profit question is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmallLowProfit {
    /// Decide from the quarters so far this year (and the income and industry tests).
    FromSize(Vec<QuarterSize>),
    /// The filer states it.
    Declared(bool),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitInput {
    /// A quarter; all amounts are year to date.
    pub period: TaxPeriod,
    pub revenue: Fen,
    pub cost: Fen,
    pub total_profit: Fen,
    pub specific_business_income: Fen,
    pub non_taxable_income: Fen,
    pub exempt_income: Fen,
    pub accelerated_depreciation: Fen,
    pub loss_offset: Fen,
    /// Income tax already paid this year (line 13).
    pub prepaid_tax: Fen,
    /// Tax prepaid on specific business (line 14).
    pub specific_prepaid_tax: Fen,
    pub restricted_industry: bool,
    pub small_low_profit: SmallLowProfit,
}

pub fn assess(policy: &Policy, input: &CitInput) -> Result<Assessment, PolicyError> {
    let rule: &CitRule = rule_for(&policy.cit, "cit", input.period)?;
    let mut a = Assessment::new("cit-quarterly", input.period);
    a.policy.push(rule.id.clone());
    if let Some(u) = &rule.unverified {
        a.notes.push(super::unverified_note(u));
    }

    a.line("1", "cit.line.1", input.revenue, "");
    a.line("2", "cit.line.2", input.cost, "");
    let l3 = a.line("3", "cit.line.3", input.total_profit, "");
    let l4 = a.line("4", "cit.line.4", input.specific_business_income, "");
    let l5 = a.line("5", "cit.line.5", input.non_taxable_income, "");
    let l6 = a.line("6", "cit.line.6", input.exempt_income, "");
    let l7 = a.line("7", "cit.line.7", input.accelerated_depreciation, "");
    let l8 = a.line("8", "cit.line.8", input.loss_offset, "");
    let l9 = a.line(
        "9",
        "cit.line.9",
        l3 + l4 - l5 - l6 - l7 - l8,
        "L3 + L4 − L5 − L6 − L7 − L8",
    );
    a.steps.push(Step {
        line: Some("10".into()),
        key: "cit.line.10",
        value: Value::Rate(rule.rate),
        formula: String::new(),
    });
    let taxable = l9.max(Fen::ZERO);
    let l11 = a.line(
        "11",
        "cit.line.11",
        taxable.times(rule.rate),
        format!("max(L9, 0) × {}", rule.rate),
    );

    let qualifies = small_low_profit(&mut a, rule, input, l9);
    let l12 = if qualifies {
        let mut reduced = Fen::ZERO;
        let mut lower = Fen::ZERO;
        for b in &rule.brackets {
            let part = taxable.min(b.upto) - lower;
            if part > Fen::ZERO {
                let tax = part.times2(b.taxable_share, b.rate);
                a.item(
                    "cit.bracket_tax",
                    Value::Money(tax),
                    format!("{part} × {} × {}", b.taxable_share, b.rate),
                );
                reduced += tax;
            }
            lower = b.upto;
        }
        a.line(
            "12",
            "cit.line.12",
            l11 - reduced,
            format!("L11 − {reduced}"),
        )
    } else {
        a.line("12", "cit.line.12", Fen::ZERO, "")
    };
    let l13 = a.line("13", "cit.line.13", input.prepaid_tax, "");
    let l14 = a.line("14", "cit.line.14", input.specific_prepaid_tax, "");
    // The form enters 0 when L11 − L12 − L13 − L14 is negative: prepayments are not refunded.
    let l15 = a.line(
        "15",
        "cit.line.15",
        (l11 - l12 - l13 - l14).max(Fen::ZERO),
        "max(L11 − L12 − L13 − L14, 0)",
    );

    if qualifies {
        a.notes.push("note.small_low_profit");
    }
    a.totals.push(("small_low_profit", Value::Flag(qualifies)));
    a.total("taxable_income", l9);
    a.total("tax", l11 - l12);
    a.total("tax_due", l15);
    Ok(a)
}

/// Decide the small low-profit question and record the averages on the working.
fn small_low_profit(a: &mut Assessment, rule: &CitRule, input: &CitInput, l9: Fen) -> bool {
    let size_ok = match &input.small_low_profit {
        SmallLowProfit::Declared(answer) => *answer,
        SmallLowProfit::FromSize(quarters) => {
            let n = quarters.len().max(1) as i64;
            // Average of quarterly averages, each (start + end) / 2: compare Σ(start + end) with limit × 2n.
            let heads: i64 = quarters
                .iter()
                .map(|q| q.headcount_start + q.headcount_end)
                .sum();
            let assets: Fen = quarters.iter().map(|q| q.assets_start + q.assets_end).sum();
            a.item(
                "cit.avg_headcount",
                Value::Hundredths(heads * 100 / (2 * n)),
                format!("{heads} / {}", 2 * n),
            );
            a.item(
                "cit.avg_assets",
                Value::Money(assets.mul_ratio(1, i128::from(2 * n))),
                format!("{assets} / {}", 2 * n),
            );
            heads <= rule.headcount_limit * 2 * n && assets.fen() <= rule.assets_limit.fen() * 2 * n
        }
    };
    !input.restricted_industry && size_ok && l9 <= rule.income_limit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(taxable: i64) -> CitInput {
        CitInput {
            period: TaxPeriod::parse("2025Q4").unwrap(),
            revenue: Fen::from_yuan(10_000_000),
            cost: Fen::from_yuan(7_000_000),
            total_profit: Fen::from_yuan(taxable),
            specific_business_income: Fen::ZERO,
            non_taxable_income: Fen::ZERO,
            exempt_income: Fen::ZERO,
            accelerated_depreciation: Fen::ZERO,
            loss_offset: Fen::ZERO,
            prepaid_tax: Fen::ZERO,
            specific_prepaid_tax: Fen::ZERO,
            restricted_industry: false,
            small_low_profit: SmallLowProfit::FromSize(vec![QuarterSize {
                headcount_start: 40,
                headcount_end: 50,
                assets_start: Fen::from_yuan(8_000_000),
                assets_end: Fen::from_yuan(9_000_000),
            }]),
        }
    }

    fn line(a: &Assessment, l: &str) -> Fen {
        match a.line_value(l) {
            Some(Value::Money(m)) => m,
            other => panic!("line {l}: {other:?}"),
        }
    }

    #[test]
    fn worked_example_small_low_profit() {
        // TAXRULES.md: taxable income 2,000,000 → L11 500,000; L12 400,000; tax 100,000.
        let a = assess(Policy::embedded(), &input(2_000_000)).unwrap();
        assert_eq!(line(&a, "11"), Fen::from_yuan(500_000));
        assert_eq!(line(&a, "12"), Fen::from_yuan(400_000));
        assert_eq!(line(&a, "15"), Fen::from_yuan(100_000));
        assert_eq!(a.money("tax"), Fen::from_yuan(100_000));
    }

    #[test]
    fn above_the_limit_loses_the_preference() {
        let a = assess(Policy::embedded(), &input(3_000_001)).unwrap();
        assert_eq!(line(&a, "12"), Fen::ZERO);
        assert_eq!(line(&a, "15"), Fen::new(75_000_025));
    }

    #[test]
    fn restricted_industry_and_size_disqualify() {
        let mut i = input(1_000_000);
        i.restricted_industry = true;
        assert_eq!(
            line(&assess(Policy::embedded(), &i).unwrap(), "12"),
            Fen::ZERO
        );
        let mut i = input(1_000_000);
        i.small_low_profit = SmallLowProfit::FromSize(vec![QuarterSize {
            headcount_start: 300,
            headcount_end: 302,
            assets_start: Fen::ZERO,
            assets_end: Fen::ZERO,
        }]);
        assert_eq!(
            line(&assess(Policy::embedded(), &i).unwrap(), "12"),
            Fen::ZERO
        );
    }

    #[test]
    fn the_2022_brackets_apply_to_2022() {
        // ≤ 1,000,000 at 12.5% × 20% = 25,000; the next 1,000,000 at 25% × 20% = 50,000.
        let mut i = input(2_000_000);
        i.period = TaxPeriod::parse("2022Q4").unwrap();
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(a.money("tax"), Fen::from_yuan(75_000));
    }

    #[test]
    fn prepayments_are_deducted_and_never_refunded() {
        let mut i = input(2_000_000);
        i.prepaid_tax = Fen::from_yuan(60_000);
        assert_eq!(
            line(&assess(Policy::embedded(), &i).unwrap(), "15"),
            Fen::from_yuan(40_000)
        );
        i.prepaid_tax = Fen::from_yuan(160_000);
        assert_eq!(
            line(&assess(Policy::embedded(), &i).unwrap(), "15"),
            Fen::ZERO
        );
    }

    #[test]
    fn a_loss_owes_nothing() {
        let a = assess(Policy::embedded(), &input(-50_000)).unwrap();
        assert_eq!(line(&a, "9"), Fen::from_yuan(-50_000));
        assert_eq!(line(&a, "15"), Fen::ZERO);
    }

    #[test]
    fn rules_not_checked_against_the_official_text_say_so() {
        let p = Policy::embedded();
        for u in p
            .cit
            .iter()
            .filter_map(|r| r.unverified.as_deref())
            .chain(p.vat_small.iter().filter_map(|r| r.unverified.as_deref()))
        {
            assert_eq!(
                crate::domain::tax::unverified_note(u),
                u,
                "a known note key"
            );
        }
        let mut i = input(1_000_000);
        i.period = TaxPeriod::parse("2025Q3").unwrap();
        let a = assess(p, &i).unwrap();
        assert!(a.notes.contains(&"note.cit_form_2025_unverified"));
        i.period = TaxPeriod::parse("2025Q2").unwrap();
        let a = assess(p, &i).unwrap();
        assert!(!a.notes.contains(&"note.cit_form_2025_unverified"));
    }
}
