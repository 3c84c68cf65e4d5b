//! Questions a lab asks in its task panel, answered from what only the bureau's queries
//! show (实操演练四): the surcharge paid for a period, the credit score, the period of the
//! largest deduction, the buyer of a quarter's largest sales invoice, the forged invoice
//! among those received. Each is worked out from the trainee's own company when the lab
//! starts, so no two trainees share an answer; the answers are kept in the attempt's
//! materials and never shown.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::checks::Say;
use crate::domain::entities::{InvoiceDirection, TaxItem};
use crate::domain::money::Fen;
use crate::domain::period::{TaxPeriod, YearMonth};
use crate::store::{CompanyId, StoreError, TenantScope};

/// What a question asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// The surcharge (滞纳金) paid for one tax of one period (缴款信息查询); when the company
    /// never paid late, the amount paid for the latest period of VAT instead.
    LateFee,
    /// The credit score (纳税信用信息查询).
    CreditScore,
    /// The 税款所属期 of the largest deduction (any of the largest, when tied); when there is
    /// none, how many deductions there are (0).
    LargestDeduction,
    /// The buyer of the largest sales invoice of the last full quarter (发票信息查询).
    InvoiceCounterparty,
    /// The number of the forged invoice among those the lab hands out (发票查验).
    ForgedInvoice,
    /// How many working days sooner the company's refund is approved than on the normal
    /// path (退抵税: the green channel against the normal track; 0 without it).
    RefundDaysSaved,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::LateFee => "late_fee",
            Topic::CreditScore => "credit_score",
            Topic::LargestDeduction => "largest_deduction",
            Topic::InvoiceCounterparty => "invoice_counterparty",
            Topic::ForgedInvoice => "forged_invoice",
            Topic::RefundDaysSaved => "refund_days_saved",
        }
    }

    pub fn parse(text: &str) -> Option<Topic> {
        [
            Topic::LateFee,
            Topic::CreditScore,
            Topic::LargestDeduction,
            Topic::InvoiceCounterparty,
            Topic::ForgedInvoice,
            Topic::RefundDaysSaved,
        ]
        .into_iter()
        .find(|t| t.as_str() == text)
    }
}

/// How an answer is read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// An amount in yuan, to the fen ("1,234.5", "¥1234.50", "1234.50元" are the same).
    Yuan,
    /// A whole number ("87", "87分", "5个工作日").
    Count,
    /// Words, compared without spaces, case, or the difference between full- and
    /// half-width brackets.
    Text,
}

/// A question as asked of one trainee: its words and the answers it accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub topic: Topic,
    pub text: Say,
    pub unit: Unit,
    /// Every answer counted right (ties), already normalised.
    pub accept: Vec<String>,
}

/// The longest answer kept.
pub const ANSWER_MAX: usize = 100;

/// An answer as compared: normalised by its unit; `None` when it cannot be read as one.
pub fn normalise(unit: Unit, answer: &str) -> Option<String> {
    let squeezed: String = answer
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '，' => ',',
            '．' => '.',
            c => c,
        })
        .collect();
    match unit {
        Unit::Yuan => {
            let bare: String = squeezed
                .trim_start_matches(['¥', '￥'])
                .trim_end_matches('元')
                .chars()
                .filter(|c| *c != ',')
                .collect();
            Fen::parse_yuan(&bare).ok().map(|f| f.to_string())
        }
        Unit::Count => squeezed
            .trim_end_matches("个工作日")
            .trim_end_matches("工作日")
            .trim_end_matches(['分', '条', '项', '天'])
            .parse::<u64>()
            .ok()
            .map(|n| n.to_string()),
        Unit::Text => (!squeezed.is_empty()).then(|| squeezed.to_uppercase()),
    }
}

/// Whether an answer is one the question accepts.
pub fn right(q: &Question, answer: &str) -> bool {
    normalise(q.unit, answer).is_some_and(|a| q.accept.contains(&a))
}

fn accept(unit: Unit, answers: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut all: Vec<String> = answers
        .into_iter()
        .filter_map(|a| normalise(unit, &a))
        .collect();
    all.sort();
    all.dedup();
    all
}

/// The last full quarter before `today`.
fn last_quarter(today: NaiveDate) -> TaxPeriod {
    let this = TaxPeriod::quarter_of(YearMonth::of(today));
    TaxPeriod::quarter_of(YearMonth::of(this.first_day() - chrono::Duration::days(1)))
}

