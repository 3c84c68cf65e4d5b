#![allow(clippy::unwrap_used)]

//! Property tests over the whole engine: non-negative input never gives negative tax,
//! and every amount is a whole number of fen by construction.

use proptest::prelude::*;

use super::cit::{self, CitInput, SmallLowProfit};
use super::late_fee;
use super::surcharges::{self, SurchargeInput};
use super::vat_general::{self, VatGeneralInput};
use super::vat_small::{self, VatSmallInput};
use super::{LocationTier, Policy};
use crate::domain::money::{Fen, Rate};
use crate::domain::period::TaxPeriod;
use crate::domain::tax::policy::HalvingGroup;

fn amount() -> impl Strategy<Value = Fen> {
    (0i64..5_000_000_000).prop_map(Fen::new)
}

fn quarter() -> impl Strategy<Value = TaxPeriod> {
    (2021i32..=2027, 1u32..=4)
        .prop_filter("covered by policy", |(y, q)| *y > 2021 || *q >= 2)
        .prop_map(|(y, q)| TaxPeriod::quarter(y, q).unwrap())
}

fn tier() -> impl Strategy<Value = LocationTier> {
    prop_oneof![
        Just(LocationTier::Urban),
        Just(LocationTier::CountyTown),
        Just(LocationTier::Other)
    ]
}

proptest! {
    #[test]
    fn vat_small_never_negative(period in quarter(), a in amount(), b in amount(), c in amount(), d in amount(), t in tier()) {
        let mut input = VatSmallInput::empty(period);
        input.goods.sales_3pct_special = a;
        input.services.sales_3pct_other = b;
        input.sales_5pct_other = c;
        input.lease_5pct_other = d;
        input.services.other_exempt_sales = d;
        input.tier = Some(t);
        let r = vat_small::assess(Policy::embedded(), &input).unwrap();
        for name in ["vat_payable", "vat_due", "surcharges", "total_due"] {
            prop_assert!(!r.money(name).is_negative(), "{name} = {}", r.money(name));
        }
        // tax can never exceed 5% of all sales
        prop_assert!(r.money("vat_payable") <= (a + b + c + d).times(Rate::percent(5)));
    }

    #[test]
    fn surcharges_never_negative_and_halving_never_raises(period in quarter(), vat in amount(), t in tier()) {
        let mut input = SurchargeInput { period, tier: t, vat, consumption_tax: Fen::ZERO, groups: vec![], sales: None };
        let full = surcharges::compute(Policy::embedded(), &input).unwrap().total();
        input.groups.push(HalvingGroup::SmallScale);
        let halved = surcharges::compute(Policy::embedded(), &input).unwrap().total();
        prop_assert!(!halved.is_negative());
        prop_assert!(halved <= full);
    }

    #[test]
    fn vat_general_never_negative(a in amount(), b in amount(), input_tax in amount(), credit in amount()) {
        let input = VatGeneralInput {
            period: TaxPeriod::parse("2026-09").unwrap(),
            sales: vec![(Rate::percent(13), a), (Rate::percent(6), b)],
            zero_rated_sales: Fen::ZERO,
            exempt_sales: Fen::ZERO,
            input_tax,
            carried_credit: credit,
            input_transferred_out: Fen::ZERO,
            prepaid_tax: Fen::ZERO,
            tier: Some(LocationTier::Urban),
            small_low_profit: false,
        };
        let r = vat_general::assess(Policy::embedded(), &input).unwrap();
        for name in ["vat_payable", "carry_forward_credit", "vat_due", "surcharges"] {
            prop_assert!(!r.money(name).is_negative(), "{name}");
        }
        // what is not paid is carried: output − payable = deducted input
        prop_assert_eq!(r.money("output_tax") - r.money("vat_payable"), r.money("deductible_input"));
    }

    #[test]
    fn cit_never_negative_and_relief_never_exceeds_tax(period in quarter(), profit in amount(), prepaid in amount()) {
        let input = CitInput {
            period,
            revenue: profit,
            cost: Fen::ZERO,
            total_profit: profit,
            specific_business_income: Fen::ZERO,
            non_taxable_income: Fen::ZERO,
            exempt_income: Fen::ZERO,
            accelerated_depreciation: Fen::ZERO,
            loss_offset: Fen::ZERO,
            prepaid_tax: prepaid,
            specific_prepaid_tax: Fen::ZERO,
            restricted_industry: false,
            small_low_profit: SmallLowProfit::Declared(true),
        };
        let r = cit::assess(Policy::embedded(), &input).unwrap();
        prop_assert!(!r.money("tax").is_negative());
        prop_assert!(!r.money("tax_due").is_negative());
        prop_assert!(r.money("tax") <= profit.times(Rate::percent(25)));
    }

    #[test]
    fn late_fee_grows_with_days(tax in amount(), days in 0i64..2000) {
        let deadline = chrono::NaiveDate::from_ymd_opt(2026, 4, 15).unwrap();
        let p = Policy::embedded();
        let fee = late_fee::fee(p, tax, deadline, deadline + chrono::Duration::days(days)).unwrap();
        let later = late_fee::fee(p, tax, deadline, deadline + chrono::Duration::days(days + 1)).unwrap();
        prop_assert!(!fee.is_negative());
        prop_assert!(later >= fee);
    }
}
