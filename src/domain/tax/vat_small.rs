//! 增值税及附加税费申报表（小规模纳税人适用）: every line in its two columns, 货物及劳务 and
//! 服务、不动产和无形资产 (the threshold is tested on both together; each column's tax is
//! worked out on its own and the line's total is their sum).

use super::policy::{HalvingGroup, ThresholdRule, VatSmallRule, rule_for};
use super::surcharges::{self, SurchargeInput};
use super::{Assessment, LocationTier, Policy, PolicyError};
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;

/// The sales of one column of the return.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmallColumn {
    /// Sales at the 3% levy rate, excluding VAT, on special invoices (专用发票).
    pub sales_3pct_special: Fen,
    /// Of those, special invoices at the full 3% (放弃减税, STA公告2023年第1号; 2026年第4号):
    /// not reduced on line 16.
    pub sales_3pct_special_full: Fen,
    /// Sales at the 3% levy rate on ordinary invoices or without invoice.
    pub sales_3pct_other: Fen,
    /// Sales exempt under other provisions (line 12).
    pub other_exempt_sales: Fen,
    /// Tax prepaid during the period (line 21).
    pub prepaid_tax: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatSmallInput {
    pub period: TaxPeriod,
    /// 货物及劳务: goods, processing and repairs.
    pub goods: SmallColumn,
    /// 服务、不动产和无形资产: services, real estate and intangibles.
    pub services: SmallColumn,
    /// Sales of real estate at 5% (services column), on special invoices: outside the
    /// threshold test.
    pub sales_5pct_special: Fen,
    pub sales_5pct_other: Fen,
    /// Rent of real estate (出租不动产) at 5% (services column), on special invoices: counts
    /// towards the threshold, and the ordinary part is exempt under it (STA公告2021年第5号,
    /// 2023年第1号).
    pub lease_5pct_special: Fen,
    pub lease_5pct_other: Fen,
    /// Where the company is; when given, lines 23–25 carry the surcharges.
    pub tier: Option<LocationTier>,
}

impl VatSmallInput {
    /// A return with nothing on it.
    pub fn empty(period: TaxPeriod) -> VatSmallInput {
        VatSmallInput {
            period,
            goods: SmallColumn::default(),
            services: SmallColumn::default(),
            sales_5pct_special: Fen::ZERO,
            sales_5pct_other: Fen::ZERO,
            lease_5pct_special: Fen::ZERO,
            lease_5pct_other: Fen::ZERO,
            tier: None,
        }
    }
}

/// One line's two columns.
type Pair = [Fen; 2];

fn sum(p: Pair) -> Fen {
    p[0] + p[1]
}

fn add(a: Pair, b: Pair) -> Pair {
    [a[0] + b[0], a[1] + b[1]]
}

fn sub(a: Pair, b: Pair) -> Pair {
    [a[0] - b[0], a[1] - b[1]]
}

fn each(c: [&SmallColumn; 2], f: impl Fn(&SmallColumn) -> Fen) -> Pair {
    [f(c[0]), f(c[1])]
}

/// Only the services column.
fn services(amount: Fen) -> Pair {
    [Fen::ZERO, amount]
}

