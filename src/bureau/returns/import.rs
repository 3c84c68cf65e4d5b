//! 申报数据导入: the standard template of a form (CSV, UTF-8 with a byte-order mark so Excel
//! opens the Chinese correctly: one row per field, columns 字段代码 · 项目 · 金额) and reading a
//! filled one back. Every problem names its row and column, as the course's 数据导入失败 case
//! asks; a file that imports becomes the form's draft.

use serde::Serialize;

use super::form::{self, Values};
use crate::domain::entities::ReturnKind;

/// The template's header, in the order of its columns.
pub const COLUMNS: [&str; 3] = ["字段代码", "项目", "金额"];

/// A problem with an imported file: its row (1 is the header; 0 the file as a whole) and
/// column (a header name), and the catalogue key `returns.import.<code>` with its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    pub row: usize,
    pub column: &'static str,
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl ImportProblem {
    fn new(row: usize, column: &'static str, code: &'static str) -> ImportProblem {
        ImportProblem {
            row,
            column,
            code,
            args: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: impl ToString) -> ImportProblem {
        self.args.push((name, value.to_string()));
        self
    }
}

/// A cell as a CSV the sandbox writes holds it: one a spreadsheet would run as a formula
/// (starting `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, so it
/// shows as the text it is. A plain number (`-1200.50`) stays a number.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.strip_prefix(['-', '+']).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    });
    if risky && !number {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// [`neutralise`] undone: what a template cell said before it was written.
fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// The standard template for a form, holding `values` (the prefill, or empty).
pub fn template(kind: ReturnKind, values: &Values, label: impl Fn(&str) -> String) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    // errors writing to memory cannot happen; a failed row would only be missing
    let _ = w.write_record(COLUMNS);
    for f in form::fields(kind) {
        let value = values.get(f.name).cloned().unwrap_or_default();
        let label = label(f.name);
        let _ = w.write_record([
            &*neutralise(f.name),
            &*neutralise(&label),
            &*neutralise(&value),
        ]);
    }
    let body = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&body))
}

