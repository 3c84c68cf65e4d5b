//! Policy parameters, loaded from `fixtures/policy/*.toml` (embedded in the binary).
//!
//! Each rule covers an inclusive range of tax-period months; a lookup names the
//! period and gets the one rule that covers all of it, or an error saying so.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::money::{Fen, Rate};
use crate::domain::period::{TaxPeriod, YearMonth};

/// Every policy table, typed.
#[derive(Debug, Deserialize)]
pub struct Policy {
    pub vat_small: Vec<VatSmallRule>,
    pub vat_general: Vec<VatGeneralRule>,
    pub surcharges: Vec<SurchargeRule>,
    pub cit: Vec<CitRule>,
    pub late_fee: Vec<LateFeeRule>,
    pub culture_fee: Vec<CultureFeeRule>,
    pub calendar: Calendar,
    pub credit: CreditProfiles,
    pub refunds: RefundRules,
    pub risk: RiskRules,
    pub disputes: DisputeRules,
}

/// 争议处理: how long each stage takes (`disputes.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeRules {
    pub source: String,
    pub priority_review_days: u32,
    pub priority_decide_days: u32,
    pub normal_review_days: u32,
    pub normal_decide_days: u32,
    pub mediation_after_review_days: u32,
    pub refund_working_days: u32,
    pub reason_min_chars: usize,
    pub reason_max_chars: usize,
}

/// 风险提示: the sandbox's thresholds for the five categories (`risk.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskRules {
    pub source: String,
    pub window_months: u32,
    pub explain_answer_working_days: u32,
    pub explanation_min_chars: usize,
    pub explanation_max_chars: usize,
    pub invoice: InvoiceRisk,
    pub filing: FilingRisk,
    pub late: LateRisk,
    pub business: BusinessRisk,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRisk {
    pub purchase_sales_percent: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilingRisk {
    pub under_percent: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LateRisk {
    pub late_returns: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessRisk {
    pub revenue_drop_percent: i64,
}

/// 退抵税: how an application is reviewed and what it must carry (`refunds.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundRules {
    pub source: String,
    pub correction_request_working_days: u32,
    pub treasury_working_days: u32,
    pub within_years: i32,
    pub max_files: usize,
    pub max_file_bytes: usize,
    pub file_types: Vec<String>,
    pub reason_max_chars: usize,
    pub overpaid: RefundMaterials,
    pub credit: CreditRefundRules,
}

/// 增量留抵退税: who may ask, how much, how long the review takes (`refunds.toml` `[credit]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditRefundRules {
    pub source: String,
    pub confirmed: bool,
    pub grades: Vec<String>,
    pub full_industries: Vec<String>,
    pub full_percent: u32,
    pub other_percent: u32,
    pub other_months: u32,
    pub other_last_min_yuan: i64,
    pub review_working_days: u32,
    pub materials: Vec<String>,
}

impl CreditRefundRules {
    /// Whether an industry (GB/T 4754 code, e.g. `C34`) refunds at the full share.
    pub fn full_share(&self, industry: &str) -> bool {
        self.full_industries
            .iter()
            .any(|p| industry.starts_with(p.as_str()))
    }
}

/// The materials a kind of refund asks for on the normal path and on the green channel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundMaterials {
    pub materials: Vec<String>,
    pub green_materials: Vec<String>,
}

/// A period the tables have no rule for, or a policy change inside one period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("no {table} rule covers the tax period {period}")]
    NotCovered { table: &'static str, period: String },
    #[error("{rate} is not a VAT rate in force for {period}")]
    RateNotInForce { rate: String, period: String },
}

/// Fields every dated rule has.
pub trait Dated {
    fn from(&self) -> YearMonth;
    fn to(&self) -> YearMonth;
}

macro_rules! dated {
    ($($t:ty),*) => {$(
        impl Dated for $t {
            fn from(&self) -> YearMonth { self.from }
            fn to(&self) -> YearMonth { self.to }
        }
    )*};
}
dated!(
    VatSmallRule,
    VatGeneralRule,
    SurchargeRule,
    CitRule,
    LateFeeRule,
    CultureFeeRule
);

