//! The report's sections as tables — `people`, `questions`, `labs`, `checks`, `survey`,
//! `gradebook` — written as CSV, one section a file (UTF-8 with BOM so spreadsheets read
//! the Chinese; a cell a spreadsheet would run as a formula is quoted off), or together as
//! an XLSX workbook ([`super::workbook`]). The numbers are the report's, so they agree with
//! its page and its JSON.

use super::report::Report;
use crate::bureau::returns::import::neutralise;
use crate::i18n::{Catalog, Lang};

/// The sections a CSV export offers (`gradebook`: Moodle's grade import).
pub const SECTIONS: [&str; 6] = [
    "people",
    "questions",
    "labs",
    "checks",
    "survey",
    "gradebook",
];

/// One cell of a section: text, a whole number, a number in tenths (a mean on a 1–5
/// scale), or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Tenths(i64),
    Blank,
}

impl Cell {
    /// As a CSV or page shows it.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Tenths(n) => format!("{}.{}", n / 10, n % 10),
            Cell::Blank => String::new(),
        }
    }
}

fn opt(v: Option<i64>) -> Cell {
    v.map_or(Cell::Blank, Cell::Int)
}

fn int<T: TryInto<i64>>(v: T) -> Cell {
    v.try_into().map_or(Cell::Blank, Cell::Int)
}

fn text(v: &str) -> Cell {
    Cell::Text(v.to_owned())
}

/// A section's header and rows.
pub type Table = (Vec<String>, Vec<Vec<Cell>>);

/// One section of the report as CSV; `None` for an unknown section.
pub fn csv(report: &Report, section: &str, lang: Lang) -> Option<Vec<u8>> {
    let (header, rows) = table(report, section, lang)?;
    let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    // writing to memory cannot fail
    let _ = w.write_record(&header);
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| neutralise(&c.text()).into_owned()));
    }
    Some(w.into_inner().unwrap_or_default())
}

/// One section of the report as a table; `None` for an unknown section.
pub fn table(report: &Report, section: &str, lang: Lang) -> Option<Table> {
    let cat = Catalog::embedded();
    let h = |keys: &[&str]| -> Vec<String> {
        keys.iter()
            .map(|k| cat.text(lang, &format!("report.col.{k}")).to_owned())
            .collect()
    };
    let (header, rows): Table = match section {
        "people" => {
            let pack = report.kind == "pack";
            let mut keys = vec![
                "no",
                "name",
                "pre",
                "post",
                "labs_passed",
                "labs_attempted",
                "hints",
            ];
            if pack {
                keys.insert(1, "class");
            }
            let rows = report
                .people
                .iter()
                .map(|p| {
                    let mut row = vec![
                        int(p.no),
                        text(&p.name),
                        opt(p.pre_percent),
                        opt(p.post_percent),
                        int(p.labs_passed),
                        int(p.labs_attempted),
                        int(p.hints),
                    ];
                    if pack {
                        row.insert(1, text(p.class.as_deref().unwrap_or_default()));
                    }
                    row
                })
                .collect();
            (h(&keys), rows)
        }
        "questions" => (
            h(&[
                "phase",
                "question",
                "topic",
                "answered",
                "correct",
                "discrimination",
            ]),
            report
                .learning
                .questions
                .iter()
                .map(|q| {
                    vec![
                        text(&q.phase),
                        text(&q.question),
                        text(&q.topic),
                        int(q.answered),
                        opt(q.correct_percent),
                        opt(q.discrimination_hundredths),
                    ]
                })
                .collect(),
        ),
        "labs" => (
            h(&[
                "lab",
                "attempted",
                "passed",
                "mean_best",
                "median_minutes",
                "hints",
            ]),
            report
                .learning
                .labs
                .iter()
                .map(|l| {
                    vec![
                        text(&l.lab),
                        int(l.attempted),
                        int(l.passed),
                        opt(l.mean_best),
                        opt(l.median_minutes),
                        int(l.hints),
                    ]
                })
                .collect(),
        ),
        "checks" => (
            h(&["lab", "check", "kind", "failed", "of"]),
            report
                .learning
                .checks
                .iter()
                .map(|c| {
                    vec![
                        text(&c.lab),
                        text(&c.check),
                        text(&c.kind),
                        int(c.failed),
                        int(c.of),
                    ]
                })
                .collect(),
        ),
        "survey" => (
            h(&["item", "mean", "n1", "n2", "n3", "n4", "n5"]),
            report
                .reaction
                .iter()
                .flat_map(|s| s.items.iter())
                .map(|i| {
                    let mut row = vec![text(i.item), Cell::Tenths(i.mean_tenths)];
                    row.extend(i.counts.iter().map(|c| int(*c)));
                    row
                })
                .collect(),
        ),
        // Moodle's grade import: an identifier column, then one column per graded item
        // (numbers only; blank for nothing to grade). Map "ID number" to the user field
        // idnumber when importing.
        "gradebook" => {
            let mut header = vec!["ID number".to_owned()];
            header.extend(
                ["pre", "post"].map(|p| cat.text(lang, &format!("test.phase.{p}")).to_owned()),
            );
            header.extend(report.learning.labs.iter().map(|l| l.lab.clone()));
            let rows = report
                .people
                .iter()
                .map(|p| {
                    let mut row = vec![text(&p.id_number), opt(p.pre_percent), opt(p.post_percent)];
                    row.extend(p.lab_best.iter().map(|b| opt(*b)));
                    row
                })
                .collect();
            (header, rows)
        }
        _ => return None,
    };
    Some((header, rows))
}
