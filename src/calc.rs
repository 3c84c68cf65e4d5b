//! The tax calculator's JSON boundary, shared by `taxlab calc` and `POST /api/v1/calc/{tax}`.
//!
//! Input is parsed field by field so every error names its field; unknown fields are
//! refused so a misspelt amount never silently counts as zero. Output gives amounts as
//! yuan strings with two places, form lines keyed by their official numbers, named totals,
//! and the working with labels from the catalogue. `docs/calculator.md` documents it all.

use chrono::NaiveDate;
use serde_json::{Map, Value as Json, json};

use crate::domain::money::{Fen, MoneyError, Rate};
use crate::domain::period::TaxPeriod;
use crate::domain::tax::cit::{self, CitInput, QuarterSize, SmallLowProfit};
use crate::domain::tax::culture_fee::{self, CultureFeeInput};
use crate::domain::tax::late_fee::{self, LateFeeInput};
use crate::domain::tax::policy::HalvingGroup;
use crate::domain::tax::surcharges::{self, SurchargeInput};
use crate::domain::tax::vat_general::{self, VatGeneralInput};
use crate::domain::tax::vat_small::{self, SmallColumn, VatSmallInput};
use crate::domain::tax::{Assessment, LocationTier, Policy, PolicyError, Value};
use crate::i18n::{Catalog, Lang};

/// The taxes the calculator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalcTax {
    VatSmall,
    VatGeneral,
    CitQuarterly,
    Surcharges,
    LateFee,
    CultureFee,
}

impl CalcTax {
    pub const NAMES: [&'static str; 6] = [
        "vat-small",
        "vat-general",
        "cit-quarterly",
        "surcharges",
        "late-fee",
        "culture-fee",
    ];

    pub fn parse(text: &str) -> Result<CalcTax, CalcError> {
        match text {
            "vat-small" => Ok(CalcTax::VatSmall),
            "vat-general" => Ok(CalcTax::VatGeneral),
            "cit-quarterly" => Ok(CalcTax::CitQuarterly),
            "surcharges" => Ok(CalcTax::Surcharges),
            "late-fee" => Ok(CalcTax::LateFee),
            "culture-fee" => Ok(CalcTax::CultureFee),
            other => Err(CalcError::new(
                None,
                "calc.error.unknown_tax",
                Some(other.to_owned()),
            )),
        }
    }
}

/// A refused input: which field, what is wrong (a catalogue key), and the value received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalcError {
    pub field: Option<String>,
    pub key: &'static str,
    pub value: Option<String>,
}

impl CalcError {
    fn new(field: Option<&str>, key: &'static str, value: Option<String>) -> CalcError {
        CalcError {
            field: field.map(str::to_owned),
            key,
            value,
        }
    }

    fn at(field: &str, key: &'static str, value: &Json) -> CalcError {
        CalcError::new(Some(field), key, Some(value.to_string()))
    }

    /// The message in the user's language.
    pub fn message(&self, lang: Lang) -> String {
        Catalog::embedded().format(
            lang,
            self.key,
            &[
                ("field", self.field.as_deref().unwrap_or("")),
                ("value", self.value.as_deref().unwrap_or("")),
            ],
        )
    }

    /// A stable machine code (`unknown_field`, `negative` …) for the API.
    pub fn code(&self) -> &'static str {
        self.key.rsplit('.').next().unwrap_or(self.key)
    }
}

impl From<PolicyError> for CalcError {
    fn from(e: PolicyError) -> CalcError {
        match e {
            PolicyError::NotCovered { period, .. } => {
                CalcError::new(Some("period"), "calc.error.no_policy", Some(period))
            }
            PolicyError::RateNotInForce { rate, .. } => {
                CalcError::new(Some("sales"), "calc.error.not_rate", Some(rate))
            }
        }
    }
}

/// The largest headcount accepted: far above any company, far below overflow.
const MAX_COUNT: i64 = 10_000_000;

