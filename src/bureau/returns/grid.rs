//! The official grids of the returns (`fixtures/forms`): for each form version, its header,
//! its lines (栏次 and 项目) and, cell by cell, what the filer types, what is computed, what is
//! shaded. A page lays a return out from its grid; the format is described in
//! `fixtures/forms/vat_small.toml`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::form::{Field, fields};
use crate::domain::entities::ReturnKind;
use crate::domain::period::{TaxPeriod, YearMonth};
use crate::domain::tax::Assessment;

const FILES: &[&str] = &[
    include_str!("../../../fixtures/forms/vat_small.toml"),
    include_str!("../../../fixtures/forms/vat_general.toml"),
    include_str!("../../../fixtures/forms/cit.toml"),
    include_str!("../../../fixtures/forms/culture_fee.toml"),
];

/// What a value column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// This period: the line, or one part of a line split in two (goods, services).
    Now(Option<usize>),
    /// 本年累计: the filed returns of the year before this one, plus this period.
    YearToDate(Option<usize>),
    /// A column the sandbox never has figures for (即征即退).
    Zero,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellKind {
    /// The engine's value of the row's line.
    Computed,
    /// Not filled on the official form (——).
    Shaded,
    /// On the form, but the sandbox has no figures for it: 0.00, read-only.
    Zero,
    /// The filer types the named field here.
    Input(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub kind: CellKind,
    pub span: usize,
    /// The value column it starts in.
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadCell {
    pub key: String,
    pub rows: usize,
    pub cols: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Section(String),
    Line {
        line: String,
        label: String,
        /// The engine's line (or derived figure) the computed cells show.
        engine: String,
        /// Whether the file names `engine` (a renumbering grid maps only those).
        mapped: bool,
        cells: Vec<Cell>,
    },
}

/// One version of one form.
#[derive(Debug, Clone)]
pub struct Grid {
    pub id: String,
    pub kind: ReturnKind,
    pub from: YearMonth,
    pub source: String,
    /// Catalogue key of what could not be confirmed from the official form.
    pub unverified: Option<String>,
    pub line_first: bool,
    /// The engine's lines are renumbered to this version's (see `renumber`).
    pub renumber: bool,
    pub quarters: bool,
    pub columns: Vec<Column>,
    pub head: Vec<Vec<HeadCell>>,
    pub extra: Vec<&'static Field>,
    pub rows: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    form: Vec<RawGrid>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    id: String,
    kind: String,
    from: String,
    source: String,
    unverified: Option<String>,
    #[serde(default)]
    line_first: bool,
    #[serde(default)]
    renumber: bool,
    #[serde(default)]
    quarters: bool,
    columns: Vec<String>,
    head: Vec<Vec<String>>,
    #[serde(default)]
    extra: Vec<String>,
    rows: Vec<RawRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    section: Option<String>,
    line: Option<String>,
    label: Option<String>,
    cells: Option<String>,
    engine: Option<String>,
}

fn field(kind: ReturnKind, name: &str) -> Result<&'static Field, String> {
    fields(kind)
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| format!("{name} is not a field of {kind}"))
}

fn column(text: &str) -> Result<Column, String> {
    let (what, part) = match text.split_once(':') {
        Some((w, p)) => (w, Some(p.parse::<usize>().map_err(|e| e.to_string())?)),
        None => (text, None),
    };
    match what {
        "now" => Ok(Column::Now(part)),
        "ytd" => Ok(Column::YearToDate(part)),
        "zero" if part.is_none() => Ok(Column::Zero),
        _ => Err(format!("unknown column {text}")),
    }
}

fn head_cell(text: &str) -> Result<HeadCell, String> {
    let (key, span) = match text.split_once('@') {
        Some((k, s)) => (k, Some(s)),
        None => (text, None),
    };
    let (rows, cols) = match span {
        None => (1, 1),
        Some(s) => {
            let n = s[1..].parse::<usize>().map_err(|e| e.to_string())?;
            match &s[..1] {
                "r" => (n, 1),
                "c" => (1, n),
                _ => return Err(format!("bad span {text}")),
            }
        }
    };
    Ok(HeadCell {
        key: key.to_owned(),
        rows,
        cols,
    })
}

