//! 【公众服务】—【税费计算器】: the calculator engine (`crate::calc`, the same as
//! `taxlab calc` and `POST /api/v1/calc/{tax}`) as a page: one tab per tax, its inputs as a
//! form, and the answer with the form's lines, the totals, every step of the working and the
//! policies that applied (linked to 政策法规库). A GET: it computes, it keeps nothing.

use std::collections::BTreeMap;

use axum::extract::Query as QueryString;
use serde_json::{Map, Value as Json, json};

use super::*;
use crate::calc::{self, CalcTax};
use crate::http::ReqLang;

/// How a field is typed and sent to the engine.
#[derive(Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    /// Yuan (may be negative where the engine allows).
    Money,
    Period,
    Date,
    /// `urban`, `county_town`, `other`.
    Tier,
    /// `small_scale`, `general`.
    Taxpayer,
    /// Yes / no / not said.
    Flag,
    /// A percentage such as `50%`.
    Rate,
}

#[derive(Clone, Copy, Serialize)]
struct Field {
    name: &'static str,
    kind: Kind,
    /// Catalogue key of its label.
    label: &'static str,
    required: bool,
}

const fn f(name: &'static str, kind: Kind, label: &'static str, required: bool) -> Field {
    Field {
        name,
        kind,
        label,
        required,
    }
}

const PERIOD: Field = f("period", Kind::Period, "calc.field.period", true);
const TIER: Field = f(
    "location_tier",
    Kind::Tier,
    "calc.field.location_tier",
    false,
);

const VAT_SMALL: &[Field] = &[
    PERIOD,
    f(
        "goods_sales_3pct_special",
        Kind::Money,
        "returns.field.goods_sales_3pct_special",
        false,
    ),
    f(
        "goods_sales_3pct_special_full",
        Kind::Money,
        "returns.field.goods_sales_3pct_special_full",
        false,
    ),
    f(
        "goods_sales_3pct_other",
        Kind::Money,
        "returns.field.goods_sales_3pct_other",
        false,
    ),
    f(
        "goods_other_exempt_sales",
        Kind::Money,
        "returns.field.goods_other_exempt_sales",
        false,
    ),
    f(
        "goods_prepaid_tax",
        Kind::Money,
        "returns.field.goods_prepaid_tax",
        false,
    ),
    f(
        "sales_3pct_special",
        Kind::Money,
        "calc.field.sales_3pct_special",
        false,
    ),
    f(
        "sales_3pct_special_full",
        Kind::Money,
        "returns.field.sales_3pct_special_full",
        false,
    ),
    f(
        "sales_3pct_other",
        Kind::Money,
        "calc.field.sales_3pct_other",
        false,
    ),
    f(
        "lease_5pct_special",
        Kind::Money,
        "returns.field.lease_5pct_special",
        false,
    ),
    f(
        "lease_5pct_other",
        Kind::Money,
        "returns.field.lease_5pct_other",
        false,
    ),
    f(
        "sales_5pct_special",
        Kind::Money,
        "returns.field.sales_5pct_special",
        false,
    ),
    f(
        "sales_5pct_other",
        Kind::Money,
        "returns.field.sales_5pct_other",
        false,
    ),
    f(
        "other_exempt_sales",
        Kind::Money,
        "calc.field.other_exempt_sales",
        false,
    ),
    f("prepaid_tax", Kind::Money, "calc.field.prepaid_tax", false),
    TIER,
];

const VAT_GENERAL: &[Field] = &[
    PERIOD,
    f(
        "sales_13pct",
        Kind::Money,
        "returns.field.sales_13pct",
        false,
    ),
    f("sales_9pct", Kind::Money, "returns.field.sales_9pct", false),
    f("sales_6pct", Kind::Money, "returns.field.sales_6pct", false),
    f(
        "zero_rated_sales",
        Kind::Money,
        "returns.field.zero_rated_sales",
        false,
    ),
    f(
        "exempt_sales",
        Kind::Money,
        "returns.field.exempt_sales",
        false,
    ),
    f("input_tax", Kind::Money, "returns.field.input_tax", false),
    f(
        "carried_credit",
        Kind::Money,
        "returns.field.carried_credit",
        false,
    ),
    f(
        "input_transferred_out",
        Kind::Money,
        "returns.field.input_transferred_out",
        false,
    ),
    f("prepaid_tax", Kind::Money, "calc.field.prepaid_tax", false),
    TIER,
    f(
        "small_low_profit",
        Kind::Flag,
        "calc.field.small_low_profit",
        false,
    ),
];

