//! The report as CSV, one section a file (UTF-8 with BOM so spreadsheets read the Chinese;
//! a cell a spreadsheet would run as a formula is quoted off): `people`, `questions`,
//! `labs`, `checks`, `survey`. The numbers are the report's, so they agree with its page
//! and its JSON.

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

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// One section of the report as CSV; `None` for an unknown section.
pub fn csv(report: &Report, section: &str, lang: Lang) -> Option<Vec<u8>> {
    let cat = Catalog::embedded();
    let h = |keys: &[&str]| -> Vec<String> {
        keys.iter()
            .map(|k| cat.text(lang, &format!("report.col.{k}")).to_owned())
            .collect()
    };
    let (header, rows): (Vec<String>, Vec<Vec<String>>) = match section {
        "people" => (
            h(&[
                "no",
                "name",
                "pre",
                "post",
                "labs_passed",
                "labs_attempted",
                "hints",
            ]),
            report
                .people
                .iter()
                .map(|p| {
                    vec![
                        p.no.to_string(),
                        p.name.clone(),
                        opt(p.pre_percent),
                        opt(p.post_percent),
                        p.labs_passed.to_string(),
                        p.labs_attempted.to_string(),
                        p.hints.to_string(),
                    ]
                })
                .collect(),
        ),
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
                        q.phase.clone(),
                        q.question.clone(),
                        q.topic.clone(),
                        q.answered.to_string(),
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
                        l.lab.clone(),
                        l.attempted.to_string(),
                        l.passed.to_string(),
                        opt(l.mean_best),
                        opt(l.median_minutes),
                        l.hints.to_string(),
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
                        c.lab.clone(),
                        c.check.clone(),
                        c.kind.clone(),
                        c.failed.to_string(),
                        c.of.to_string(),
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
                    let mut row = vec![
                        i.item.to_owned(),
                        format!("{}.{}", i.mean_tenths / 10, i.mean_tenths % 10),
                    ];
                    row.extend(i.counts.iter().map(|c| c.to_string()));
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
                    let mut row =
                        vec![p.id_number.clone(), opt(p.pre_percent), opt(p.post_percent)];
                    row.extend(p.lab_best.iter().map(|b| opt(*b)));
                    row
                })
                .collect();
            (header, rows)
        }
        _ => return None,
    };
    let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    // writing to memory cannot fail
    let _ = w.write_record(&header);
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| neutralise(c).into_owned()));
    }
    Some(w.into_inner().unwrap_or_default())
}
