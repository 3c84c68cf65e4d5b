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
    // the file is written as it is made (the xAPI statements can be tens of megabytes)
    let io = |e: std::io::Error| crate::store::StoreError::Other(e.to_string());
    let written = db.read(|s| {
        // the class, course or pack must exist
        let scope = match (owner, &args.pack) {
            (Some(o), _) => Scope::of(s, o)?,
            (None, Some(p)) if lib.pack(p).is_some() => Scope::pack(s, &lib, None, p, lang)?,
            _ => return Err(crate::store::StoreError::NotFound),
        };
        let report = || report::build_scope(s, &lib, &scope, now);
        let bytes = match args.format.as_str() {
            "json" => serde_json::to_vec_pretty(&report()?).unwrap_or_default(),
            "csv" => match export::csv(&report()?, &args.section, lang) {
                Some(b) => b,
                None => return Ok(None),
            },
            "xlsx" => workbook::xlsx(&report()?, lang)
                .map_err(|e| crate::store::StoreError::Other(e.to_string()))?,
            "pdf" => pdf::render(&report()?, &lib, lang),
            "xapi" => {
                let file = std::fs::File::create(&args.out).map_err(io)?;
                let mut w = std::io::BufWriter::new(file);
                xapi::write_all(s, &lib, &scope.owners(), &args.base_url, &mut w)?;
                let file = w.into_inner().map_err(|e| io(e.into_error()))?;
                return Ok(Some(file.metadata().map_err(io)?.len()));
            }
            _ => return Ok(None),
        };
        std::fs::write(&args.out, &bytes).map_err(io)?;
        Ok(Some(bytes.len() as u64))
    });
    match written {
        Ok(Some(n)) => {
            println!(
                "{}",
                catalog.format(
                    lang,
                    "cli.exported",
                    &[
                        ("path", &args.out.display().to_string()),
                        ("bytes", &n.to_string())
                    ]
                )
            );
            ExitCode::SUCCESS
        }
        Ok(None) => fail(2, catalog.text(lang, "cli.export_format").to_owned()),
        Err(crate::store::StoreError::NotFound) => {
            fail(2, catalog.text(lang, "cli.export_not_found").to_owned())
        }
        Err(e) => fail(1, e.to_string()),
    }
}
