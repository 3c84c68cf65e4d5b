//! `taxlab export`: a class's or course's evaluation report written to a file, in any of the
//! console's formats — the same numbers as its page.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::evaluation::report::Scope;
use crate::evaluation::{export, pdf, report, workbook, xapi};
use crate::i18n::{Catalog, Lang};
use crate::labs::Library;
use crate::store::{Db, TestOwner};

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The class's id (as in the console's address).
    #[arg(long, conflicts_with_all = ["course", "pack"], required_unless_present_any = ["course", "pack"])]
    pub class: Option<i64>,
    /// The self-paced course's id.
    #[arg(long, conflicts_with = "pack")]
    pub course: Option<i64>,
    /// A lab pack's id: every class of the pack reported together.
    #[arg(long)]
    pub pack: Option<String>,
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
    let owner = match (args.class, args.course, &args.pack) {
        (Some(c), _, _) => Some(TestOwner::Class(c)),
        (None, Some(c), _) => Some(TestOwner::Course(c)),
        (None, None, Some(_)) => None,
        (None, None, None) => {
            return fail(2, catalog.text(lang, "cli.export_owner").to_owned());
        }
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
        // the class, course or pack must exist
        let scope = match (owner, &args.pack) {
            (Some(o), _) => Scope::of(s, o)?,
            (None, Some(p)) if lib.pack(p).is_some() => Scope::pack(s, &lib, None, p, lang)?,
            _ => return Err(crate::store::StoreError::NotFound),
        };
        let report = || report::build_scope(s, &lib, &scope, now);
        Ok(match args.format.as_str() {
            "json" => Some(serde_json::to_vec_pretty(&report()?).unwrap_or_default()),
            "csv" => export::csv(&report()?, &args.section, lang),
            "xlsx" => workbook::xlsx(&report()?, lang).ok(),
            "pdf" => Some(pdf::render(&report()?, &lib, lang)),
            "xapi" => {
                let mut all = Vec::new();
                for o in scope.owners() {
                    all.extend(xapi::statements(s, &lib, o, &args.base_url)?);
                }
                Some(serde_json::to_vec_pretty(&all).unwrap_or_default())
            }
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
