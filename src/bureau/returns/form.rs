//! The forms: which fields each return asks for, how typed text becomes figures (with an
//! error at the field when it cannot), prefill from the company's own invoices and ledger
//! (智能预填), the engine's computation, and the checks the real system makes within and
//! across forms (表内/表间校验): errors stop a submission, warnings need the filer's
//! confirmation.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::entities::ReturnKind;
use crate::domain::money::{Fen, MoneyError};
use crate::domain::tax::Assessment;
use crate::domain::tax::cit::QuarterSize;
use crate::domain::tax::vat_small::SmallColumn;

/// What the filer typed, field by field, exactly as typed.
pub type Values = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Yuan with at most two decimals.
    Money,
    /// A whole number (headcount).
    Count,
    /// Yes or no.
    Flag,
}

/// One field of a form. Its label is the catalogue key `returns.field.<name>`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Field {
    pub name: &'static str,
    /// The form line (栏次) it fills, if it is one.
    pub line: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// May be negative (a loss).
    pub signed: bool,
}

const fn money(name: &'static str, line: &'static str) -> Field {
    Field {
        name,
        line,
        kind: FieldKind::Money,
        required: false,
        signed: false,
    }
}

const fn required(mut f: Field) -> Field {
    f.required = true;
    f
}

/// The small-scale return: the services column (服务、不动产和无形资产) under the plain
/// names, the goods column (货物及劳务) under `goods_`; real estate (sale and rent, 5%) only
/// in the services column. Lines 3, 10 and 11 are where the filer places the 3% sales not on
/// special invoices (taxable, or exempt as 小微企业 or under the 起征点); the checks say when
/// the placement does not match the period's rule.
pub(super) const VAT_SMALL: &[Field] = &[
    money("goods_sales_3pct_special", "2"),
    money("goods_sales_3pct_other", "3"),
    money("goods_small_exempt_sales", "10"),
    money("goods_below_threshold_sales", "11"),
    money("goods_other_exempt_sales", "12"),
    money("goods_prepaid_tax", "21"),
    money("goods_sales_3pct_special_full", ""),
    money("sales_3pct_special", "2"),
    money("sales_3pct_other", "3"),
    money("small_exempt_sales", "10"),
    money("below_threshold_sales", "11"),
    money("other_exempt_sales", "12"),
    money("prepaid_tax", "21"),
    money("sales_3pct_special_full", ""),
    money("lease_5pct_special", "5"),
    money("lease_5pct_other", "6"),
    money("sales_5pct_special", "5"),
    money("sales_5pct_other", "6"),
];

/// A column of the small-scale return: its fields' names.
pub(super) struct SmallNames {
    pub(super) special: &'static str,
    pub(super) special_full: &'static str,
    pub(super) other: &'static str,
    pub(super) small_exempt: &'static str,
    pub(super) below_threshold: &'static str,
    pub(super) other_exempt: &'static str,
    pub(super) prepaid: &'static str,
}

/// The goods column, then the services column.
pub(super) const SMALL_COLUMNS: [SmallNames; 2] = [
    SmallNames {
        special: "goods_sales_3pct_special",
        special_full: "goods_sales_3pct_special_full",
        other: "goods_sales_3pct_other",
        small_exempt: "goods_small_exempt_sales",
        below_threshold: "goods_below_threshold_sales",
        other_exempt: "goods_other_exempt_sales",
        prepaid: "goods_prepaid_tax",
    },
    SmallNames {
        special: "sales_3pct_special",
        special_full: "sales_3pct_special_full",
        other: "sales_3pct_other",
        small_exempt: "small_exempt_sales",
        below_threshold: "below_threshold_sales",
        other_exempt: "other_exempt_sales",
        prepaid: "prepaid_tax",
    },
];

impl SmallNames {
    /// The column's figures for the engine: the 3% sales not on special invoices are those
    /// on lines 3, 10 and 11 together (the engine places them by the period's rule).
    pub(super) fn column(&self, f: &Figures) -> SmallColumn {
        SmallColumn {
            sales_3pct_special: f.money(self.special),
            sales_3pct_special_full: f.money(self.special_full),
            sales_3pct_other: f.money(self.other)
                + f.money(self.small_exempt)
                + f.money(self.below_threshold),
            other_exempt_sales: f.money(self.other_exempt),
            prepaid_tax: f.money(self.prepaid),
        }
    }
}

const VAT_GENERAL: &[Field] = &[
    money("sales_13pct", ""),
    money("sales_9pct", ""),
    money("sales_6pct", ""),
    money("zero_rated_sales", "7"),
    money("exempt_sales", "8"),
    money("input_tax", "12"),
    money("carried_credit", "13"),
    money("input_transferred_out", "14"),
    money("prepaid_tax", "28"),
];

