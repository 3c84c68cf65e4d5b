//! 帮助中心 and 在线客服: the course's FAQ (`fixtures/help.toml`), searchable, and a simulated
//! online service that answers a question with the entry that matches it best.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::i18n::Lang;

#[derive(Debug, Clone, Deserialize)]
pub struct HelpEntry {
    pub id: String,
    pub category: String,
    pub keywords: Vec<String>,
    pub question_zh: String,
    pub answer_zh: String,
    pub question_en: String,
    pub answer_en: String,
}

impl HelpEntry {
    pub fn question(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.question_zh,
            Lang::En => &self.question_en,
        }
    }

    pub fn answer(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.answer_zh,
            Lang::En => &self.answer_en,
        }
    }
}

#[derive(Deserialize)]
struct HelpFile {
    entry: Vec<HelpEntry>,
}

pub fn entries() -> &'static [HelpEntry] {
    static ALL: OnceLock<Vec<HelpEntry>> = OnceLock::new();
    ALL.get_or_init(
        || match toml::from_str::<HelpFile>(include_str!("../../fixtures/help.toml")) {
            Ok(f) => f.entry.into_iter().map(with_policy).collect(),
            // Embedded and covered by tests: a failure here is a build defect.
            Err(e) => panic!("fixtures/help.toml: {e}"),
        },
    )
}

/// 在线客服: the FAQ entry that answers a question, if any; the question and whether it was
/// answered go into the trace (the grader and the instructor read it).
pub fn ask(
    scope: &crate::store::TenantScope<'_>,
    now: chrono::DateTime<chrono::Utc>,
    question: &str,
) -> Result<Option<&'static HelpEntry>, crate::store::StoreError> {
    let reply = answer(question);
    let result = if reply.is_some() { "ok" } else { "no_answer" };
    scope.trace(
        now,
        None,
        "help.ask",
        result,
        &serde_json::json!({ "question": question, "answer": reply.map(|e| &e.id) }),
    )?;
    Ok(reply)
}

/// The lockout figures an answer states are the ones the login enforces.
fn with_policy(mut e: HelpEntry) -> HelpEntry {
    let p = crate::domain::password::PortalPolicy::embedded();
    let fill = |text: &str| {
        text.replace("{max}", &p.max_failures.to_string())
            .replace("{window}", &p.failure_window_minutes.to_string())
            .replace("{minutes}", &p.lockout_minutes.to_string())
    };
    e.answer_zh = fill(&e.answer_zh);
    e.answer_en = fill(&e.answer_en);
    e
}

/// How well an entry matches a query: keywords found in it count most, then the query's
/// characters (Chinese words are not space-separated) found in the question.
fn score(e: &HelpEntry, query: &str) -> usize {
    let q = query.to_lowercase();
    let keyword_hits = e
        .keywords
        .iter()
        .filter(|k| q.contains(&k.to_lowercase()))
        .map(|k| 10 * k.chars().count())
        .sum::<usize>();
    let text = format!("{}{}", e.question_zh, e.question_en.to_lowercase());
    let char_hits = q
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && text.contains(*c))
        .count();
    keyword_hits + char_hits
}

/// Entries matching a query, best first; all of them for an empty query.
pub fn search(query: &str) -> Vec<&'static HelpEntry> {
    let query = query.trim();
    if query.is_empty() {
        return entries().iter().collect();
    }
    let mut hits: Vec<(usize, &HelpEntry)> = entries()
        .iter()
        .map(|e| (score(e, query), e))
        .filter(|(s, _)| *s >= 2)
        .collect();
    hits.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
    hits.into_iter().map(|(_, e)| e).collect()
}

/// The online service's answer: the best entry if it matches well enough.
pub fn answer(question: &str) -> Option<&'static HelpEntry> {
    let best = entries().iter().max_by_key(|e| score(e, question))?;
    (score(best, question) >= 10).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lockout_answer_states_the_lockout_the_login_enforces() {
        let p = crate::domain::password::PortalPolicy::embedded();
        let e = entries().iter().find(|e| e.id == "locked").unwrap();
        let zh = format!(
            "{} 分钟内连续输错 {} 次密码，账号将被锁定 {} 分钟",
            p.failure_window_minutes, p.max_failures, p.lockout_minutes
        );
        assert!(e.answer_zh.contains(&zh), "{}", e.answer_zh);
        assert!(e.answer_en.contains(&format!(
            "lock the account for {} minutes",
            p.lockout_minutes
        )));
        assert!(
            entries()
                .iter()
                .all(|e| !e.answer_zh.contains('{') && !e.answer_en.contains('{'))
        );
    }

    #[test]
    fn finds_the_course_faq() {
        assert!(entries().len() >= 10);
        assert_eq!(search("忘记密码")[0].id, "forgot-password");
        assert_eq!(
            answer("我的证书过期了怎么办").unwrap().id,
            "certificate-problems"
        );
        assert_eq!(
            answer("提交后网络断了，要重新提交吗").unwrap().id,
            "network-error"
        );
        assert_eq!(
            answer("How do I download a certificate?").unwrap().id,
            "certificate-download"
        );
        assert!(answer("今天天气怎么样").is_none());
    }
}
