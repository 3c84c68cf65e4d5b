#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;

fn run(tax: &str, input: serde_json::Value) -> Result<Json, CalcError> {
    calculate_text(tax, &input.to_string(), Lang::Zh)
}

#[test]
fn vat_small_worked_example_by_line_number() {
    let out = run(
        "vat-small",
        json!({"period": "2025Q3", "sales_3pct_other": "400000.00", "location_tier": "urban"}),
    )
    .unwrap();
    assert_eq!(out["lines"]["1"], "400000.00");
    assert_eq!(out["lines"]["15"], "12000.00");
    assert_eq!(out["lines"]["16"], "8000.00");
    assert_eq!(out["lines"]["20"], "4000.00");
    assert_eq!(out["lines"]["22"], "4000.00");
    assert_eq!(out["lines"]["23"], "140.00");
    assert_eq!(out["totals"]["total_due"], "4240.00");
    assert_eq!(out["policy"], json!(["vat-small-2023", "surcharges-2023"]));
    let l15 = out["working"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["line"] == "15")
        .unwrap();
    assert_eq!(l15["item"], "本期应纳税额");
    assert_eq!(l15["formula"], "L1 × 3% + L4 × 5%");
}

#[test]
fn accepts_numbers_as_well_as_strings() {
    let out = run(
        "vat-small",
        json!({"period": "2025Q3", "sales_3pct_other": 400000}),
    )
    .unwrap();
    assert_eq!(out["lines"]["20"], "4000.00");
    let exact: Json =
        serde_json::from_str(r#"{"period": "2025Q3", "sales_3pct_other": 400000.10}"#).unwrap();
    let out = calculate(CalcTax::VatSmall, &exact, Lang::Zh).unwrap();
    assert_eq!(out["lines"]["1"], "400000.10");
}

#[test]
fn surcharges_worked_example() {
    let out = run("surcharges", json!({"period": "2025Q3", "location_tier": "urban", "vat": "4000.00", "taxpayer_type": "small_scale"})).unwrap();
    assert_eq!(
        out["lines"],
        json!({"1": "140.00", "2": "60.00", "3": "40.00", "4": "240.00"})
    );
}

#[test]
fn cit_worked_example() {
    let out = run(
        "cit-quarterly",
        json!({"period": "2025Q4", "revenue": "9000000", "cost": "6000000", "total_profit": "2000000", "small_low_profit": true}),
    )
    .unwrap();
    // numbered as the 2025 A200000 (公告2025年第17号): 26 税率, 27 应纳, 28 减免
    assert_eq!(out["lines"]["27"], "500000.00");
    assert_eq!(out["lines"]["28"], "400000.00");
    assert_eq!(out["lines"]["26"], "25%");
    assert_eq!(out["totals"]["tax"], "100000.00");
}

#[test]
fn cit_decides_size_from_quarters() {
    let q = json!({"headcount_start": 10, "headcount_end": 12, "assets_start": "1000000", "assets_end": "1200000"});
    let out = run(
        "cit-quarterly",
        json!({"period": "2025Q2", "revenue": "1", "cost": "0", "total_profit": "100000", "quarters": [q, q]}),
    )
    .unwrap();
    assert_eq!(out["totals"]["small_low_profit"], true);
    let err = run("cit-quarterly", json!({"period": "2025Q2", "revenue": "1", "cost": "0", "total_profit": "1", "quarters": [q]})).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("quarters"));
    let bad =
        json!({"headcount_start": -1, "headcount_end": 12, "assets_start": "1", "assets_end": "1"});
    let err = run("cit-quarterly", json!({"period": "2025Q1", "revenue": "1", "cost": "0", "total_profit": "1", "quarters": [bad]})).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("quarters[0].headcount_start"));
}

