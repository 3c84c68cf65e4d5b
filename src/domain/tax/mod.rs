//! The tax engine: pure functions from typed inputs and policy to an [`Assessment`]
//! that carries every line of the working, not just the total.

pub mod cit;
pub mod credit;
pub mod culture_fee;
pub mod deadline;
pub mod late_fee;
pub mod policy;
#[cfg(test)]
mod properties;
pub mod surcharges;
pub mod vat_general;
pub mod vat_small;

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::domain::money::{Fen, Rate};
use crate::domain::period::TaxPeriod;

pub use policy::{LocationTier, Policy, PolicyError, PolicyFiles};

/// A value on a line of the working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Money(Fen),
    Rate(Rate),
    Count(i64),
    /// A count in hundredths, e.g. an average headcount of 12.50.
    Hundredths(i64),
    Flag(bool),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Money(m) => m.fmt(f),
            Value::Rate(r) => r.fmt(f),
            Value::Count(n) => n.fmt(f),
            Value::Hundredths(h) => write!(f, "{}.{:02}", h / 100, h % 100),
            Value::Flag(b) => b.fmt(f),
        }
    }
}

/// Amounts, rates and averages serialise as exact strings; counts as numbers; flags as booleans.
impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Count(n) => s.serialize_i64(*n),
            Value::Flag(b) => s.serialize_bool(*b),
            other => s.collect_str(other),
        }
    }
}

/// Name–value pairs serialised as a JSON object, in order.
struct Pairs<'a>(&'a [(&'a str, Value)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// One step of the working: a named item, its value, and how it was computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The official line number (栏次) where the form has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// Catalogue key naming the item (e.g. `vat_small.line.15`).
    pub key: &'static str,
    pub value: Value,
    /// How the value was computed, with line references and figures.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub formula: String,
}

/// What the engine found for one tax and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub tax: &'static str,
    pub period: TaxPeriod,
    /// Which policy rules applied (ids from `fixtures/policy`).
    pub policy: Vec<String>,
    pub steps: Vec<Step>,
    /// Named totals a page or grader reads directly.
    pub totals: Vec<(&'static str, Value)>,
    /// Catalogue keys of notes about the rules that applied (e.g. threshold exemption).
    pub notes: Vec<&'static str>,
    /// Lines the form splits into two columns (the small-scale return's 货物及劳务 and
    /// 服务、不动产和无形资产): each column's value; the line's value is their sum.
    pub columns: Vec<(String, [Fen; 2])>,
}

impl Assessment {
    pub(crate) fn new(tax: &'static str, period: TaxPeriod) -> Assessment {
        Assessment {
            tax,
            period,
            policy: Vec::new(),
            steps: Vec::new(),
            totals: Vec::new(),
            notes: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// Record a form line and return its value, so the computation reads top to bottom.
    pub(crate) fn line(
        &mut self,
        line: &str,
        key: &'static str,
        amount: Fen,
        formula: impl Into<String>,
    ) -> Fen {
        self.steps.push(Step {
            line: Some(line.to_owned()),
            key,
            value: Value::Money(amount),
            formula: formula.into(),
        });
        amount
    }

    /// Record a form line split into two columns; returns the columns.
    pub(crate) fn pair(
        &mut self,
        line: &str,
        key: &'static str,
        columns: [Fen; 2],
        formula: impl Into<String>,
    ) -> [Fen; 2] {
        self.line(line, key, columns[0] + columns[1], formula);
        self.columns.push((line.to_owned(), columns));
        columns
    }

    /// A line's value in each column, when the form splits it.
    pub fn columns_of(&self, line: &str) -> Option<[Fen; 2]> {
        self.columns
            .iter()
            .find(|(l, _)| l == line)
            .map(|(_, c)| *c)
    }

    /// Record a working item without a line number.
    pub(crate) fn item(&mut self, key: &'static str, value: Value, formula: impl Into<String>) {
        self.steps.push(Step {
            line: None,
            key,
            value,
            formula: formula.into(),
        });
    }

    pub(crate) fn total(&mut self, name: &'static str, amount: Fen) {
        self.totals.push((name, Value::Money(amount)));
    }

    /// The value of a line, if the working has it.
    pub fn line_value(&self, line: &str) -> Option<Value> {
        self.steps
            .iter()
            .find(|s| s.line.as_deref() == Some(line))
            .map(|s| s.value)
    }

    /// The value of a named total.
    pub fn total_value(&self, name: &str) -> Option<Value> {
        self.totals
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// The form lines in line-number order.
    pub fn lines(&self) -> Vec<(&str, Value)> {
        let mut lines: Vec<(&str, Value)> = self
            .steps
            .iter()
            .filter_map(|s| s.line.as_deref().map(|l| (l, s.value)))
            .collect();
        lines.sort_by_key(|(l, _)| l.parse::<u32>().unwrap_or(u32::MAX));
        lines
    }

    /// The filed form, compactly: rule ids, lines and totals (no working), for storage.
    pub fn form_json(&self) -> String {
        #[derive(Serialize)]
        struct Form<'a> {
            policy: &'a [String],
            lines: Pairs<'a>,
            totals: Pairs<'a>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            columns: BTreeMap<&'a str, [String; 2]>,
        }
        let lines = self.lines();
        let form = Form {
            policy: &self.policy,
            lines: Pairs(&lines),
            totals: Pairs(&self.totals),
            columns: self
                .columns
                .iter()
                .map(|(l, c)| (l.as_str(), [c[0].to_string(), c[1].to_string()]))
                .collect(),
        };
        serde_json::to_string(&form).unwrap_or_default()
    }

    /// Money total or zero.
    pub fn money(&self, name: &str) -> Fen {
        match self.total_value(name) {
            Some(Value::Money(m)) => m,
            _ => Fen::ZERO,
        }
    }
}

/// The note for a rule marked unverified in the policy tables: its own catalogue key when the
/// engine knows it, else a general one (a test keeps every table's keys known).
pub(crate) fn unverified_note(key: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "note.cit_form_2025_unverified",
        "note.vat_small_2026_unverified",
    ];
    KNOWN
        .iter()
        .find(|k| **k == key)
        .copied()
        .unwrap_or("note.rule_unverified")
}
