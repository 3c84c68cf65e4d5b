//! The command line: `serve`, `seed`, `calc`, `user add`, `scenarios validate|regrade`.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::domain::tax::PolicyError;
use crate::i18n::{Catalog, Lang};
use crate::labs::{Library, Problem};
use crate::seed::{self, SeedError, SeedPlan};
use crate::store::{Db, StoreError, UserRole};

mod export;
mod serve;

/// taxlab: a training sandbox that simulates China's electronic tax bureau (电子税务局).
#[derive(Parser, Debug)]
#[command(name = "taxlab", version, about, long_about = None)]
pub struct Cli {
    /// SQLite database file (created if missing).
    #[arg(long, global = true, env = "TAXLAB_DB", default_value = "taxlab.db")]
    pub db: PathBuf,

    /// Language of messages: zh (default) or en.
    #[arg(long, global = true, env = "TAXLAB_LANG", default_value = "zh")]
    pub lang: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (portal and API) until Ctrl-C. Creates a demo tenant on first start.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "TAXLAB_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// A folder of your own lab files (`labs/*.toml`, `packs/*.toml`) to offer besides
        /// the shipped ones. An invalid file stops the server from starting.
        #[arg(long, env = "TAXLAB_SCENARIOS")]
        scenarios: Option<PathBuf>,
        /// The address users reach taxlab at, e.g. https://tax.school.edu.cn behind a reverse
        /// proxy with TLS: join links use it, and with https cookies are Secure and HSTS is sent.
        #[arg(long, env = "TAXLAB_PUBLIC_URL")]
        public_url: Option<String>,
        /// A reverse proxy whose X-Forwarded-For names the client (repeat for several, or
        /// comma-separate). Without one, the connection's own address is the client's.
        #[arg(long, env = "TAXLAB_TRUSTED_PROXY", value_delimiter = ',')]
        trusted_proxy: Vec<std::net::IpAddr>,
        /// A learning record store to send the learning records to as xAPI statements, by
        /// its xAPI endpoint (e.g. https://lrs.school.edu.cn/xAPI/). Statements wait in the
        /// database until the LRS has them, and are retried while it is down.
        #[arg(long, env = "TAXLAB_LRS_ENDPOINT")]
        lrs_endpoint: Option<String>,
        /// The LRS's user (HTTP Basic). Its password is read from the environment variable
        /// TAXLAB_LRS_PASSWORD only, so that it never shows in a process list.
        #[arg(long, env = "TAXLAB_LRS_USER", requires = "lrs_endpoint")]
        lrs_user: Option<String>,
    },
    /// Sandbox staff accounts (admin, instructor, assistant) for the instructor console.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// A class's or course's evaluation report to a file (json, xlsx, pdf, csv, xapi).
    Export(export::ExportArgs),
    /// Lab files (scenarios): check them before a class uses them.
    Scenarios {
        #[command(subcommand)]
        action: ScenariosAction,
    },
    /// Fill the database with N generated tenants (seats 1..=N of a class seed).
    Seed {
        /// How many tenants (seats) to generate.
        #[arg(long)]
        tenants: u32,
        /// The class seed: the same seed gives byte-identical tenants.
        #[arg(long)]
        seed: u64,
        /// The tenants' sandbox date (their simulated "today"), YYYY-MM-DD.
        #[arg(long, default_value = "2026-10-12")]
        date: NaiveDate,
        /// Company presets from fixtures/presets, one company each, comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "small-scale-trading-above-threshold,general-manufacturing"
        )]
        presets: Vec<String>,
    },
    /// Copy the database to a new file while the server runs (SQLite's online backup), and
    /// check the copy. To restore: stop the server, put the copy in place of the database
    /// file (removing its -wal and -shm files), start the server.
    Backup {
        /// The new file to write (it must not exist yet).
        #[arg(long)]
        out: PathBuf,
    },
    /// Read the whole database file and check it (SQLite's integrity check). The server
    /// opens a file by its header and schema version only, so a large file starts at once;
    /// run this after a crash, a copy or before a backup is trusted.
    Check,
    /// Compute a tax from a JSON input and print the result as JSON (see docs/calculator.md).
    Calc {
        /// vat-small, vat-general, cit-quarterly, surcharges, late-fee or culture-fee.
        tax: String,
        /// Input file, or - for standard input.
        #[arg(long)]
        input: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Add an account; its password is printed once (or taken from TAXLAB_USER_PASSWORD).
    Add {
        username: String,
        /// admin, instructor or assistant.
        #[arg(long, default_value = "instructor")]
        role: String,
        /// The name shown in the console.
        #[arg(long)]
        name: Option<String>,
    },
}

