//! Bank account numbers: 16–19 digits ending in a Luhn (mod 10) check digit,
//! as China UnionPay card and account numbers do.

use std::fmt;

use super::{IdError, check_digits};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BankAccountNo(String);

/// The Luhn check digit for a body of digits.
pub fn luhn_digit(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

impl BankAccountNo {
    pub fn parse(text: &str) -> Result<BankAccountNo, IdError> {
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let found = text.chars().count();
        if !(16..=19).contains(&found) {
            return Err(IdError::Length {
                expected: "16-19",
                found,
            });
        }
        check_digits(&text, 0)?;
        let bytes = text.as_bytes();
        let expected = luhn_digit(&bytes[..bytes.len() - 1]);
        let found = bytes[bytes.len() - 1] as char;
        if expected != found {
            return Err(IdError::CheckCharacter { expected, found });
        }
        Ok(BankAccountNo(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `6222 **** **** 1234`-style: the first 4 and last 4 digits.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..4], &self.0[self.0.len() - 4..])
    }
}

impl fmt::Display for BankAccountNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_luhn_valid_numbers() {
        // Published card-network test numbers (Visa, Discover).
        assert!(BankAccountNo::parse("4111111111111111").is_ok());
        assert!(BankAccountNo::parse("6011111111111118").is_err());
        assert!(BankAccountNo::parse("6011 1111 1111 1117").is_ok());
        assert_eq!(
            BankAccountNo::parse("4111111111111112"),
            Err(IdError::CheckCharacter {
                expected: '1',
                found: '2'
            })
        );
        assert_eq!(
            BankAccountNo::parse("411111111111111"),
            Err(IdError::Length {
                expected: "16-19",
                found: 15
            })
        );
    }
}
