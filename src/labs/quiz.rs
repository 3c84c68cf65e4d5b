//! Question banks as files (`scenarios/quizzes/*.toml`) for the course's tests (课后测试):
//! single choice, multiple choice, true/false and a typed figure graded to the fen; bilingual,
//! each with an explanation, a topic, the Kirkpatrick level it measures and the parallel
//! forms it belongs to (`a` the pre-test, `b` the post-test). Read with every problem located
//! by file and line, like the labs.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::Text;
use super::file::{Problem, line_of, syntax};
use crate::domain::money::Fen;

/// The topics a question may be about (the report groups results by them).
pub const TOPICS: [&str; 13] = [
    "login",
    "security",
    "filing",
    "deadline",
    "surcharge",
    "late_fee",
    "lost_submit",
    "certificate",
    "proof",
    "query",
    "credit",
    "refund",
    "risk",
];

/// The parallel forms of a test.
pub const FORMS: [&str; 2] = ["a", "b"];

/// What a question expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Single choice: the right choice's index.
    One(usize),
    /// Multiple choice: every right choice's index, and no other.
    Many(Vec<usize>),
    TrueFalse(bool),
    /// An amount in yuan, to the fen.
    Figure(Fen),
}

impl Answer {
    pub fn kind(&self) -> &'static str {
        match self {
            Answer::One(_) => "single",
            Answer::Many(_) => "multiple",
            Answer::TrueFalse(_) => "true_false",
            Answer::Figure(_) => "figure",
        }
    }
}

/// What a trainee answered, as the form sends it (choice indexes in the bank's order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Given {
    Choices(Vec<usize>),
    TrueFalse(bool),
    Figure(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    pub id: String,
    pub topic: String,
    pub level: u8,
    pub forms: Vec<String>,
    pub text: Text,
    pub choices: Vec<Text>,
    pub answer: Answer,
    pub explanation: Text,
}