const CIT: &[Field] = &[
    PERIOD,
    f("revenue", Kind::Money, "returns.field.revenue", true),
    f("cost", Kind::Money, "returns.field.cost", true),
    f(
        "total_profit",
        Kind::Money,
        "returns.field.total_profit",
        true,
    ),
    f(
        "specific_business_income",
        Kind::Money,
        "returns.field.specific_business_income",
        false,
    ),
    f(
        "non_taxable_income",
        Kind::Money,
        "returns.field.non_taxable_income",
        false,
    ),
    f(
        "exempt_income",
        Kind::Money,
        "returns.field.exempt_income",
        false,
    ),
    f(
        "accelerated_depreciation",
        Kind::Money,
        "returns.field.accelerated_depreciation",
        false,
    ),
    f(
        "loss_offset",
        Kind::Money,
        "returns.field.loss_offset",
        false,
    ),
    f("prepaid_tax", Kind::Money, "calc.field.prepaid_tax", false),
    f(
        "specific_prepaid_tax",
        Kind::Money,
        "returns.field.specific_prepaid_tax",
        false,
    ),
    f(
        "restricted_industry",
        Kind::Flag,
        "returns.field.restricted_industry",
        false,
    ),
    f(
        "small_low_profit",
        Kind::Flag,
        "calc.field.small_low_profit",
        true,
    ),
];

const SURCHARGES: &[Field] = &[
    PERIOD,
    f(
        "location_tier",
        Kind::Tier,
        "calc.field.location_tier",
        true,
    ),
    f("vat", Kind::Money, "calc.field.vat", true),
    f(
        "consumption_tax",
        Kind::Money,
        "calc.field.consumption_tax",
        false,
    ),
    f(
        "taxpayer_type",
        Kind::Taxpayer,
        "calc.field.taxpayer_type",
        true,
    ),
    f(
        "small_low_profit",
        Kind::Flag,
        "calc.field.small_low_profit",
        false,
    ),
    f(
        "individual_business",
        Kind::Flag,
        "calc.field.individual_business",
        false,
    ),
    f("sales", Kind::Money, "calc.field.sales", false),
];

const LATE_FEE: &[Field] = &[
    PERIOD,
    f("tax", Kind::Money, "calc.field.tax", true),
    f("paid_on", Kind::Date, "calc.field.paid_on", true),
    f("deadline", Kind::Date, "calc.field.deadline", false),
];

const CULTURE_FEE: &[Field] = &[
    PERIOD,
    f("income", Kind::Money, "returns.field.fee_income", true),
    f(
        "exempt_income",
        Kind::Money,
        "returns.field.fee_exempt_income",
        false,
    ),
    f(
        "deduction_opening",
        Kind::Money,
        "returns.field.fee_deduction_opening",
        false,
    ),
    f(
        "deduction",
        Kind::Money,
        "returns.field.fee_deduction",
        false,
    ),
    f(
        "small_scale_sales",
        Kind::Money,
        "calc.field.small_scale_sales",
        false,
    ),
    f("prepaid", Kind::Money, "returns.field.fee_prepaid", false),
    f("central", Kind::Flag, "calc.field.central", false),
    f("local_cut", Kind::Rate, "calc.field.local_cut", false),
];

fn fields_of(tax: &str) -> &'static [Field] {
    match tax {
        "vat-general" => VAT_GENERAL,
        "cit-quarterly" => CIT,
        "surcharges" => SURCHARGES,
        "late-fee" => LATE_FEE,
        "culture-fee" => CULTURE_FEE,
        _ => VAT_SMALL,
    }
}

