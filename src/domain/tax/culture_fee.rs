//! 文化事业建设费申报表: the fee on advertising (and entertainment) services, filed with the
//! VAT return's period, line by line as the official form (see `fixtures/policy/culture_fee.toml`).

use super::policy::{CultureFeeRule, rule_for};
use super::{Assessment, Policy, PolicyError, Value};
use crate::domain::money::{Fen, Rate};
use crate::domain::period::TaxPeriod;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CultureFeeInput {
    pub period: TaxPeriod,
    /// 应征收入: the VAT-inclusive income from the services that owe the fee (line 1).
    pub income: Fen,
    /// 免征收入: income from the same services exempt from the fee (line 2).
    pub exempt_income: Fen,
    /// 减除项目期初金额: deductions carried from the last period's line 7 (line 3).
    pub deduction_opening: Fen,
    /// 减除项目本期发生额: advertising publication fees paid to other advertisers in the
    /// period, VAT-inclusive (line 4).
    pub deduction: Fen,
    /// For the small-scale threshold: the period's sales excluding VAT; `None` for a
    /// general taxpayer (no threshold).
    pub small_scale_sales: Option<Fen>,
    /// 本期预缴费额 (line 13).
    pub prepaid: Fen,
    /// Whether the fee is central revenue (a central unit's); local otherwise.
    pub central: bool,
    /// The province's cut of a local fee (bounded by the rule's maximum).
    pub local_cut: Rate,
}

