//! The vocabulary of checks and penalties. Each kind is a small struct: its parameters
//! (parsed and validated by serde, unknown keys refused), how it evaluates over
//! [`Facts`], and what it says (catalogue keys `check.<kind>.expected`, `.actual`,
//! `.where`). Adding a kind is one struct and one line in [`Check`]; the grader does not
//! change. `docs/scenarios.md` lists them all.

use serde::{Deserialize, Serialize};

use super::checks_filing as filing;
use super::checks_filing::{
    CreditRefunded, CreditRepaired, DisputeUpheld, LookedUpAfterLost, NotResubmitted,
    RefundApplied, RefundReceived, ReturnAmended, ReturnFiled, ReturnPaid, RiskHandled,
};
use super::checks_proofs as proofs;
use super::checks_proofs::{Answer, ProofIssued, ProofVerified, QueryRun};
use super::facts::{Facts, detail};

/// What a check or penalty says, as a catalogue key and its arguments (rendered in the
/// reader's language by the web layer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Say {
    pub key: String,
    pub args: Vec<(String, String)>,
}

impl Say {
    pub(super) fn new(key: impl Into<String>) -> Say {
        Say {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// The same words without the answer: a text naming the expected figure becomes its
    /// `_hidden` variant, without that figure.
    pub fn hidden(self) -> Say {
        let secret = |k: &str| k == "expected" || (k == "total" && self.key.ends_with(".expected"));
        if !self.args.iter().any(|(k, _)| secret(k)) {
            return self;
        }
        Say {
            key: format!("{}_hidden", self.key),
            args: self
                .args
                .iter()
                .filter(|(k, _)| !secret(k))
                .cloned()
                .collect(),
        }
    }

    pub(super) fn arg(mut self, name: &str, value: impl ToString) -> Say {
        self.args.push((name.to_owned(), value.to_string()));
        self
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub passed: bool,
    /// What was expected, worded for the learner.
    pub expected: Say,
    /// What the trainee did.
    pub actual: Say,
}

pub(super) trait Evaluate {
    const KIND: &'static str;
    fn evaluate(&self, facts: &Facts) -> Verdict;
}

pub(super) fn verdict(passed: bool, expected: Say, actual: Say) -> Verdict {
    Verdict {
        passed,
        expected,
        actual,
    }
}

/// How a login was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Any completed login.
    #[default]
    Any,
    /// Password (with or without the SMS step).
    Password,
    /// Password and SMS code.
    Sms,
    /// Certificate file and PIN.
    Certificate,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Any => "any",
            Method::Password => "password",
            Method::Sms => "sms",
            Method::Certificate => "certificate",
        }
    }
}

/// `logged_in`: the trainee completed a login, by the given method.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedIn {
    #[serde(default)]
    method: Method,
}

impl Evaluate for LoggedIn {
    const KIND: &'static str = "logged_in";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let n = match self.method {
            Method::Any => f.mine("login", "ok") + f.mine("login.certificate", "ok"),
            Method::Password => {
                if f.mine("login.password", "ok") > 0 {
                    f.mine("login", "ok")
                } else {
                    0
                }
            }
            Method::Sms => f.mine("login.sms", "ok"),
            Method::Certificate => f.mine("login.certificate", "ok"),
        };
        let m = self.method.as_str();
        verdict(
            n > 0,
            Say::new(format!("check.logged_in.expected.{m}")),
            if n > 0 {
                Say::new("check.logged_in.actual.done").arg("count", n)
            } else {
                Say::new("check.logged_in.actual.none").arg(
                    "failures",
                    f.my_failures(&["login.password", "login.sms", "login.certificate"]),
                )
            },
        )
    }
}

/// `initial_password_changed`: the forced change at first login was made.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialPasswordChanged {}