#[test]
fn late_fee_worked_example_and_computed_deadline() {
    let out = run("late-fee", json!({"period": "2026-03", "tax": "4000.00", "deadline": "2026-04-15", "paid_on": "2026-04-25"})).unwrap();
    assert_eq!(out["totals"], json!({"days": 10, "late_fee": "20.00"}));
    // Without a deadline, the calendar gives 20 April 2026 (Qingming break, then a weekend).
    let out = run(
        "late-fee",
        json!({"period": "2026-03", "tax": "4000.00", "paid_on": "2026-04-25"}),
    )
    .unwrap();
    assert_eq!(out["deadline"]["date"], "2026-04-20");
    assert_eq!(out["totals"]["days"], 5);
}

#[test]
fn vat_general_by_rate() {
    let out = run(
        "vat-general",
        json!({"period": "2026-09", "sales": {"13%": "1000000.00", "6%": "200000.00"}, "input_tax": "90000", "carried_credit": "5000"}),
    )
    .unwrap();
    assert_eq!(out["lines"]["11"], "142000.00");
    assert_eq!(out["lines"]["34"], "47000.00");
    let err = run(
        "vat-general",
        json!({"period": "2026-09", "sales": {"17%": "1"}}),
    )
    .unwrap_err();
    assert_eq!(
        (err.field.as_deref(), err.code()),
        (Some("sales"), "not_rate")
    );
}

#[test]
fn bad_input_names_the_field() {
    let cases = [
        (
            "vat-small",
            json!({"period": "2025Q3", "sales_3pct_other": "-5"}),
            "sales_3pct_other",
            "negative",
        ),
        (
            "vat-small",
            json!({"period": "2025/3", "sales_3pct_other": "5"}),
            "period",
            "not_period",
        ),
        (
            "vat-small",
            json!({"sales_3pct_other": "5"}),
            "period",
            "missing",
        ),
        (
            "vat-small",
            json!({"period": "2025Q3", "salse": "5"}),
            "salse",
            "unknown_field",
        ),
        (
            "vat-small",
            json!({"period": "2025Q3", "sales_3pct_other": "1.234"}),
            "sales_3pct_other",
            "too_precise",
        ),
        (
            "vat-small",
            json!({"period": "2025Q3", "sales_3pct_other": "abc"}),
            "sales_3pct_other",
            "not_money",
        ),
        (
            "vat-small",
            json!({"period": "2019Q3"}),
            "period",
            "no_policy",
        ),
        (
            "vat-small",
            json!({"period": "2025Q3", "location_tier": "city"}),
            "location_tier",
            "not_tier",
        ),
        (
            "cit-quarterly",
            json!({"period": "2025-08", "revenue": "1", "cost": "1", "total_profit": "1"}),
            "period",
            "need_quarter",
        ),
        (
            "vat-general",
            json!({"period": "2025Q3", "sales": {}}),
            "period",
            "need_month",
        ),
        (
            "late-fee",
            json!({"period": "2026-03", "tax": "1", "paid_on": "25/04/2026"}),
            "paid_on",
            "not_date",
        ),
        (
            "surcharges",
            json!({"period": "2025Q3", "location_tier": "urban", "vat": "1", "taxpayer_type": "big"}),
            "taxpayer_type",
            "not_taxpayer",
        ),
    ];
    for (tax, input, field, code) in cases {
        let err = run(tax, input.clone()).unwrap_err();
        assert_eq!(
            (err.field.as_deref(), err.code()),
            (Some(field), code),
            "{tax} {input}"
        );
        let zh = err.message(Lang::Zh);
        assert!(zh.contains(field) || err.code() == "no_policy", "{zh}");
        assert!(!zh.contains('{'), "unfilled placeholder: {zh}");
    }
    assert_eq!(CalcTax::parse("vat-big").unwrap_err().code(), "unknown_tax");
    // nested fields are named too
    let err = run(
        "vat-general",
        json!({"period": "2026-09", "sales": ["13%", "1"]}),
    )
    .unwrap_err();
    assert_eq!(
        (err.field.as_deref(), err.code()),
        (Some("sales"), "field_not_object")
    );
    assert!(err.message(Lang::Zh).contains("sales"));
    let err = run("cit-quarterly", json!({"period": "2025Q1", "revenue": "1", "cost": "0", "total_profit": "1", "quarters": [5]})).unwrap_err();
    assert_eq!(
        (err.field.as_deref(), err.code()),
        (Some("quarters[0]"), "field_not_object")
    );
    // amounts and headcounts too large to be real are refused, never overflowed
    let err = run("vat-small", json!({"period": "2025Q3", "sales_3pct_special": "50000000000000000", "sales_3pct_other": "50000000000000000"})).unwrap_err();
    assert_eq!(
        (err.field.as_deref(), err.code()),
        (Some("sales_3pct_special"), "out_of_range")
    );
    let q = json!({"headcount_start": 9_000_000_000_000_000_000u64, "headcount_end": 1, "assets_start": "1", "assets_end": "1"});
    let err = run("cit-quarterly", json!({"period": "2025Q1", "revenue": "1", "cost": "0", "total_profit": "1", "quarters": [q]})).unwrap_err();
    assert_eq!(err.code(), "not_count");
    assert_eq!(
        calculate_text("vat-small", "{not json", Lang::Zh)
            .unwrap_err()
            .code(),
        "bad_json"
    );
    assert_eq!(
        calculate_text("vat-small", "[1]", Lang::Zh)
            .unwrap_err()
            .code(),
        "not_object"
    );
}

