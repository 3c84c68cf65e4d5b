//! Filing deadlines: the published calendar where it has an entry, else the rule.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;

use super::policy::Calendar;
use crate::domain::period::{TaxPeriod, YearMonth};

/// The last complete period before the sandbox date's month.
/// Returns `(VAT period, CIT quarter)`.
pub fn due_periods(today: NaiveDate, quarterly_vat: bool) -> (TaxPeriod, TaxPeriod) {
    let last_month = YearMonth::of(today).prev();
    let current_quarter = TaxPeriod::quarter_of(YearMonth::of(today));
    let due_cit = TaxPeriod::quarter_of(current_quarter.first_month().prev());
    let due_vat = if quarterly_vat {
        due_cit
    } else {
        TaxPeriod::Month(last_month)
    };
    (due_vat, due_cit)
}

/// How a deadline was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DeadlineBasis {
    /// From the published filing calendar.
    Published,
    /// From the rule: `extended_days` for holiday breaks, then moved past days off.
    Rule {
        extended_days: u32,
        moved_to_workday: bool,
        /// False when the holiday table has no entry for the year (weekends only).
        holidays_known: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub date: NaiveDate,
    pub basis: DeadlineBasis,
}

impl Calendar {
    fn in_holiday(&self, date: NaiveDate) -> bool {
        self.breaks().any(|[a, b]| a <= date && date <= b)
    }

    fn breaks(&self) -> impl Iterator<Item = [NaiveDate; 2]> + '_ {
        self.holidays.values().flatten().copied()
    }

    /// A day off: a public holiday, or a weekend not worked in lieu.
    pub fn is_day_off(&self, date: NaiveDate) -> bool {
        if self.in_holiday(date) {
            return true;
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let worked = self
            .workdays
            .get(&date.year())
            .is_some_and(|w| w.contains(&date));
        weekend && !worked
    }

    pub fn knows_year(&self, year: i32) -> bool {
        self.holidays.contains_key(&year)
    }

    /// The last day to file (and pay) a return for `period`.
    pub fn filing_deadline(&self, period: TaxPeriod) -> Deadline {
        let month = period.last_month().next();
        if let Some(&date) = self.published.get(&month) {
            return Deadline {
                date,
                basis: DeadlineBasis::Published,
            };
        }
        self.rule_deadline(month)
    }

    fn rule_deadline(&self, month: YearMonth) -> Deadline {
        let start = month.first_day();
        let base = month.day(self.default_day);
        let mut date = base;
        let mut extended;
        // A break that reaches into the window extends it by its days in this month;
        // repeat in case the extension reaches the next break.
        loop {
            let days: i64 = self
                .breaks()
                .filter(|[a, b]| (*b - *a).num_days() + 1 >= i64::from(self.min_break_days))
                .filter(|[a, b]| *a <= date && *b >= start)
                .map(|[a, b]| (b - a.max(start)).num_days() + 1)
                .sum();
            let next = base + Duration::days(days);
            extended = u32::try_from(days).unwrap_or(0);
            if next == date {
                break;
            }
            date = next;
        }
        let mut moved = false;
        while self.is_day_off(date) {
            date += Duration::days(1);
            moved = true;
        }
        Deadline {
            date,
            basis: DeadlineBasis::Rule {
                extended_days: extended,
                moved_to_workday: moved,
                holidays_known: self.knows_year(month.year),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::tax::Policy;

    use super::*;

    fn deadline(period: &str) -> Deadline {
        Policy::embedded()
            .calendar
            .filing_deadline(TaxPeriod::parse(period).unwrap())
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn due_periods_follow_the_sandbox_date() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
        let (vat, cit) = due_periods(d, true);
        assert_eq!(
            (vat.to_string(), cit.to_string()),
            ("2026Q3".into(), "2026Q3".into())
        );
        let (vat, _) = due_periods(d, false);
        assert_eq!(vat.to_string(), "2026-09");
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        assert_eq!(due_periods(d, true).0.to_string(), "2026Q3");
        assert_eq!(due_periods(d, false).0.to_string(), "2026-10");
    }

    #[test]
    fn fifteenth_on_a_working_day() {
        // Qingming (4–6 April 2026) is a 3-day break: 15 + 3 = 18 April, a Saturday → Monday 20.
        assert_eq!(deadline("2026-03").date, date("2026-04-20"));
        // 2025-07-15 is a Tuesday, no break in July.
        assert_eq!(deadline("2025-06").date, date("2025-07-15"));
    }

    #[test]
    fn national_day_break_extends_october() {
        // 2026: 1–7 October off → 15 + 7 = 22 October (Thursday).
        let d = deadline("2026Q3");
        assert_eq!(d.date, date("2026-10-22"));
        assert_eq!(
            d.basis,
            DeadlineBasis::Rule {
                extended_days: 7,
                moved_to_workday: false,
                holidays_known: true
            }
        );
    }

    #[test]
    fn weekend_moves_to_monday() {
        // 2026-01: 1–3 January off → 18 January, a Sunday → Monday 19.
        assert_eq!(deadline("2025Q4").date, date("2026-01-19"));
        // 2025-03-15 is a Saturday → Monday 17.
        assert_eq!(deadline("2025-02").date, date("2025-03-17"));
    }

    #[test]
    fn published_calendar_wins() {
        let d = deadline("2024-01");
        assert_eq!(d.date, date("2024-02-23"));
        assert_eq!(d.basis, DeadlineBasis::Published);
    }

    #[test]
    fn spring_festival_days_in_the_month_count() {
        // 2025: break 28 Jan – 4 Feb; 4 of its days fall in February → 19 February.
        assert_eq!(deadline("2025-01").date, date("2025-02-19"));
    }

    #[test]
    fn unknown_years_say_so() {
        let d = deadline("2030-05");
        assert!(matches!(
            d.basis,
            DeadlineBasis::Rule {
                holidays_known: false,
                ..
            }
        ));
        assert_eq!(d.date, date("2030-06-17")); // 15 June 2030 is a Saturday
    }
}
