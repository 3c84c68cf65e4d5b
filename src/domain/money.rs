//! Exact money and rates.
//!
//! Amounts are integer fen ([`Fen`]); rates are integer parts per million ([`Rate`]).
//! Every multiplication rounds once, half away from zero (四舍五入), at the line that
//! computes it, as the return forms do. There is no floating point anywhere in here.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of money in fen (0.01 yuan).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(i64);

/// Why a money or rate text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("empty amount")]
    Empty,
    #[error("not a decimal number")]
    NotANumber,
    #[error("more than two decimal places")]
    TooPrecise,
    #[error("amount out of range")]
    OutOfRange,
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn new(fen: i64) -> Fen {
        Fen(fen)
    }

    pub const fn from_yuan(yuan: i64) -> Fen {
        Fen(yuan * 100)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Parse a yuan amount such as `"12000"`, `"12000.5"` or `"-3.00"`.
    /// More than two decimal places is an error, never silently rounded.
    pub fn parse_yuan(text: &str) -> Result<Fen, MoneyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) {
            return Err(MoneyError::NotANumber);
        }
        if digits.ends_with('.') {
            return Err(MoneyError::NotANumber);
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyError::OutOfRange)?;
        let mut frac_fen: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| MoneyError::NotANumber)?
        };
        if frac.len() == 1 {
            frac_fen *= 10;
        }
        let fen = whole
            .checked_mul(100)
            .and_then(|f| f.checked_add(frac_fen))
            .filter(|f| *f <= MAX_FEN)
            .ok_or(MoneyError::OutOfRange)?;
        Ok(Fen(if negative { -fen } else { fen }))
    }

    /// `self × numerator ÷ denominator`, rounded half away from zero.
    pub fn mul_ratio(self, numerator: i128, denominator: i128) -> Fen {
        Fen(div_round(i128::from(self.0) * numerator, denominator))
    }

    /// `self × rate`, rounded to the fen.
    pub fn times(self, rate: Rate) -> Fen {
        self.mul_ratio(i128::from(rate.ppm()), PPM)
    }

    /// `self × a × b`, rounded once (e.g. 25% × 20% for the small low-profit rule).
    pub fn times2(self, a: Rate, b: Rate) -> Fen {
        self.mul_ratio(i128::from(a.ppm()) * i128::from(b.ppm()), PPM * PPM)
    }

    pub fn max(self, other: Fen) -> Fen {
        Fen(self.0.max(other.0))
    }

    pub fn min(self, other: Fen) -> Fen {
        Fen(self.0.min(other.0))
    }
}

/// Amounts above this (10 trillion yuan) are refused at parse time, so sums of thousands
/// of a form's lines, and their products with rates in `i128`, stay far from overflow.
pub const MAX_FEN: i64 = 1_000_000_000_000_000;
const PPM: i128 = 1_000_000;

/// Divide rounding half away from zero (四舍五入).
fn div_round(numerator: i128, denominator: i128) -> i64 {
    debug_assert!(denominator > 0);
    let q = numerator / denominator;
    let r = numerator % denominator;
    let q = if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    };
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0 + rhs.0)
    }
}
impl AddAssign for Fen {
    fn add_assign(&mut self, rhs: Fen) {
        self.0 += rhs.0;
    }
}
impl Sub for Fen {
    type Output = Fen;
    fn sub(self, rhs: Fen) -> Fen {
        Fen(self.0 - rhs.0)
    }
}
impl SubAssign for Fen {
    fn sub_assign(&mut self, rhs: Fen) {
        self.0 -= rhs.0;
    }
}
impl Neg for Fen {
    type Output = Fen;
    fn neg(self) -> Fen {
        Fen(-self.0)
    }
}
impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen::ZERO, Add::add)
    }
}

impl Serialize for Fen {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fen, D::Error> {
        let text = String::deserialize(d)?;
        Fen::parse_yuan(&text).map_err(|e| serde::de::Error::custom(format!("{e}: {text:?}")))
    }
}

/// A rate in parts per million: 3% is 30 000, the daily late-payment rate 0.05% is 500.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(i64);

impl Rate {
    pub const ZERO: Rate = Rate(0);

    pub const fn from_ppm(ppm: i64) -> Rate {
        Rate(ppm)
    }

    /// A whole number of percent.
    pub const fn percent(p: i64) -> Rate {
        Rate(p * 10_000)
    }

    pub const fn ppm(self) -> i64 {
        self.0
    }