/// Reads the fields of one JSON object, remembering which were used.
struct Fields<'a> {
    obj: &'a Map<String, Json>,
    prefix: String,
    used: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    fn new(value: &'a Json, prefix: &str) -> Result<Fields<'a>, CalcError> {
        match value {
            Json::Object(obj) => Ok(Fields {
                obj,
                prefix: prefix.to_owned(),
                used: Vec::new(),
            }),
            _ if prefix.is_empty() => Err(CalcError::new(None, "calc.error.not_object", None)),
            other => Err(CalcError::at(prefix, "calc.error.field_not_object", other)),
        }
    }

    fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    fn get(&mut self, name: &'a str) -> Option<&'a Json> {
        self.used.push(name);
        self.obj.get(name).filter(|v| !v.is_null())
    }

    fn required(&mut self, name: &'a str) -> Result<&'a Json, CalcError> {
        let path = self.path(name);
        self.get(name)
            .ok_or(CalcError::new(Some(&path), "calc.error.missing", None))
    }

    fn parse_money(&self, name: &str, v: &Json, allow_negative: bool) -> Result<Fen, CalcError> {
        let path = self.path(name);
        let text = match v {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            other => return Err(CalcError::at(&path, "calc.error.not_money", other)),
        };
        let fen = Fen::parse_yuan(&text).map_err(|e| match e {
            MoneyError::TooPrecise => CalcError::at(&path, "calc.error.too_precise", v),
            MoneyError::OutOfRange => CalcError::at(&path, "calc.error.out_of_range", v),
            _ => CalcError::at(&path, "calc.error.not_money", v),
        })?;
        if fen.is_negative() && !allow_negative {
            return Err(CalcError::at(&path, "calc.error.negative", v));
        }
        Ok(fen)
    }

    fn money(&mut self, name: &'a str) -> Result<Fen, CalcError> {
        let v = self.required(name)?;
        self.parse_money(name, v, false)
    }

    fn signed_money(&mut self, name: &'a str) -> Result<Fen, CalcError> {
        let v = self.required(name)?;
        self.parse_money(name, v, true)
    }

    fn money_opt(&mut self, name: &'a str) -> Result<Option<Fen>, CalcError> {
        match self.get(name) {
            Some(v) => self.parse_money(name, v, false).map(Some),
            None => Ok(None),
        }
    }

    /// A rate as `"50%"` (or a number of percent), within 0–100%.
    fn percent_opt(&mut self, name: &'a str) -> Result<Option<Rate>, CalcError> {
        let path = self.path(name);
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let text = match v {
            Json::String(s) => s.clone(),
            Json::Number(n) => format!("{n}%"),
            other => return Err(CalcError::at(&path, "calc.error.not_percent", other)),
        };
        match Rate::parse(&text) {
            Ok(r) if r.ppm() <= 1_000_000 && r.ppm() >= 0 => Ok(Some(r)),
            _ => Err(CalcError::at(&path, "calc.error.not_percent", v)),
        }
    }

    fn money_or_zero(&mut self, name: &'a str) -> Result<Fen, CalcError> {
        match self.get(name) {
            Some(v) => self.parse_money(name, v, false),
            None => Ok(Fen::ZERO),
        }
    }

    fn period(&mut self, name: &'a str, want: PeriodKind) -> Result<TaxPeriod, CalcError> {
        let v = self.required(name)?;
        let path = self.path(name);
        let p = v
            .as_str()
            .and_then(|s| TaxPeriod::parse(s).ok())
            .ok_or_else(|| CalcError::at(&path, "calc.error.not_period", v))?;
        match want {
            PeriodKind::Quarter if !p.is_quarter() => {
                Err(CalcError::at(&path, "calc.error.need_quarter", v))
            }
            PeriodKind::Month if p.is_quarter() => {
                Err(CalcError::at(&path, "calc.error.need_month", v))
            }
            _ => Ok(p),
        }
    }

    fn tier(&mut self, name: &'a str) -> Result<Option<LocationTier>, CalcError> {
        let path = self.path(name);
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(LocationTier::parse)
                .map(Some)
                .ok_or_else(|| CalcError::at(&path, "calc.error.not_tier", v)),
        }
    }

    fn flag(&mut self, name: &'a str) -> Result<Option<bool>, CalcError> {
        let path = self.path(name);
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| CalcError::at(&path, "calc.error.not_bool", v)),
        }
    }

    fn date(&mut self, name: &'a str) -> Result<Option<NaiveDate>, CalcError> {
        let path = self.path(name);
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .map(Some)
                .ok_or_else(|| CalcError::at(&path, "calc.error.not_date", v)),
        }
    }

    fn count(&mut self, name: &'a str) -> Result<i64, CalcError> {
        let v = self.required(name)?;
        v.as_i64()
            .filter(|n| (0..=MAX_COUNT).contains(n))
            .ok_or_else(|| CalcError::at(&self.path(name), "calc.error.not_count", v))
    }

    /// Refuse fields nobody asked for.
    fn finish(self) -> Result<(), CalcError> {
        match self.obj.keys().find(|k| !self.used.contains(&k.as_str())) {
            Some(k) => Err(CalcError::new(
                Some(&self.path(k)),
                "calc.error.unknown_field",
                None,
            )),
            None => Ok(()),
        }
    }
}

