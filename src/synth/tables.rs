//! The generator's tables from `fixtures/` (embedded): divisions, industries, banks,
//! name lists and presets.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::domain::money::{Fen, Rate};
use crate::domain::tax::LocationTier;

#[derive(Debug, Deserialize)]
pub struct Division {
    pub code: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub short: String,
    pub tier: LocationTier,
}

#[derive(Debug, Deserialize)]
pub struct Industry {
    pub code: String,
    pub name: String,
    pub sector: String,
    pub name_words: Vec<String>,
    pub rate: Rate,
    pub restricted: bool,
    pub culture_fee: bool,
    pub sales_items: Vec<String>,
    pub purchase_items: Vec<PurchaseItem>,
}

/// Something a company buys, and the VAT rate its supplier charges.
#[derive(Debug, Deserialize)]
pub struct PurchaseItem {
    pub item: String,
    pub rate: Rate,
}

#[derive(Debug, Deserialize)]
pub struct Bank {
    pub name: String,
    pub bin: String,
    pub length: usize,
}

/// How a lab wants a company shaped (`fixtures/presets/*.toml`). `<id>@<grade>` names the
/// preset with that credit grade only (e.g. `general-manufacturing@M`), for a lab that
/// needs a model taxpayer or a poor one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub id: String,
    pub title: String,
    pub title_en: String,
    pub taxpayer_type: String,
    pub vat_quarterly: bool,
    pub industries: Vec<String>,
    pub credit_grades: Vec<String>,
    pub due_period_sales: [Fen; 2],
    pub history_period_sales: [Fen; 2],
    pub special_invoice_share: [Rate; 2],
    pub purchase_share: [Rate; 2],
    pub expense_share: [Rate; 2],
    pub headcount: [i64; 2],
    pub assets: [Fen; 2],
    pub bank_balance: [Fen; 2],
    pub registered_years_ago: [i64; 2],
    pub late_filing: Rate,
    pub late_payment: Rate,
    pub unpaid: Rate,
    /// A small-scale company that rents out a shop: the monthly rent's range, excluding VAT,
    /// invoiced (ordinary invoices) at the 5% levy rate for real estate.
    #[serde(default)]
    pub shop_rent: Option<[Fen; 2]>,
}

pub struct Tables {
    pub divisions: Vec<Division>,
    pub industries: Vec<Industry>,
    pub banks: Vec<Bank>,
    pub trade_names: Vec<String>,
    pub streets: Vec<String>,
    pub presets: Vec<Preset>,
    /// Each preset once per credit grade (`<id>@<grade>`).
    graded: Vec<Preset>,
}

#[derive(Deserialize)]
struct DivisionFile {
    division: Vec<Division>,
}
#[derive(Deserialize)]
struct IndustryFile {
    industry: Vec<Industry>,
}
#[derive(Deserialize)]
struct BankFile {
    bank: Vec<Bank>,
}

const PRESETS: [&str; 5] = [
    include_str!("../../fixtures/presets/small-scale-trading-above-threshold.toml"),
    include_str!("../../fixtures/presets/small-scale-services-below-threshold.toml"),
    include_str!("../../fixtures/presets/general-manufacturing.toml"),
    include_str!("../../fixtures/presets/general-services.toml"),
    include_str!("../../fixtures/presets/small-scale-advertising.toml"),
];

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| format!("fixtures/{name}: {e}"))
}

impl Tables {
    pub fn load() -> Result<Tables, String> {
        let mut tables = Tables {
            divisions: parse::<DivisionFile>(
                "divisions.toml",
                include_str!("../../fixtures/divisions.toml"),
            )?
            .division,
            industries: parse::<IndustryFile>(
                "industries.toml",
                include_str!("../../fixtures/industries.toml"),
            )?
            .industry,
            banks: parse::<BankFile>("banks.toml", include_str!("../../fixtures/banks.toml"))?.bank,
            trade_names: lines(include_str!("../../fixtures/names/trade_names.txt")),
            streets: lines(include_str!("../../fixtures/names/streets.txt")),
            presets: PRESETS
                .iter()
                .map(|t| parse::<Preset>("presets", t))
                .collect::<Result<_, _>>()?,
            graded: Vec::new(),
        };
        tables.check()?;
        tables.graded = tables
            .presets
            .iter()
            .flat_map(|p| {
                crate::domain::tax::credit::Grade::ALL.map(|g| Preset {
                    id: format!("{}@{g}", p.id),
                    credit_grades: vec![g.to_string()],
                    ..p.clone()
                })
            })
            .collect();
        Ok(tables)
    }

    /// Every preset must name known industries, grades and taxpayer types.
    fn check(&self) -> Result<(), String> {
        for p in &self.presets {
            for code in &p.industries {
                if self.industry(code).is_none() {
                    return Err(format!("preset {}: unknown industry {code}", p.id));
                }
            }
            if crate::domain::entities::TaxpayerType::parse(&p.taxpayer_type).is_none() {
                return Err(format!(
                    "preset {}: unknown taxpayer_type {}",
                    p.id, p.taxpayer_type
                ));
            }
            if p.credit_grades
                .iter()
                .any(|g| crate::domain::tax::credit::Grade::parse(g).is_none())
            {
                return Err(format!("preset {}: unknown credit grade", p.id));
            }
            // History reaches back up to 21 months: a company must exist before it starts.
            if p.registered_years_ago[0] < 2 {
                return Err(format!(
                    "preset {}: registered_years_ago must start at 2 or more",
                    p.id
                ));
            }
        }
        Ok(())
    }

    pub fn embedded() -> &'static Tables {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(|| match Tables::load() {
            Ok(t) => t,
            // Embedded and covered by tests: a failure here is a build defect.
            Err(e) => panic!("embedded fixtures are invalid: {e}"),
        })
    }

    pub fn preset(&self, id: &str) -> Option<&Preset> {
        self.presets.iter().chain(&self.graded).find(|p| p.id == id)
    }

    pub fn industry(&self, code: &str) -> Option<&Industry> {
        self.industries.iter().find(|i| i.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_load() {
        let t = Tables::embedded();
        assert!(t.divisions.len() >= 30);
        assert!(t.trade_names.len() >= 50);
        assert_eq!(t.presets.len(), PRESETS.len());
        for d in &t.divisions {
            assert_eq!(d.code.len(), 6, "{}", d.code);
        }
    }
}
