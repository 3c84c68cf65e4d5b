//! The task panel shown beside the portal while a lab is in progress: the story and steps
//! filled with the trainee's own data, hints, files, the questions to answer.

use serde::Serialize;

use crate::i18n::{Catalog, Lang};
use crate::labs::Lab;
use crate::labs::run;
use crate::store::{Attempt, Mode, StoreError};

use crate::labs::grade::Grade;

/// The task panel shown beside the portal while a lab is in progress.
#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct LabPanel {
    pub attempt: i64,
    pub lab: String,
    pub title: String,
    pub mode: &'static str,
    pub story: String,
    pub steps: Vec<StepView>,
    /// Files the lab hands out, by index (`/lab/files/{n}`).
    pub files: Vec<String>,
    /// Exam: when time runs out (China time).
    pub deadline: Option<String>,
    /// The latest "check my work" (practice only).
    pub score: Option<i64>,
    pub max: u32,
    pub checks_run: i64,
    /// Questions to answer in the panel (实操演练四), with the latest answer given.
    pub questions: Vec<QuestionView>,
    /// Where the lab lets the trainee move the sandbox date forward (推进沙盒日期).
    pub clock: Option<ClockView>,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct ClockView {
    /// The sandbox date now.
    pub today: String,
    /// The latest date the lab allows.
    pub until: String,
    /// Days it may still move (`POST /api/v1/attempt/clock`).
    pub left: i64,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct QuestionView {
    /// What `POST /api/v1/attempt/answer` names it by.
    pub topic: String,
    pub text: String,
    /// `yuan`, `count` or `text`: how the answer is read.
    pub unit: String,
    pub answer: Option<String>,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct StepView {
    pub n: usize,
    pub text: String,
    /// Every check of this step passed at the latest 检查我的操作 (practice only).
    pub done: bool,
    pub hints: Vec<HintView>,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct HintView {
    pub index: usize,
    pub cost: u32,
    /// The hint, once opened.
    pub text: Option<String>,
}

pub fn panel(
    lab: &Lab,
    a: &Attempt,
    lang: Lang,
    time: crate::domain::SandboxTime,
    today: chrono::NaiveDate,
) -> Result<LabPanel, StoreError> {
    let m = run::materials(a)?;
    let exam = a.mode == Mode::Exam;
    let last = if exam { None } else { stored_grade(a) };
    let done = |step: usize| {
        last.as_ref().is_some_and(|g| {
            let mine: Vec<_> = g.checks.iter().filter(|c| c.step == Some(step)).collect();
            !mine.is_empty() && mine.iter().all(|c| c.passed)
        })
    };
    Ok(LabPanel {
        attempt: a.id,
        lab: lab.id.clone(),
        title: lab.title.get(lang).to_owned(),
        mode: a.mode.as_str(),
        story: m.fill(lab.story.get(lang)),
        steps: lab
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepView {
                n: i + 1,
                text: m.fill(s.text.get(lang)),
                done: done(i + 1),
                hints: if exam {
                    Vec::new()
                } else {
                    s.hints
                        .iter()
                        .enumerate()
                        .map(|(j, h)| HintView {
                            index: j,
                            cost: h.cost,
                            text: a.hints.contains(&(i, j)).then(|| m.fill(h.text.get(lang))),
                        })
                        .collect()
                },
            })
            .collect(),
        files: m.files.iter().map(|f| f.name.clone()).collect(),
        deadline: a.deadline_at.map(|t| time.show_minutes(t)),
        score: if exam { None } else { a.score },
        max: lab.max_points(),
        checks_run: a.checks_run,
        questions: m
            .questions
            .iter()
            .map(|q| QuestionView {
                topic: q.topic.as_str().to_owned(),
                text: say(Catalog::embedded(), lang, &q.text),
                unit: serde_json::to_value(q.unit)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                answer: a.answers.get(q.topic.as_str()).cloned(),
            })
            .collect(),
        clock: m.clock_until.map(|until| ClockView {
            today: today.to_string(),
            until: until.to_string(),
            left: (until - today).num_days().max(0),
        }),
    })
}

/// An argument that names a catalogue entry (`role.…`, `action.…`, `tax_item.…`…) is shown
/// as that entry's text.
pub(super) fn say(c: &Catalog, lang: Lang, s: &crate::labs::checks::Say) -> String {
    let args: Vec<(String, String)> = s
        .args
        .iter()
        .map(|(k, v)| {
            let shown = if v.contains('.') && c.has(v) {
                c.text(lang, v).to_owned()
            } else {
                v.clone()
            };
            (k.clone(), shown)
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.format(lang, &s.key, &borrowed)
}

/// One check's feedback, in the reader's language.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckView {
    pub id: String,
    pub passed: bool,
    pub points: u32,
    pub earned: u32,
    pub step: Option<usize>,
    pub expected: String,
    pub actual: String,
    /// Where in the portal to look.
    pub place: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeductionView {
    pub points: u32,
    pub text: String,
}

/// A grade as the trainee reads it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Feedback {
    pub lab: String,
    pub title: String,
    pub score: u32,
    pub max: u32,
    pub pass_mark: u32,
    pub passed: bool,
    pub hint_cost: u32,
    pub checks: Vec<CheckView>,
    pub deductions: Vec<DeductionView>,
}

pub fn feedback(lab: &Lab, g: &Grade, lang: Lang) -> Feedback {
    let c = Catalog::embedded();
    Feedback {
        lab: lab.id.clone(),
        title: lab.title.get(lang).to_owned(),
        score: g.score,
        max: g.max,
        pass_mark: g.pass_mark,
        passed: g.passed,
        hint_cost: g.hint_cost,
        checks: g
            .checks
            .iter()
            .map(|r| CheckView {
                id: r.id.clone(),
                passed: r.passed,
                points: r.points,
                earned: r.earned,
                step: r.step,
                expected: say(c, lang, &r.expected),
                actual: say(c, lang, &r.actual),
                place: c.text(lang, &format!("check.{}.where", r.kind)).to_owned(),
            })
            .collect(),
        deductions: g
            .deductions
            .iter()
            .map(|d| DeductionView {
                points: d.points,
                text: say(c, lang, &d.says),
            })
            .collect(),
    }
}

/// A stored grade, read back.
pub fn stored_grade(a: &Attempt) -> Option<Grade> {
    a.grade
        .as_deref()
        .and_then(|g| serde_json::from_str(g).ok())
}
