//! Checks about filing and paying: the return filed with what the company's own records
//! (and the lab's extra facts) make it ask, paid, corrected; and the right move after a
//! lost response (look the filing up, do not submit again).

use serde::Deserialize;

use super::checks::{Evaluate, Say, Verdict, verdict};
use super::facts::{Facts, ReturnFacts, detail};

/// Which return a check is about: `vat_small`, `vat_general` or `cit_quarterly`, for the
/// period due on the sandbox date.
fn kind_ok(kind: &str) -> bool {
    crate::domain::entities::ReturnKind::parse(kind).is_some()
}

pub(super) fn validate_kind(kind: &str) -> Result<(), String> {
    if kind_ok(kind) {
        Ok(())
    } else {
        Err(format!(
            "return {kind:?} is not vat_small, vat_general or cit_quarterly"
        ))
    }
}

fn expected(r: &ReturnFacts, key: &str) -> Say {
    Say::new(key)
        .arg("kind", format!("return.{}", r.kind))
        .arg("period", &r.period)
        .arg("total", r.expected_total)
}

fn missing(f: &Facts, kind: &str, key: &str) -> Verdict {
    verdict(
        false,
        Say::new(key).arg("kind", format!("return.{kind}")),
        Say::new("check.return.actual.no_company_return").arg("count", f.returns.len()),
    )
}

/// `return_filed`: the return due is filed, and its latest version asks what the engine
/// says from the company's own records.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnFiled {
    #[serde(rename = "return")]
    pub(super) kind: String,
}

impl Evaluate for ReturnFiled {
    const KIND: &'static str = "return_filed";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let Some(r) = f.return_of(&self.kind) else {
            return missing(f, &self.kind, "check.return_filed.expected");
        };
        let latest = r.versions.last();
        let right = latest.is_some_and(|v| v.1 == r.expected_total);
        let actual = match latest {
            None => Say::new("check.return.actual.not_filed"),
            Some(v) if right => Say::new("check.return.actual.filed").arg("total", v.1),
            Some(v) => Say::new("check.return.actual.wrong_total")
                .arg("total", v.1)
                .arg("expected", r.expected_total),
        };
        verdict(right, expected(r, "check.return_filed.expected"), actual)
    }
}

/// `return_paid`: the return is filed and nothing it asks is left unpaid (the
/// late-payment surcharge included, which the bureau adds when paying late).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnPaid {
    #[serde(rename = "return")]
    pub(super) kind: String,
}

impl Evaluate for ReturnPaid {
    const KIND: &'static str = "return_paid";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let Some(r) = f.return_of(&self.kind) else {
            return missing(f, &self.kind, "check.return_paid.expected");
        };
        let filed = !r.versions.is_empty();
        let owed = r.versions.last().is_some_and(|v| v.1.fen() > 0);
        let done = filed && r.unpaid.fen() == 0 && (r.paid_any || !owed);
        let actual = if !filed {
            Say::new("check.return.actual.not_filed")
        } else if r.unpaid.fen() > 0 {
            Say::new("check.return_paid.actual.unpaid").arg("unpaid", r.unpaid)
        } else {
            Say::new("check.return_paid.actual.paid").arg("late_fee", r.late_fee_paid)
        };
        verdict(done, expected(r, "check.return_paid.expected"), actual)
    }
}

/// `return_amended`: a correction (更正申报) was filed and the latest version asks what the
/// records say; with `reason`, it gives the reason a correction after the deadline needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnAmended {
    #[serde(rename = "return")]
    pub(super) kind: String,
    #[serde(default)]
    reason: bool,
}

impl Evaluate for ReturnAmended {
    const KIND: &'static str = "return_amended";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let Some(r) = f.return_of(&self.kind) else {
            return missing(f, &self.kind, "check.return_amended.expected");
        };
        let latest = r.versions.last();
        let corrected = latest.is_some_and(|v| v.0 >= 2 && v.4);
        let right = latest.is_some_and(|v| v.1 == r.expected_total);
        let reasoned = !self.reason || latest.is_some_and(|v| !v.3.trim().is_empty());
        let actual = match latest {
            None => Say::new("check.return.actual.not_filed"),
            Some(_) if !corrected => Say::new("check.return_amended.actual.not_corrected"),
            Some(v) if !right => Say::new("check.return.actual.wrong_total")
                .arg("total", v.1)
                .arg("expected", r.expected_total),
            Some(_) if !reasoned => Say::new("check.return_amended.actual.no_reason"),
            Some(v) => Say::new("check.return_amended.actual.done").arg("version", v.0),
        };
        verdict(
            corrected && right && reasoned,
            expected(r, "check.return_amended.expected"),
            actual,
        )
    }
}