/// The rule covering every month of `period`.
pub fn rule_for<'p, R: Dated>(
    rules: &'p [R],
    table: &'static str,
    period: TaxPeriod,
) -> Result<&'p R, PolicyError> {
    let (first, last) = (period.first_month(), period.last_month());
    rules
        .iter()
        .find(|r| r.from() <= first && last <= r.to())
        .ok_or_else(|| PolicyError::NotCovered {
            table,
            period: period.to_string(),
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdRule {
    /// Sales at or below the threshold are exempt (含本数).
    AtOrBelow,
    /// 起征点: sales below it are untaxed; reaching it taxes everything.
    Below,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VatSmallRule {
    pub id: String,
    pub from: YearMonth,
    pub to: YearMonth,
    pub threshold_month: Fen,
    pub threshold_quarter: Fen,
    pub threshold_rule: ThresholdRule,
    pub levy_rate: Rate,
    pub real_estate_rate: Rate,
    pub reduced_rate: Option<Rate>,
    #[serde(default)]
    pub exempt_all_levy_rate_sales: bool,
    /// A catalogue key saying what of this rule is not confirmed against the official text;
    /// the return page shows it.
    #[serde(default)]
    pub unverified: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VatGeneralRule {
    pub id: String,
    pub from: YearMonth,
    pub to: YearMonth,
    pub rates: Vec<Rate>,
    pub source: String,
}

/// Where a company is, which sets the 城市维护建设税 rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationTier {
    /// 市区
    Urban,
    /// 县城、镇
    CountyTown,
    /// 不在市区、县城或镇
    Other,
}

impl LocationTier {
    pub fn parse(text: &str) -> Option<LocationTier> {
        match text {
            "urban" => Some(LocationTier::Urban),
            "county_town" => Some(LocationTier::CountyTown),
            "other" => Some(LocationTier::Other),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LocationTier::Urban => "urban",
            LocationTier::CountyTown => "county_town",
            LocationTier::Other => "other",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRates {
    pub urban: Rate,
    pub county_town: Rate,
    pub other: Rate,
}

impl TierRates {
    pub fn get(&self, tier: LocationTier) -> Rate {
        match tier {
            LocationTier::Urban => self.urban,
            LocationTier::CountyTown => self.county_town,
            LocationTier::Other => self.other,
        }
    }
}

/// Who may have the surcharges halved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HalvingGroup {
    SmallScale,
    SmallLowProfit,
    IndividualBusiness,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurchargeRule {
    pub id: String,
    pub from: YearMonth,
    pub to: YearMonth,
    pub urban_maintenance: TierRates,
    pub education: Rate,
    pub local_education: Rate,
    pub halving: Rate,
    pub halving_for: Vec<HalvingGroup>,
    pub education_exempt_month: Fen,
    pub education_exempt_quarter: Fen,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitBracket {
    pub upto: Fen,
    pub taxable_share: Rate,
    pub rate: Rate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitRule {
    pub id: String,
    pub from: YearMonth,
    pub to: YearMonth,
    pub rate: Rate,
    pub income_limit: Fen,
    pub headcount_limit: i64,
    pub assets_limit: Fen,
    pub brackets: Vec<CitBracket>,
    /// As for [`VatSmallRule::unverified`].
    #[serde(default)]
    pub unverified: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LateFeeRule {
    pub id: String,
    pub from: YearMonth,
    pub to: YearMonth,
    pub daily_rate: Rate,
    pub source: String,
}

/// 文化事业建设费: the rate, the halving in force (if any), and the small-scale threshold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CultureFeeRule {
    pub id: String,
    pub from: YearMonth,
    pub to: YearMonth,
    pub rate: Rate,
    /// The share taken off (减征) a fee that is central revenue, when a cut is in force.
    #[serde(default)]
    pub central_cut: Option<Rate>,
    /// The most a province may take off a fee that is local revenue.
    #[serde(default)]
    pub local_cut_max: Option<Rate>,
    /// No fee at all for these periods.
    #[serde(default)]
    pub exempt: bool,
    pub threshold_month: Fen,
    pub threshold_quarter: Fen,
    pub source: String,
}

/// Holidays, make-up workdays and published deadlines.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    pub source: String,
    pub default_day: u32,
    pub min_break_days: u32,
    pub published: BTreeMap<YearMonth, NaiveDate>,
    pub holidays: BTreeMap<i32, Vec<[NaiveDate; 2]>>,
    pub workdays: BTreeMap<i32, Vec<NaiveDate>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditProfiles {
    pub course: CreditProfile,
    pub national: CreditProfile,
    pub deductions: CreditDeductions,
    pub repair: CreditRepair,
}

/// 纳税信用修复: the points a repaired failing gets back, by how soon it was put right.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditRepair {
    pub source: String,
    /// Put right within this many days of the deadline: `within_small` or `within` back.
    pub within_days: i64,
    /// Under this much tax involved: `within_small` rather than `within`.
    pub small_tax_fen: i64,
    pub within_small: u32,
    pub within: u32,
    /// Put right later in the same year, or in the next year.
    pub same_year: u32,
    pub next_year: u32,
    /// Working days the tax office takes to answer an application.
    pub answer_working_days: u32,
    /// The event kinds whose standard is confirmed from the source.
    pub confirmed: Vec<String>,
    /// The catalogue note shown for the others.
    pub unverified: String,
}

/// 申请M级纳税人认定 (the course profile): what the automatic check asks for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MApplication {
    pub source: String,
    pub answer_working_days: u32,
    pub years_in_business: i32,
    pub clean_years: i32,
}

/// Points each kind of credit event deducts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditDeductions {
    pub late_filing: u32,
    pub late_payment: u32,
    pub arrears: u32,
    pub source: String,
    /// The catalogue note a page shows where the figures are not confirmed.
    pub unverified: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditProfile {
    pub title: String,
    pub source: String,
    pub normal_refund_days: u32,
    /// What bars grade A whatever the score (the national profile).
    #[serde(default)]
    pub a_bars: Vec<String>,
    /// Where M is applied for (the course profile).
    pub m_application: Option<MApplication>,
    pub grade: Vec<CreditGradeRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditGradeRule {
    pub grade: String,
    pub score: u32,
    /// Only where the profile's source states it.
    pub refund_days: Option<u32>,
    pub benefits: Vec<String>,
}

#[derive(Deserialize)]
struct Rules<R> {
    rule: Vec<R>,
}

/// Why the embedded policy files failed to load (a build defect, caught by tests).
#[derive(Debug, thiserror::Error)]
#[error("fixtures/policy/{file}: {message}")]
pub struct PolicyLoadError {
    file: &'static str,
    message: String,
}

fn parse<T: for<'de> Deserialize<'de>>(
    file: &'static str,
    text: &str,
) -> Result<T, PolicyLoadError> {
    toml::from_str(text).map_err(|e| PolicyLoadError {
        file,
        message: e.to_string(),
    })
}

impl Policy {
    /// Parse the policy tables from their TOML texts.
    pub fn load(files: &PolicyFiles) -> Result<Policy, PolicyLoadError> {
        let policy = Policy {
            vat_small: parse::<Rules<_>>("vat_small.toml", files.vat_small)?.rule,
            vat_general: parse::<Rules<_>>("vat_general.toml", files.vat_general)?.rule,
            surcharges: parse::<Rules<_>>("surcharges.toml", files.surcharges)?.rule,
            cit: parse::<Rules<_>>("cit.toml", files.cit)?.rule,
            late_fee: parse::<Rules<_>>("late_fee.toml", files.late_fee)?.rule,
            culture_fee: parse::<Rules<_>>("culture_fee.toml", files.culture_fee)?.rule,
            calendar: parse("calendar.toml", files.calendar)?,
            credit: parse("credit.toml", files.credit)?,
            refunds: parse("refunds.toml", files.refunds)?,
            risk: parse("risk.toml", files.risk)?,
            disputes: parse("disputes.toml", files.disputes)?,
        };
        policy.check()?;
        Ok(policy)
    }

    /// The policy compiled into this binary.
    pub fn embedded() -> &'static Policy {
        static POLICY: OnceLock<Policy> = OnceLock::new();
        POLICY.get_or_init(|| match Policy::load(&PolicyFiles::EMBEDDED) {
            Ok(p) => p,
            // The files are part of the binary and covered by tests; failing here is a build defect.
            Err(e) => panic!("embedded policy is invalid: {e}"),
        })
    }

    /// Rules of one table must not overlap and must run forward.
    fn check(&self) -> Result<(), PolicyLoadError> {
        fn ranges<R: Dated>(file: &'static str, rules: &[R]) -> Result<(), PolicyLoadError> {
            for (i, r) in rules.iter().enumerate() {
                if r.from() > r.to() {
                    return Err(PolicyLoadError {
                        file,
                        message: format!("rule {} ends before it starts", i + 1),
                    });
                }
                if let Some(next) = rules.get(i + 1)
                    && next.from() <= r.to()
                {
                    return Err(PolicyLoadError {
                        file,
                        message: format!("rules {} and {} overlap", i + 1, i + 2),
                    });
                }
            }
            Ok(())
        }
        ranges("vat_small.toml", &self.vat_small)?;
        ranges("vat_general.toml", &self.vat_general)?;
        ranges("surcharges.toml", &self.surcharges)?;
        ranges("cit.toml", &self.cit)?;
        ranges("late_fee.toml", &self.late_fee)?;
        ranges("culture_fee.toml", &self.culture_fee)?;
        for rule in &self.cit {
            if !rule.brackets.windows(2).all(|w| w[0].upto < w[1].upto) {
                return Err(PolicyLoadError {
                    file: "cit.toml",
                    message: format!("{}: brackets must rise", rule.id),
                });
            }
        }
        Ok(())
    }
}

/// The texts of the policy files.
pub struct PolicyFiles {
    pub vat_small: &'static str,
    pub vat_general: &'static str,
    pub surcharges: &'static str,
    pub cit: &'static str,
    pub late_fee: &'static str,
    pub culture_fee: &'static str,
    pub calendar: &'static str,
    pub credit: &'static str,
    pub refunds: &'static str,
    pub risk: &'static str,
    pub disputes: &'static str,
}

impl PolicyFiles {
    pub const EMBEDDED: PolicyFiles = PolicyFiles {
        vat_small: include_str!("../../../fixtures/policy/vat_small.toml"),
        vat_general: include_str!("../../../fixtures/policy/vat_general.toml"),
        surcharges: include_str!("../../../fixtures/policy/surcharges.toml"),
        cit: include_str!("../../../fixtures/policy/cit.toml"),
        late_fee: include_str!("../../../fixtures/policy/late_fee.toml"),
        culture_fee: include_str!("../../../fixtures/policy/culture_fee.toml"),
        calendar: include_str!("../../../fixtures/policy/calendar.toml"),
        credit: include_str!("../../../fixtures/policy/credit.toml"),
        refunds: include_str!("../../../fixtures/policy/refunds.toml"),
        risk: include_str!("../../../fixtures/policy/risk.toml"),
        disputes: include_str!("../../../fixtures/policy/disputes.toml"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_policy_loads() {
        let p = Policy::embedded();
        assert_eq!(p.vat_small.len(), 4);
        assert_eq!(p.credit.course.grade[0].grade, "M");
        assert_eq!(p.credit.national.grade[0].grade, "A");
    }

    #[test]
    fn finds_the_rule_for_a_period() {
        let p = Policy::embedded();
        let q = TaxPeriod::parse("2025Q3").unwrap();
        assert_eq!(
            rule_for(&p.vat_small, "vat_small", q).unwrap().id,
            "vat-small-2023"
        );
        let q = TaxPeriod::parse("2026Q1").unwrap();
        assert_eq!(
            rule_for(&p.vat_small, "vat_small", q)
                .unwrap()
                .threshold_rule,
            ThresholdRule::Below
        );
        let early = TaxPeriod::parse("2019Q1").unwrap();
        assert!(rule_for(&p.vat_small, "vat_small", early).is_err());
    }

    #[test]
    fn refuses_overlapping_rules() {
        let mut files = PolicyFiles {
            ..PolicyFiles::EMBEDDED
        };
        let overlapping = PolicyFiles::EMBEDDED.late_fee.to_owned()
            + "\n[[rule]]\nid = \"x\"\nfrom = \"2020-01\"\nto = \"2020-02\"\ndaily_rate = \"1%\"\nsource = \"\"\n";
        files.late_fee = Box::leak(overlapping.into_boxed_str());
        let err = Policy::load(&files).unwrap_err();
        assert!(err.to_string().contains("overlap"), "{err}");
    }
}
