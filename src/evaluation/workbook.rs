//! The report as an XLSX workbook for a training manager to pivot: a summary sheet (one
//! figure a row, by Kirkpatrick level), then one sheet per section of the CSV export and the
//! survey's comments. Numbers are numbers (a survey mean in tenths as `0.0`, ⟨g⟩ as `0.00`),
//! text is text — a name starting with `=` is a string cell, never a formula — and every
//! sheet's header row is bold and frozen.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::export::{Cell, SECTIONS, table};
use super::report::Report;
use crate::i18n::{Catalog, Lang};

fn put(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    tenths: &Format,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(t) => ws.write_string(row, col, t).map(|_| ()),
        Cell::Int(n) => ws.write_number(row, col, *n as f64).map(|_| ()),
        Cell::Tenths(n) => ws
            .write_number_with_format(row, col, *n as f64 / 10.0, tenths)
            .map(|_| ()),
        Cell::Blank => Ok(()),
    }
}

fn header(ws: &mut Worksheet, names: &[String], bold: &Format) -> Result<(), XlsxError> {
    for (c, name) in names.iter().enumerate() {
        ws.write_string_with_format(0, col(c), name, bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

fn row(r: usize) -> u32 {
    u32::try_from(r + 1).unwrap_or(u32::MAX)
}

/// The summary sheet's rows: a catalogue key under `report.sum.` and its figure.
fn summary(report: &Report) -> Vec<(&'static str, Cell)> {
    let opt = |v: Option<i64>| v.map_or(Cell::Blank, Cell::Int);
    let n = |v: usize| Cell::Int(i64::try_from(v).unwrap_or(i64::MAX));
    let l = &report.learning;
    let mut rows = vec![
        ("name", Cell::Text(report.name.clone())),
        ("pack", Cell::Text(report.pack.clone())),
        ("generated_at", Cell::Text(report.generated_at.clone())),
        ("trainees", n(report.trainees)),
        (
            "responses",
            n(report.reaction.as_ref().map_or(0, |r| r.responses)),
        ),
        (
            "recommend",
            opt(report.reaction.as_ref().and_then(|r| r.recommend_score)),
        ),
        ("pre_mean", opt(l.pre.as_ref().and_then(|t| t.mean_percent))),
        (
            "post_mean",
            opt(l.post.as_ref().and_then(|t| t.mean_percent)),
        ),
        ("paired", n(l.paired)),
        // hundredths, written as `0.00` below
        ("gain", opt(l.gain_hundredths)),
        (
            "follow_up_reports",
            n(report.behaviour.follow_up.as_ref().map_or(0, |f| f.reports)),
        ),
        ("retention_mean", opt(report.behaviour.retention_mean)),
        ("class_mean", opt(report.behaviour.class_mean)),
        ("filing_checks", n(report.results.filing_checks)),
        ("wrong_totals", n(report.results.wrong_totals)),
        ("duplicates", n(report.results.duplicates)),
        ("unpaid", n(report.results.unpaid)),
    ];
    if !report.missing.is_empty() {
        rows.push(("missing", Cell::Blank));
    }
    rows
}

/// The whole report as an XLSX file.
pub fn xlsx(report: &Report, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let cat = Catalog::embedded();
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let tenths = Format::new().set_num_format("0.0");
    let hundredths = Format::new().set_num_format("0.00");

    let ws = wb.add_worksheet();
    ws.set_name(cat.text(lang, "report.sheet.summary"))?;
    header(
        ws,
        &[
            cat.text(lang, "report.sheet.item").to_owned(),
            cat.text(lang, "report.sheet.value").to_owned(),
        ],
        &bold,
    )?;
    for (r, (key, cell)) in summary(report).into_iter().enumerate() {
        ws.write_string(row(r), 0, cat.text(lang, &format!("report.sum.{key}")))?;
        match (key, &cell) {
            ("gain", Cell::Int(h)) => {
                ws.write_number_with_format(row(r), 1, *h as f64 / 100.0, &hundredths)?;
            }
            ("missing", _) => {
                let what: Vec<String> = report
                    .missing
                    .iter()
                    .map(|m| cat.text(lang, &format!("report.missing.{m}")).to_owned())
                    .collect();
                ws.write_string(row(r), 1, what.join("；"))?;
            }
            _ => put(ws, row(r), 1, &cell, &tenths)?,
        }
    }
    ws.autofit();

    for section in SECTIONS {
        let Some((names, rows)) = table(report, section, lang) else {
            continue;
        };
        let ws = wb.add_worksheet();
        ws.set_name(cat.text(lang, &format!("report.section.{section}")))?;
        header(ws, &names, &bold)?;
        for (r, cells) in rows.iter().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                put(ws, row(r), col(c), cell, &tenths)?;
            }
        }
        ws.autofit();
    }

    let ws = wb.add_worksheet();
    ws.set_name(cat.text(lang, "report.sheet.comments"))?;
    header(
        ws,
        &[cat.text(lang, "report.sheet.comments").to_owned()],
        &bold,
    )?;
    for (r, comment) in report
        .reaction
        .iter()
        .flat_map(|s| s.comments.iter())
        .enumerate()
    {
        ws.write_string(row(r), 0, comment)?;
    }
    ws.set_column_width(0, 80)?;

    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_every_figure_the_catalogue_has() {
        let cat = Catalog::embedded();
        for key in [
            "name",
            "pack",
            "generated_at",
            "trainees",
            "responses",
            "recommend",
            "pre_mean",
            "post_mean",
            "paired",
            "gain",
            "follow_up_reports",
            "retention_mean",
            "class_mean",
            "filing_checks",
            "wrong_totals",
            "duplicates",
            "unpaid",
            "missing",
        ] {
            for lang in [Lang::Zh, Lang::En] {
                let k = format!("report.sum.{key}");
                assert_ne!(cat.text(lang, &k), k, "{k}");
            }
        }
    }
}