#[derive(Clone, Copy)]
enum PeriodKind {
    Any,
    Quarter,
    Month,
}

/// Parse the input text, compute, and render the result.
pub fn calculate_text(tax: &str, input: &str, lang: Lang) -> Result<Json, CalcError> {
    let tax = CalcTax::parse(tax)?;
    let value: Json = serde_json::from_str(input)
        .map_err(|e| CalcError::new(None, "calc.error.bad_json", Some(e.to_string())))?;
    calculate(tax, &value, lang)
}

/// Compute from parsed JSON and render the result.
pub fn calculate(tax: CalcTax, input: &Json, lang: Lang) -> Result<Json, CalcError> {
    let policy = Policy::embedded();
    let mut f = Fields::new(input, "")?;
    let mut extra = Map::new();
    let assessment = match tax {
        CalcTax::VatSmall => {
            // the flat names are the services column (服务、不动产和无形资产), `goods_…` the
            // goods column (货物及劳务)
            let mut column = |names: [&'static str; 5]| -> Result<SmallColumn, CalcError> {
                Ok(SmallColumn {
                    sales_3pct_special: f.money_or_zero(names[0])?,
                    sales_3pct_special_full: f.money_or_zero(names[1])?,
                    sales_3pct_other: f.money_or_zero(names[2])?,
                    other_exempt_sales: f.money_or_zero(names[3])?,
                    prepaid_tax: f.money_or_zero(names[4])?,
                })
            };
            let services = column([
                "sales_3pct_special",
                "sales_3pct_special_full",
                "sales_3pct_other",
                "other_exempt_sales",
                "prepaid_tax",
            ])?;
            let goods = column([
                "goods_sales_3pct_special",
                "goods_sales_3pct_special_full",
                "goods_sales_3pct_other",
                "goods_other_exempt_sales",
                "goods_prepaid_tax",
            ])?;
            let input = VatSmallInput {
                period: f.period("period", PeriodKind::Any)?,
                goods,
                services,
                sales_5pct_special: f.money_or_zero("sales_5pct_special")?,
                sales_5pct_other: f.money_or_zero("sales_5pct_other")?,
                lease_5pct_special: f.money_or_zero("lease_5pct_special")?,
                lease_5pct_other: f.money_or_zero("lease_5pct_other")?,
                tier: f.tier("location_tier")?,
            };
            f.finish()?;
            for (prefix, c) in [("", &input.services), ("goods_", &input.goods)] {
                if c.sales_3pct_special_full > c.sales_3pct_special {
                    return Err(CalcError::new(
                        Some(if prefix.is_empty() {
                            "sales_3pct_special_full"
                        } else {
                            "goods_sales_3pct_special_full"
                        }),
                        "calc.error.special_full_over",
                        None,
                    ));
                }
            }
            vat_small::assess(policy, &input)?
        }
        CalcTax::VatGeneral => {
            let period = f.period("period", PeriodKind::Month)?;
            let sales = rate_amounts(&mut f, "sales")?;
            let input = VatGeneralInput {
                period,
                sales,
                zero_rated_sales: f.money_or_zero("zero_rated_sales")?,
                exempt_sales: f.money_or_zero("exempt_sales")?,
                input_tax: f.money_or_zero("input_tax")?,
                carried_credit: f.money_or_zero("carried_credit")?,
                input_transferred_out: f.money_or_zero("input_transferred_out")?,
                prepaid_tax: f.money_or_zero("prepaid_tax")?,
                tier: f.tier("location_tier")?,
                small_low_profit: f.flag("small_low_profit")?.unwrap_or(false),
            };
            f.finish()?;
            vat_general::assess(policy, &input)?
        }
        CalcTax::CitQuarterly => {
            let period = f.period("period", PeriodKind::Quarter)?;
            let mut input = CitInput {
                period,
                revenue: f.money("revenue")?,
                cost: f.money("cost")?,
                total_profit: f.signed_money("total_profit")?,
                specific_business_income: f.money_or_zero("specific_business_income")?,
                non_taxable_income: f.money_or_zero("non_taxable_income")?,
                exempt_income: f.money_or_zero("exempt_income")?,
                accelerated_depreciation: f.money_or_zero("accelerated_depreciation")?,
                loss_offset: f.money_or_zero("loss_offset")?,
                prepaid_tax: f.money_or_zero("prepaid_tax")?,
                specific_prepaid_tax: f.money_or_zero("specific_prepaid_tax")?,
                restricted_industry: f.flag("restricted_industry")?.unwrap_or(false),
                small_low_profit: SmallLowProfit::Declared(false),
            };
            let declared = f.flag("small_low_profit")?;
            input.small_low_profit = match (quarters(&mut f, period)?, declared) {
                (Some(_), Some(_)) => {
                    return Err(CalcError::new(
                        Some("small_low_profit"),
                        "calc.error.size_both",
                        None,
                    ));
                }
                (Some(q), None) => SmallLowProfit::FromSize(q),
                (None, Some(d)) => SmallLowProfit::Declared(d),
                (None, None) => {
                    return Err(CalcError::new(
                        Some("quarters"),
                        "calc.error.need_size",
                        None,
                    ));
                }
            };
            f.finish()?;
            let mut a = cit::assess(policy, &input)?;
            // numbered as the period's A200000 (2021 form, or 公告2025年第17号's)
            crate::bureau::returns::grid::renumber(
                &mut a,
                crate::domain::entities::ReturnKind::CitQuarterly,
            );
            a
        }
        CalcTax::Surcharges => {
            let period = f.period("period", PeriodKind::Any)?;
            let tier = f.tier("location_tier")?.ok_or(CalcError::new(
                Some("location_tier"),
                "calc.error.missing",
                None,
            ))?;
            let vat = f.money("vat")?;
            let consumption_tax = f.money_or_zero("consumption_tax")?;
            let taxpayer = f.required("taxpayer_type")?;
            let mut groups = match taxpayer.as_str() {
                Some("small_scale") => vec![HalvingGroup::SmallScale],
                Some("general") => vec![],
                _ => {
                    return Err(CalcError::at(
                        "taxpayer_type",
                        "calc.error.not_taxpayer",
                        taxpayer,
                    ));
                }
            };
            if f.flag("small_low_profit")?.unwrap_or(false) {
                groups.push(HalvingGroup::SmallLowProfit);
            }
            if f.flag("individual_business")?.unwrap_or(false) {
                groups.push(HalvingGroup::IndividualBusiness);
            }
            let sales = match f.get("sales") {
                Some(v) => Some(f.parse_money("sales", v, false)?),
                None => None,
            };
            f.finish()?;
            surcharges::assess(
                policy,
                &SurchargeInput {
                    period,
                    tier,
                    vat,
                    consumption_tax,
                    groups,
                    sales,
                },
            )?
        }
        CalcTax::CultureFee => {
            let input = CultureFeeInput {
                period: f.period("period", PeriodKind::Any)?,
                income: f.money("income")?,
                exempt_income: f.money_or_zero("exempt_income")?,
                deduction_opening: f.money_or_zero("deduction_opening")?,
                deduction: f.money_or_zero("deduction")?,
                small_scale_sales: f.money_opt("small_scale_sales")?,
                prepaid: f.money_or_zero("prepaid")?,
                central: f.flag("central")?.unwrap_or(false),
                local_cut: f.percent_opt("local_cut")?.unwrap_or(Rate::percent(50)),
            };
            f.finish()?;
            culture_fee::assess(policy, &input)?
        }
        CalcTax::LateFee => {
            let period = f.period("period", PeriodKind::Any)?;
            let tax = f.money("tax")?;
            let paid_on = f.date("paid_on")?.ok_or(CalcError::new(
                Some("paid_on"),
                "calc.error.missing",
                None,
            ))?;
            let deadline = match f.date("deadline")? {
                Some(d) => {
                    if d < period.last_day() {
                        return Err(CalcError::new(
                            Some("deadline"),
                            "calc.error.period_mismatch",
                            Some(d.to_string()),
                        ));
                    }
                    extra.insert(
                        "deadline".into(),
                        json!({ "date": d.to_string(), "basis": { "kind": "given" } }),
                    );
                    d
                }
                None => {
                    let d = policy.calendar.filing_deadline(period);
                    extra.insert(
                        "deadline".into(),
                        json!({ "date": d.date.to_string(), "basis": d.basis }),
                    );
                    d.date
                }
            };
            f.finish()?;
            // The late-fee rule is chosen by the deadline's month.
            let input = LateFeeInput {
                period,
                tax,
                deadline,
                paid_on,
            };
            late_fee::assess(policy, &input).map_err(|e| CalcError {
                field: Some("deadline".into()),
                ..CalcError::from(e)
            })?
        }
    };
    let mut out = render(&assessment, lang);
    if let Json::Object(map) = &mut out {
        map.extend(extra);
    }
    Ok(out)
}

