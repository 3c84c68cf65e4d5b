//! What a tenant holds: companies, people, invoices, ledger, filings, payments.
//! Plain data, shared by the generator (`synth`) and the store.

use chrono::NaiveDate;
use serde::Serialize;

use super::ids::{BankAccountNo, InvoiceNo, Mobile, ResidentId, Uscc};
use super::money::{Fen, Rate};
use super::period::{TaxPeriod, YearMonth};
use super::tax::LocationTier;
use super::tax::credit::Grade;

/// An enum stored and shown as a fixed snake_case string.
macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum!(
    /// 小规模纳税人 or 一般纳税人: decides which VAT return is filed.
    TaxpayerType { SmallScale = "small_scale", General = "general" }
);
str_enum!(
    /// A person's role in a company (办税人员).
    Role { LegalRepresentative = "legal_representative", FinanceManager = "finance_manager", TaxClerk = "tax_clerk" }
);
str_enum!(InvoiceDirection { Sales = "sales", Purchase = "purchase" });
str_enum!(
    /// 专用发票 (special, input tax deductible) or 普通发票 (ordinary).
    InvoiceKind { Special = "special", Ordinary = "ordinary" }
);
str_enum!(
    /// A kind of return.
    ReturnKind {
        VatSmall = "vat_small",
        VatGeneral = "vat_general",
        CitQuarterly = "cit_quarterly",
        CultureFee = "culture_fee",
    }
);
str_enum!(
    /// A tax or fee a payment settles.
    TaxItem {
        Vat = "vat",
        UrbanMaintenance = "urban_maintenance",
        Education = "education",
        LocalEducation = "local_education",
        Cit = "cit",
        CultureFee = "culture_fee",
    }
);
str_enum!(
    /// Something that lowers (or raises) a credit score.
    CreditEventKind { LateFiling = "late_filing", LatePayment = "late_payment", Arrears = "arrears" }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub resident_id: ResidentId,
    pub mobile: Mobile,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// The preset that shaped it (`fixtures/presets`).
    pub preset: String,
    pub name: String,
    pub uscc: Uscc,
    pub industry_code: String,
    pub industry: String,
    pub taxpayer_type: TaxpayerType,
    /// Whether VAT is filed monthly or quarterly.
    pub vat_quarterly: bool,
    pub credit_grade: Grade,
    pub credit_score: u32,
    pub registered_on: NaiveDate,
    pub division_code: String,
    pub address: String,
    pub tier: LocationTier,
    pub headcount: i64,
    pub total_assets: Fen,
    pub restricted_industry: bool,
}

impl Company {
    /// Whether its sales are goods (and processing, repairs: 货物及劳务) rather than services,
    /// real estate and intangibles: by the section of its GB/T 4754 industry code (agriculture,
    /// mining, manufacturing, utilities, wholesale and retail). It decides which column of the
    /// small-scale return its invoices are prefilled in.
    pub fn sells_goods(&self) -> bool {
        matches!(
            self.industry_code.chars().next(),
            Some('A' | 'B' | 'C' | 'D' | 'F')
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccount {
    pub bank_name: String,
    pub account_no: BankAccountNo,
    pub balance: Fen,
    /// A tripartite debit agreement (三方协议) lets the bureau debit the account.
    pub tripartite_agreement: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub direction: InvoiceDirection,
    pub number: InvoiceNo,
    pub kind: InvoiceKind,
    pub issued_on: NaiveDate,
    pub counterparty_name: String,
    pub counterparty_uscc: Uscc,
    pub item: String,
    /// Amount excluding VAT.
    pub amount: Fen,
    pub rate: Rate,
    pub tax: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerMonth {
    pub month: YearMonth,
    pub revenue: Fen,
    pub cost: Fen,
    pub expenses: Fen,
    pub profit: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    pub kind: ReturnKind,
    pub period: TaxPeriod,
    pub deadline: NaiveDate,
    pub filed_on: NaiveDate,
    /// Everything the return asks to be paid (tax and surcharges).
    pub total_due: Fen,
    /// The engine's working, as JSON, so pages and graders can show the form.
    pub assessment_json: String,
}

impl Filing {
    pub fn is_late(&self) -> bool {
        self.filed_on > self.deadline
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Index of the filing (within its company) this payment settles.
    pub filing: usize,
    pub item: TaxItem,
    pub amount: Fen,
    pub due_on: NaiveDate,
    /// `None` while unpaid (arrears).
    pub paid_on: Option<NaiveDate>,
    pub late_fee: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditEvent {
    pub on: NaiveDate,
    pub kind: CreditEventKind,
    pub period: TaxPeriod,
    /// The return it concerns (unknown for events recorded before this was kept).
    pub return_kind: Option<ReturnKind>,
    /// Score points the event deducts.
    pub points: u32,
}