impl Evaluate for InitialPasswordChanged {
    const KIND: &'static str = "initial_password_changed";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let done = f.trace.iter().any(|e| {
            e.person_id == Some(f.me)
                && e.action == "password.change"
                && e.result == "ok"
                && super::facts::detail(e)["forced"] == true
        });
        verdict(
            done,
            Say::new("check.initial_password_changed.expected"),
            Say::new(if done {
                "check.initial_password_changed.actual.done"
            } else {
                "check.initial_password_changed.actual.none"
            })
            .arg("refused", f.my_failures(&["password.change"])),
        )
    }
}

/// `contact_bound`: a new mobile number or email was verified by its code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactBound {
    contact: Contact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contact {
    Mobile,
    Email,
}

impl Evaluate for ContactBound {
    const KIND: &'static str = "contact_bound";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let which = match self.contact {
            Contact::Mobile => "mobile",
            Contact::Email => "email",
        };
        let done = f.mine(&format!("contact.{which}.change"), "ok") > 0;
        let requested = f.mine(&format!("contact.{which}.request"), "ok") > 0;
        verdict(
            done,
            Say::new(format!("check.contact_bound.expected.{which}")),
            Say::new(if done {
                "check.contact_bound.actual.done"
            } else if requested {
                "check.contact_bound.actual.unconfirmed"
            } else {
                "check.contact_bound.actual.none"
            }),
        )
    }
}

/// `two_factor`: SMS verification at login is on (or off) when graded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoFactor {
    on: bool,
}

impl Evaluate for TwoFactor {
    const KIND: &'static str = "two_factor";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let state = |on: bool| if on { "on" } else { "off" };
        verdict(
            f.two_factor == self.on,
            Say::new(format!("check.two_factor.expected.{}", state(self.on))),
            Say::new(format!("check.two_factor.actual.{}", state(f.two_factor))),
        )
    }
}

/// `announcements_read`: every announcement published by the sandbox date (or one) opened.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementsRead {
    #[serde(default)]
    all: bool,
    id: Option<String>,
}

impl Evaluate for AnnouncementsRead {
    const KIND: &'static str = "announcements_read";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let wanted: Vec<&String> = match &self.id {
            Some(id) => f.announcements.iter().filter(|a| *a == id).collect(),
            None => f.announcements.iter().collect(),
        };
        let read = wanted
            .iter()
            .filter(|a| f.announcements_read.contains(a))
            .count();
        verdict(
            !wanted.is_empty() && read == wanted.len(),
            Say::new("check.announcements_read.expected").arg("count", wanted.len()),
            Say::new("check.announcements_read.actual").arg("count", read),
        )
    }
}

/// Who a check is about: the trainee's person or the lab's clerk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Who {
    Me,
    Clerk,
}

/// `role_granted`: the person holds the role in the first company when graded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleGranted {
    /// `legal_representative`, `finance_manager` or `tax_clerk`.
    role: String,
    person: Who,
}

impl Evaluate for RoleGranted {
    const KIND: &'static str = "role_granted";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let person = match self.person {
            Who::Me => f.me,
            Who::Clerk => f.clerk,
        };
        let held = f
            .roles
            .iter()
            .any(|(p, c, r)| *p == person && *c == f.company && *r == self.role);
        verdict(
            held,
            Say::new("check.role_granted.expected")
                .arg("name", f.names.get(&person).cloned().unwrap_or_default())
                .arg("role", format!("role.{}", self.role)),
            Say::new(if held {
                "check.role_granted.actual.held"
            } else {
                "check.role_granted.actual.missing"
            })
            .arg("refused", f.my_failures(&["staff.grant"])),
        )
    }
}

/// `password_reset`: 忘记密码 completed with the SMS code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {}

impl Evaluate for PasswordReset {
    const KIND: &'static str = "password_reset";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let done = f.mine("password.reset", "ok") > 0;
        verdict(
            done,
            Say::new("check.password_reset.expected"),
            Say::new(if done {
                "check.password_reset.actual.done"
            } else {
                "check.password_reset.actual.none"
            })
            .arg(
                "refused",
                f.my_failures(&["password.reset", "password.reset_request"]),
            ),
        )
    }
}

/// `account_unlocked`: the account is not locked when graded and the trainee got in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountUnlocked {}