/// `{"13%": "1000000.00", "6%": "200000.00"}`.
fn rate_amounts<'a>(f: &mut Fields<'a>, name: &'a str) -> Result<Vec<(Rate, Fen)>, CalcError> {
    let v = f.required(name)?;
    let obj = v
        .as_object()
        .ok_or_else(|| CalcError::at(name, "calc.error.field_not_object", v))?;
    let mut out = Vec::new();
    for (rate, amount) in obj {
        let path = format!("{name}.{rate}");
        let r = Rate::parse(rate)
            .map_err(|_| CalcError::new(Some(&path), "calc.error.not_rate", Some(rate.clone())))?;
        let inner = Fields {
            obj,
            prefix: name.to_owned(),
            used: Vec::new(),
        };
        out.push((r, inner.parse_money(rate, amount, false)?));
    }
    Ok(out)
}

/// `quarters`: one entry per quarter from Q1 to the period's quarter.
fn quarters<'a>(
    f: &mut Fields<'a>,
    period: TaxPeriod,
) -> Result<Option<Vec<QuarterSize>>, CalcError> {
    let Some(v) = f.get("quarters") else {
        return Ok(None);
    };
    let list = v
        .as_array()
        .ok_or_else(|| CalcError::at("quarters", "calc.error.not_list", v))?;
    let expected = period.quarters_to_date() as usize;
    if list.len() != expected {
        return Err(CalcError::new(
            Some("quarters"),
            "calc.error.quarters_count",
            Some(expected.to_string()),
        ));
    }
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let mut q = Fields::new(item, &format!("quarters[{i}]"))?;
        out.push(QuarterSize {
            headcount_start: q.count("headcount_start")?,
            headcount_end: q.count("headcount_end")?,
            assets_start: q.money("assets_start")?,
            assets_end: q.money("assets_end")?,
        });
        q.finish()?;
    }
    Ok(Some(out))
}