impl RawGrid {
    fn read(self) -> Result<Grid, String> {
        let kind = ReturnKind::parse(&self.kind).ok_or(format!("unknown kind {}", self.kind))?;
        let from = YearMonth::parse(&self.from).map_err(|e| e.to_string())?;
        let columns = self
            .columns
            .iter()
            .map(|c| column(c))
            .collect::<Result<Vec<_>, _>>()?;
        let head = self
            .head
            .iter()
            .map(|r| r.iter().map(|c| head_cell(c)).collect())
            .collect::<Result<Vec<_>, _>>()?;
        let extra = self
            .extra
            .iter()
            .map(|n| field(kind, n))
            .collect::<Result<Vec<_>, _>>()?;
        let mut rows = Vec::new();
        for r in self.rows {
            match (r.section, r.line, r.label, r.cells) {
                (Some(s), None, None, None) => rows.push(Row::Section(s)),
                (None, Some(line), Some(label), Some(cells)) => {
                    let mut out = Vec::new();
                    let mut at = 0;
                    for token in cells.split_whitespace() {
                        let (what, span) = match token.split_once('*') {
                            Some((w, n)) => (w, n.parse::<usize>().map_err(|e| e.to_string())?),
                            None => (token, 1),
                        };
                        let kind = match what {
                            "=" => CellKind::Computed,
                            "-" => CellKind::Shaded,
                            "0" => CellKind::Zero,
                            name => {
                                let f = field(kind, name)?;
                                if !matches!(columns.get(at), Some(Column::Now(_))) || span != 1 {
                                    return Err(format!(
                                        "line {line}: {name} is not in a column of this period"
                                    ));
                                }
                                CellKind::Input(f.name)
                            }
                        };
                        out.push(Cell {
                            kind,
                            span,
                            column: at,
                        });
                        at += span;
                    }
                    if at != columns.len() {
                        return Err(format!(
                            "line {line}: {at} cells for {} columns",
                            columns.len()
                        ));
                    }
                    rows.push(Row::Line {
                        mapped: r.engine.is_some(),
                        engine: r.engine.unwrap_or_else(|| line.clone()),
                        line,
                        label,
                        cells: out,
                    });
                }
                _ => return Err("a row is a section or a line with label and cells".into()),
            }
        }
        let grid = Grid {
            id: self.id,
            kind,
            from,
            source: self.source,
            unverified: self.unverified,
            line_first: self.line_first,
            renumber: self.renumber,
            quarters: self.quarters,
            columns,
            head,
            extra,
            rows,
        };
        if grid.renumber {
            let map = grid.engine_lines();
            let mapped = grid
                .rows
                .iter()
                .filter(|r| {
                    matches!(r, Row::Line { engine, mapped: true, .. }
                        if engine.chars().all(|c| c.is_ascii_digit()))
                })
                .count();
            let mut targets: Vec<&str> = map.values().copied().collect();
            targets.sort_unstable();
            targets.dedup();
            if targets.len() != mapped || map.len() != mapped {
                return Err("an engine line is shown on two lines".into());
            }
        }
        Ok(grid)
    }
}

/// Number the engine's lines (and the line references in its working) as the form version
/// of the assessment's period does, when that version renumbers (the A200000s).
pub fn renumber(a: &mut Assessment, kind: ReturnKind) {
    let g = grid_for(kind, a.period);
    if !g.renumber {
        return;
    }
    let map = g.engine_lines();
    for s in &mut a.steps {
        if let Some(n) = s.line.as_deref().and_then(|l| map.get(l)) {
            s.line = Some((*n).to_owned());
        }
        s.formula = renumber_refs(&s.formula, &map);
    }
}

/// `L9 − L10` with the lines mapped.
fn renumber_refs(text: &str, map: &BTreeMap<&str, &str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        out.push(c);
        if c != 'L' {
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while let Some((j, d)) = chars.peek().copied() {
            if !d.is_ascii_digit() {
                break;
            }
            end = j + 1;
            chars.next();
        }
        let digits = &text[start..end];
        out.push_str(map.get(digits).copied().unwrap_or(digits));
    }
    out
}

