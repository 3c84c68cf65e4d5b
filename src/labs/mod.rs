//! Labs as files (`scenarios/`), and the grader.
//!
//! - A lab file (`scenarios/labs/*.toml`) says what the trainee is asked to do: a story, the
//!   tenant it starts from (`setup`), steps with hints, checks with points, penalties and a
//!   pass mark. A pack (`scenarios/packs/*.toml`) groups labs into a course. `docs/scenarios.md`
//!   documents every key.
//! - [`Library::load`] parses and validates them; every problem names the file and line.
//!   The server refuses to start with an invalid lab.
//! - [`checks`] is the vocabulary of checks and penalties: each kind parses its own
//!   parameters and evaluates itself over [`facts::Facts`], so a module adds kinds without
//!   touching the grader.
//! - [`grade::grade`] is a pure function of (lab, facts, hints used).

pub mod checks;
mod checks_filing;
mod checks_proofs;
pub mod facts;
pub mod file;
pub mod gate;
pub mod grade;
mod plant;
pub mod questions;
pub mod quiz;
pub mod run;
pub mod setup;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

pub use file::Problem;

use crate::domain::entities::Role;
use crate::i18n::Lang;
use checks::{Check, Penalty};
use setup::{Fault, State};

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hint {
    pub cost: u32,
    pub text: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub text: Text,
    pub hints: Vec<Hint>,
}

/// The tenant a lab starts from.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Company presets (`fixtures/presets`), one company each; the first is the trainee's.
    pub presets: Vec<String>,
    /// The tenant's sandbox date; the default one when absent.
    pub sandbox_date: Option<chrono::NaiveDate>,
    /// Days the trainee may move the sandbox date forward from the task panel (to see an
    /// answer due in working days arrive); 0 for none.
    pub clock_days: i64,
    /// Whom the trainee plays: this role in the first company.
    pub role: Role,
    pub state: Vec<State>,
    pub faults: Vec<Fault>,
}

/// One expected outcome.
#[derive(Debug, Clone)]
pub struct CheckSpec {
    pub id: String,
    pub points: u32,
    /// The step (1-based) it belongs to, for "where to look".
    pub step: Option<usize>,
    pub check: Check,
}

#[derive(Debug, Clone)]
pub struct Lab {
    pub id: String,
    pub title: Text,
    pub story: Text,
    pub minutes: u32,
    pub tags: Vec<Text>,
    pub pass_mark: u32,
    /// Whether feedback may show expected values (numbers) the trainee has not reached.
    pub reveal_expected: bool,
    pub setup: Setup,
    pub steps: Vec<Step>,
    pub checks: Vec<CheckSpec>,
    pub penalties: Vec<Penalty>,
    /// A digest of the file's text: an attempt remembers which version it was started on.
    pub digest: String,
}

