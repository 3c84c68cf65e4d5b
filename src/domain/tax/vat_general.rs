//! 增值税及附加税费申报表（一般纳税人适用）, main-form lines for output, input,
//! carry-forward credit and tax payable.

use super::policy::{HalvingGroup, VatGeneralRule, rule_for};
use super::surcharges::{self, SurchargeInput};
use super::{Assessment, LocationTier, Policy, PolicyError, Value};
use crate::domain::money::{Fen, Rate};
use crate::domain::period::TaxPeriod;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatGeneralInput {
    pub period: TaxPeriod,
    /// Taxable sales excluding VAT, by rate.
    pub sales: Vec<(Rate, Fen)>,
    /// Zero-rated (export) sales, line 7.
    pub zero_rated_sales: Fen,
    /// Exempt sales, line 8.
    pub exempt_sales: Fen,
    /// Input tax certified this period, line 12.
    pub input_tax: Fen,
    /// Carry-forward credit from the previous period (上期留抵), line 13.
    pub carried_credit: Fen,
    /// Input tax transferred out (进项税额转出), line 14.
    pub input_transferred_out: Fen,
    /// Tax prepaid in the period (分次预缴), line 28.
    pub prepaid_tax: Fen,
    pub tier: Option<LocationTier>,
    /// A small low-profit enterprise may halve its surcharges.
    pub small_low_profit: bool,
}