pub fn assess(policy: &Policy, input: &VatSmallInput) -> Result<Assessment, PolicyError> {
    let rule: &VatSmallRule = rule_for(&policy.vat_small, "vat_small", input.period)?;
    let mut a = Assessment::new("vat-small", input.period);
    a.policy.push(rule.id.clone());
    if let Some(u) = &rule.unverified {
        a.notes.push(super::unverified_note(u));
    }
    let levy = rule.levy_rate;
    let real_estate = rule.real_estate_rate;
    let cols = [&input.goods, &input.services];

    // The threshold (起征点 / 小微企业免税) looks at all sales but sales of real estate
    // (STA公告2023年第1号 第一条).
    let threshold = if input.period.is_quarter() {
        rule.threshold_quarter
    } else {
        rule.threshold_month
    };
    let tested = sum(each(cols, |c| {
        c.sales_3pct_special + c.sales_3pct_other + c.other_exempt_sales
    })) + input.lease_5pct_special
        + input.lease_5pct_other;
    let under = match rule.threshold_rule {
        ThresholdRule::AtOrBelow => tested <= threshold,
        ThresholdRule::Below => tested < threshold,
    };
    a.item(
        "vat_small.threshold_sales",
        super::Value::Money(tested),
        match rule.threshold_rule {
            ThresholdRule::AtOrBelow => format!("≤ {threshold}"),
            ThresholdRule::Below => format!("< {threshold}"),
        },
    );

    // Under the threshold, sales not on special invoices are exempt; some years exempted
    // every levy-rate sale (exempt_all_levy_rate_sales).
    let zero = [Fen::ZERO; 2];
    let other_3 = each(cols, |c| c.sales_3pct_other);
    let exempt_3 = if under { other_3 } else { zero };
    let exempt_lease = if under {
        services(input.lease_5pct_other)
    } else {
        zero
    };
    let taxed_3 = if under || rule.exempt_all_levy_rate_sales {
        zero
    } else {
        other_3
    };
    let exempt_policy = if !under && rule.exempt_all_levy_rate_sales {
        other_3
    } else {
        zero
    };
    let lease_taxed = if under {
        Fen::ZERO
    } else {
        input.lease_5pct_other
    };
    // 小微企业免税 (at or below the threshold) or 未达起征点 (below it)
    let small = matches!(rule.threshold_rule, ThresholdRule::AtOrBelow);
    let (l10_3, l10_5, l11_3, l11_5) = if small {
        (exempt_3, exempt_lease, zero, zero)
    } else {
        (zero, zero, exempt_3, exempt_lease)
    };

    let l2 = a.pair(
        "2",
        "vat_small.line.2",
        each(cols, |c| c.sales_3pct_special),
        "",
    );
    let l3 = a.pair("3", "vat_small.line.3", taxed_3, "");
    let l1 = a.pair("1", "vat_small.line.1", add(l2, l3), "L2 + L3");
    let l5 = a.pair(
        "5",
        "vat_small.line.5",
        services(input.sales_5pct_special + input.lease_5pct_special),
        "",
    );
    let l6 = a.pair(
        "6",
        "vat_small.line.6",
        services(input.sales_5pct_other + lease_taxed),
        "",
    );
    let l4 = a.pair("4", "vat_small.line.4", add(l5, l6), "L5 + L6");
    let l10 = a.pair("10", "vat_small.line.10", add(l10_3, l10_5), "");
    let l11 = a.pair("11", "vat_small.line.11", add(l11_3, l11_5), "");
    let l12 = a.pair(
        "12",
        "vat_small.line.12",
        add(each(cols, |c| c.other_exempt_sales), exempt_policy),
        "",
    );
    a.pair(
        "9",
        "vat_small.line.9",
        add(add(l10, l11), l12),
        "L10 + L11 + L12",
    );

    let tax = |s3: Pair, s5: Pair| -> Pair {
        [
            s3[0].times(levy) + s5[0].times(real_estate),
            s3[1].times(levy) + s5[1].times(real_estate),
        ]
    };
    let l15 = a.pair(
        "15",
        "vat_small.line.15",
        tax(l1, l4),
        format!("L1 × {levy} + L4 × {real_estate}"),
    );
    // 减按1%: only the 3% sales not invoiced at the full rate
    let full = each(cols, |c| c.sales_3pct_special_full);
    let l16 = match rule.reduced_rate {
        Some(reduced) => {
            let cut = levy.minus(reduced);
            let base = sub(l1, full);
            let working = if sum(full) == Fen::ZERO {
                format!("L1 × ({levy} − {reduced})")
            } else {
                format!("(L1 − {}) × ({levy} − {reduced})", sum(full))
            };
            a.pair(
                "16",
                "vat_small.line.16",
                [base[0].times(cut), base[1].times(cut)],
                working,
            )
        }
        None => a.pair("16", "vat_small.line.16", zero, ""),
    };
    let working = |line: &str| {
        if sum(exempt_lease) == Fen::ZERO {
            format!("{line} × {levy}")
        } else {
            format!("{line} (3%) × {levy} + {line} (5%) × {real_estate}")
        }
    };
    let l18 = a.pair("18", "vat_small.line.18", tax(l10_3, l10_5), working("L10"));
    let l19 = a.pair("19", "vat_small.line.19", tax(l11_3, l11_5), working("L11"));
    a.pair("17", "vat_small.line.17", add(l18, l19), "L18 + L19");
    let l20 = a.pair("20", "vat_small.line.20", sub(l15, l16), "L15 − L16");
    let l21 = a.pair("21", "vat_small.line.21", each(cols, |c| c.prepaid_tax), "");
    let l22 = a.pair("22", "vat_small.line.22", sub(l20, l21), "L20 − L21");
    let (l20, l22) = (sum(l20), sum(l22));
    let mut surcharge_total = Fen::ZERO;
    if let Some(tier) = input.tier {
        let s = surcharges::compute(
            policy,
            &SurchargeInput {
                period: input.period,
                tier,
                vat: l20,
                consumption_tax: Fen::ZERO,
                groups: vec![HalvingGroup::SmallScale],
                sales: Some(tested + input.sales_5pct_special + input.sales_5pct_other),
            },
        )?;
        a.policy.push(s.rule_id.clone());
        surcharges::present(&mut a, &s, ["23", "24", "25"]);
        surcharge_total = s.total();
    }

    if under {
        a.notes.push(match rule.threshold_rule {
            ThresholdRule::AtOrBelow => "note.small_exempt",
            ThresholdRule::Below => "note.below_threshold",
        });
    }
    if rule.exempt_all_levy_rate_sales {
        a.notes.push("note.levy_rate_sales_exempt");
    }
    if rule.reduced_rate.is_some() && sum(l1) != Fen::ZERO {
        a.notes.push("note.reduced_rate");
    }
    // where the form puts the exempt 3% sales and rent (the form's placement checks)
    a.total("rent_exempt", sum(exempt_lease));
    a.totals
        .push(("exempt_on_line_10", super::Value::Flag(small)));
    a.total("vat_payable", l20);
    a.total("vat_due", l22);
    a.total("surcharges", surcharge_total);
    a.total("total_due", l22 + surcharge_total);
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tax::Value;

    fn input(period: &str, other: i64) -> VatSmallInput {
        let mut i = VatSmallInput::empty(TaxPeriod::parse(period).unwrap());
        i.services.sales_3pct_other = Fen::from_yuan(other);
        i
    }

    fn line(a: &Assessment, l: &str) -> Fen {
        match a.line_value(l) {
            Some(Value::Money(m)) => m,
            other => panic!("line {l}: {other:?}"),
        }
    }

    #[test]
    fn worked_example_2023_rules() {
        // TAXRULES.md: 400,000 on ordinary invoices, urban → L1 400,000; L15 12,000; L16 8,000; L20 = L22 = 4,000.
        let mut i = input("2025Q3", 400_000);
        i.tier = Some(LocationTier::Urban);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "1"), Fen::from_yuan(400_000));
        assert_eq!(line(&a, "15"), Fen::from_yuan(12_000));
        assert_eq!(line(&a, "16"), Fen::from_yuan(8_000));
        assert_eq!(line(&a, "20"), Fen::from_yuan(4_000));
        assert_eq!(line(&a, "22"), Fen::from_yuan(4_000));
        assert_eq!(line(&a, "23"), Fen::from_yuan(140));
        assert_eq!(line(&a, "24"), Fen::from_yuan(60));
        assert_eq!(line(&a, "25"), Fen::from_yuan(40));
        assert_eq!(a.money("total_due"), Fen::from_yuan(4_240));
    }

    #[test]
    fn at_the_threshold_is_exempt_until_2025() {
        let a = assess(Policy::embedded(), &input("2025Q3", 300_000)).unwrap();
        assert_eq!(line(&a, "10"), Fen::from_yuan(300_000));
        assert_eq!(line(&a, "20"), Fen::ZERO);
        assert!(a.notes.contains(&"note.small_exempt"));
    }

    #[test]
    fn reaching_the_threshold_taxes_everything_from_2026() {
        let a = assess(Policy::embedded(), &input("2026Q3", 300_000)).unwrap();
        assert_eq!(line(&a, "1"), Fen::from_yuan(300_000));
        assert_eq!(line(&a, "20"), Fen::from_yuan(3_000));
        let below = assess(Policy::embedded(), &input("2026Q3", 299_999)).unwrap();
        assert_eq!(line(&below, "11"), Fen::from_yuan(299_999));
        assert_eq!(line(&below, "20"), Fen::ZERO);
    }

    #[test]
    fn special_invoices_stay_taxable_below_the_threshold() {
        let mut i = input("2025Q2", 100_000);
        i.services.sales_3pct_special = Fen::from_yuan(50_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "1"), Fen::from_yuan(50_000));
        assert_eq!(line(&a, "10"), Fen::from_yuan(100_000));
        assert_eq!(line(&a, "20"), Fen::from_yuan(500));
    }

    #[test]
    fn monthly_threshold_applies_to_monthly_filers() {
        let a = assess(Policy::embedded(), &input("2025-08", 120_000)).unwrap();
        assert_eq!(line(&a, "20"), Fen::from_yuan(1_200));
    }

    #[test]
    fn earlier_rules_apply_to_earlier_periods() {
        // 2021Q3: threshold 450,000, no reduction.
        let a = assess(Policy::embedded(), &input("2021Q3", 500_000)).unwrap();
        assert_eq!(line(&a, "20"), Fen::from_yuan(15_000));
        // 2022Q3: 3% sales exempt even above the threshold.
        let a = assess(Policy::embedded(), &input("2022Q3", 500_000)).unwrap();
        assert_eq!(line(&a, "12"), Fen::from_yuan(500_000));
        assert_eq!(line(&a, "20"), Fen::ZERO);
    }

    #[test]
    fn real_estate_is_taxed_at_five_percent_without_reduction() {
        let mut i = input("2025Q3", 0);
        i.sales_5pct_other = Fen::from_yuan(1_000_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "15"), Fen::from_yuan(50_000));
        assert_eq!(line(&a, "16"), Fen::ZERO);
    }

    #[test]
    fn prepaid_tax_reduces_the_amount_due() {
        let mut i = input("2025Q3", 400_000);
        i.services.prepaid_tax = Fen::from_yuan(1_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "22"), Fen::from_yuan(3_000));
    }

    #[test]
    fn rent_counts_towards_the_threshold_and_is_exempt_under_it() {
        // STA公告2021年第5号, 2023年第1号: rent of real estate is in the 30万 test; a sale of
        // real estate is not.
        let mut i = input("2025Q3", 200_000);
        i.lease_5pct_other = Fen::from_yuan(90_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "10"), Fen::from_yuan(290_000), "both exempt");
        assert_eq!(line(&a, "4"), Fen::ZERO);
        assert_eq!(
            line(&a, "18"),
            Fen::from_yuan(6_000 + 4_500),
            "3% and 5% exemptions"
        );
        assert_eq!(line(&a, "17"), line(&a, "18"));
        assert_eq!(line(&a, "20"), Fen::ZERO);
        // 20,000 more rent goes over 300,000: all taxed, rent at 5% unreduced
        i.lease_5pct_other = Fen::from_yuan(110_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "10"), Fen::ZERO);
        assert_eq!(line(&a, "6"), Fen::from_yuan(110_000));
        assert_eq!(line(&a, "15"), Fen::from_yuan(6_000 + 5_500));
        assert_eq!(line(&a, "16"), Fen::from_yuan(4_000));
        assert_eq!(line(&a, "20"), Fen::from_yuan(7_500));
        // a sale of real estate does not count: 200,000 + a 1,000,000 sale stays exempt
        let mut i = input("2025Q3", 200_000);
        i.sales_5pct_other = Fen::from_yuan(1_000_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "10"), Fen::from_yuan(200_000));
        assert_eq!(line(&a, "20"), Fen::from_yuan(50_000));
    }

    #[test]
    fn special_invoices_at_the_full_rate_are_not_reduced() {
        // 放弃减税 (STA公告2023年第1号): 100,000 on 3% special invoices, 300,000 on ordinary
        let mut i = input("2025Q3", 300_000);
        i.services.sales_3pct_special = Fen::from_yuan(100_000);
        i.services.sales_3pct_special_full = Fen::from_yuan(100_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "1"), Fen::from_yuan(400_000));
        assert_eq!(line(&a, "15"), Fen::from_yuan(12_000));
        assert_eq!(
            line(&a, "16"),
            Fen::from_yuan(6_000),
            "only the 300,000 at 1%"
        );
        assert_eq!(line(&a, "20"), Fen::from_yuan(6_000));
    }

    #[test]
    fn line_17_does_not_count_other_exempt_sales() {
        let mut i = input("2025Q3", 0);
        i.services.other_exempt_sales = Fen::from_yuan(50_000);
        let a = assess(Policy::embedded(), &i).unwrap();
        assert_eq!(line(&a, "12"), Fen::from_yuan(50_000));
        assert_eq!(line(&a, "17"), Fen::ZERO);
    }
}