/// The trace index of the first submission whose response was lost, if any.
fn lost_at(f: &Facts) -> Option<usize> {
    f.trace.iter().position(|e| {
        e.action == "return.submit" && e.result == "ok" && detail(e)["response_lost"] == true
    })
}

/// `looked_up_after_lost`: after a submission's response was lost, the trainee looked
/// the filing up (the returns list or its receipt) — the course's right move.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookedUpAfterLost {}

impl Evaluate for LookedUpAfterLost {
    const KIND: &'static str = "looked_up_after_lost";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let looked = lost_at(f).is_some_and(|i| {
            f.trace[i + 1..]
                .iter()
                .any(|e| matches!(e.action.as_str(), "return.list" | "return.receipt"))
        });
        verdict(
            looked,
            Say::new("check.looked_up_after_lost.expected"),
            Say::new(match (lost_at(f), looked) {
                (None, _) => "check.looked_up_after_lost.actual.no_loss",
                (Some(_), true) => "check.looked_up_after_lost.actual.done",
                (Some(_), false) => "check.looked_up_after_lost.actual.none",
            }),
        )
    }
}

/// `not_resubmitted`: after a lost response the trainee did not submit the same return
/// again (the course's 重复提交申报 mistake).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotResubmitted {}

impl Evaluate for NotResubmitted {
    const KIND: &'static str = "not_resubmitted";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let again = lost_at(f).map_or(0, |i| {
            f.trace[i + 1..]
                .iter()
                .filter(|e| {
                    e.action == "return.duplicate"
                        || (e.action == "return.submit" && e.result == "already_filed")
                })
                .count()
        });
        verdict(
            lost_at(f).is_some() && again == 0,
            Say::new("check.not_resubmitted.expected"),
            Say::new("check.not_resubmitted.actual").arg("count", again),
        )
    }
}

/// `credit_repaired`: 信用修复 was applied for the late filing of the return due (the
/// failing the lab's late return put on the record, once filed). The points it gives back
/// are the standard's, worked out by the bureau from the company's own return.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditRepaired {
    #[serde(rename = "return")]
    pub(super) kind: String,
}

impl Evaluate for CreditRepaired {
    const KIND: &'static str = "credit_repaired";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let Some(r) = f.return_of(&self.kind) else {
            return missing(f, &self.kind, "check.credit_repaired.expected");
        };
        let applied = f.trace.iter().find(|e| {
            let d = detail(e);
            e.person_id == Some(f.me)
                && e.action == "credit.repair"
                && e.result == "ok"
                && d["kind"] == "late_filing"
                && d["period"] == r.period.as_str()
        });
        let actual = match applied {
            Some(e) => {
                let d = detail(e);
                Say::new("check.credit_repaired.actual.applied")
                    .arg("points", d["points"].as_u64().unwrap_or(0))
                    .arg("date", d["answer_on"].as_str().unwrap_or_default())
            }
            None => Say::new("check.credit_repaired.actual.none")
                .arg("refused", f.my_failures(&["credit.repair"])),
        };
        verdict(
            applied.is_some(),
            expected(r, "check.credit_repaired.expected"),
            actual,
        )
    }
}

/// `refund_applied`: a refund of everything the return due overpaid (误收多缴, once an
/// amendment lowered it) was applied for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundApplied {
    #[serde(rename = "return")]
    pub(super) kind: String,
}

impl Evaluate for RefundApplied {
    const KIND: &'static str = "refund_applied";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let Some(r) = f.return_of(&self.kind) else {
            return missing(f, &self.kind, "check.refund_applied.expected");
        };
        let asked: i64 = f
            .trace
            .iter()
            .filter(|e| e.person_id == Some(f.me) && e.action == "refund.apply" && e.result == "ok")
            .map(detail)
            .filter(|d| d["return"] == self.kind.as_str() && d["period"] == r.period.as_str())
            .filter_map(|d| {
                d["amount"]
                    .as_str()
                    .and_then(|a| crate::domain::money::Fen::parse_yuan(a).ok())
            })
            .map(crate::domain::money::Fen::fen)
            .sum();
        let asked = crate::domain::money::Fen::new(asked);
        let right = r.overpaid.fen() > 0 && asked == r.overpaid;
        let actual = if asked.fen() == 0 {
            Say::new("check.refund_applied.actual.none")
                .arg("refused", f.my_failures(&["refund.apply"]))
        } else {
            Say::new("check.refund_applied.actual.asked")
                .arg("asked", asked)
                .arg("overpaid", r.overpaid)
        };
        verdict(
            right,
            Say::new("check.refund_applied.expected")
                .arg("kind", format!("return.{}", r.kind))
                .arg("period", &r.period)
                .arg("overpaid", r.overpaid),
            actual,
        )
    }
}