/// Ask a question of the trainee's company, on the sandbox date. `forged` is the number of
/// the forged invoice the lab planted, for [`Topic::ForgedInvoice`].
pub fn ask(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
    topic: Topic,
    forged: Option<&str>,
) -> Result<Question, StoreError> {
    let q = |text: Say, unit: Unit, answers: Vec<String>| Question {
        topic,
        text,
        unit,
        accept: accept(unit, answers),
    };
    Ok(match topic {
        Topic::LateFee => {
            let payments = scope.payments_of(company)?;
            let paid = payments.iter().filter(|p| p.payment.paid_on.is_some());
            let sum = |item: TaxItem, period: TaxPeriod, fee: bool| -> Fen {
                payments
                    .iter()
                    .filter(|p| p.payment.item == item && p.period == period)
                    .filter(|p| p.payment.paid_on.is_some())
                    .map(|p| {
                        if fee {
                            p.payment.late_fee
                        } else {
                            p.payment.amount
                        }
                    })
                    .sum()
            };
            let late = paid
                .clone()
                .filter(|p| p.payment.late_fee > Fen::ZERO)
                .max_by_key(|p| (p.payment.paid_on, p.payment.item == TaxItem::Vat));
            match late {
                Some(p) => {
                    let (item, period) = (p.payment.item, p.period);
                    q(
                        Say::new("lab.question.late_fee")
                            .arg("item", format!("tax_item.{}", item.as_str()))
                            .arg("period", period.to_string()),
                        Unit::Yuan,
                        vec![sum(item, period, true).to_string()],
                    )
                }
                None => {
                    let latest = paid
                        .filter(|p| p.payment.item == TaxItem::Vat)
                        .max_by_key(|p| p.period);
                    let (answers, period) = match latest {
                        Some(p) => (
                            vec![sum(TaxItem::Vat, p.period, false).to_string()],
                            p.period.to_string(),
                        ),
                        None => (vec!["0.00".to_owned()], last_quarter(today).to_string()),
                    };
                    q(
                        Say::new("lab.question.paid_amount")
                            .arg("item", "tax_item.vat")
                            .arg("period", period),
                        Unit::Yuan,
                        answers,
                    )
                }
            }
        }
        Topic::RefundDaysSaved => {
            let kind = scope.record()?.credit_profile;
            let profile = crate::domain::tax::Policy::embedded().credit_profile(kind);
            let grade = crate::bureau::credit::grade(scope, company, today)?;
            let saved = profile
                .normal_refund_days
                .saturating_sub(profile.refund_days(grade));
            q(
                Say::new("lab.question.refund_days_saved"),
                Unit::Count,
                vec![saved.to_string()],
            )
        }
        Topic::CreditScore => {
            let today = scope.record()?.sandbox_date;
            let standing = crate::bureau::credit::standing(scope, company, today)?;
            q(
                Say::new("lab.question.credit_score"),
                Unit::Count,
                vec![standing.score.to_string()],
            )
        }
        Topic::LargestDeduction => {
            let events: Vec<_> = scope
                .credit_events(company)?
                .into_iter()
                .map(|e| e.value)
                .collect();
            match events.iter().map(|e| e.points).max() {
                Some(most) => q(
                    Say::new("lab.question.largest_deduction"),
                    Unit::Text,
                    events
                        .iter()
                        .filter(|e| e.points == most)
                        .map(|e| e.period.to_string())
                        .collect(),
                ),
                None => q(
                    Say::new("lab.question.deduction_count"),
                    Unit::Count,
                    vec!["0".to_owned()],
                ),
            }
        }
        Topic::InvoiceCounterparty => {
            let quarter = last_quarter(today);
            let (from, to) = (quarter.first_day(), quarter.last_day());
            let sales: Vec<_> = scope
                .invoices(company, from, to)?
                .into_iter()
                .map(|i| i.value)
                .filter(|i| i.direction == InvoiceDirection::Sales)
                .collect();
            let most = sales.iter().map(|i| i.amount).max();
            q(
                Say::new("lab.question.invoice_counterparty")
                    .arg("from", from.to_string())
                    .arg("to", to.to_string()),
                Unit::Text,
                sales
                    .iter()
                    .filter(|i| Some(i.amount) == most)
                    .map(|i| i.counterparty_name.clone())
                    .collect(),
            )
        }
        Topic::ForgedInvoice => q(
            Say::new("lab.question.forged_invoice"),
            Unit::Text,
            forged.map(str::to_owned).into_iter().collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(unit: Unit, accept_: &[&str]) -> Question {
        Question {
            topic: Topic::CreditScore,
            text: Say::new("x"),
            unit,
            accept: accept(unit, accept_.iter().map(|s| s.to_string())),
        }
    }

    #[test]
    fn amounts_are_read_the_ways_people_write_them() {
        let q = question(Unit::Yuan, &["1234.50"]);
        for a in [
            "1234.5",
            "1,234.50",
            "¥1234.50",
            "￥1,234.5",
            " 1234.50元 ",
            "1234．50",
        ] {
            assert!(right(&q, a), "{a}");
        }
        for a in ["1234.51", "1234", "一千", "", "1234.505"] {
            assert!(!right(&q, a), "{a}");
        }
    }

    #[test]
    fn counts_and_words_ignore_units_spaces_case_and_bracket_widths() {
        let q = question(Unit::Count, &["87"]);
        assert!(right(&q, "87") && right(&q, " 87分") && !right(&q, "88"));
        assert!(right(&q, "87个工作日") && right(&q, "87天") && !right(&q, "87年"));
        let q = question(Unit::Text, &["兰州新宇（集团）有限公司", "2025Q3"]);
        assert!(right(&q, "兰州新宇(集团)有限公司") && right(&q, " 2025q3 "));
        assert!(!right(&q, "兰州新宇有限公司") && !right(&q, ""));
    }

    #[test]
    fn topics_read_back() {
        for t in [
            Topic::LateFee,
            Topic::CreditScore,
            Topic::LargestDeduction,
            Topic::InvoiceCounterparty,
            Topic::ForgedInvoice,
        ] {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
        assert_eq!(Topic::parse("x"), None);
    }
}
