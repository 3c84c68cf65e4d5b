//! Surcharges (附加税费): 城市维护建设税, 教育费附加, 地方教育附加.

use super::policy::{HalvingGroup, SurchargeRule, rule_for};
use super::{Assessment, LocationTier, Policy, PolicyError, Value};
use crate::domain::money::{Fen, Rate};
use crate::domain::period::TaxPeriod;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurchargeInput {
    pub period: TaxPeriod,
    pub tier: LocationTier,
    /// VAT actually payable for the period (the base).
    pub vat: Fen,
    pub consumption_tax: Fen,
    /// Which halving groups the payer belongs to (empty: none).
    pub groups: Vec<HalvingGroup>,
    /// The period's sales, if known: at or below the threshold, the two education
    /// surcharges are exempt.
    pub sales: Option<Fen>,
}

/// One surcharge, worked through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurchargeItem {
    pub rate: Rate,
    /// 本期应纳税（费）额 = base × rate.
    pub amount: Fen,
    /// 本期免税（费）额.
    pub exempt: Fen,
    /// 减征额 = (amount − exempt) × halving.
    pub reduction: Fen,
    /// 本期应补（退）税（费）额.
    pub payable: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Surcharges {
    pub rule_id: String,
    pub base: Fen,
    pub halving: Option<Rate>,
    pub urban_maintenance: SurchargeItem,
    pub education: SurchargeItem,
    pub local_education: SurchargeItem,
}

impl Surcharges {
    pub fn total(&self) -> Fen {
        self.urban_maintenance.payable + self.education.payable + self.local_education.payable
    }

    /// The three items with their catalogue keys, in form order.
    pub fn items(&self) -> [(&'static str, SurchargeItem); 3] {
        [
            ("surcharge.urban_maintenance", self.urban_maintenance),
            ("surcharge.education", self.education),
            ("surcharge.local_education", self.local_education),
        ]
    }
}

fn item(base: Fen, rate: Rate, exempt: bool, halving: Option<Rate>) -> SurchargeItem {
    let amount = base.max(Fen::ZERO).times(rate);
    let exempt = if exempt { amount } else { Fen::ZERO };
    let reduction = halving.map_or(Fen::ZERO, |h| (amount - exempt).times(h));
    SurchargeItem {
        rate,
        amount,
        exempt,
        reduction,
        payable: amount - exempt - reduction,
    }
}

/// Work the surcharges out without presenting them.
pub fn compute(policy: &Policy, input: &SurchargeInput) -> Result<Surcharges, PolicyError> {
    let rule: &SurchargeRule = rule_for(&policy.surcharges, "surcharges", input.period)?;
    let base = input.vat + input.consumption_tax;
    let halving = input
        .groups
        .iter()
        .any(|g| rule.halving_for.contains(g))
        .then_some(rule.halving);
    let threshold = if input.period.is_quarter() {
        rule.education_exempt_quarter
    } else {
        rule.education_exempt_month
    };
    let education_exempt = input.sales.is_some_and(|s| s <= threshold);
    Ok(Surcharges {
        rule_id: rule.id.clone(),
        base,
        halving,
        urban_maintenance: item(base, rule.urban_maintenance.get(input.tier), false, halving),
        education: item(base, rule.education, education_exempt, halving),
        local_education: item(base, rule.local_education, education_exempt, halving),
    })
}

/// Add the working of each surcharge to an assessment, the payable amounts on `lines`.
pub(crate) fn present(a: &mut Assessment, s: &Surcharges, lines: [&str; 3]) {
    a.item("surcharge.base", Value::Money(s.base), "");
    for ((key, it), line) in s.items().into_iter().zip(lines) {
        a.item(
            amount_key(key),
            Value::Money(it.amount),
            format!("{} × {}", s.base.max(Fen::ZERO), it.rate),
        );
        if it.exempt != Fen::ZERO {
            a.item("surcharge.exempt", Value::Money(it.exempt), "");
        }
        if let Some(h) = s.halving {
            a.item(
                "surcharge.reduction",
                Value::Money(it.reduction),
                format!("({} − {}) × {h}", it.amount, it.exempt),
            );
        }
        a.line(
            line,
            key,
            it.payable,
            format!("{} − {} − {}", it.amount, it.exempt, it.reduction),
        );
    }
    if s.halving.is_some() {
        a.notes.push("note.surcharge_halved");
    }
    if s.education.exempt != Fen::ZERO {
        a.notes.push("note.education_exempt");
    }
}

fn amount_key(key: &str) -> &'static str {
    match key {
        "surcharge.urban_maintenance" => "surcharge.urban_maintenance.amount",
        "surcharge.education" => "surcharge.education.amount",
        _ => "surcharge.local_education.amount",
    }
}

/// The 附加税费申报表 on its own: lines 1–3 per surcharge, line 4 the total.
pub fn assess(policy: &Policy, input: &SurchargeInput) -> Result<Assessment, PolicyError> {
    let s = compute(policy, input)?;
    let mut a = Assessment::new("surcharges", input.period);
    a.policy.push(s.rule_id.clone());
    present(&mut a, &s, ["1", "2", "3"]);
    let total = a.line("4", "surcharge.total", s.total(), "L1 + L2 + L3");
    a.total("urban_maintenance", s.urban_maintenance.payable);
    a.total("education", s.education.payable);
    a.total("local_education", s.local_education.payable);
    a.total("total", total);
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(vat: i64) -> SurchargeInput {
        SurchargeInput {
            period: TaxPeriod::parse("2025Q3").unwrap(),
            tier: LocationTier::Urban,
            vat: Fen::from_yuan(vat),
            consumption_tax: Fen::ZERO,
            groups: vec![HalvingGroup::SmallScale],
            sales: None,
        }
    }

    #[test]
    fn worked_example_halved_urban() {
        // TAXRULES.md: VAT 4,000.00, urban, halved → 140.00, 60.00, 40.00.
        let a = assess(Policy::embedded(), &input(4000)).unwrap();
        assert_eq!(a.money("urban_maintenance"), Fen::from_yuan(140));
        assert_eq!(a.money("education"), Fen::from_yuan(60));
        assert_eq!(a.money("local_education"), Fen::from_yuan(40));
        assert_eq!(a.money("total"), Fen::from_yuan(240));
    }

    #[test]
    fn general_taxpayer_pays_in_full_by_tier() {
        let mut i = input(10_000);
        i.groups.clear();
        i.tier = LocationTier::CountyTown;
        let s = compute(Policy::embedded(), &i).unwrap();
        assert_eq!(s.urban_maintenance.payable, Fen::from_yuan(500));
        assert_eq!(s.education.payable, Fen::from_yuan(300));
        i.tier = LocationTier::Other;
        assert_eq!(
            compute(Policy::embedded(), &i)
                .unwrap()
                .urban_maintenance
                .payable,
            Fen::from_yuan(100)
        );
    }

    #[test]
    fn education_surcharges_exempt_at_small_sales() {
        let mut i = input(900);
        i.sales = Some(Fen::from_yuan(300_000));
        let s = compute(Policy::embedded(), &i).unwrap();
        assert_eq!(s.education.payable, Fen::ZERO);
        assert_eq!(s.local_education.payable, Fen::ZERO);
        assert_eq!(s.urban_maintenance.payable, Fen::new(3150));
    }

    #[test]
    fn negative_base_gives_no_surcharge() {
        let s = compute(Policy::embedded(), &input(-100)).unwrap();
        assert_eq!(s.total(), Fen::ZERO);
    }
}