/// Read a filled template. The file must be UTF-8 text (a saved spreadsheet of another
/// format is refused as such), with the 字段代码 and 金额 columns; every row a field of
/// this form, once; every value readable for its field.
pub fn read(kind: ReturnKind, bytes: &[u8]) -> Result<Values, Vec<ImportProblem>> {
    // a workbook (.xlsx is a zip; .xls an OLE compound file) rather than its CSV
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(vec![ImportProblem::new(0, "", "workbook")]);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(vec![ImportProblem::new(0, "", "not_csv")]);
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(vec![ImportProblem::new(0, "", "empty")]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(_) => return Err(vec![ImportProblem::new(1, "", "not_csv")]),
    };
    let at = |name: &str| header.iter().position(|h| h == name);
    let (Some(code_col), Some(amount_col)) = (at(COLUMNS[0]), at(COLUMNS[2])) else {
        let missing = if at(COLUMNS[0]).is_none() {
            COLUMNS[0]
        } else {
            COLUMNS[2]
        };
        return Err(vec![
            ImportProblem::new(1, missing, "missing_column").with("column", missing),
        ]);
    };
    let fields = form::fields(kind);
    let mut values = Values::new();
    let mut problems = Vec::new();
    let mut rows_of = std::collections::BTreeMap::new();
    let mut split = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let Ok(record) = record else {
            problems.push(ImportProblem::new(row, "", "not_csv"));
            continue;
        };
        let code = unneutralise(record.get(code_col).unwrap_or_default());
        if code.is_empty() && record.iter().all(str::is_empty) {
            continue;
        }
        let Some(field) = fields.iter().find(|f| f.name == code) else {
            problems.push(ImportProblem::new(row, COLUMNS[0], "unknown_field").with("code", code));
            continue;
        };
        if let Some(&first) = rows_of.get(field.name) {
            problems.push(
                ImportProblem::new(row, COLUMNS[0], "duplicate_field")
                    .with("code", code)
                    .with("first", first),
            );
            continue;
        }
        // an amount written with thousands separators and not quoted (959,005.35) is split
        // by its commas into cells past the last column: refused, never read as 959
        if record.len() > header.len() && record.iter().skip(header.len()).any(|c| !c.is_empty()) {
            problems
                .push(ImportProblem::new(row, COLUMNS[2], "split_value").with("code", field.name));
            rows_of.insert(field.name, row);
            split.push(field.name);
            continue;
        }
        rows_of.insert(field.name, row);
        values.insert(
            field.name.to_owned(),
            unneutralise(record.get(amount_col).unwrap_or_default()).to_owned(),
        );
    }
    for f in fields.iter().filter(|f| f.required) {
        if !rows_of.contains_key(f.name) {
            problems.push(ImportProblem::new(0, COLUMNS[0], "missing_field").with("code", f.name));
        }
    }
    if let Err(bad) = form::parse(kind, &values) {
        for p in bad.into_iter().filter(|p| !split.contains(&p.field)) {
            let row = rows_of.get(p.field).copied().unwrap_or(0);
            problems.push(
                ImportProblem::new(row, COLUMNS[2], "bad_value")
                    .with("code", p.field)
                    .with("problem", format!("returns.error.{}", p.code)),
            );
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text_and_read_back() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("-1200.50", "-1200.50"),
            ("1,200.50", "1,200.50"),
            ("销售额", "销售额"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), written, "{cell}");
            assert_eq!(unneutralise(&neutralise(cell)), cell, "{cell}");
        }
        let mut values = Values::new();
        values.insert("sales_3pct_other".to_owned(), "=1+1".to_owned());
        let csv = template(ReturnKind::VatSmall, &values, |_| "=label".to_owned());
        assert!(csv.contains("'=1+1") && csv.contains("'=label"), "{csv}");
        assert!(
            !csv.lines()
                .any(|l| l.split(',').any(|c| c.starts_with('='))),
            "{csv}"
        );
    }

    fn codes(r: Result<Values, Vec<ImportProblem>>) -> Vec<(usize, &'static str, &'static str)> {
        r.unwrap_err()
            .into_iter()
            .map(|p| (p.row, p.column, p.code))
            .collect()
    }

    #[test]
    fn the_template_reads_back_as_it_was_written() {
        let mut v = Values::new();
        v.insert("sales_3pct_other".into(), "1234.50".into());
        let t = template(ReturnKind::VatSmall, &v, |f| format!("label of {f}"));
        assert!(t.starts_with('\u{feff}'));
        let back = read(ReturnKind::VatSmall, t.as_bytes()).unwrap();
        assert_eq!(back["sales_3pct_other"], "1234.50");
        assert_eq!(back.len(), form::fields(ReturnKind::VatSmall).len());
    }

    #[test]
    fn every_problem_has_its_row_and_column() {
        let kind = ReturnKind::VatSmall;
        assert_eq!(
            codes(read(kind, &[0xd0, 0xcf, 0x11, 0xe0])),
            [(0, "", "workbook")]
        );
        assert_eq!(
            codes(read(kind, b"PK\x03\x04\x14\x00")),
            [(0, "", "workbook")]
        );
        assert_eq!(codes(read(kind, &[0xff, 0xfe, 0x41])), [(0, "", "not_csv")]);
        // 959,005.35 unquoted: the amount is split at its comma, and refused rather than
        // read as 959
        assert_eq!(
            codes(read(
                kind,
                "字段代码,项目,金额\nsales_3pct_other,x,959,005.35\nprepaid_tax,x,\"1,000.00\"\n"
                    .as_bytes()
            )),
            [(2, "金额", "split_value")]
        );
        // quoted, as a spreadsheet writes it, the separators are read as the forms show them
        let quoted = read(
            kind,
            "字段代码,项目,金额\nsales_3pct_other,x,\"959,005.35\"\n".as_bytes(),
        );
        assert_eq!(quoted.unwrap()["sales_3pct_other"], "959,005.35");
        assert_eq!(codes(read(kind, b"")), [(0, "", "empty")]);
        assert_eq!(
            codes(read(
                kind,
                "字段代码,项目,数额\nprepaid_tax,x,1\n".as_bytes()
            )),
            [(1, "金额", "missing_column")]
        );
        let text = "字段代码,项目,金额\nprepaid_tax,x,12.345\nsales_8pct,x,1\nprepaid_tax,x,1\nsales_3pct_other,x,-4\n";
        assert_eq!(
            codes(read(kind, text.as_bytes())),
            [
                (2, "金额", "bad_value"),
                (3, "字段代码", "unknown_field"),
                (4, "字段代码", "duplicate_field"),
                (5, "金额", "bad_value"),
            ]
        );
        // a form with required fields names the ones missing
        let cit = "字段代码,项目,金额\nrevenue,x,1\n";
        assert!(
            codes(read(ReturnKind::CitQuarterly, cit.as_bytes()))
                .iter()
                .any(|p| p == &(0, "字段代码", "missing_field"))
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::bureau::returns::form;

    /// A value a trainee might type, or anything at all.
    fn typed() -> impl Strategy<Value = String> {
        prop_oneof![
            "-?[0-9]{0,16}(\\.[0-9]{0,4})?",
            "[0-9,.%\\- ]{0,12}",
            ".{0,20}",
            Just("99999999999999999999999".to_owned()),
        ]
    }

    proptest! {
        // Any form input: parsed or refused at real fields, never a panic.
        #[test]
        fn any_form_input_is_parsed_or_refused_at_its_fields(
            kind in prop::sample::select(ReturnKind::ALL),
            picks in prop::collection::vec((0usize..40, typed()), 0..20),
        ) {
            let fields = form::fields(kind);
            let mut values = Values::new();
            for (i, v) in picks {
                let name = fields.get(i % fields.len().max(1)).map_or("junk", |f| f.name);
                values.insert(name.to_owned(), v);
            }
            if let Err(problems) = form::parse(kind, &values) {
                prop_assert!(!problems.is_empty());
                for p in problems {
                    prop_assert!(fields.iter().any(|f| f.name == p.field), "{}", p.field);
                }
            }
        }

        // Any uploaded file: values, or problems with a row and a code, never a panic.
        #[test]
        fn any_import_file_is_read_or_refused_by_row(
            kind in prop::sample::select(ReturnKind::ALL),
            bytes in prop::collection::vec(any::<u8>(), 0..400),
        ) {
            if let Err(problems) = read(kind, &bytes) {
                prop_assert!(!problems.is_empty());
            }
        }

        // A filled template, edited at random: read or refused, never a panic; an unedited
        // one reads back to its values.
        #[test]
        fn templates_round_trip_and_survive_edits(
            kind in prop::sample::select(ReturnKind::ALL),
            cut in 0usize..2000,
            junk in ".{0,8}",
        ) {
            let mut values = Values::new();
            for f in form::fields(kind) {
                values.insert(f.name.to_owned(), "1200.50".to_owned());
            }
            let csv = template(kind, &values, |n| format!("label {n}"));
            let back = read(kind, csv.as_bytes());
            if let Ok(back) = back {
                for (k, v) in &back {
                    prop_assert_eq!(values.get(k), Some(v));
                }
            }
            let at = csv.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(csv.len());
            let edited = format!("{}{junk}{}", &csv[..at], &csv[at..]);
            let _ = read(kind, edited.as_bytes());
        }
    }
}