impl Lab {
    pub fn max_points(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    /// Whether grading needs the attempt's returns worked out.
    pub fn about_filing(&self) -> bool {
        self.checks.iter().any(|c| c.check.about_filing())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Pack {
    pub id: String,
    pub title: Text,
    pub description: Text,
    pub labs: Vec<String>,
    pub exam_minutes: u32,
}

/// Every lab and pack the server offers.
#[derive(Debug, Clone, Default)]
pub struct Library {
    labs: BTreeMap<String, Lab>,
    packs: Vec<Pack>,
    /// Question banks for the course's tests (`scenarios/quizzes`).
    banks: BTreeMap<String, quiz::Bank>,
}

/// The lab and pack files built into the binary (`scenarios/`).
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

impl Library {
    /// The shipped labs and packs.
    pub fn embedded() -> Result<Library, Vec<Problem>> {
        Library::from_files(
            EMBEDDED
                .iter()
                .map(|(p, t)| ((*p).to_owned(), (*t).to_owned())),
        )
    }

    /// Lab and pack files under a folder: `labs/*.toml` and `packs/*.toml`, or a single file.
    pub fn read(path: &Path) -> Result<Library, Vec<Problem>> {
        let mut files = Vec::new();
        let io = |p: &Path, e: std::io::Error| {
            vec![Problem::new(&p.display().to_string(), None, e.to_string())]
        };
        if path.is_file() {
            let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
            let kind_dir = if text.contains("\nlabs = ") || text.starts_with("labs = ") {
                "packs"
            } else if text.contains("[[question]]") {
                "quizzes"
            } else {
                "labs"
            };
            files.push((format!("{kind_dir}/{}", path.display()), text));
        } else {
            for sub in ["labs", "packs", "quizzes"] {
                let dir = path.join(sub);
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                let mut paths: Vec<_> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect();
                paths.sort();
                for p in paths {
                    let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
                    files.push((format!("{sub}/{}", p.display()), text));
                }
            }
        }
        Library::from_files(files)
    }

    /// Parse `(path, text)` pairs; a path under `packs/` is a pack, under `quizzes/` a
    /// question bank, anything else a lab. All problems of all files are returned together.
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Library, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut lib = Library::default();
        let mut pack_files = Vec::new();
        for (path, text) in files {
            let shown = path
                .strip_prefix("labs/")
                .or_else(|| path.strip_prefix("packs/"))
                .or_else(|| path.strip_prefix("quizzes/"))
                .unwrap_or(&path)
                .to_owned();
            if path.starts_with("packs/") {
                pack_files.push((shown, text));
                continue;
            }
            if path.starts_with("quizzes/") {
                match quiz::parse_bank(&shown, &text) {
                    Ok(b) if lib.banks.contains_key(&b.id) => problems.push(Problem::new(
                        &shown,
                        Some(1),
                        format!("bank id {:?} is used by another file", b.id),
                    )),
                    Ok(b) => {
                        lib.banks.insert(b.id.clone(), b);
                    }
                    Err(mut p) => problems.append(&mut p),
                }
                continue;
            }
            match file::parse_lab(&shown, &text) {
                Ok(lab) => {
                    if lib.labs.contains_key(&lab.id) {
                        problems.push(Problem::new(
                            &shown,
                            Some(1),
                            format!("lab id {:?} is used by another file", lab.id),
                        ));
                    } else {
                        lib.labs.insert(lab.id.clone(), lab);
                    }
                }
                Err(mut p) => problems.append(&mut p),
            }
        }
        for (path, text) in pack_files {
            match file::parse_pack(&path, &text, &lib.labs) {
                Ok(pack) => lib.packs.push(pack),
                Err(mut p) => problems.append(&mut p),
            }
        }
        if problems.is_empty() {
            Ok(lib)
        } else {
            Err(problems)
        }
    }

    pub fn lab(&self, id: &str) -> Option<&Lab> {
        self.labs.get(id)
    }

    pub fn bank(&self, id: &str) -> Option<&quiz::Bank> {
        self.banks.get(id)
    }

    pub fn banks(&self) -> impl Iterator<Item = &quiz::Bank> {
        self.banks.values()
    }

    pub fn labs(&self) -> impl Iterator<Item = &Lab> {
        self.labs.values()
    }

    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    pub fn pack(&self, id: &str) -> Option<&Pack> {
        self.packs.iter().find(|p| p.id == id)
    }

    /// Labs in the order the packs list them, then any in no pack.
    pub fn ordered(&self) -> Vec<&Lab> {
        let mut out: Vec<&Lab> = Vec::new();
        for p in &self.packs {
            for id in &p.labs {
                if let Some(l) = self.labs.get(id)
                    && !out.iter().any(|x| x.id == l.id)
                {
                    out.push(l);
                }
            }
        }
        for l in self.labs.values() {
            if !out.iter().any(|x| x.id == l.id) {
                out.push(l);
            }
        }
        out
    }

    /// Add labs and packs from another library (an instructor's folder); ids must be new.
    pub fn extend(&mut self, other: Library) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        for (id, lab) in other.labs {
            match self.labs.entry(id) {
                std::collections::btree_map::Entry::Occupied(e) => problems.push(Problem::new(
                    e.key(),
                    None,
                    format!("lab id {:?} is already a shipped lab", e.key()),
                )),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(lab);
                }
            }
        }
        for pack in other.packs {
            if self.pack(&pack.id).is_some() {
                problems.push(Problem::new(
                    &pack.id,
                    None,
                    format!("pack id {:?} is already a shipped pack", pack.id),
                ));
            } else {
                self.packs.push(pack);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests;