impl Question {
    /// Whether an answer is right: the exact set of right choices, the truth, or the figure
    /// to the fen (written as people write amounts).
    pub fn right(&self, given: &Given) -> bool {
        match (&self.answer, given) {
            (Answer::One(i), Given::Choices(c)) => c.as_slice() == [*i],
            (Answer::Many(want), Given::Choices(c)) => {
                let mut c = c.clone();
                c.sort_unstable();
                c.dedup();
                &c == want
            }
            (Answer::TrueFalse(t), Given::TrueFalse(g)) => t == g,
            (Answer::Figure(f), Given::Figure(text)) => {
                super::questions::normalise(super::questions::Unit::Yuan, text)
                    .is_some_and(|n| n == f.to_string())
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bank {
    pub id: String,
    pub title: Text,
    pub questions: Vec<Question>,
}

impl Bank {
    /// The questions of a form (`a`, `b`), or all of them for any other name.
    pub fn form(&self, form: &str) -> Vec<&Question> {
        self.questions
            .iter()
            .filter(|q| !FORMS.contains(&form) || q.forms.iter().any(|f| f == form))
            .collect()
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBank {
    id: Spanned<String>,
    title: Text,
    #[serde(default, rename = "question")]
    questions: Vec<Spanned<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    kind: Spanned<String>,
    topic: Spanned<String>,
    level: Spanned<i64>,
    forms: Spanned<Vec<String>>,
    text: Text,
    #[serde(default)]
    choices: Vec<Text>,
    answer: Spanned<toml::Value>,
    explanation: Text,
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn blank(t: &Text) -> bool {
    t.zh.trim().is_empty() || t.en.trim().is_empty()
}

/// The right answer of a question of `kind` with `n` choices, or what is wrong with it.
fn answer_of(kind: &str, n: usize, v: &toml::Value) -> Result<Answer, String> {
    let index = |v: &toml::Value| match v.as_integer() {
        Some(i) if i >= 0 && (i as usize) < n => Ok(i as usize),
        _ => Err(format!("a choice index from 0 to {}", n.saturating_sub(1))),
    };
    match kind {
        "single" => index(v)
            .map(Answer::One)
            .map_err(|want| format!("answer must be {want}")),
        "multiple" => {
            let items = v
                .as_array()
                .ok_or("answer must be a list of choice indexes")?;
            let mut all = items
                .iter()
                .map(index)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|want| format!("every answer must be {want}"))?;
            all.sort_unstable();
            all.dedup();
            if all.is_empty() || all.len() != items.len() {
                return Err("answer must list each right choice once, at least one".into());
            }
            Ok(Answer::Many(all))
        }
        "true_false" => v
            .as_bool()
            .map(Answer::TrueFalse)
            .ok_or_else(|| "answer must be true or false".into()),
        "figure" => v
            .as_str()
            .and_then(|s| Fen::parse_yuan(s).ok())
            .filter(|f| *f >= Fen::ZERO)
            .map(Answer::Figure)
            .ok_or_else(|| "answer must be an amount in yuan as a string, e.g. \"20.00\"".into()),
        other => Err(format!(
            "kind {other:?} is not single, multiple, true_false or figure"
        )),
    }
}

/// Read a bank file; every problem with its line.
pub fn parse_bank(file: &str, text: &str) -> Result<Bank, Vec<Problem>> {
    let raw: RawBank = toml::from_str(text).map_err(|e| vec![syntax(file, text, &e)])?;
    let mut problems = Vec::new();
    let at = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
    let mut problem = |line: Option<usize>, message: String| {
        problems.push(Problem::new(file, line, message));
    };
    let id = raw.id.get_ref().clone();
    if !is_id(&id) {
        problem(
            at(raw.id.span()),
            format!("id {id:?} must be lowercase letters, digits and '-'"),
        );
    }
    if blank(&raw.title) {
        problem(at(raw.id.span()), "title needs zh and en".into());
    }
    let mut questions: Vec<Question> = Vec::new();
    for q in &raw.questions {
        let line = at(q.span());
        let q = q.get_ref();
        let qid = q.id.get_ref().clone();
        if !is_id(&qid) {
            problem(
                at(q.id.span()),
                format!("question id {qid:?} must be lowercase letters, digits and '-'"),
            );
        }
        if questions.iter().any(|x| x.id == qid) {
            problem(
                at(q.id.span()),
                format!("question id {qid:?} is used twice"),
            );
        }
        let kind = q.kind.get_ref().as_str();
        let choosing = kind == "single" || kind == "multiple";
        if choosing && !(2..=6).contains(&q.choices.len()) {
            problem(line, format!("a {kind} question needs 2 to 6 choices"));
        }
        if !choosing && !q.choices.is_empty() {
            problem(line, format!("a {kind} question has no choices"));
        }
        let answer = match answer_of(kind, q.choices.len(), q.answer.get_ref()) {
            Ok(a) => Some(a),
            Err(m) => {
                let span = if ["single", "multiple", "true_false", "figure"].contains(&kind) {
                    q.answer.span()
                } else {
                    q.kind.span()
                };
                problem(at(span), m);
                None
            }
        };
        if !TOPICS.contains(&q.topic.get_ref().as_str()) {
            problem(
                at(q.topic.span()),
                format!(
                    "topic {:?} is not one of {}",
                    q.topic.get_ref(),
                    TOPICS.join(", ")
                ),
            );
        }
        let level = *q.level.get_ref();
        if !(1..=4).contains(&level) {
            problem(
                at(q.level.span()),
                "level must be 1 to 4 (Kirkpatrick)".into(),
            );
        }
        let forms = q.forms.get_ref();
        if forms.is_empty() || forms.iter().any(|f| !FORMS.contains(&f.as_str())) {
            problem(
                at(q.forms.span()),
                "forms must list \"a\", \"b\" or both".into(),
            );
        }
        if blank(&q.text) || blank(&q.explanation) || q.choices.iter().any(blank) {
            problem(
                line,
                format!("question {qid:?}: text, explanation and every choice need zh and en"),
            );
        }
        if let Some(answer) = answer {
            questions.push(Question {
                id: qid,
                topic: q.topic.get_ref().clone(),
                level: level.clamp(1, 4) as u8,
                forms: forms.clone(),
                text: q.text.clone(),
                choices: q.choices.clone(),
                answer,
                explanation: q.explanation.clone(),
            });
        }
    }
    if raw.questions.is_empty() {
        problem(None, "a bank needs at least one [[question]]".into());
    }
    if problems.is_empty() {
        Ok(Bank {
            id,
            title: raw.title,
            questions,
        })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
id = "t"
title = { zh = "题库", en = "Bank" }

[[question]]
id = "q1"
kind = "single"
topic = "login"
level = 2
forms = ["a"]
text = { zh = "问", en = "Q" }
choices = [{ zh = "甲", en = "A" }, { zh = "乙", en = "B" }]
answer = 1
explanation = { zh = "因为", en = "Because" }
"#;

    #[test]
    fn a_bank_reads_and_grades_each_kind() {
        let b = parse_bank("t.toml", ONE).unwrap();
        let q = &b.questions[0];
        assert!(q.right(&Given::Choices(vec![1])));
        assert!(!q.right(&Given::Choices(vec![0])));
        assert!(!q.right(&Given::Choices(vec![0, 1])));
        assert!(!q.right(&Given::TrueFalse(true)));
        let many = Question {
            answer: Answer::Many(vec![0, 2]),
            ..q.clone()
        };
        assert!(many.right(&Given::Choices(vec![2, 0])));
        assert!(!many.right(&Given::Choices(vec![0])));
        let fig = Question {
            answer: Answer::Figure(Fen::parse_yuan("20.00").unwrap()),
            ..q.clone()
        };
        for a in ["20", "20.00", "¥20.0", "20元"] {
            assert!(fig.right(&Given::Figure(a.into())), "{a}");
        }
        assert!(!fig.right(&Given::Figure("20.01".into())));
        assert_eq!(b.form("a").len(), 1);
        assert_eq!(b.form("b").len(), 0);
    }

    #[test]
    fn every_mistake_is_located_at_its_line() {
        let bad = ONE
            .replace("answer = 1", "answer = 5")
            .replace("topic = \"login\"", "topic = \"weather\"")
            .replace("forms = [\"a\"]", "forms = [\"c\"]")
            .replace("level = 2", "level = 9");
        let problems = parse_bank("t.toml", &bad).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let has = |line: usize, what: &str| {
            text.iter()
                .any(|t| t.starts_with(&format!("t.toml:{line}:")) && t.contains(what))
        };
        assert!(has(13, "choice index from 0 to 1"), "{text:?}");
        assert!(has(8, "weather"), "{text:?}");
        assert!(has(10, "forms"), "{text:?}");
        assert!(has(9, "Kirkpatrick"), "{text:?}");
        let dup = format!("{ONE}{}", &ONE[ONE.find("[[question]]").unwrap()..]);
        assert!(
            parse_bank("t.toml", &dup)
                .unwrap_err()
                .iter()
                .any(|p| p.message.contains("used twice"))
        );
        assert!(parse_bank("t.toml", "id = ").is_err());
    }

    #[test]
    fn the_shipped_bank_covers_the_course() {
        let text = include_str!("../../scenarios/quizzes/etax-basics.toml");
        let b = parse_bank("etax-basics.toml", text).unwrap();
        assert!(b.questions.len() >= 40, "{}", b.questions.len());
        for t in TOPICS {
            assert!(
                b.questions.iter().any(|q| q.topic == t),
                "no question on {t}"
            );
        }
        // two parallel forms of the same size, each covering every topic
        for f in FORMS {
            assert_eq!(b.form(f).len(), b.questions.len() / 2);
            for t in TOPICS {
                assert!(b.form(f).iter().any(|q| q.topic == t), "form {f}: no {t}");
            }
        }
        for kind in ["single", "multiple", "true_false", "figure"] {
            assert!(
                b.questions.iter().any(|q| q.answer.kind() == kind),
                "{kind}"
            );
        }
    }
}