pub fn assess(policy: &Policy, input: &VatGeneralInput) -> Result<Assessment, PolicyError> {
    let rule: &VatGeneralRule = rule_for(&policy.vat_general, "vat_general", input.period)?;
    let mut a = Assessment::new("vat-general", input.period);
    a.policy.push(rule.id.clone());

    let mut taxable = Fen::ZERO;
    let mut output = Fen::ZERO;
    // Formulas hold figures and symbols only, so they read the same in every language.
    let mut taxable_terms = Vec::new();
    let mut output_terms = Vec::new();
    for &(rate, sales) in &input.sales {
        if !rule.rates.contains(&rate) {
            return Err(PolicyError::RateNotInForce {
                rate: rate.to_string(),
                period: input.period.to_string(),
            });
        }
        let tax = sales.times(rate);
        a.item(
            "vat_general.sales_at_rate",
            Value::Money(sales),
            format!("{rate}"),
        );
        a.item(
            "vat_general.output_at_rate",
            Value::Money(tax),
            format!("{sales} × {rate}"),
        );
        taxable += sales;
        output += tax;
        taxable_terms.push(sales.to_string());
        output_terms.push(tax.to_string());
    }
    a.line(
        "1",
        "vat_general.line.1",
        taxable,
        taxable_terms.join(" + "),
    );
    a.line("7", "vat_general.line.7", input.zero_rated_sales, "");
    a.line("8", "vat_general.line.8", input.exempt_sales, "");
    let l11 = a.line(
        "11",
        "vat_general.line.11",
        output,
        output_terms.join(" + "),
    );
    let l12 = a.line("12", "vat_general.line.12", input.input_tax, "");
    let l13 = a.line("13", "vat_general.line.13", input.carried_credit, "");
    let l14 = a.line("14", "vat_general.line.14", input.input_transferred_out, "");
    let l17 = a.line(
        "17",
        "vat_general.line.17",
        l12 + l13 - l14,
        "L12 + L13 − L14",
    );
    let l18 = a.line(
        "18",
        "vat_general.line.18",
        // The form: L17 if L17 < L11, else L11. A negative L17 (more transferred out than
        // there was to deduct) stays negative and so raises the tax on line 19.
        l17.min(l11),
        "min(L17, L11)",
    );
    let l19 = a.line("19", "vat_general.line.19", l11 - l18, "L11 − L18");
    let l20 = a.line("20", "vat_general.line.20", l17 - l18, "L17 − L18");
    let l24 = a.line("24", "vat_general.line.24", l19, "L19 + L21 − L23");
    let l28 = a.line("28", "vat_general.line.28", input.prepaid_tax, "");
    let l34 = a.line("34", "vat_general.line.34", l24 - l28, "L24 − L28");

    let mut surcharge_total = Fen::ZERO;
    if let Some(tier) = input.tier {
        let groups = if input.small_low_profit {
            vec![HalvingGroup::SmallLowProfit]
        } else {
            vec![]
        };
        let s = surcharges::compute(
            policy,
            &SurchargeInput {
                period: input.period,
                tier,
                vat: l24,
                consumption_tax: Fen::ZERO,
                groups,
                // 财税〔2016〕12号: monthly sales (quarterly for quarterly filers) at or below
                // the threshold exempt the two education surcharges
                sales: Some(
                    input.sales.iter().map(|(_, amount)| *amount).sum::<Fen>()
                        + input.zero_rated_sales
                        + input.exempt_sales,
                ),
            },
        )?;
        a.policy.push(s.rule_id.clone());
        surcharges::present(&mut a, &s, ["39", "40", "41"]);
        surcharge_total = s.total();
    }
    if l20 > Fen::ZERO {
        a.notes.push("note.credit_carried_forward");
    }
    a.total("output_tax", l11);
    a.total("deductible_input", l18);
    a.total("vat_payable", l24);
    a.total("carry_forward_credit", l20);
    a.total("vat_due", l34);
    a.total("surcharges", surcharge_total);
    a.total("total_due", l34 + surcharge_total);
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> VatGeneralInput {
        VatGeneralInput {
            period: TaxPeriod::parse("2026-09").unwrap(),
            sales: vec![
                (Rate::percent(13), Fen::from_yuan(1_000_000)),
                (Rate::percent(6), Fen::from_yuan(200_000)),
            ],
            zero_rated_sales: Fen::ZERO,
            exempt_sales: Fen::ZERO,
            input_tax: Fen::from_yuan(90_000),
            carried_credit: Fen::from_yuan(5_000),
            input_transferred_out: Fen::ZERO,
            prepaid_tax: Fen::ZERO,
            tier: Some(LocationTier::Urban),
            small_low_profit: false,
        }
    }

    #[test]
    fn output_minus_input_minus_credit() {
        let a = assess(Policy::embedded(), &input()).unwrap();
        // 130,000 + 12,000 output; 95,000 deductible.
        assert_eq!(a.money("output_tax"), Fen::from_yuan(142_000));
        assert_eq!(a.money("vat_payable"), Fen::from_yuan(47_000));
        assert_eq!(a.money("carry_forward_credit"), Fen::ZERO);
        // surcharges in full: 7% + 3% + 2% of 47,000
        assert_eq!(a.money("surcharges"), Fen::from_yuan(5_640));
    }

    #[test]
    fn a_small_low_profit_general_taxpayer_halves_its_surcharges() {
        // 财政部 税务总局公告2023年第12号 (六税两费): 47,000 × (7% + 3% + 2%) / 2
        let mut i = input();
        i.small_low_profit = true;
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(a.money("surcharges"), Fen::from_yuan(2_820));
    }

    #[test]
    fn monthly_sales_up_to_the_threshold_exempt_the_education_surcharges() {
        // 财税〔2016〕12号: a month's sales ≤ 100,000 → only urban maintenance (7%)
        let mut i = input();
        i.sales = vec![(Rate::percent(13), Fen::from_yuan(100_000))];
        i.input_tax = Fen::from_yuan(3_000);
        i.carried_credit = Fen::ZERO;
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(a.money("vat_payable"), Fen::from_yuan(10_000));
        assert_eq!(a.money("surcharges"), Fen::from_yuan(700));
        // one yuan more and all three are due
        i.sales = vec![(Rate::percent(13), Fen::from_yuan(100_001))];
        let a = assess(Policy::embedded(), &i).unwrap();
        assert!(a.money("surcharges") > Fen::from_yuan(1_200));
    }

    #[test]
    fn transfer_out_beyond_input_raises_the_tax() {
        let mut i = input();
        i.input_tax = Fen::from_yuan(10_000);
        i.carried_credit = Fen::ZERO;
        i.input_transferred_out = Fen::from_yuan(15_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        // L17 = −5,000 → L18 = −5,000, L19 = 142,000 + 5,000, nothing carried forward.
        assert_eq!(a.money("vat_payable"), Fen::from_yuan(147_000));
        assert_eq!(a.money("carry_forward_credit"), Fen::ZERO);
    }

    #[test]
    fn excess_input_carries_forward() {
        let mut i = input();
        i.input_tax = Fen::from_yuan(150_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(a.money("vat_payable"), Fen::ZERO);
        assert_eq!(a.money("carry_forward_credit"), Fen::from_yuan(13_000));
        assert_eq!(a.money("surcharges"), Fen::ZERO);
    }

    #[test]
    fn refuses_a_rate_that_is_not_in_force() {
        let mut i = input();
        i.sales.push((Rate::percent(17), Fen::from_yuan(1)));
        assert_eq!(
            assess(Policy::embedded(), &i).unwrap_err(),
            PolicyError::RateNotInForce {
                rate: "17%".into(),
                period: "2026-09".into()
            }
        );
    }
}