impl Evaluate for AccountUnlocked {
    const KIND: &'static str = "account_unlocked";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let done = !f.locked && f.mine("login", "ok") > 0;
        verdict(
            done,
            Say::new("check.account_unlocked.expected"),
            Say::new(if f.locked {
                "check.account_unlocked.actual.locked"
            } else if done {
                "check.account_unlocked.actual.done"
            } else {
                "check.account_unlocked.actual.not_in"
            }),
        )
    }
}

/// `refused`: the trainee met a given refusal (e.g. saw why an expired certificate fails).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refused {
    action: String,
    result: String,
}

impl Evaluate for Refused {
    const KIND: &'static str = "refused";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let seen = f
            .trace
            .iter()
            .any(|e| e.action == self.action && e.result == self.result);
        verdict(
            seen,
            Say::new("check.refused.expected")
                .arg("action", format!("action.{}", self.action))
                .arg("result", format!("result.{}", self.result)),
            Say::new(if seen {
                "check.refused.actual.seen"
            } else {
                "check.refused.actual.not_seen"
            }),
        )
    }
}

/// `did`: the trainee carried out an action successfully (e.g. `return.import`); with
/// `via` (`api`, `page`), only as reached that way (the course's API case study).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Did {
    action: String,
    #[serde(default)]
    pub(super) via: Option<String>,
}

impl Evaluate for Did {
    const KIND: &'static str = "did";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let action = format!("action.{}", self.action);
        let Some(via) = &self.via else {
            let n = f.mine(&self.action, "ok");
            return verdict(
                n > 0,
                Say::new("check.did.expected").arg("action", action),
                Say::new("check.did.actual").arg("count", n),
            );
        };
        let done = f
            .trace
            .iter()
            .filter(|e| e.person_id == Some(f.me) && e.action == self.action && e.result == "ok");
        let (all, that_way) = done.fold((0, 0), |(all, way), e| {
            (all + 1, way + usize::from(detail(e)["via"] == via.as_str()))
        });
        verdict(
            that_way > 0,
            Say::new("check.did.expected_via")
                .arg("action", action)
                .arg("via", format!("via.{via}")),
            Say::new("check.did.actual_via")
                .arg("count", that_way)
                .arg("all", all)
                .arg("via", format!("via.{via}")),
        )
    }
}

/// `certificate_renewed`: a new certificate was issued during the lab.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRenewed {}

impl Evaluate for CertificateRenewed {
    const KIND: &'static str = "certificate_renewed";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let done = f.mine("certificate.issue", "ok") > 0;
        verdict(
            done,
            Say::new("check.certificate_renewed.expected"),
            Say::new(if done {
                "check.certificate_renewed.actual.done"
            } else {
                "check.certificate_renewed.actual.none"
            })
            .arg("refused", f.my_failures(&["certificate.issue"])),
        )
    }
}

/// `code_resent`: a second login code was asked for (the first having expired).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeResent {}

impl Evaluate for CodeResent {
    const KIND: &'static str = "code_resent";
    fn evaluate(&self, f: &Facts) -> Verdict {
        let sent = f
            .trace
            .iter()
            .filter(|e| {
                e.person_id == Some(f.me)
                    && e.action == "sms.sent"
                    && super::facts::detail(e)["purpose"] == "login"
            })
            .count();
        verdict(
            sent >= 2,
            Say::new("check.code_resent.expected"),
            Say::new("check.code_resent.actual").arg("count", sent),
        )
    }
}

