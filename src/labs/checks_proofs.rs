//! Checks about certificates and queries: a certificate issued (of a kind, covering a tax),
//! a certificate verified, a query of 我要查询 run (these read the trace), a question of
//! the task panel answered right.

use serde::Deserialize;

use super::checks::{Evaluate, Say, Verdict, verdict};
use super::facts::{Facts, detail};
use super::questions::{self, Topic};

pub(super) fn validate_proof(kind: &str) -> Result<(), String> {
    match crate::bureau::proofs::ProofKind::parse(kind) {
        Some(_) => Ok(()),
        None => Err(format!(
            "proof {kind:?} is not payment_table, payment_voucher, tax_record or no_arrears"
        )),
    }
}

pub(super) fn validate_query(query: &str) -> Result<(), String> {
    match query {
        "credit" | "invoice" => Ok(()),
        q if crate::bureau::queries::Query::parse(q).is_some() => Ok(()),
        _ => Err(format!(
            "query {query:?} is not filings, payments, arrears, invoices, invoice or credit"
        )),
    }
}

/// `proof_issued`: the trainee issued a certificate of this kind (`payment_table`,
/// `no_arrears`); with `item`, a 完税证明 whose taxes include it (none ticked counts as all).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofIssued {
    pub(super) proof: String,
    #[serde(default)]
    item: Option<String>,
}

impl Evaluate for ProofIssued {
    const KIND: &'static str = "proof_issued";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let issued: Vec<serde_json::Value> = f
            .trace
            .iter()
            .filter(|e| e.person_id == Some(f.me) && e.action == "proof.issue" && e.result == "ok")
            .map(detail)
            .filter(|d| d["kind"] == self.proof.as_str())
            .collect();
        let covering = issued
            .iter()
            .filter(|d| match &self.item {
                None => true,
                Some(item) => d["items"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|i| i == item.as_str())),
            })
            .count();
        let mut expected = Say::new("check.proof_issued.expected")
            .arg("proof", format!("proof.kind.{}", self.proof));
        if let Some(item) = &self.item {
            expected = Say::new("check.proof_issued.expected_item")
                .arg("proof", format!("proof.kind.{}", self.proof))
                .arg("item", format!("tax_item.{item}"));
        }
        verdict(
            covering > 0,
            expected,
            Say::new("check.proof_issued.actual")
                .arg("count", issued.len())
                .arg("refused", f.my_failures(&["proof.issue"])),
        )
    }
}

/// `proof_verified`: a certificate was verified (证明查验) and found genuine; `how` (`number`
/// or `file`) narrows it. Verification needs no login, so any in the trainee's world counts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofVerified {
    #[serde(default)]
    how: Option<String>,
}

impl Evaluate for ProofVerified {
    const KIND: &'static str = "proof_verified";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let tries: Vec<(String, serde_json::Value)> = f
            .trace
            .iter()
            .filter(|e| e.action == "proof.verify")
            .map(|e| (e.result.clone(), detail(e)))
            .collect();
        let genuine = tries
            .iter()
            .filter(|(r, d)| r == "genuine" && self.how.as_deref().is_none_or(|h| d["how"] == h))
            .count();
        verdict(
            genuine > 0,
            Say::new("check.proof_verified.expected"),
            Say::new("check.proof_verified.actual")
                .arg("count", tries.len())
                .arg("genuine", genuine),
        )
    }
}

/// `query_run`: the trainee ran a query of 我要查询 (`filings`, `payments`, `arrears`,
/// `invoices`; `invoice` for an invoice's face; `credit`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryRun {
    pub(super) query: String,
}

impl Evaluate for QueryRun {
    const KIND: &'static str = "query_run";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let n = f
            .trace
            .iter()
            .filter(|e| e.person_id == Some(f.me) && e.result == "ok")
            .filter(|e| match self.query.as_str() {
                "credit" => e.action == "query.credit",
                "invoice" => e.action == "query.invoice",
                q => e.action == "query.run" && detail(e)["query"] == q,
            })
            .count();
        verdict(
            n > 0,
            Say::new("check.query_run.expected")
                .arg("query", format!("query.name.{}", self.query_name())),
            Say::new("check.query_run.actual").arg("count", n),
        )
    }
}

impl QueryRun {
    fn query_name(&self) -> &str {
        match self.query.as_str() {
            "invoice" => "invoices",
            q => q,
        }
    }
}

/// `answer`: the trainee's latest answer to the task panel's question on `question` (a
/// topic of `labs::questions`) is one it accepts. The feedback never shows the answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    #[serde(rename = "question", deserialize_with = "topic")]
    pub(super) topic: Topic,
}

fn topic<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Topic, D::Error> {
    let text = String::deserialize(d)?;
    Topic::parse(&text).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "question {text:?} is not late_fee, credit_score, largest_deduction, \
             invoice_counterparty or forged_invoice"
        ))
    })
}

impl Evaluate for Answer {
    const KIND: &'static str = "answer";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let topic = self.topic.as_str();
        let given = f.answers.get(topic);
        let right = match (f.questions.iter().find(|q| q.topic == self.topic), given) {
            (Some(q), Some(a)) => questions::right(q, a),
            _ => false,
        };
        let actual = match given {
            None => Say::new("check.answer.actual.none"),
            Some(a) if right => Say::new("check.answer.actual.right").arg("answer", a),
            Some(a) => Say::new("check.answer.actual.wrong").arg("answer", a),
        };
        verdict(
            right,
            Say::new("check.answer.expected").arg("question", format!("lab.topic.{topic}")),
            actual,
        )
    }
}
