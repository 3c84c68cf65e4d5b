//! 政策法规库 (公众服务): every rule the engine applies, read from the `fixtures/policy` tables
//! compiled into this binary — when it is in force, its figures as the engine uses them, its
//! official source and, where the source is not confirmed, the note saying so — with a
//! plain-language explanation from the catalogue (`policy.title.<id>`, `policy.plain.<id>`).
//! Searchable by keyword, browsable by tax.

use std::sync::OnceLock;

use serde::Serialize;

use crate::domain::tax::PolicyFiles;
use crate::i18n::{Catalog, Lang};

/// The taxes the library is browsed by, in the order shown.
pub const TAXES: [&str; 7] = [
    "vat",
    "surcharges",
    "cit",
    "culture_fee",
    "collection",
    "credit",
    "calendar",
];

/// One rule of the engine.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    /// The rule's id in `fixtures/policy` (e.g. `vat-small-2023`).
    pub id: String,
    /// One of [`TAXES`].
    pub tax: &'static str,
    /// First and last month in force (`YYYY-MM`), for a rule that has them.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Its figures as the engine reads them: (name, value).
    pub params: Vec<(String, String)>,
    /// The official source as the table cites it.
    pub source: String,
    /// The catalogue key of a note where the source is not confirmed.
    pub unverified: Option<String>,
}

const SKIP: [&str; 7] = ["id", "from", "to", "source", "unverified", "grade", "title"];

/// A value as shown: numbers and words as they are, lists joined, tables as `key=value`.
fn shown(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join("; "),
        toml::Value::Table(t) => t
            .iter()
            .map(|(k, v)| format!("{k}={}", shown(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn text(t: &toml::Table, key: &str) -> Option<String> {
    t.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

fn entry(id: String, tax: &'static str, t: &toml::Table) -> Entry {
    Entry {
        id,
        tax,
        from: text(t, "from"),
        to: text(t, "to"),
        params: t
            .iter()
            .filter(|(k, _)| !SKIP.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), shown(v)))
            .collect(),
        source: text(t, "source").unwrap_or_default(),
        unverified: text(t, "unverified"),
    }
}

fn parse(file: &str) -> toml::Table {
    // the same texts the engine loads (a failure there is a build defect, tested)
    toml::from_str(file).unwrap_or_default()
}

/// Every rule, in the order of [`TAXES`] and, within a tax, as the tables list them.
pub fn library() -> &'static [Entry] {
    static LIBRARY: OnceLock<Vec<Entry>> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let f = PolicyFiles::EMBEDDED;
        let mut all = Vec::new();
        for (text_of, tax) in [
            (f.vat_small, "vat"),
            (f.vat_general, "vat"),
            (f.surcharges, "surcharges"),
            (f.cit, "cit"),
            (f.culture_fee, "culture_fee"),
            (f.late_fee, "collection"),
        ] {
            let table = parse(text_of);
            for rule in table
                .get("rule")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(t) = rule.as_table() {
                    let id = text(t, "id").unwrap_or_default();
                    all.push(entry(id, tax, t));
                }
            }
        }
        let credit = parse(f.credit);
        for profile in ["course", "national"] {
            if let Some(t) = credit.get(profile).and_then(|p| p.as_table()) {
                let mut e = entry(format!("credit-{profile}"), "credit", t);
                let grades = t.get("grade").and_then(|g| g.as_array());
                let bands = grades
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g.as_table())
                    .map(|g| {
                        let grade = text(g, "grade").unwrap_or_default();
                        let score = g.get("score").map(shown).unwrap_or_default();
                        format!("{grade} ≥ {score}")
                    })
                    .collect::<Vec<_>>()
                    .join(" > ");
                e.params.push(("grades".to_owned(), bands));
                all.push(e);
            }
        }
        if let Some(t) = credit.get("deductions").and_then(|d| d.as_table()) {
            all.push(entry("credit-deductions".to_owned(), "credit", t));
        }
        let calendar = parse(f.calendar);
        let mut e = entry("calendar".to_owned(), "calendar", &calendar);
        e.params
            .retain(|(k, _)| k == "default_day" || k == "min_break_days");
        all.push(e);
        all
    })
}

/// The entries of a tax (any when `None`) whose id, source, title, explanation or figures
/// contain every word of `q` (any case), in the reader's language or in Chinese.
pub fn search(lang: Lang, q: &str, tax: Option<&str>) -> Vec<&'static Entry> {
    let cat = Catalog::embedded();
    let words: Vec<String> = q
        .split_whitespace()
        .map(str::to_lowercase)
        .take(8)
        .collect();
    library()
        .iter()
        .filter(|e| tax.is_none_or(|t| e.tax == t))
        .filter(|e| {
            if words.is_empty() {
                return true;
            }
            let mut hay = format!("{} {} {}", e.id, e.source, e.tax);
            for l in [lang, Lang::Zh] {
                for key in ["policy.title.", "policy.plain."] {
                    hay.push(' ');
                    hay.push_str(cat.text(l, &format!("{key}{}", e.id)));
                }
                hay.push(' ');
                hay.push_str(cat.text(l, &format!("policy.tax.{}", e.tax)));
            }
            for (k, v) in &e.params {
                hay.push_str(&format!(" {k} {v}"));
            }
            let hay = hay.to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_of_the_engine_is_in_the_library_with_its_source_and_explanation() {
        let p = crate::domain::tax::Policy::embedded();
        let rules = p.vat_small.len()
            + p.vat_general.len()
            + p.surcharges.len()
            + p.cit.len()
            + p.late_fee.len()
            + p.culture_fee.len();
        // the dated rules, two credit profiles, the deductions, the calendar
        assert_eq!(library().len(), rules + 4);
        let cat = Catalog::embedded();
        for e in library() {
            assert!(!e.source.is_empty(), "{}: no source", e.id);
            assert!(TAXES.contains(&e.tax));
            for key in ["policy.title.", "policy.plain."] {
                assert!(cat.has(&format!("{key}{}", e.id)), "{key}{}", e.id);
            }
            if let Some(note) = &e.unverified {
                assert!(cat.has(note), "{note}");
            }
        }
        for t in TAXES {
            assert!(cat.has(&format!("policy.tax.{t}")), "{t}");
        }
    }

    #[test]
    fn search_finds_by_words_in_either_language_and_by_tax() {
        let ids = |lang, q: &str, tax| -> Vec<String> {
            search(lang, q, tax).iter().map(|e| e.id.clone()).collect()
        };
        let small = ids(Lang::Zh, "小规模 免征", None);
        assert!(small.contains(&"vat-small-2023".to_owned()), "{small:?}");
        assert!(
            ids(Lang::En, "late-payment surcharge", None).contains(&"late-fee-2001".to_owned())
        );
        assert!(ids(Lang::En, "滞纳金", None).contains(&"late-fee-2001".to_owned()));
        assert!(
            ids(Lang::Zh, "2023年第12号", Some("surcharges"))
                .contains(&"surcharges-2023".to_owned())
        );
        assert!(
            ids(Lang::Zh, "", Some("cit"))
                .iter()
                .all(|id| id.starts_with("cit-"))
        );
        assert!(ids(Lang::Zh, "没有这样的政策", None).is_empty());
    }
}
