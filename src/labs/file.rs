//! Reading lab and pack files: TOML into the model, with every problem located by file and
//! line and worded for the instructor who wrote the file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use super::checks::{Check, Penalty};
use super::setup::{Fault, PLACEHOLDERS, State};
use super::{CheckSpec, Hint, Lab, Pack, Setup, Step, Text};
use crate::domain::entities::Role;
use crate::synth::Tables;

/// One thing wrong in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Problem {
    pub fn new(file: &str, line: Option<usize>, message: String) -> Problem {
        Problem {
            file: file.to_owned(),
            line,
            message,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLab {
    id: Spanned<String>,
    title: Text,
    story: Text,
    minutes: u32,
    #[serde(default)]
    tags: Vec<Text>,
    pass_mark: Spanned<u32>,
    #[serde(default)]
    reveal_expected: bool,
    setup: RawSetup,
    steps: Spanned<Vec<RawStep>>,
    checks: Spanned<Vec<Spanned<toml::Table>>>,
    #[serde(default)]
    penalties: Vec<Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetup {
    presets: Vec<Spanned<String>>,
    sandbox_date: Option<chrono::NaiveDate>,
    clock_days: Option<Spanned<i64>>,
    #[serde(rename = "as")]
    role: Spanned<String>,
    #[serde(default)]
    state: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    faults: Vec<Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    text: Spanned<Text>,
    #[serde(default)]
    hints: Vec<RawHint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHint {
    cost: u32,
    text: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    id: String,
    title: Text,
    description: Text,
    labs: Spanned<Vec<Spanned<String>>>,
    exam_minutes: Option<u32>,
}

/// The 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

pub(super) fn syntax(file: &str, text: &str, e: &toml::de::Error) -> Problem {
    let line = e.span().map(|s| line_of(text, s.start));
    Problem::new(file, line, e.message().trim().to_owned())
}

/// Take `key` out of a check or state table as a string.
fn take_str(t: &mut toml::Table, key: &str) -> Result<String, String> {
    match t.remove(key) {
        Some(toml::Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "`{key}` must be a string, not {}",
            other.type_str()
        )),
        None => Err(format!("`{key}` is missing")),
    }
}

fn take_int(t: &mut toml::Table, key: &str) -> Result<Option<i64>, String> {
    match t.remove(key) {
        Some(toml::Value::Integer(i)) => Ok(Some(i)),
        Some(other) => Err(format!(
            "`{key}` must be a whole number, not {}",
            other.type_str()
        )),
        None => Ok(None),
    }
}

/// Placeholders a text uses that the lab cannot fill.
fn unknown_placeholders(t: &Text) -> Vec<String> {
    let mut out = Vec::new();
    for s in [&t.zh, &t.en] {
        let mut rest = s.as_str();
        while let Some(i) = rest.find('{') {
            let after = &rest[i + 1..];
            let Some(j) = after.find('}') else { break };
            let name = &after[..j];
            if !PLACEHOLDERS.contains(&name) && !out.iter().any(|o| o == name) {
                out.push(name.to_owned());
            }
            rest = &after[j + 1..];
        }
    }
    out
}

pub fn parse_lab(file: &str, text: &str) -> Result<Lab, Vec<Problem>> {
    let raw: RawLab = toml::from_str(text).map_err(|e| vec![syntax(file, text, &e)])?;
    let mut problems = Vec::new();
    let at = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
    let mut problem = |line: Option<usize>, message: String| {
        problems.push(Problem::new(file, line, message));
    };

    let id = raw.id.get_ref().clone();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problem(
            at(raw.id.span()),
            format!("id {id:?} must be lowercase letters, digits and '-'"),
        );
    }

    let tables = Tables::embedded();
    let mut presets = Vec::new();
    for p in &raw.setup.presets {
        if tables.preset(p.get_ref()).is_none() {
            let known: Vec<&str> = tables.presets.iter().map(|p| p.id.as_str()).collect();
            problem(
                at(p.span()),
                format!(
                    "preset {:?} is missing from fixtures/presets (there are: {})",
                    p.get_ref(),
                    known.join(", ")
                ),
            );
        }
        presets.push(p.get_ref().clone());
    }
    if presets.is_empty() {
        problem(
            None,
            "setup.presets needs at least one company preset".into(),
        );
    }
    let clock_days = raw.setup.clock_days.as_ref().map_or(0, |d| *d.get_ref());
    if !(0..=super::setup::CLOCK_DAYS_MAX).contains(&clock_days) {
        problem(
            raw.setup.clock_days.as_ref().and_then(|d| at(d.span())),
            format!(
                "setup.clock_days must be 0 to {}",
                super::setup::CLOCK_DAYS_MAX
            ),
        );
    }
    let role = Role::parse(raw.setup.role.get_ref());
    if role.is_none() {
        problem(
            at(raw.setup.role.span()),
            format!(
                "setup.as {:?} is not a role (legal_representative, finance_manager, tax_clerk)",
                raw.setup.role.get_ref()
            ),
        );
    }
    let mut state = Vec::new();
    for s in raw.setup.state {
        let line = at(s.span());
        match State::parse(s.into_inner()) {
            Ok(v) => state.push(v),
            Err(m) => problem(line, format!("setup.state: {m}")),
        }
    }
    let mut faults = Vec::new();
    for f in raw.setup.faults {
        let line = at(f.span());
        match Fault::parse(f.into_inner()) {
            Ok(v) => faults.push(v),
            Err(m) => problem(line, format!("setup.faults: {m}")),
        }
    }

    let steps_line = at(raw.steps.span());
    let steps: Vec<Step> = raw
        .steps
        .into_inner()
        .into_iter()
        .map(|s| {
            let bad = unknown_placeholders(s.text.get_ref());
            if !bad.is_empty() {
                problem(
                    at(s.text.span()),
                    format!(
                        "unknown placeholder {{{}}} (see docs/scenarios.md)",
                        bad.join("}, {")
                    ),
                );
            }
            Step {
                text: s.text.into_inner(),
                hints: s
                    .hints
                    .into_iter()
                    .map(|h| Hint {
                        cost: h.cost,
                        text: h.text,
                    })
                    .collect(),
            }
        })
        .collect();
    if steps.is_empty() {
        problem(steps_line, "a lab needs at least one step".into());
    }
    for t in [&raw.story, &raw.title] {
        let bad = unknown_placeholders(t);
        if !bad.is_empty() {
            problem(
                Some(1),
                format!(
                    "unknown placeholder {{{}}} in the title or story (see docs/scenarios.md)",
                    bad.join("}, {")
                ),
            );
        }
    }

    let checks_line = at(raw.checks.span());
    let raw_checks = raw.checks.get_ref().len();
    let mut checks = Vec::new();
    let mut checks_ok = true;
    let mut ids = BTreeSet::new();
    for c in raw.checks.into_inner() {
        let line = at(c.span());
        let mut t = c.into_inner();
        let parsed = (|| -> Result<CheckSpec, String> {
            let id = take_str(&mut t, "id")?;
            if !ids.insert(id.clone()) {
                return Err(format!("check id {id:?} is used twice"));
            }
            let kind = take_str(&mut t, "kind")?;
            let points = take_int(&mut t, "points")?.ok_or("`points` is missing")?;
            let points = u32::try_from(points)
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("points must be above 0, not {points}"))?;
            let step = take_int(&mut t, "step")?
                .map(|s| {
                    usize::try_from(s)
                        .ok()
                        .filter(|s| (1..=steps.len()).contains(s))
                        .ok_or_else(|| {
                            format!("step {s} is not one of the lab's {} steps", steps.len())
                        })
                })
                .transpose()?;
            let check = Check::parse(&kind, t).map_err(|m| format!("check {id:?}: {m}"))?;
            Ok(CheckSpec {
                id,
                points,
                step,
                check,
            })
        })();
        match parsed {
            Ok(c) => checks.push(c),
            Err(m) => {
                checks_ok = false;
                problem(line, m);
            }
        }
    }
    if raw_checks == 0 {
        problem(checks_line, "a lab needs at least one check".into());
    }
    let total: u32 = checks.iter().map(|c| c.points).sum();
    if !checks.is_empty() && total != 100 && checks_ok {
        problem(
            checks_line,
            format!("the checks' points add up to {total}; they must add up to 100"),
        );
    }
    if *raw.pass_mark.get_ref() > 100 {
        problem(
            at(raw.pass_mark.span()),
            format!("pass_mark {} is above 100", raw.pass_mark.get_ref()),
        );
    }
    let mut penalties = Vec::new();
    for p in raw.penalties {
        let line = at(p.span());
        let mut t = p.into_inner();
        match take_str(&mut t, "kind").and_then(|k| Penalty::parse(&k, t)) {
            Ok(p) => penalties.push(p),
            Err(m) => problem(line, format!("penalty: {m}")),
        }
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Lab {
        id,
        title: raw.title,
        story: raw.story,
        minutes: raw.minutes,
        tags: raw.tags,
        pass_mark: raw.pass_mark.into_inner(),
        reveal_expected: raw.reveal_expected,
        setup: Setup {
            presets,
            sandbox_date: raw.setup.sandbox_date,
            clock_days,
            role: role.unwrap_or(Role::TaxClerk),
            state,
            faults,
        },
        steps,
        checks,
        penalties,
        digest: digest(text),
    })
}

/// FNV-1a over the file's text, as hex: enough to tell versions of a lab apart.
fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub fn parse_pack(
    file: &str,
    text: &str,
    labs: &BTreeMap<String, Lab>,
) -> Result<Pack, Vec<Problem>> {
    let raw: RawPack = toml::from_str(text).map_err(|e| vec![syntax(file, text, &e)])?;
    let mut problems = Vec::new();
    let labs_line = Some(line_of(text, raw.labs.span().start));
    let mut ids = Vec::new();
    for l in raw.labs.into_inner() {
        if !labs.contains_key(l.get_ref()) {
            problems.push(Problem::new(
                file,
                Some(line_of(text, l.span().start)),
                format!("lab {:?} is not a lab file's id", l.get_ref()),
            ));
        }
        ids.push(l.into_inner());
    }
    if ids.is_empty() {
        problems.push(Problem::new(
            file,
            labs_line,
            "a pack needs at least one lab".into(),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let exam_minutes = raw.exam_minutes.unwrap_or_else(|| {
        ids.iter()
            .filter_map(|i| labs.get(i))
            .map(|l| l.minutes)
            .sum()
    });
    Ok(Pack {
        id: raw.id,
        title: raw.title,
        description: raw.description,
        labs: ids,
        exam_minutes,
    })
}
