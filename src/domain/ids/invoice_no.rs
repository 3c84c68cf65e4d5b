//! 数电发票号码: the 20-digit number of a fully digitalised electronic invoice.
//!
//! Digits 1–2 are the year of issue, 3–4 the province-level tax authority's
//! division code, 5 the issuing channel, 6–20 a sequence number. The number carries no
//! check digit of its own, so validation checks each part's meaning.

use std::fmt;

use super::{IdError, check_digits, check_length, is_province_code};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvoiceNo(String);

impl InvoiceNo {
    pub fn parse(text: &str) -> Result<InvoiceNo, IdError> {
        let text = text.trim();
        check_length(text, 20, "20")?;
        check_digits(text, 0)?;
        let year: u32 = text[..2].parse().unwrap_or(0);
        if year < 20 {
            return Err(IdError::InvoiceYear);
        }
        if !is_province_code(&text[2..4]) {
            return Err(IdError::Province);
        }
        Ok(InvoiceNo(text.to_owned()))
    }

    /// Build a number from its parts.
    pub fn assemble(
        year: i32,
        province: &str,
        channel: u8,
        sequence: u64,
    ) -> Result<InvoiceNo, IdError> {
        InvoiceNo::parse(&format!(
            "{:02}{province}{}{:015}",
            year % 100,
            channel % 10,
            sequence % 1_000_000_000_000_000
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InvoiceNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_structure() {
        let no = InvoiceNo::assemble(2025, "35", 1, 42).unwrap();
        assert_eq!(no.as_str(), "25351000000000000042");
        assert_eq!(
            InvoiceNo::parse("2535100000000000004"),
            Err(IdError::Length {
                expected: "20",
                found: 19
            })
        );
        assert_eq!(
            InvoiceNo::parse("25991000000000000042"),
            Err(IdError::Province)
        );
        assert_eq!(
            InvoiceNo::parse("05351000000000000042"),
            Err(IdError::InvoiceYear)
        );
    }
}