pub fn assess(policy: &Policy, input: &CultureFeeInput) -> Result<Assessment, PolicyError> {
    let rule: &CultureFeeRule = rule_for(&policy.culture_fee, "culture_fee", input.period)?;
    let mut a = Assessment::new("culture-fee", input.period);
    a.policy.push(rule.id.clone());
    let l1 = a.line("1", "culture_fee.line.1", input.income, "");
    let l2 = a.line("2", "culture_fee.line.2", input.exempt_income, "");
    let l3 = a.line("3", "culture_fee.line.3", input.deduction_opening, "");
    let l4 = a.line("4", "culture_fee.line.4", input.deduction, "");
    let available = l3 + l4;
    let l5 = a.line(
        "5",
        "culture_fee.line.5",
        available.min(l1).max(Fen::ZERO),
        "min(L3 + L4, L1)",
    );
    let l6 = a.line(
        "6",
        "culture_fee.line.6",
        (available - l5).min(l2).max(Fen::ZERO),
        "min(L3 + L4 − L5, L2)",
    );
    let l7 = a.line(
        "7",
        "culture_fee.line.7",
        available - l5 - l6,
        "L3 + L4 − L5 − L6",
    );
    let l8 = a.line("8", "culture_fee.line.8", l1 - l5, "L1 − L5");
    a.steps.push(super::Step {
        line: Some("9".into()),
        key: "culture_fee.line.9",
        value: Value::Rate(rule.rate),
        formula: String::new(),
    });
    let l10 = a.line(
        "10",
        "culture_fee.line.10",
        l8.max(Fen::ZERO).times(rule.rate),
        format!("L8 × {}", rule.rate),
    );
    let threshold = if input.period.is_quarter() {
        rule.threshold_quarter
    } else {
        rule.threshold_month
    };
    let under = input.small_scale_sales.is_some_and(|s| s <= threshold);
    // 减征/免征: the whole fee, or the share the rule (and, for local revenue, the
    // province) takes off. Filed as the period's 减免; line 18 is what is left to pay.
    let (reduction, working) = if rule.exempt {
        a.notes.push("note.culture_fee_exempt_year");
        (l10, "L10".to_owned())
    } else if under {
        a.notes.push("note.culture_fee_exempt");
        (l10, format!("≤ {threshold}"))
    } else if input.central {
        match rule.central_cut {
            Some(cut) => {
                a.notes.push("note.culture_fee_central_cut");
                (l10.times(cut), format!("L10 × {cut}"))
            }
            None => (Fen::ZERO, String::new()),
        }
    } else {
        match rule.local_cut_max {
            Some(max) => {
                let cut = if input.local_cut > max {
                    max
                } else {
                    input.local_cut
                };
                a.notes.push("note.culture_fee_local_cut");
                a.item(
                    "culture_fee.local_cut",
                    Value::Rate(cut),
                    format!("≤ {max}"),
                );
                (l10.times(cut), format!("L10 × {cut}"))
            }
            None => (Fen::ZERO, String::new()),
        }
    };
    a.item("culture_fee.reduction", Value::Money(reduction), working);
    let l13 = a.line("13", "culture_fee.line.13", input.prepaid, "");
    let l18 = a.line(
        "18",
        "culture_fee.line.18",
        l10 - reduction - l13,
        format!("L10 − {reduction} − L13"),
    );
    a.total("fee", l10 - reduction);
    a.total("fee_due", l18);
    a.total("deduction_carried", l7);
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(period: &str, income: i64, small: Option<i64>) -> CultureFeeInput {
        CultureFeeInput {
            period: TaxPeriod::parse(period).unwrap(),
            income: Fen::from_yuan(income),
            exempt_income: Fen::ZERO,
            deduction_opening: Fen::ZERO,
            deduction: Fen::from_yuan(10_000),
            small_scale_sales: small.map(Fen::from_yuan),
            prepaid: Fen::ZERO,
            central: false,
            local_cut: Rate::percent(50),
        }
    }

    fn run(period: &str, income: i64, small: Option<i64>) -> Assessment {
        assess(Policy::embedded(), &input(period, income, small)).unwrap()
    }

    fn line(a: &Assessment, l: &str) -> Fen {
        match a.line_value(l) {
            Some(Value::Money(m)) => m,
            other => panic!("line {l}: {other:?}"),
        }
    }

    #[test]
    fn three_percent_of_the_income_less_deductions_with_the_local_cut() {
        // (106,000 − 10,000) × 3% = 2,880.00; the province's 50% cut → 1,440.00
        let a = run("2026Q3", 106_000, None);
        assert_eq!(line(&a, "8"), Fen::from_yuan(96_000));
        assert_eq!(line(&a, "10"), Fen::from_yuan(2_880));
        assert_eq!(line(&a, "18"), Fen::from_yuan(1_440));
        assert_eq!(a.money("fee_due"), Fen::from_yuan(1_440));
    }

    #[test]
    fn the_province_chooses_its_cut_up_to_half() {
        // 财税〔2025〕7号: a province may cut local revenue by up to 50%
        let mut i = input("2026Q3", 106_000, None);
        i.local_cut = Rate::percent(20);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "18"), Fen::from_yuan(2_304));
        i.local_cut = Rate::percent(80);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "18"), Fen::from_yuan(1_440), "never beyond 50%");
        // central revenue: 50% whatever the province chose
        i.central = true;
        i.local_cut = Rate::percent(0);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "18"), Fen::from_yuan(1_440));
    }

    #[test]
    fn deductions_beyond_the_income_carry_forward_on_line_7() {
        let mut i = input("2026Q3", 8_000, None);
        i.deduction_opening = Fen::from_yuan(3_000);
        i.deduction = Fen::from_yuan(10_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "5"), Fen::from_yuan(8_000));
        assert_eq!(line(&a, "7"), Fen::from_yuan(5_000));
        assert_eq!(line(&a, "8"), Fen::ZERO);
        assert_eq!(a.money("deduction_carried"), Fen::from_yuan(5_000));
        assert_eq!(a.money("fee_due"), Fen::ZERO);
        // exempt income takes what the fee-bearing income left
        i.exempt_income = Fen::from_yuan(2_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "6"), Fen::from_yuan(2_000));
        assert_eq!(line(&a, "7"), Fen::from_yuan(3_000));
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
    fn before_the_cuts_the_whole_fee_is_due_and_2020_owes_none() {
        assert_eq!(
            run("2019Q1", 110_000, None).money("fee_due"),
            Fen::from_yuan(3_000)
        );
        // 财政部 国家电影局公告2020年第25号
        assert_eq!(run("2020Q3", 110_000, None).money("fee_due"), Fen::ZERO);
        assert_eq!(
            run("2021Q1", 110_000, None).money("fee_due"),
            Fen::from_yuan(1_500)
        );
    }
}