/// Every form version, by kind and then by the month it starts.
pub fn grids() -> &'static [Grid] {
    static GRIDS: OnceLock<Vec<Grid>> = OnceLock::new();
    GRIDS.get_or_init(|| {
        let mut all = Vec::new();
        for text in FILES {
            let file: RawFile = toml::from_str(text).expect("fixtures/forms: a form file reads");
            for g in file.form {
                let id = g.id.clone();
                all.push(
                    g.read()
                        .unwrap_or_else(|e| panic!("fixtures/forms: {id}: {e}")),
                );
            }
        }
        all.sort_by_key(|g| (g.kind.as_str(), g.from));
        all
    })
}

/// The version a return for `period` is filed on: the latest that started by the period's
/// first month (the earliest one for periods before any).
pub fn grid_for(kind: ReturnKind, period: TaxPeriod) -> &'static Grid {
    let versions: Vec<&Grid> = grids().iter().filter(|g| g.kind == kind).collect();
    versions
        .iter()
        .rev()
        .find(|g| g.from <= period.first_month())
        .or(versions.first())
        .copied()
        .expect("fixtures/forms: every kind of return has a grid")
}

impl Grid {
    /// The engine's lines this version shows under other numbers: engine line → its line.
    fn engine_lines(&self) -> BTreeMap<&str, &str> {
        self.rows
            .iter()
            .filter_map(|r| match r {
                Row::Line {
                    line,
                    engine,
                    mapped: true,
                    ..
                } if engine.chars().all(|c| c.is_ascii_digit()) => {
                    Some((engine.as_str(), line.as_str()))
                }
                _ => None,
            })
            .collect()
    }

    /// The engine line a row's computed cells read (after [`renumber`], the row's own).
    pub fn reads<'a>(&self, line: &'a str, engine: &'a str) -> &'a str {
        if self.renumber && engine.chars().all(|c| c.is_ascii_digit()) {
            line
        } else {
            engine
        }
    }

