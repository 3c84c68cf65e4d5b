//! Tax periods (税款所属期) and calendar months.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month, ordered; the unit policy rules are dated in.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

/// Why a period text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("expected a month like 2026-10 or a quarter like 2025Q3")]
    Format,
    #[error("month must be 01 to 12")]
    Month,
    #[error("quarter must be Q1 to Q4")]
    Quarter,
    #[error("year out of range")]
    Year,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Result<YearMonth, PeriodError> {
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Month);
        }
        if !(1990..=2100).contains(&year) {
            return Err(PeriodError::Year);
        }
        Ok(YearMonth { year, month })
    }

    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    /// `"2026-10"`.
    pub fn parse(text: &str) -> Result<YearMonth, PeriodError> {
        let (y, m) = text.trim().split_once('-').ok_or(PeriodError::Format)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(PeriodError::Format);
        }
        let year = y.parse().map_err(|_| PeriodError::Format)?;
        let month = m.parse().map_err(|_| PeriodError::Format)?;
        YearMonth::new(year, month)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> YearMonth {
        if self.month == 1 {
            YearMonth {
                year: self.year - 1,
                month: 12,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }

    /// The given day of this month, clamped to the month's end.
    pub fn day(self, day: u32) -> NaiveDate {
        let last = self.last_day();
        NaiveDate::from_ymd_opt(self.year, self.month, day.min(last.day())).unwrap_or(last)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<YearMonth, D::Error> {
        let text = String::deserialize(d)?;
        YearMonth::parse(&text).map_err(|e| serde::de::Error::custom(format!("{e}: {text:?}")))
    }
}

/// A tax period: a month (`2026-10`) or a quarter (`2025Q3`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaxPeriod {
    Month(YearMonth),
    Quarter { year: i32, quarter: u32 },
}

impl TaxPeriod {
    pub fn parse(text: &str) -> Result<TaxPeriod, PeriodError> {
        let text = text.trim();
        if let Some((y, q)) = text.split_once(['Q', 'q']) {
            if y.len() != 4 || q.len() != 1 {
                return Err(PeriodError::Format);
            }
            let year: i32 = y.parse().map_err(|_| PeriodError::Format)?;
            let quarter: u32 = q.parse().map_err(|_| PeriodError::Format)?;
            return TaxPeriod::quarter(year, quarter);
        }
        YearMonth::parse(text).map(TaxPeriod::Month)
    }

    pub fn quarter(year: i32, quarter: u32) -> Result<TaxPeriod, PeriodError> {
        if !(1..=4).contains(&quarter) {
            return Err(PeriodError::Quarter);
        }
        YearMonth::new(year, 1)?;
        Ok(TaxPeriod::Quarter { year, quarter })
    }

    /// The quarter a month falls in.
    pub fn quarter_of(month: YearMonth) -> TaxPeriod {
        TaxPeriod::Quarter {
            year: month.year,
            quarter: month.quarter(),
        }
    }

    pub fn is_quarter(self) -> bool {
        matches!(self, TaxPeriod::Quarter { .. })
    }

    pub fn first_month(self) -> YearMonth {
        match self {
            TaxPeriod::Month(m) => m,
            TaxPeriod::Quarter { year, quarter } => YearMonth {
                year,
                month: quarter * 3 - 2,
            },
        }
    }

    pub fn last_month(self) -> YearMonth {
        match self {
            TaxPeriod::Month(m) => m,
            TaxPeriod::Quarter { year, quarter } => YearMonth {
                year,
                month: quarter * 3,
            },
        }
    }

    pub fn months(self) -> impl Iterator<Item = YearMonth> {
        let first = self.first_month();
        let n = if self.is_quarter() { 3 } else { 1 };
        std::iter::successors(Some(first), |m| Some(m.next())).take(n)
    }

    pub fn year(self) -> i32 {
        self.first_month().year
    }

    pub fn first_day(self) -> NaiveDate {
        self.first_month().first_day()
    }

    pub fn last_day(self) -> NaiveDate {
        self.last_month().last_day()
    }

    /// The period of the same length that follows this one.
    pub fn next(self) -> TaxPeriod {
        match self {
            TaxPeriod::Month(m) => TaxPeriod::Month(m.next()),
            TaxPeriod::Quarter { .. } => TaxPeriod::quarter_of(self.last_month().next()),
        }
    }

    /// How many quarters of the year this period's end has reached (1–4).
    pub fn quarters_to_date(self) -> u32 {
        self.last_month().quarter()
    }
}

impl fmt::Display for TaxPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaxPeriod::Month(m) => m.fmt(f),
            TaxPeriod::Quarter { year, quarter } => write!(f, "{year:04}Q{quarter}"),
        }
    }
}

impl Serialize for TaxPeriod {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TaxPeriod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TaxPeriod, D::Error> {
        let text = String::deserialize(d)?;
        TaxPeriod::parse(&text).map_err(|e| serde::de::Error::custom(format!("{e}: {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_months_and_quarters() {
        assert_eq!(TaxPeriod::parse("2026-10").unwrap().to_string(), "2026-10");
        let q = TaxPeriod::parse("2025Q3").unwrap();
        assert_eq!(q.to_string(), "2025Q3");
        assert_eq!(q.first_day(), NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
        assert_eq!(q.last_day(), NaiveDate::from_ymd_opt(2025, 9, 30).unwrap());
        assert_eq!(q.months().count(), 3);
        assert_eq!(q.next().to_string(), "2025Q4");
        assert_eq!(
            TaxPeriod::parse("2025Q4").unwrap().next().to_string(),
            "2026Q1"
        );
    }

    #[test]
    fn refuses_malformed_periods() {
        assert_eq!(TaxPeriod::parse("2025Q5"), Err(PeriodError::Quarter));
        assert_eq!(TaxPeriod::parse("2026-13"), Err(PeriodError::Month));
        assert_eq!(TaxPeriod::parse("2026/10"), Err(PeriodError::Format));
        assert_eq!(TaxPeriod::parse("26-10"), Err(PeriodError::Format));
        assert_eq!(TaxPeriod::parse("2026-1"), Err(PeriodError::Format));
    }

    #[test]
    fn month_end_handles_leap_years() {
        assert_eq!(YearMonth::new(2024, 2).unwrap().last_day().day(), 29);
        assert_eq!(YearMonth::new(2025, 2).unwrap().last_day().day(), 28);
        assert_eq!(
            YearMonth::new(2025, 12).unwrap().next().to_string(),
            "2026-01"
        );
    }
}