/// `refund_received`: a refund of the return has reached the company's bank account (退库)
/// by the sandbox date when graded: the trainee followed the application to its end (with
/// the lab's clock, or the class's).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundReceived {
    #[serde(rename = "return")]
    pub(super) kind: String,
}

impl Evaluate for RefundReceived {
    const KIND: &'static str = "refund_received";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let Some(r) = f.return_of(&self.kind) else {
            return missing(f, &self.kind, "check.refund_received.expected");
        };
        verdict(
            r.refunded.fen() > 0,
            Say::new("check.refund_received.expected")
                .arg("kind", format!("return.{}", r.kind))
                .arg("period", &r.period),
            Say::new("check.refund_received.actual").arg("refunded", r.refunded),
        )
    }
}

/// `credit_refunded`: the first company applied for 增量留抵退税 (and, with `arrived`, the
/// refund has reached its bank account by the sandbox date when graded).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditRefunded {
    #[serde(default)]
    pub(super) arrived: bool,
}

impl Evaluate for CreditRefunded {
    const KIND: &'static str = "credit_refunded";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let arrived = f.credit_refunds.iter().filter(|(_, a)| *a).count();
        let passed = if self.arrived {
            arrived > 0
        } else {
            !f.credit_refunds.is_empty()
        };
        verdict(
            passed,
            Say::new(if self.arrived {
                "check.credit_refunded.expected_arrived"
            } else {
                "check.credit_refunded.expected"
            }),
            Say::new("check.credit_refunded.actual")
                .arg("count", f.credit_refunds.len())
                .arg("arrived", arrived)
                .arg("refused", f.my_failures(&["refund.credit_apply"])),
        )
    }
}

/// `risk_handled`: every risk alert of the category (`arrears`, `filing`, `invoice`,
/// `late`, `business`) is lifted when graded — put right (`resolved`) or, where the facts
/// allow, explained and accepted (`explained`); with at least one alert of it to handle.
/// `by` names the only way the lab's facts allow: `correction` (put right) or
/// `explanation` (explained and accepted).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskHandled {
    pub(super) category: String,
    #[serde(default)]
    pub(super) by: Option<String>,
}

impl RiskHandled {
    pub(super) fn validate(&self) -> Result<(), String> {
        let c = &self.category;
        if !["arrears", "filing", "invoice", "late", "business"].contains(&c.as_str()) {
            return Err(format!(
                "category {c:?} is not arrears, filing, invoice, late or business"
            ));
        }
        match self.by.as_deref() {
            None | Some("correction") | Some("explanation") => Ok(()),
            Some(by) => Err(format!("by {by:?} is not correction or explanation")),
        }
    }

    /// The statuses that count as handled.
    fn handled(&self, status: &str) -> bool {
        match self.by.as_deref() {
            Some("correction") => status == "resolved",
            Some("explanation") => status == "explained",
            _ => matches!(status, "resolved" | "explained"),
        }
    }
}

impl Evaluate for RiskHandled {
    const KIND: &'static str = "risk_handled";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let mine: Vec<&(String, String)> = f
            .risks
            .iter()
            .filter(|(c, _)| *c == self.category)
            .collect();
        let open = mine.iter().filter(|(_, s)| !self.handled(s)).count();
        verdict(
            !mine.is_empty() && open == 0,
            Say::new(match self.by.as_deref() {
                Some("correction") => "check.risk_handled.expected_correction",
                Some("explanation") => "check.risk_handled.expected_explanation",
                _ => "check.risk_handled.expected",
            })
            .arg("category", format!("risk.category.{}", self.category)),
            Say::new("check.risk_handled.actual")
                .arg("all", mine.len())
                .arg("open", open),
        )
    }
}

/// `dispute_upheld`: the trainee disputed a wrong decision and the ruling upholds it: a
/// surcharge charged wrongly (the rule gives less), or a refund refused wrongly (its
/// conditions were met on the day).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeUpheld {}

impl Evaluate for DisputeUpheld {
    const KIND: &'static str = "dispute_upheld";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let filed: Vec<serde_json::Value> = f
            .trace
            .iter()
            .filter(|e| e.person_id == Some(f.me) && e.action == "dispute.file" && e.result == "ok")
            .map(detail)
            .collect();
        let upheld = filed.iter().filter(|d| d["upheld"] == true).count();
        verdict(
            upheld > 0,
            Say::new("check.dispute_upheld.expected"),
            Say::new("check.dispute_upheld.actual")
                .arg("count", filed.len())
                .arg("upheld", upheld),
        )
    }
}
