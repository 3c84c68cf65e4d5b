//! 居民身份证号码 (GB 11643-1999).

use std::fmt;

use chrono::NaiveDate;

use super::{IdError, check_digits, check_length, is_province_code};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Gender {
    Male,
    Female,
}

/// A valid 18-character resident identity number.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId(String);

pub(crate) fn check_char(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| u32::from(c - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] as char
}

impl ResidentId {
    pub fn parse(text: &str) -> Result<ResidentId, IdError> {
        let text = text.trim();
        check_length(text, 18, "18")?;
        if let Some((i, c)) = text.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
            return Err(IdError::Character {
                position: i + 1,
                found: c,
            });
        }
        check_digits(&text[..17], 0)?;
        let bytes = text.as_bytes();
        let last = bytes[17].to_ascii_uppercase() as char;
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(IdError::Character {
                position: 18,
                found: last,
            });
        }
        if !is_province_code(&text[..2]) {
            return Err(IdError::Province);
        }
        if NaiveDate::parse_from_str(&text[6..14], "%Y%m%d").is_err() {
            return Err(IdError::BirthDate);
        }
        let expected = check_char(&bytes[..17]);
        if expected != last {
            return Err(IdError::CheckCharacter {
                expected,
                found: last,
            });
        }
        let mut canonical = text[..17].to_owned();
        canonical.push(last);
        Ok(ResidentId(canonical))
    }

    /// Build a number from its parts; the check character is computed.
    pub fn assemble(
        division: &str,
        birth: NaiveDate,
        sequence: u32,
    ) -> Result<ResidentId, IdError> {
        let body = format!("{division}{}{:03}", birth.format("%Y%m%d"), sequence % 1000);
        let check = check_char(body.as_bytes());
        ResidentId::parse(&format!("{body}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or(NaiveDate::MIN)
    }

    /// Odd sequence numbers are men, even are women.
    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// As shown on pages: first 3 and last 4 characters, the rest masked.
    pub fn masked(&self) -> String {
        format!("{}***********{}", &self.0[..3], &self.0[14..])
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_examples() {
        // TAXRULES.md's example and the GB 11643 appendix example.
        let id = ResidentId::parse("360426199101010071").unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1991, 1, 1).unwrap()
        );
        assert_eq!(id.gender(), Gender::Male);
        assert!(ResidentId::parse("11010519491231002X").is_ok());
        assert!(ResidentId::parse("11010519491231002x").is_ok());
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            ResidentId::parse("36042619910101007"),
            Err(IdError::Length {
                expected: "18",
                found: 17
            })
        );
        assert_eq!(
            ResidentId::parse("3604261991010100A1"),
            Err(IdError::Character {
                position: 17,
                found: 'A'
            })
        );
        assert_eq!(
            ResidentId::parse("360426199101010072"),
            Err(IdError::CheckCharacter {
                expected: '1',
                found: '2'
            })
        );
        assert_eq!(
            ResidentId::parse("360426199102300071"),
            Err(IdError::BirthDate)
        );
        assert_eq!(
            ResidentId::parse("990426199101010071"),
            Err(IdError::Province)
        );
        // 18 characters, one of them not ASCII: an error, not a panic
        assert_eq!(
            ResidentId::parse("1101051949123100中1"),
            Err(IdError::Character {
                position: 17,
                found: '中'
            })
        );
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(
            ResidentId::parse("360426199101010071").unwrap().masked(),
            "360***********0071"
        );
    }
}