/// A password for a new staff account: from the environment, or 16 random characters.
pub(crate) fn staff_password(var: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|p| p.len() >= 8)
        .unwrap_or_else(|| {
            const CHARS: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
            (0..16)
                .map(|_| CHARS[rand::random_range(0..CHARS.len())] as char)
                .collect()
        })
}

/// Add a staff account from the command line: the console's rules (a username of letters,
/// digits, `_` and `-`; one account per username), audited as the system.
fn add_user(
    db: &Db,
    username: &str,
    role: UserRole,
    name: &str,
    password: &str,
) -> Result<Result<(), crate::classroom::staff::NewUserRefusal>, StoreError> {
    let username = match crate::classroom::staff::username(username) {
        Ok(u) => u,
        Err(e) => return Ok(Err(e)),
    };
    let hash = crate::secrets::hash(password, crate::secrets::Strength::Person)?;
    db.write(|s| {
        crate::classroom::staff::add_user(
            s,
            chrono::Utc::now(),
            "system",
            "cli",
            &username,
            name,
            role,
            &hash,
        )
    })
}

#[derive(Subcommand, Debug)]
pub enum ScenariosAction {
    /// Check lab and pack files: every problem with its file and line. Without a path, the
    /// shipped ones; with a folder, its `labs/` and `packs/` on their own; with a file, that
    /// file. (`serve --scenarios` also refuses ids that clash with the shipped ones.)
    Validate { path: Option<PathBuf> },
    /// Grade every finished attempt at a lab again with its current file (after a fix), and
    /// print each attempt's old and new score.
    Regrade {
        /// The lab's id.
        lab: String,
        /// A folder of your own lab files, as for `serve --scenarios`.
        #[arg(long, env = "TAXLAB_SCENARIOS")]
        scenarios: Option<PathBuf>,
    },
}

/// The shipped labs plus a folder's; all problems of both, or the library.
fn load_labs(extra: Option<&std::path::Path>) -> Result<Library, Vec<Problem>> {
    let mut lib = Library::embedded()?;
    if let Some(dir) = extra {
        let more = Library::read(dir)?;
        lib.extend(more)?;
    }
    Ok(lib)
}

