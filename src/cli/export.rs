//! `taxlab export`: a class's or course's evaluation report written to a file, in any of the
//! console's formats — the same numbers as its page.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::evaluation::{export, pdf, report, workbook, xapi};
use crate::i18n::{Catalog, Lang};
use crate::labs::Library;
use crate::store::{Db, TestOwner};

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The class's id (as in the console's address).
    #[arg(long, conflicts_with = "course", required_unless_present = "course")]
    pub class: Option<i64>,
    /// The self-paced course's id.
    #[arg(long)]
    pub course: Option<i64>,
    /// `json` (the report), `xlsx` (a workbook, a sheet a section), `pdf` (A4, with the
    /// charts), `csv` (one section), or `xapi` (the learning records as xAPI statements).
    #[arg(long, default_value = "json")]
    pub format: String,
    /// For `csv`: people, questions, labs, checks, survey or gradebook.
    #[arg(long, default_value = "people")]
    pub section: String,
    /// For `xapi`: the server's address, under which actors and activities are named.
    #[arg(
        long,
        env = "TAXLAB_PUBLIC_URL",
        default_value = "http://localhost:8080"
    )]
    pub base_url: String,
    /// Where to write it.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &ExportArgs, db_path: &std::path::Path, lang: Lang) -> ExitCode {
    let catalog = Catalog::embedded();
    let fail = |code: u8, message: String| {
        eprintln!("{}: {message}", catalog.text(lang, "error.label"));
        ExitCode::from(code)
    };
    let owner = match (args.class, args.course) {
        (Some(c), _) => TestOwner::Class(c),
        (None, Some(c)) => TestOwner::Course(c),
        (None, None) => return fail(2, catalog.text(lang, "cli.export_owner").to_owned()),
    };
    let lib = match Library::embedded() {
        Ok(l) => l,
        Err(p) => return fail(1, format!("{p:?}")),
    };
    let db = match Db::open(db_path) {
        Ok(db) => db,
        Err(e) => return fail(1, e.to_string()),
    };
    let now = chrono::Utc::now();
    let bytes = db.read(|s| {
        // the class or course must exist
        match owner {
            TestOwner::Class(c) => s.class(c).map(|_| ()),
            TestOwner::Course(c) => s.course(c).map(|_| ()),
        }?;
        Ok(match args.format.as_str() {
            "json" => Some(
                serde_json::to_vec_pretty(&report::build(s, &lib, owner, now)?).unwrap_or_default(),
            ),
            "csv" => export::csv(&report::build(s, &lib, owner, now)?, &args.section, lang),
            "xlsx" => workbook::xlsx(&report::build(s, &lib, owner, now)?, lang).ok(),
            "pdf" => Some(pdf::render(
                &report::build(s, &lib, owner, now)?,
                &lib,
                lang,
            )),
            "xapi" => Some(
                serde_json::to_vec_pretty(&xapi::statements(s, &lib, owner, &args.base_url)?)
                    .unwrap_or_default(),
            ),
            _ => None,
        })
    });
    match bytes {
        Ok(Some(b)) => match std::fs::write(&args.out, &b) {
            Ok(()) => {
                println!(
                    "{}",
                    catalog.format(
                        lang,
                        "cli.exported",
                        &[
                            ("path", &args.out.display().to_string()),
                            ("bytes", &b.len().to_string())
                        ]
                    )
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(1, e.to_string()),
        },
        Ok(None) => fail(2, catalog.text(lang, "cli.export_format").to_owned()),
        Err(crate::store::StoreError::NotFound) => {
            fail(2, catalog.text(lang, "cli.export_not_found").to_owned())
        }
        Err(e) => fail(1, e.to_string()),
    }
}
