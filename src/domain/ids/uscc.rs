//! 统一社会信用代码 (GB 32100-2015).

use std::fmt;

use super::{IdError, check_length};

/// The code's alphabet: digits and capitals without I, O, Z, S, V; value = index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^(i−1) mod 31 for positions 1–17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714 organisation code weights for its 8 body characters.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A valid unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// GB 11714 character value: digits 0–9, letters A=10 … Z=35.
fn org_value(c: u8) -> u32 {
    if c.is_ascii_digit() {
        u32::from(c - b'0')
    } else {
        u32::from(c - b'A') + 10
    }
}

/// The check character of a 17-character body (all characters in the alphabet).
pub(crate) fn check_char(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| value(c).unwrap_or(0) * w)
        .sum();
    ALPHABET[((31 - sum % 31) % 31) as usize] as char
}

/// The GB 11714 check character of an 8-character organisation code body.
pub(crate) fn org_check_char(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(&c, w)| org_value(c) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from(b'0' + n as u8),
    }
}

impl Uscc {
    pub fn parse(text: &str) -> Result<Uscc, IdError> {
        let text = text.trim();
        check_length(text, 18, "18")?;
        let bytes = text.as_bytes();
        if let Some((i, c)) = text
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii() || value(*c as u8).is_none())
        {
            return Err(IdError::Character {
                position: i + 1,
                found: c,
            });
        }
        let expected = check_char(&bytes[..17]);
        let found = bytes[17] as char;
        if expected != found {
            return Err(IdError::CheckCharacter { expected, found });
        }
        let org_expected = org_check_char(&bytes[8..16]);
        if org_expected != bytes[16] as char {
            return Err(IdError::OrgCodeCheck {
                expected: org_expected,
                found: bytes[16] as char,
            });
        }
        Ok(Uscc(text.to_owned()))
    }

    /// Build a code from registration authority and type (`"91"`), a 6-digit division code
    /// and an 8-character organisation code body; both check characters are computed.
    pub fn assemble(kind: &str, division: &str, org_body: &str) -> Result<Uscc, IdError> {
        let mut text = format!("{kind}{division}{org_body}");
        let org = org_check_char(org_body.as_bytes());
        text.push(org);
        text.push(check_char(text.as_bytes()));
        Uscc::parse(&text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 3–8: the registering administration's division code.
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_standards_sample() {
        let code = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.division(), "350100");
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            Uscc::parse("91350100M000100Y4"),
            Err(IdError::Length {
                expected: "18",
                found: 17
            })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y4I"),
            Err(IdError::Character {
                position: 18,
                found: 'I'
            })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(IdError::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
        assert_eq!(
            Uscc::parse("913501O0M000100Y43"),
            Err(IdError::Character {
                position: 7,
                found: 'O'
            })
        );
    }

    #[test]
    fn checks_the_organisation_code() {
        // Same body with a wrong org check digit and a recomputed overall check character.
        let mut body = b"91350100M000100Y5".to_vec();
        let c = check_char(&body);
        body.push(c as u8);
        let text = String::from_utf8(body).unwrap();
        assert_eq!(
            Uscc::parse(&text),
            Err(IdError::OrgCodeCheck {
                expected: '4',
                found: '5'
            })
        );
    }

    #[test]
    fn assembles_valid_codes() {
        let code = Uscc::assemble("91", "350100", "M000100Y").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
    }
}
