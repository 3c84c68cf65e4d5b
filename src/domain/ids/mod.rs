//! Identifiers with their real check characters. `parse` is the only way in;
//! after it, a value is known to be valid and nothing downstream re-checks it.

mod bank_account;
mod invoice_no;
mod mobile;
mod resident_id;
mod uscc;

pub use bank_account::{BankAccountNo, luhn_digit};
pub use invoice_no::InvoiceNo;
pub use mobile::Mobile;
pub use resident_id::{Gender, ResidentId};
pub use uscc::Uscc;

/// What is wrong with an identifier, precisely enough to tell the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("wrong length: expected {expected}, found {found}")]
    Length {
        expected: &'static str,
        found: usize,
    },
    #[error("character {found:?} not allowed at position {position}")]
    Character { position: usize, found: char },
    #[error("check character should be {expected:?}, found {found:?}")]
    CheckCharacter { expected: char, found: char },
    #[error("organisation code check character should be {expected:?}, found {found:?}")]
    OrgCodeCheck { expected: char, found: char },
    #[error("the division code does not name a province")]
    Province,
    #[error("the birth date is not a real date")]
    BirthDate,
    #[error("the first three digits are not a mobile number segment")]
    MobileSegment,
    #[error("the year is before fully digital invoices existed")]
    InvoiceYear,
}

impl IdError {
    /// The catalogue key describing this error, for user-facing messages.
    pub fn i18n_key(&self) -> &'static str {
        match self {
            IdError::Length { .. } => "id.error.length",
            IdError::Character { .. } => "id.error.character",
            IdError::CheckCharacter { .. } => "id.error.check",
            IdError::OrgCodeCheck { .. } => "id.error.org_check",
            IdError::Province => "id.error.province",
            IdError::BirthDate => "id.error.birth_date",
            IdError::MobileSegment => "id.error.mobile_segment",
            IdError::InvoiceYear => "id.error.invoice_year",
        }
    }
}

/// Province-level division codes (the first two digits of a division code),
/// used to check that an identifier names a real province.
pub(crate) fn is_province_code(code: &str) -> bool {
    const PROVINCES: [&str; 34] = [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82",
    ];
    PROVINCES.contains(&code)
}

pub(crate) fn check_length(
    text: &str,
    expected: usize,
    label: &'static str,
) -> Result<(), IdError> {
    let found = text.chars().count();
    if found == expected {
        Ok(())
    } else {
        Err(IdError::Length {
            expected: label,
            found,
        })
    }
}

pub(crate) fn check_digits(text: &str, offset: usize) -> Result<(), IdError> {
    match text.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, c)) => Err(IdError::Character {
            position: offset + i + 1,
            found: c,
        }),
        None => Ok(()),
    }
}