const fn signed(mut f: Field) -> Field {
    f.signed = true;
    f
}

const CIT: &[Field] = &[
    required(money("revenue", "1")),
    required(money("cost", "2")),
    // typed on the 2021 form; built up from the income statement's lines on the 2025 one
    signed(money("total_profit", "3")),
    money("taxes_surcharges", "3"),
    money("selling_expenses", "4"),
    money("admin_expenses", "5"),
    money("rnd_expenses", "6"),
    money("finance_expenses", "7"),
    signed(money("other_gains", "8")),
    signed(money("investment_income", "9")),
    signed(money("hedging_gains", "10")),
    signed(money("fair_value_gains", "11")),
    signed(money("credit_impairment", "12")),
    signed(money("asset_impairment", "13")),
    signed(money("disposal_gains", "14")),
    money("non_operating_income", "16"),
    money("non_operating_expenses", "17"),
    money("specific_business_income", "4"),
    money("non_taxable_income", "5"),
    money("exempt_income", "6"),
    money("accelerated_depreciation", "7"),
    money("loss_offset", "8"),
    money("prepaid_tax", "13"),
    money("specific_prepaid_tax", "14"),
    Field {
        kind: FieldKind::Count,
        ..required(money("headcount_start", ""))
    },
    Field {
        kind: FieldKind::Count,
        ..required(money("headcount_end", ""))
    },
    required(money("assets_start", "")),
    required(money("assets_end", "")),
    Field {
        kind: FieldKind::Flag,
        ..money("restricted_industry", "")
    },
];

/// The income-statement lines the 2025 A200000 builds 利润总额 from: those added, then those
/// subtracted (the losses on lines 12 and 13 are typed negative, so they are added).
pub(super) const CIT_2025_ADDED: &[&str] = &[
    "revenue",
    "other_gains",
    "investment_income",
    "hedging_gains",
    "fair_value_gains",
    "credit_impairment",
    "asset_impairment",
    "disposal_gains",
];
pub(super) const CIT_2025_SUBTRACTED: &[&str] = &[
    "cost",
    "taxes_surcharges",
    "selling_expenses",
    "admin_expenses",
    "rnd_expenses",
    "finance_expenses",
];

/// The fields of the A200000's quarterly block (按季度填报信息).
pub const QUARTER_FIELDS: &[&str] = &[
    "headcount_start",
    "headcount_end",
    "assets_start",
    "assets_end",
    "restricted_industry",
];

/// The fields a form version has no place for.
pub fn omitted_by(grid: &str) -> &'static [&'static str] {
    match grid {
        "cit-2021" => &[
            "taxes_surcharges",
            "selling_expenses",
            "admin_expenses",
            "rnd_expenses",
            "finance_expenses",
            "other_gains",
            "investment_income",
            "hedging_gains",
            "fair_value_gains",
            "credit_impairment",
            "asset_impairment",
            "disposal_gains",
            "non_operating_income",
            "non_operating_expenses",
        ],
        "cit-2025" => &["total_profit"],
        _ => &[],
    }
}

const CULTURE_FEE: &[Field] = &[
    money("fee_income", "1"),
    money("fee_exempt_income", "2"),
    money("fee_deduction_opening", "3"),
    money("fee_deduction", "4"),
    money("fee_prepaid", "13"),
];

/// The returns a filer can complete here.
pub fn fields(kind: ReturnKind) -> &'static [Field] {
    match kind {
        ReturnKind::VatSmall => VAT_SMALL,
        ReturnKind::CitQuarterly => CIT,
        ReturnKind::VatGeneral => VAT_GENERAL,
        ReturnKind::CultureFee => CULTURE_FEE,
    }
}

/// A figure read from a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Money(Fen),
    Count(i64),
    Flag(bool),
}

/// A problem at a field (or, with an empty field, with the form as a whole). Its text is
/// the catalogue key `returns.error.<code>` (or `returns.warning.<code>`) with `args`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: &'static str,
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub(super) fn at(field: &'static str, code: &'static str) -> Problem {
        Problem {
            field,
            code,
            args: Vec::new(),
        }
    }

    pub(super) fn with(mut self, name: &'static str, value: impl ToString) -> Problem {
        self.args.push((name, value.to_string()));
        self
    }
}

/// The figures of a form, by field name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures(pub(super) BTreeMap<&'static str, Figure>);

impl Figures {
    pub fn money(&self, name: &str) -> Fen {
        match self.0.get(name) {
            Some(Figure::Money(f)) => *f,
            _ => Fen::ZERO,
        }
    }