    /// Parse `"3%"`, `"0.05%"`, `"12.5%"` (up to four decimals of a percent).
    pub fn parse(text: &str) -> Result<Rate, MoneyError> {
        let text = text.trim();
        let number = text.strip_suffix('%').ok_or(MoneyError::NotANumber)?.trim();
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || number.ends_with('.') {
            return Err(MoneyError::NotANumber);
        }
        if frac.len() > 4 {
            return Err(MoneyError::TooPrecise);
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyError::OutOfRange)?;
        let frac_val: i64 = format!("{frac:0<4}")
            .parse()
            .map_err(|_| MoneyError::NotANumber)?;
        if whole > 1_000 {
            return Err(MoneyError::OutOfRange);
        }
        Ok(Rate(whole * 10_000 + frac_val))
    }

    /// `self − other` (e.g. the 2% reduction from 3% to 1%).
    pub fn minus(self, other: Rate) -> Rate {
        Rate(self.0 - other.0)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 10_000;
        let frac = self.0 % 10_000;
        if frac == 0 {
            write!(f, "{whole}%")
        } else {
            let digits = format!("{frac:04}");
            write!(f, "{whole}.{}%", digits.trim_end_matches('0'))
        }
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Rate, D::Error> {
        let text = String::deserialize(d)?;
        Rate::parse(&text).map_err(|e| serde::de::Error::custom(format!("{e}: {text:?}")))
    }
}

const CAPITAL_DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

impl Fen {
    /// The amount in Chinese capitals as a certificate writes it (金额大写):
    /// `12345.67` → 壹万贰仟叁佰肆拾伍元陆角柒分, `100` → 壹佰元整, `100.05` → 壹佰元零伍分.
    pub fn capitals(self) -> String {
        let all = self.0.unsigned_abs();
        let (yuan, jiao, fen) = (all / 100, (all / 10 % 10) as usize, (all % 10) as usize);
        let mut out = String::new();
        if self.0 < 0 {
            out.push('负');
        }
        if yuan > 0 {
            out.push_str(&integer_capitals(yuan));
            out.push('元');
        }
        match (jiao, fen) {
            (0, 0) => {
                if yuan == 0 {
                    out.push_str("零元");
                }
                out.push('整');
            }
            (j, 0) => {
                out.push(CAPITAL_DIGITS[j]);
                out.push('角');
            }
            (0, f) => {
                if yuan > 0 {
                    out.push('零');
                }
                out.push(CAPITAL_DIGITS[f]);
                out.push('分');
            }
            (j, f) => {
                out.push(CAPITAL_DIGITS[j]);
                out.push('角');
                out.push(CAPITAL_DIGITS[f]);
                out.push('分');
            }
        }
        out
    }
}

/// A whole number of yuan in capitals, groups of four digits under 万 and 亿.
fn integer_capitals(n: u64) -> String {
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    const GROUPS: [&str; 5] = ["", "万", "亿", "万", "亿"];
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 10_000);
        rest /= 10_000;
    }
    let mut out = String::new();
    let mut zero = false;
    for (i, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            zero = !out.is_empty();
            continue;
        }
        if !out.is_empty() && (zero || g < 1000) {
            out.push('零');
        }
        zero = false;
        let mut inner_zero = false;
        let mut written = false;
        for pos in (0..4).rev() {
            let d = (g / 10u64.pow(pos as u32) % 10) as usize;
            if d == 0 {
                inner_zero = written;
                continue;
            }
            if inner_zero {
                out.push('零');
                inner_zero = false;
            }
            out.push(CAPITAL_DIGITS[d]);
            out.push_str(UNITS[pos]);
            written = true;
        }
        out.push_str(GROUPS[i.min(4)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_in_capitals_as_a_certificate_writes_them() {
        for (fen, text) in [
            (0, "零元整"),
            (1, "壹分"),
            (50, "伍角"),
            (1_000, "壹拾元整"),
            (10_005, "壹佰元零伍分"),
            (100_560, "壹仟零伍元陆角"),
            (1_234_567, "壹万贰仟叁佰肆拾伍元陆角柒分"),
            (10_000_000, "壹拾万元整"),
            (100_000_100, "壹佰万零壹元整"),
            (10_001_000_000, "壹亿零壹万元整"),
            (-34_000, "负叁佰肆拾元整"),
            (1_010_100, "壹万零壹佰零壹元整"),
        ] {
            assert_eq!(Fen::new(fen).capitals(), text, "{fen}");
        }
    }

    #[test]
    fn parses_and_prints_yuan() {
        assert_eq!(Fen::parse_yuan("12000").unwrap(), Fen::new(1_200_000));
        assert_eq!(Fen::parse_yuan("12000.5").unwrap(), Fen::new(1_200_050));
        assert_eq!(Fen::parse_yuan("-3.07").unwrap(), Fen::new(-307));
        assert_eq!(Fen::new(-5).to_string(), "-0.05");
        assert_eq!(Fen::new(1_200_000).to_string(), "12000.00");
    }

    #[test]
    fn refuses_bad_amounts() {
        assert_eq!(Fen::parse_yuan("1.234"), Err(MoneyError::TooPrecise));
        assert_eq!(Fen::parse_yuan("12,000"), Err(MoneyError::NotANumber));
        assert_eq!(Fen::parse_yuan("1e5"), Err(MoneyError::NotANumber));
        assert_eq!(Fen::parse_yuan("5."), Err(MoneyError::NotANumber));
        assert_eq!(Fen::parse_yuan(""), Err(MoneyError::Empty));
        assert_eq!(
            Fen::parse_yuan("99999999999999999999"),
            Err(MoneyError::OutOfRange)
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        // 0.50 × 1% = 0.005 → 0.01; −0.50 × 1% → −0.01; 0.49 × 1% = 0.0049 → 0.00
        assert_eq!(Fen::new(50).times(Rate::percent(1)), Fen::new(1));
        assert_eq!(Fen::new(-50).times(Rate::percent(1)), Fen::new(-1));
        assert_eq!(Fen::new(49).times(Rate::percent(1)), Fen::ZERO);
        // 25% × 20% rounds once, not twice: 0.10 × 5% = 0.005 → 0.01
        assert_eq!(
            Fen::new(10).times2(Rate::percent(25), Rate::percent(20)),
            Fen::new(1)
        );
    }

    #[test]
    fn parses_and_prints_rates() {
        assert_eq!(Rate::parse("3%").unwrap(), Rate::from_ppm(30_000));
        assert_eq!(Rate::parse("0.05%").unwrap(), Rate::from_ppm(500));
        assert_eq!(Rate::parse("12.5%").unwrap().to_string(), "12.5%");
        assert_eq!(Rate::parse("0.05%").unwrap().to_string(), "0.05%");
        assert!(Rate::parse("3").is_err());
        assert_eq!(Rate::parse("0.00001%"), Err(MoneyError::TooPrecise));
    }

    proptest! {
        #[test]
        fn display_round_trips(fen in -MAX_FEN..MAX_FEN) {
            let f = Fen::new(fen);
            prop_assert_eq!(Fen::parse_yuan(&f.to_string()).unwrap(), f);
        }

        #[test]
        fn non_negative_amount_gives_non_negative_tax(fen in 0i64..1_000_000_000_000, ppm in 0i64..1_000_000) {
            prop_assert!(!Fen::new(fen).times(Rate::from_ppm(ppm)).is_negative());
        }

        #[test]
        fn rounding_is_within_half_a_fen(fen in -1_000_000_000_000i64..1_000_000_000_000, ppm in 0i64..1_000_000) {
            let exact = i128::from(fen) * i128::from(ppm); // in millionths of a fen
            let rounded = i128::from(Fen::new(fen).times(Rate::from_ppm(ppm)).fen()) * 1_000_000;
            prop_assert!((rounded - exact).abs() <= 500_000);
            // ties go away from zero
            if (rounded - exact).abs() == 500_000 {
                prop_assert!(rounded.abs() > exact.abs());
            }
        }

        #[test]
        fn rounding_is_symmetric(fen in 0i64..1_000_000_000_000, ppm in 0i64..1_000_000) {
            let r = Rate::from_ppm(ppm);
            prop_assert_eq!(Fen::new(-fen).times(r), -Fen::new(fen).times(r));
        }
    }
}

#[cfg(test)]
mod parsing_properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        // Any text a user types as an amount or a rate: a value or a clear error, no panic;
        // an amount parsed is within range and prints back to the same amount.
        #[test]
        fn any_text_is_an_amount_or_an_error(text in prop_oneof![".{0,30}", "-?[0-9]{0,25}(\\.[0-9]{0,5})?"]) {
            if let Ok(f) = Fen::parse_yuan(&text) {
                prop_assert!(f.fen().abs() <= MAX_FEN);
                prop_assert_eq!(Fen::parse_yuan(&f.to_string()), Ok(f));
            }
            let _ = Rate::parse(&text);
        }
    }
}