    /// The fields typed into the grid's cells.
    pub fn cell_fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.rows.iter().flat_map(|r| match r {
            Row::Line { cells, .. } => cells
                .iter()
                .filter_map(|c| match c.kind {
                    CellKind::Input(name) => Some(name),
                    _ => None,
                })
                .collect::<Vec<_>>(),
            Row::Section(_) => Vec::new(),
        })
    }

    /// The lines of the grid, in order.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().filter_map(|r| match r {
            Row::Line { line, .. } => Some(line.as_str()),
            Row::Section(_) => None,
        })
    }

    /// The fields this version uses: its cells, its extras and, for a form with the
    /// quarterly block, the size fields.
    pub fn used_fields(&self) -> BTreeMap<&'static str, ()> {
        let mut out: BTreeMap<&'static str, ()> = self.cell_fields().map(|f| (f, ())).collect();
        out.extend(self.extra.iter().map(|f| (f.name, ())));
        if self.quarters {
            out.extend(super::form::QUARTER_FIELDS.iter().map(|f| (*f, ())));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_file_reads_and_every_kind_has_a_grid() {
        assert!(grids().len() >= 5);
        for kind in [
            ReturnKind::VatSmall,
            ReturnKind::VatGeneral,
            ReturnKind::CitQuarterly,
            ReturnKind::CultureFee,
        ] {
            grid_for(kind, TaxPeriod::parse("2026-01").unwrap());
        }
    }

    #[test]
    fn every_text_of_every_grid_is_in_the_catalogue() {
        let c = crate::i18n::Catalog::embedded();
        for g in grids() {
            let mut keys = vec![format!("form.source.{}", g.id)];
            keys.extend(g.unverified.clone());
            keys.extend(g.head.iter().flatten().map(|h| h.key.clone()));
            for r in &g.rows {
                keys.push(match r {
                    Row::Section(k) => k.clone(),
                    Row::Line { label, .. } => label.clone(),
                });
            }
            for f in g.extra.iter().map(|f| f.name).chain(g.cell_fields()) {
                keys.push(format!("returns.field.{f}"));
            }
            for k in keys {
                assert!(c.has(&k), "{}: {k} is not in the catalogue", g.id);
            }
        }
    }

    #[test]
    fn the_a200000_lines_and_working_are_renumbered_to_the_version() {
        use crate::domain::money::Fen;
        use crate::domain::tax::cit::{CitInput, QuarterSize, SmallLowProfit, assess};
        use crate::domain::tax::{Policy, Value};
        let input = |period: &str| CitInput {
            period: TaxPeriod::parse(period).unwrap(),
            revenue: Fen::from_yuan(1_000_000),
            cost: Fen::from_yuan(600_000),
            total_profit: Fen::from_yuan(400_000),
            specific_business_income: Fen::ZERO,
            non_taxable_income: Fen::ZERO,
            exempt_income: Fen::ZERO,
            accelerated_depreciation: Fen::ZERO,
            loss_offset: Fen::ZERO,
            prepaid_tax: Fen::ZERO,
            specific_prepaid_tax: Fen::ZERO,
            restricted_industry: false,
            small_low_profit: SmallLowProfit::FromSize(vec![QuarterSize::steady(10, Fen::ZERO)]),
        };
        let due = |a: &Assessment, line: &str| match a.line_value(line) {
            Some(Value::Money(m)) => m,
            other => panic!("{line}: {other:?}"),
        };
        // the same amounts; 本期应补（退） is line 16 on the 2021 form, 32 on the 2025 one
        let mut q2 = assess(Policy::embedded(), &input("2025Q2")).unwrap();
        renumber(&mut q2, ReturnKind::CitQuarterly);
        let mut q3 = assess(Policy::embedded(), &input("2025Q3")).unwrap();
        renumber(&mut q3, ReturnKind::CitQuarterly);
        assert_eq!(due(&q2, "16"), q2.money("tax_due"));
        assert_eq!(due(&q3, "32"), q3.money("tax_due"));
        assert_eq!(due(&q2, "16"), due(&q3, "32"));
        assert_eq!(due(&q3, "18"), Fen::from_yuan(400_000), "利润总额");
        let formula = |a: &Assessment, line: &str| {
            a.steps
                .iter()
                .find(|s| s.line.as_deref() == Some(line))
                .unwrap()
                .formula
                .clone()
        };
        assert_eq!(formula(&q2, "10"), "L3 + L4 − L5 − L7 − L6 − L9");
        assert!(formula(&q3, "25").starts_with("L18 + L19 − L20"));
        assert_eq!(
            renumber_refs("max(L9, 0) × 25%", &BTreeMap::from([("9", "25")])),
            "max(L25, 0) × 25%"
        );
    }

    #[test]
    fn the_a200000_version_follows_the_period() {
        // 公告2025年第17号: from the 2025 Q3 prepayment on
        let q2 = grid_for(
            ReturnKind::CitQuarterly,
            TaxPeriod::parse("2025Q2").unwrap(),
        );
        let q3 = grid_for(
            ReturnKind::CitQuarterly,
            TaxPeriod::parse("2025Q3").unwrap(),
        );
        assert_eq!(q2.id, "cit-2021");
        assert_eq!(q3.id, "cit-2025");
        assert_eq!(q2.lines().count(), 16);
        assert_eq!(q3.lines().last(), Some("32"));
    }

    #[test]
    fn the_grids_have_every_official_line_once_in_order() {
        let lines = |id: &str| -> Vec<String> {
            grids()
                .iter()
                .find(|g| g.id == id)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect()
        };
        let numbered = |n: u32| (1..=n).map(|i| i.to_string()).collect::<Vec<_>>();
        assert_eq!(lines("vat-small-2021"), numbered(25));
        assert_eq!(lines("vat-general-2021"), numbered(41));
        assert_eq!(lines("culture-fee-2016"), numbered(19));
        assert_eq!(lines("cit-2021"), numbered(16));
        let mut cit_2025 = numbered(32);
        cit_2025.splice(1..1, ["1.1".into(), "1.2".into(), "1.3".into()]);
        assert_eq!(lines("cit-2025"), cit_2025);
    }

    #[test]
    fn every_field_of_a_return_has_a_place_on_each_version() {
        for g in grids() {
            let used = g.used_fields();
            let cells: Vec<&str> = g.cell_fields().collect();
            for f in fields(g.kind) {
                let omitted = super::super::form::omitted_by(&g.id).contains(&f.name);
                assert!(
                    used.contains_key(f.name) || omitted,
                    "{}: {} has no cell",
                    g.id,
                    f.name
                );
            }
            let mut unique = cells.clone();
            unique.sort_unstable();
            unique.dedup();
            // a field may be typed in one cell only (CIT 2025 repeats none either)
            assert_eq!(unique.len(), cells.len(), "{}: a field in two cells", g.id);
        }
    }
}