/// The result as JSON, labels in `lang`.
pub fn render(a: &Assessment, lang: Lang) -> Json {
    let catalog = Catalog::embedded();
    let mut working = Vec::new();
    for step in &a.steps {
        let mut item = Map::new();
        if let Some(line) = &step.line {
            item.insert("line".into(), Json::String(line.clone()));
        }
        item.insert("key".into(), Json::String(step.key.to_owned()));
        item.insert(
            "item".into(),
            Json::String(catalog.text(lang, step.key).to_owned()),
        );
        item.insert("value".into(), value_json(step.value));
        if !step.formula.is_empty() {
            item.insert("formula".into(), Json::String(step.formula.clone()));
        }
        working.push(Json::Object(item));
    }
    let lines: Map<String, Json> = a
        .lines()
        .into_iter()
        .map(|(line, v)| (line.to_owned(), value_json(v)))
        .collect();
    let totals: Map<String, Json> = a
        .totals
        .iter()
        .map(|(k, v)| ((*k).to_owned(), value_json(*v)))
        .collect();
    let notes: Vec<Json> = a
        .notes
        .iter()
        .map(|k| json!({ "key": k, "text": catalog.text(lang, k) }))
        .collect();
    json!({
        "tax": a.tax,
        "period": a.period.to_string(),
        "policy": a.policy,
        "lines": lines,
        "totals": totals,
        "working": working,
        "notes": notes,
    })
}

/// A value as JSON, the way `Value` serialises (exact strings for amounts).
fn value_json(v: Value) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

#[cfg(test)]
mod tests;