    pub(super) fn count(&self, name: &str) -> i64 {
        match self.0.get(name) {
            Some(Figure::Count(n)) => *n,
            _ => 0,
        }
    }

    pub(super) fn flag(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(Figure::Flag(true)))
    }

    /// The figures as the normalised text a filing stores (and a form shows again).
    pub fn values(&self) -> Values {
        self.0
            .iter()
            .map(|(k, f)| {
                let text = match f {
                    Figure::Money(m) => m.to_string(),
                    Figure::Count(n) => n.to_string(),
                    Figure::Flag(b) => if *b { "1" } else { "0" }.to_owned(),
                };
                ((*k).to_owned(), text)
            })
            .collect()
    }
}

/// A filed CIT return's size figures, from its stored form.
pub(super) fn quarter_size(form: Option<&str>) -> Option<QuarterSize> {
    let values: Values = serde_json::from_str(form?).ok()?;
    parse(ReturnKind::CitQuarterly, &values)
        .ok()
        .map(|f| size_of(&f))
}

/// The size figures of a CIT form.
pub(super) fn size_of(f: &Figures) -> QuarterSize {
    QuarterSize {
        headcount_start: f.count("headcount_start"),
        headcount_end: f.count("headcount_end"),
        assets_start: f.money("assets_start"),
        assets_end: f.money("assets_end"),
    }
}

/// Read every field; each one that cannot be read is a problem at that field.
pub fn parse(kind: ReturnKind, values: &Values) -> Result<Figures, Vec<Problem>> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for f in fields(kind) {
        let text = values.get(f.name).map(|s| s.trim()).unwrap_or_default();
        // thousands separators as the real forms display them are accepted
        let text = text.replace([',', '，'], "");
        if text.is_empty() && f.required {
            problems.push(Problem::at(f.name, "required"));
            continue;
        }
        let figure = match f.kind {
            FieldKind::Flag => Ok(Figure::Flag(matches!(
                text.as_str(),
                "1" | "true" | "on" | "yes" | "是"
            ))),
            FieldKind::Count if text.is_empty() => Ok(Figure::Count(0)),
            FieldKind::Count => match text.parse::<i64>() {
                Ok(n) if n >= 0 => Ok(Figure::Count(n)),
                Ok(_) => Err(Problem::at(f.name, "negative")),
                Err(_) => Err(Problem::at(f.name, "integer")),
            },
            FieldKind::Money if text.is_empty() => Ok(Figure::Money(Fen::ZERO)),
            FieldKind::Money => match Fen::parse_yuan(&text) {
                Ok(m) if m.is_negative() && !f.signed => Err(Problem::at(f.name, "negative")),
                Ok(m) => Ok(Figure::Money(m)),
                Err(MoneyError::TooPrecise) => Err(Problem::at(f.name, "decimals")),
                Err(MoneyError::OutOfRange) => Err(Problem::at(f.name, "too_large")),
                Err(_) => Err(Problem::at(f.name, "number")),
            },
        };
        match figure {
            Ok(fig) => {
                out.insert(f.name, fig);
            }
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(Figures(out))
    } else {
        Err(problems)
    }
}

pub use super::basis::Basis;

/// What each return asks to be paid, item by item, from the engine's working.
pub fn payable_items(
    kind: ReturnKind,
    a: &Assessment,
) -> Vec<(crate::domain::entities::TaxItem, Fen)> {
    use crate::domain::entities::TaxItem;
    let line = |l: &str| match a.line_value(l) {
        Some(crate::domain::tax::Value::Money(m)) => m,
        _ => Fen::ZERO,
    };
    match kind {
        ReturnKind::VatSmall | ReturnKind::VatGeneral => {
            let surcharges = if kind == ReturnKind::VatSmall {
                ["23", "24", "25"]
            } else {
                ["39", "40", "41"]
            };
            vec![
                (TaxItem::Vat, a.money("vat_due")),
                (TaxItem::UrbanMaintenance, line(surcharges[0])),
                (TaxItem::Education, line(surcharges[1])),
                (TaxItem::LocalEducation, line(surcharges[2])),
            ]
        }
        ReturnKind::CitQuarterly => vec![(TaxItem::Cit, a.money("tax_due"))],
        ReturnKind::CultureFee => vec![(TaxItem::CultureFee, a.money("fee_due"))],
    }
}

/// Everything the return asks to be paid: the positive items.
pub fn total_due(kind: ReturnKind, a: &Assessment) -> Fen {
    payable_items(kind, a)
        .into_iter()
        .map(|(_, f)| f.max(Fen::ZERO))
        .sum()
}