/// Every check kind. The tag `kind` in a lab file picks the variant.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    LoggedIn(LoggedIn),
    InitialPasswordChanged(InitialPasswordChanged),
    ContactBound(ContactBound),
    TwoFactor(TwoFactor),
    AnnouncementsRead(AnnouncementsRead),
    RoleGranted(RoleGranted),
    PasswordReset(PasswordReset),
    AccountUnlocked(AccountUnlocked),
    Refused(Refused),
    Did(Did),
    CertificateRenewed(CertificateRenewed),
    CodeResent(CodeResent),
    ReturnFiled(ReturnFiled),
    ReturnPaid(ReturnPaid),
    ReturnAmended(ReturnAmended),
    CreditRepaired(CreditRepaired),
    CreditRefunded(CreditRefunded),
    RefundApplied(RefundApplied),
    RefundReceived(RefundReceived),
    RiskHandled(RiskHandled),
    DisputeUpheld(DisputeUpheld),
    LookedUpAfterLost(LookedUpAfterLost),
    NotResubmitted(NotResubmitted),
    ProofIssued(ProofIssued),
    ProofVerified(ProofVerified),
    QueryRun(QueryRun),
    Answer(Answer),
}

impl Check {
    /// A check from its kind and the rest of its table.
    pub fn parse(kind: &str, mut params: toml::Table) -> Result<Check, String> {
        params.insert("kind".into(), toml::Value::String(kind.to_owned()));
        let c: Check = toml::Value::Table(params)
            .try_into()
            .map_err(|e: toml::de::Error| e.message().trim().to_owned())?;
        match &c {
            Check::RoleGranted(r) if crate::domain::entities::Role::parse(&r.role).is_none() => {
                Err(format!(
                    "role {:?} is not legal_representative, finance_manager or tax_clerk",
                    r.role
                ))
            }
            Check::ReturnFiled(r) => filing::validate_kind(&r.kind).map(|()| c),
            Check::ReturnPaid(r) => filing::validate_kind(&r.kind).map(|()| c),
            Check::ReturnAmended(r) => filing::validate_kind(&r.kind).map(|()| c),
            Check::CreditRepaired(r) => filing::validate_kind(&r.kind).map(|()| c),
            Check::RefundApplied(r) => filing::validate_kind(&r.kind).map(|()| c),
            Check::RefundReceived(r) => filing::validate_kind(&r.kind).map(|()| c),
            Check::RiskHandled(r) => r.validate().map(|()| c),
            Check::ProofIssued(p) => proofs::validate_proof(&p.proof).map(|()| c),
            Check::Did(Did { via: Some(v), .. }) if !["api", "page"].contains(&v.as_str()) => {
                Err(format!("via {v:?} is not api or page"))
            }
            Check::QueryRun(q) => proofs::validate_query(&q.query).map(|()| c),
            _ => Ok(c),
        }
    }