fn problems_message(problems: &[Problem], lang: Lang) -> String {
    let mut out = Catalog::embedded().format(
        lang,
        "cli.scenarios_invalid",
        &[("count", &problems.len().to_string())],
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}

/// Run the CLI; the exit code is 0 on success, 2 for bad input, 1 for other failures.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Lang::parse(&cli.lang).unwrap_or_default();
    let catalog = Catalog::embedded();
    let fail = |code: u8, message: String| {
        eprintln!("{}: {message}", catalog.text(lang, "error.label"));
        ExitCode::from(code)
    };
    match cli.command {
        Command::Export(args) => export::run(&args, &cli.db, lang),
        Command::Calc { tax, input } => {
            let text = match read_input(&input) {
                Ok(t) => t,
                Err(e) => {
                    return fail(
                        2,
                        catalog.format(
                            lang,
                            "cli.input_unreadable",
                            &[("path", &input), ("reason", &e.to_string())],
                        ),
                    );
                }
            };
            match crate::calc::calculate_text(&tax, &text, lang) {
                Ok(out) => {
                    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(2, e.message(lang)),
            }
        }
        Command::Seed {
            tenants,
            seed: class_seed,
            date,
            presets,
        } => {
            let db = match Db::open(&cli.db) {
                Ok(db) => db,
                Err(e) => return fail(1, store_message(&e, lang)),
            };
            let presets = match seed::presets(&presets) {
                Ok(p) => p,
                Err(e) => return fail(seed_exit_code(&e), seed_message(&e, lang)),
            };
            let plan = SeedPlan {
                class_seed,
                tenants,
                sandbox_date: date,
                presets,
                label_prefix: None,
            };
            let bar = ProgressBar::with_draw_target(
                Some(u64::from(tenants)),
                ProgressDrawTarget::hidden(),
            );
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let result = seed::seed(&db, &plan, |_, n, _| {
                // Only show the bar once the run is long enough to need one.
                if bar.is_hidden()
                    && started.elapsed() > Duration::from_millis(500)
                    && std::io::stderr().is_terminal()
                {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                bar.set_position(u64::from(n));
                Ok(())
            });
            bar.finish_and_clear();
            match result {
                Ok(r) => {
                    let secs = r.elapsed.as_secs_f64();
                    println!(
                        "{}",
                        catalog.format(
                            lang,
                            "cli.seeded",
                            &[
                                ("tenants", &r.tenants.to_string()),
                                ("companies", &r.companies.to_string()),
                                ("rows", &r.rows.to_string()),
                                ("db", &cli.db.display().to_string()),
                                ("seconds", &format!("{secs:.2}")),
                                ("rate", &format!("{:.0}", r.rows as f64 / secs.max(1e-9))),
                            ]
                        )
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(seed_exit_code(&e), seed_message(&e, lang)),
            }
        }
        Command::Backup { out } => {
            if !cli.db.exists() {
                let path = cli.db.display().to_string();
                return fail(
                    1,
                    catalog.format(lang, "cli.backup_no_db", &[("path", &path)]),
                );
            }
            if out.exists() {
                let path = out.display().to_string();
                return fail(
                    2,
                    catalog.format(lang, "cli.backup_exists", &[("path", &path)]),
                );
            }
            match crate::store::backup(&cli.db, &out) {
                Ok((bytes, version)) => {
                    println!(
                        "{}",
                        catalog.format(
                            lang,
                            "cli.backup_done",
                            &[
                                ("path", &out.display().to_string()),
                                ("mib", &format!("{:.1}", bytes as f64 / 1_048_576.0)),
                                ("version", &version.to_string()),
                            ],
                        )
                    );
                    ExitCode::SUCCESS
                }
                // (a copy that failed removed itself; a name taken meanwhile is left alone)
                Err(e) => fail(1, store_message(&e, lang)),
            }
        }
        Command::Check => {
            let db = match Db::open(&cli.db) {
                Ok(db) => db,
                Err(e) => return fail(1, store_message(&e, lang)),
            };
            let path = cli.db.display().to_string();
            match db.check(true) {
                Ok(rows) if rows == ["ok"] => {
                    println!(
                        "{}",
                        catalog.format(lang, "cli.check_ok", &[("path", &path)])
                    );
                    ExitCode::SUCCESS
                }
                Ok(rows) => fail(
                    1,
                    catalog.format(
                        lang,
                        "cli.db_corrupt",
                        &[("path", &path), ("reason", &rows.join("; "))],
                    ),
                ),
                Err(e) => fail(1, store_message(&e, lang)),
            }
        }
        Command::Serve {
            addr,
            scenarios,
            public_url,
            trusted_proxy,
            lrs_endpoint,
            lrs_user,
        } => {
            let labs = match load_labs(scenarios.as_deref()) {
                Ok(l) => l,
                Err(p) => return fail(2, problems_message(&p, lang)),
            };
            let public_url = public_url.map(|u| u.trim_end_matches('/').to_owned());
            if let Some(u) = &public_url
                && !(u.starts_with("http://") || u.starts_with("https://"))
            {
                return fail(2, catalog.format(lang, "cli.bad_public_url", &[("url", u)]));
            }
            let lrs = match lrs_endpoint {
                None => None,
                Some(endpoint) => {
                    let base = public_url
                        .clone()
                        .unwrap_or_else(|| format!("http://{addr}"));
                    match crate::evaluation::lrs::LrsConfig::new(
                        &endpoint,
                        lrs_user.as_deref(),
                        std::env::var("TAXLAB_LRS_PASSWORD").ok().as_deref(),
                        &base,
                    ) {
                        Ok(c) => Some(c),
                        Err(crate::evaluation::lrs::ConfigError::Endpoint) => {
                            return fail(
                                2,
                                catalog.format(lang, "cli.bad_lrs_endpoint", &[("url", &endpoint)]),
                            );
                        }
                        Err(crate::evaluation::lrs::ConfigError::Credentials) => {
                            return fail(2, catalog.text(lang, "cli.lrs_credentials").to_owned());
                        }
                    }
                }
            };
            let net = crate::http::net::Net {
                public_url,
                trusted_proxies: trusted_proxy,
                timeouts: None,
            };
            match serve::serve(&cli.db, addr, lang, labs, net, lrs) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => fail(1, message),
            }
        }
        Command::User {
            action:
                UserAction::Add {
                    username,
                    role,
                    name,
                },
        } => {
            let Some(role) = UserRole::parse(&role) else {
                return fail(2, catalog.format(lang, "cli.bad_role", &[("role", &role)]));
            };
            let db = match Db::open(&cli.db) {
                Ok(db) => db,
                Err(e) => return fail(1, store_message(&e, lang)),
            };
            let password = staff_password("TAXLAB_USER_PASSWORD");
            let name = name.unwrap_or_else(|| username.clone());
            match add_user(&db, &username, role, &name, &password) {
                Ok(Ok(())) => {
                    println!(
                        "{}",
                        catalog.format(
                            lang,
                            "cli.user_added",
                            &[
                                ("username", &username),
                                ("role", role.as_str()),
                                ("password", &password)
                            ]
                        )
                    );
                    ExitCode::SUCCESS
                }
                Ok(Err(crate::classroom::staff::NewUserRefusal::Taken)) => fail(
                    2,
                    catalog.format(lang, "cli.user_exists", &[("username", &username)]),
                ),
                Ok(Err(crate::classroom::staff::NewUserRefusal::BadUsername)) => fail(
                    2,
                    catalog.format(lang, "cli.bad_username", &[("username", &username)]),
                ),
                Err(e) => fail(1, store_message(&e, lang)),
            }
        }
        Command::Scenarios {
            action: ScenariosAction::Regrade { lab, scenarios },
        } => {
            let labs = match load_labs(scenarios.as_deref()) {
                Ok(l) => l,
                Err(p) => return fail(2, problems_message(&p, lang)),
            };
            let Some(lab) = labs.lab(&lab).cloned() else {
                return fail(2, catalog.format(lang, "cli.unknown_lab", &[("lab", &lab)]));
            };
            let db = match Db::open(&cli.db) {
                Ok(db) => db,
                Err(e) => return fail(1, store_message(&e, lang)),
            };
            let now = chrono::Utc::now();
            let done = db.write(|s| {
                crate::labs::run::regrade(s, &lab, now)
                    .map_err(|e| StoreError::Other(e.to_string()))
            });
            match done {
                Ok(rows) => {
                    for (id, old, new) in &rows {
                        let old = old.map_or_else(|| "—".to_owned(), |o| o.to_string());
                        println!(
                            "{}",
                            catalog.format(
                                lang,
                                "cli.regraded",
                                &[
                                    ("id", &id.to_string()),
                                    ("old", &old),
                                    ("new", &new.to_string())
                                ]
                            )
                        );
                    }
                    println!(
                        "{}",
                        catalog.format(
                            lang,
                            "cli.regraded_total",
                            &[("count", &rows.len().to_string())]
                        )
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(1, store_message(&e, lang)),
            }
        }
        Command::Scenarios {
            action: ScenariosAction::Validate { path },
        } => {
            let loaded = match &path {
                Some(p) => Library::read(p),
                None => Library::embedded(),
            };
            match loaded {
                Ok(lib) => {
                    println!(
                        "{}",
                        catalog.format(
                            lang,
                            "cli.scenarios_ok",
                            &[
                                ("labs", &lib.labs().count().to_string()),
                                ("packs", &lib.packs().len().to_string()),
                                ("banks", &lib.banks().count().to_string()),
                                (
                                    "questions",
                                    &lib.banks()
                                        .map(|b| b.questions.len())
                                        .sum::<usize>()
                                        .to_string()
                                ),
                            ]
                        )
                    );
                    ExitCode::SUCCESS
                }
                Err(p) => fail(2, problems_message(&p, lang)),
            }
        }
    }
}

fn read_input(path: &str) -> std::io::Result<String> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
    }
}

/// A store error as the user should read it.
/// Bad input (an existing seat, an unknown preset, a date outside the policy) is 2;
/// anything else 1.
fn seed_exit_code(e: &SeedError) -> u8 {
    match e {
        SeedError::Store(_) => 1,
        _ => 2,
    }
}

/// A seeding error as the user should read it.
fn seed_message(e: &SeedError, lang: Lang) -> String {
    let c = Catalog::embedded();
    match e {
        SeedError::UnknownPreset(p) => c.format(lang, "cli.unknown_preset", &[("value", p)]),
        SeedError::Exists(label) => c.format(lang, "cli.seed_exists", &[("label", label)]),
        SeedError::Policy(
            PolicyError::NotCovered { period, .. } | PolicyError::RateNotInForce { period, .. },
        ) => c.format(lang, "cli.policy_not_covered", &[("period", period)]),
        SeedError::Store(e) => store_message(e, lang),
    }
}

fn store_message(e: &StoreError, lang: Lang) -> String {
    let c = Catalog::embedded();
    match e {
        StoreError::NotTaxlab { path } => c.format(lang, "cli.db_not_taxlab", &[("path", path)]),
        StoreError::SchemaTooNew {
            path,
            found,
            supported,
        } => c.format(
            lang,
            "cli.db_too_new",
            &[
                ("path", path),
                ("found", &found.to_string()),
                ("supported", &supported.to_string()),
            ],
        ),
        StoreError::Corrupt { path, reason } => c.format(
            lang,
            "cli.db_corrupt",
            &[("path", path), ("reason", reason)],
        ),
        StoreError::Open { path, reason } => {
            c.format(lang, "cli.db_open", &[("path", path), ("reason", reason)])
        }
        // Not the user's doing: the detail is technical, so it follows a plain notice.
        other => c.format(lang, "cli.failed", &[("reason", &other.to_string())]),
    }
}

fn failed(e: &dyn std::fmt::Display, lang: Lang) -> String {
    Catalog::embedded().format(lang, "cli.failed", &[("reason", &e.to_string())])
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TAXLAB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}