/// The engine's input from the form: empty fields left out, flags as booleans, the general
/// return's sales by rate as one object.
fn input_of(tax: &str, typed: &BTreeMap<String, String>) -> Json {
    let (fields, by_rate) = (fields_of(tax), tax == "vat-general");
    let mut input = Map::new();
    let mut sales = Map::new();
    for field in fields {
        let Some(v) = typed
            .get(field.name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        else {
            continue;
        };
        let value = match field.kind {
            Kind::Flag => match v {
                "true" => Json::Bool(true),
                "false" => Json::Bool(false),
                other => Json::String(other.to_owned()),
            },
            _ => Json::String(v.to_owned()),
        };
        match field
            .name
            .strip_prefix("sales_")
            .and_then(|r| r.strip_suffix("pct"))
        {
            Some(rate) if by_rate => {
                sales.insert(format!("{rate}%"), value);
            }
            _ => {
                input.insert(field.name.to_owned(), value);
            }
        }
    }
    if by_rate {
        input.insert("sales".to_owned(), Json::Object(sales));
    }
    Json::Object(input)
}

/// The form field an engine error concerns (`sales.13%` is `sales_13pct`).
fn field_of(engine_field: &str) -> String {
    match engine_field
        .strip_prefix("sales.")
        .and_then(|r| r.strip_suffix('%'))
    {
        Some(rate) => format!("sales_{rate}pct"),
        None if engine_field == "sales" => "sales_13pct".to_owned(),
        None => engine_field
            .split('.')
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

#[derive(Serialize)]
struct FieldView {
    name: &'static str,
    kind: Kind,
    label: &'static str,
    required: bool,
    value: String,
}

#[derive(Serialize)]
struct CalcPage {
    #[serde(flatten)]
    frame: Frame,
    tax: &'static str,
    taxes: [&'static str; 6],
    fields: Vec<FieldView>,
    /// The engine's answer (`docs/calculator.md`'s output).
    result: Option<Json>,
    /// (totals' labels, value) in the reader's language.
    totals: Vec<(String, String)>,
    problem: Option<(String, String)>,
}

/// `GET /portal/public/calculator?calc=<tax>&<inputs>&run=1` (`calc`, as the late fee has an
/// input named `tax`).
pub async fn calculator(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<QueryString<BTreeMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let typed: BTreeMap<String, String> = q
        .map(|QueryString(q)| q)
        .unwrap_or_default()
        .into_iter()
        .take(40)
        .map(|(k, v)| (k, v.chars().take(40).collect()))
        .collect();
    let tax = CalcTax::NAMES
        .into_iter()
        .find(|t| typed.get("calc").is_some_and(|x| x == t))
        .unwrap_or("vat-small");
    let fields = fields_of(tax);
    let (mut result, mut problem) = (None, None);
    if typed.get("run").is_some_and(|r| r == "1") {
        let parsed =
            CalcTax::parse(tax).and_then(|t| calc::calculate(t, &input_of(tax, &typed), lang));
        match parsed {
            Ok(r) => result = Some(r),
            Err(e) => {
                let field = e.field.as_deref().map(field_of).unwrap_or_default();
                problem = Some((field, e.message(lang)));
            }
        }
    }
    let cat = Catalog::embedded();
    let totals = result
        .as_ref()
        .and_then(|r| r["totals"].as_object())
        .map(|t| {
            t.iter()
                .map(|(k, v)| {
                    let key = format!("calc.total.{k}");
                    let label = if cat.has(&key) {
                        cat.text(lang, &key)
                    } else {
                        k
                    };
                    let shown = match v {
                        Json::String(s) => s.clone(),
                        Json::Bool(b) => cat
                            .text(lang, if *b { "app.yes" } else { "app.no" })
                            .to_owned(),
                        other => other.to_string(),
                    };
                    (label.to_owned(), shown)
                })
                .collect()
        })
        .unwrap_or_default();
    let (frame, set) = super::menus::public_frame(&desk, lang, "calc.heading").await?;
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = CalcPage {
        frame,
        tax,
        taxes: CalcTax::NAMES,
        fields: fields
            .iter()
            .map(|f| FieldView {
                name: f.name,
                kind: f.kind,
                label: f.label,
                required: f.required,
                value: typed.get(f.name).cloned().unwrap_or_default(),
            })
            .collect(),
        result: result.map(|mut r| {
            // the notes and working as the page lists them
            if r["notes"].is_null() {
                r["notes"] = json!([]);
            }
            r
        }),
        totals,
        problem,
    };
    let mut res = render(
        lang,
        "/portal/public/calculator",
        "portal_calculator.html",
        page,
        set,
    )?;
    *res.status_mut() = status;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_form_becomes_the_engine_s_input() {
        let i = input_of(
            "vat-general",
            &typed(&[
                ("period", "2026-09"),
                ("sales_13pct", "100"),
                ("small_low_profit", "true"),
                ("input_tax", ""),
            ]),
        );
        assert_eq!(
            i,
            json!({"period": "2026-09", "sales": {"13%": "100"}, "small_low_profit": true})
        );
        let i = input_of("surcharges", &typed(&[("sales", "5"), ("x", "1")]));
        assert_eq!(
            i,
            json!({"sales": "5"}),
            "only the tax's own fields, the surcharges' sales as is"
        );
        assert_eq!(field_of("sales.9%"), "sales_9pct");
        assert_eq!(field_of("quarters.0.headcount_start"), "quarters");
    }

    #[test]
    fn every_label_is_in_the_catalogue_and_every_tax_has_a_form() {
        let cat = Catalog::embedded();
        for tax in CalcTax::NAMES {
            for f in fields_of(tax) {
                assert!(cat.has(f.label), "{tax}: {}", f.label);
            }
            assert!(cat.has(&format!("calc.tax.{tax}")), "{tax}");
        }
    }
}