#[test]
fn every_key_the_engine_emits_is_in_the_catalogue() {
    let inputs = [
        (
            "vat-small",
            json!({"period": "2025Q3", "sales_3pct_other": "1", "location_tier": "urban"}),
        ),
        (
            "vat-small",
            json!({"period": "2026Q3", "sales_3pct_other": "1", "location_tier": "urban"}),
        ),
        (
            "vat-small",
            json!({"period": "2022Q3", "sales_3pct_other": "900000", "location_tier": "urban"}),
        ),
        (
            "vat-small",
            json!({"period": "2025Q3", "sales_3pct_other": "900000", "location_tier": "urban"}),
        ),
        (
            "vat-general",
            json!({"period": "2026-09", "sales": {"13%": "1"}, "input_tax": "9", "location_tier": "urban"}),
        ),
        (
            "cit-quarterly",
            json!({"period": "2025Q1", "revenue": "1", "cost": "0", "total_profit": "1", "quarters": [{"headcount_start": 1, "headcount_end": 1, "assets_start": "1", "assets_end": "1"}]}),
        ),
        (
            "surcharges",
            json!({"period": "2025Q3", "location_tier": "urban", "vat": "1", "taxpayer_type": "small_scale", "sales": "1"}),
        ),
        (
            "late-fee",
            json!({"period": "2026-03", "tax": "1", "paid_on": "2026-05-01"}),
        ),
    ];
    let catalog = Catalog::embedded();
    for (tax, input) in inputs {
        let out = run(tax, input).unwrap();
        for w in out["working"].as_array().unwrap() {
            assert!(catalog.has(w["key"].as_str().unwrap()), "{w}");
        }
        for n in out["notes"].as_array().unwrap() {
            assert!(catalog.has(n["key"].as_str().unwrap()), "{n}");
        }
    }
}

#[test]
fn culture_fee_works_through_the_official_lines() {
    // docs/examples/culture-fee.json: (106,000 − 10,000) × 3% = 2,880; the province's 50% cut
    let out = run(
        "culture-fee",
        json!({"period": "2026Q3", "income": "106000.00", "deduction": "10000.00", "local_cut": "50%"}),
    )
    .unwrap();
    assert_eq!(out["lines"]["8"], "96000.00");
    assert_eq!(out["lines"]["10"], "2880.00");
    assert_eq!(out["lines"]["18"], "1440.00");
    assert_eq!(out["totals"]["fee_due"], "1440.00");
    // a province that cut by 20%; and a cut beyond 100% is refused at its field
    let out = run(
        "culture-fee",
        json!({"period": "2026Q3", "income": "106000.00", "deduction": "10000.00", "local_cut": "20%"}),
    )
    .unwrap();
    assert_eq!(out["lines"]["18"], "2304.00");
    let err = run(
        "culture-fee",
        json!({"period": "2026Q3", "income": "1", "local_cut": "120%"}),
    )
    .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("local_cut"));
}