    /// Whether grading needs the returns worked out (reading them costs an engine run).
    pub fn about_filing(&self) -> bool {
        matches!(
            self,
            Check::ReturnFiled(_)
                | Check::ReturnPaid(_)
                | Check::ReturnAmended(_)
                | Check::CreditRepaired(_)
                | Check::CreditRefunded(_)
                | Check::RefundApplied(_)
                | Check::RefundReceived(_)
                | Check::RiskHandled(_)
                | Check::LookedUpAfterLost(_)
                | Check::NotResubmitted(_)
        )
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Check::LoggedIn(_) => LoggedIn::KIND,
            Check::InitialPasswordChanged(_) => InitialPasswordChanged::KIND,
            Check::ContactBound(_) => ContactBound::KIND,
            Check::TwoFactor(_) => TwoFactor::KIND,
            Check::AnnouncementsRead(_) => AnnouncementsRead::KIND,
            Check::RoleGranted(_) => RoleGranted::KIND,
            Check::PasswordReset(_) => PasswordReset::KIND,
            Check::AccountUnlocked(_) => AccountUnlocked::KIND,
            Check::Refused(_) => Refused::KIND,
            Check::Did(_) => Did::KIND,
            Check::CertificateRenewed(_) => CertificateRenewed::KIND,
            Check::CodeResent(_) => CodeResent::KIND,
            Check::ReturnFiled(_) => ReturnFiled::KIND,
            Check::ReturnPaid(_) => ReturnPaid::KIND,
            Check::ReturnAmended(_) => ReturnAmended::KIND,
            Check::CreditRepaired(_) => CreditRepaired::KIND,
            Check::CreditRefunded(_) => CreditRefunded::KIND,
            Check::RefundApplied(_) => RefundApplied::KIND,
            Check::RefundReceived(_) => RefundReceived::KIND,
            Check::RiskHandled(_) => RiskHandled::KIND,
            Check::DisputeUpheld(_) => DisputeUpheld::KIND,
            Check::LookedUpAfterLost(_) => LookedUpAfterLost::KIND,
            Check::NotResubmitted(_) => NotResubmitted::KIND,
            Check::ProofIssued(_) => ProofIssued::KIND,
            Check::ProofVerified(_) => ProofVerified::KIND,
            Check::QueryRun(_) => QueryRun::KIND,
            Check::Answer(_) => Answer::KIND,
        }
    }

    pub fn evaluate(&self, f: &Facts) -> Verdict {
        match self {
            Check::LoggedIn(c) => c.evaluate(f),
            Check::InitialPasswordChanged(c) => c.evaluate(f),
            Check::ContactBound(c) => c.evaluate(f),
            Check::TwoFactor(c) => c.evaluate(f),
            Check::AnnouncementsRead(c) => c.evaluate(f),
            Check::RoleGranted(c) => c.evaluate(f),
            Check::PasswordReset(c) => c.evaluate(f),
            Check::AccountUnlocked(c) => c.evaluate(f),
            Check::Refused(c) => c.evaluate(f),
            Check::Did(c) => c.evaluate(f),
            Check::CertificateRenewed(c) => c.evaluate(f),
            Check::CodeResent(c) => c.evaluate(f),
            Check::ReturnFiled(c) => c.evaluate(f),
            Check::ReturnPaid(c) => c.evaluate(f),
            Check::ReturnAmended(c) => c.evaluate(f),
            Check::CreditRepaired(c) => c.evaluate(f),
            Check::CreditRefunded(c) => c.evaluate(f),
            Check::RefundApplied(c) => c.evaluate(f),
            Check::RefundReceived(c) => c.evaluate(f),
            Check::RiskHandled(c) => c.evaluate(f),
            Check::DisputeUpheld(c) => c.evaluate(f),
            Check::LookedUpAfterLost(c) => c.evaluate(f),
            Check::NotResubmitted(c) => c.evaluate(f),
            Check::ProofIssued(c) => c.evaluate(f),
            Check::ProofVerified(c) => c.evaluate(f),
            Check::QueryRun(c) => c.evaluate(f),
            Check::Answer(c) => c.evaluate(f),
        }
    }
}

/// A deduction for something the trainee should not have done.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Penalty {
    /// Each refused attempt at one of `actions` beyond the first `free` costs `points`, up
    /// to `max` in all.
    Failures {
        actions: Vec<String>,
        #[serde(default)]
        free: u32,
        points: u32,
        max: u32,
    },
}

/// What a penalty took off, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deduction {
    pub kind: String,
    pub count: u32,
    pub points: u32,
    pub says: Say,
}

impl Penalty {
    pub fn parse(kind: &str, mut params: toml::Table) -> Result<Penalty, String> {
        params.insert("kind".into(), toml::Value::String(kind.to_owned()));
        let p: Penalty = toml::Value::Table(params)
            .try_into()
            .map_err(|e: toml::de::Error| e.message().trim().to_owned())?;
        match &p {
            Penalty::Failures { actions, .. } if actions.is_empty() => {
                Err("actions needs at least one action".into())
            }
            _ => Ok(p),
        }
    }

    pub fn deduct(&self, f: &Facts) -> Deduction {
        match self {
            Penalty::Failures {
                actions,
                free,
                points,
                max,
            } => {
                let names: Vec<&str> = actions.iter().map(String::as_str).collect();
                let count = u32::try_from(f.my_failures(&names)).unwrap_or(u32::MAX);
                let charged = count.saturating_sub(*free);
                Deduction {
                    kind: "failures".to_owned(),
                    count,
                    points: charged.saturating_mul(*points).min(*max),
                    says: Say::new("penalty.failures")
                        .arg("count", count)
                        .arg("free", free)
                        .arg("points", points),
                }
            }
        }
    }
}
