//! Mainland mobile numbers: 11 digits in a carrier's number segment.

use std::fmt;

use super::{IdError, check_digits, check_length};

/// Number segments (号段) in use by the carriers; the first three digits.
pub(crate) const SEGMENTS: [&str; 42] = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150",
    "151", "152", "153", "155", "156", "157", "158", "159", "162", "165", "166", "167", "170",
    "171", "172", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184", "185",
    "186", "187", "188",
];
const MORE_SEGMENTS: [&str; 8] = ["189", "190", "191", "192", "193", "195", "198", "199"];

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mobile(String);

impl Mobile {
    pub fn parse(text: &str) -> Result<Mobile, IdError> {
        let text = text.trim();
        check_length(text, 11, "11")?;
        check_digits(text, 0)?;
        let segment = &text[..3];
        if !SEGMENTS.contains(&segment) && !MORE_SEGMENTS.contains(&segment) {
            return Err(IdError::MobileSegment);
        }
        Ok(Mobile(text.to_owned()))
    }

    pub(crate) fn all_segments() -> impl Iterator<Item = &'static str> {
        SEGMENTS.iter().chain(MORE_SEGMENTS.iter()).copied()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_segments_and_length() {
        assert!(Mobile::parse("13800138000").is_ok());
        assert_eq!(
            Mobile::parse("1380013800"),
            Err(IdError::Length {
                expected: "11",
                found: 10
            })
        );
        assert_eq!(
            Mobile::parse("1380013800a"),
            Err(IdError::Character {
                position: 11,
                found: 'a'
            })
        );
        assert_eq!(Mobile::parse("12000138000"), Err(IdError::MobileSegment));
        assert_eq!(
            Mobile::parse("13800138000").unwrap().masked(),
            "138****8000"
        );
    }
}
