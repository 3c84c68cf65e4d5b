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
    /// From the rule: `holiday_days` (N) of a break fell on days 1–15, so the deadline is
    /// the Nth working day after the 15th (N ≥ 3); or a 15th that was a day off moved to the
    /// next working day (`moved_to_workday`).
    Rule {
        holiday_days: u32,
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

    /// The `n`th working day after `from` (an answer due "within n working days").
    pub fn working_days_after(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut date = from;
        let mut left = n;
        while left > 0 {
            date = date.succ_opt().unwrap_or(date);
            if !self.is_day_off(date) {
                left -= 1;
            }
        }
        date
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
        // N: the most days of one holiday break that fall on days 1–15 of the month.
        let n = self
            .breaks()
            .filter(|[a, b]| *a <= base && *b >= start)
            .map(|[a, b]| (b.min(base) - a.max(start)).num_days() + 1)
            .max()
            .unwrap_or(0);
        let n = u32::try_from(n).unwrap_or(0);
        let (date, moved) = if n >= self.min_break_days {
            // the Nth working day after the 15th
            let mut date = base;
            let mut counted = 0;
            while counted < n {
                date += Duration::days(1);
                if !self.is_day_off(date) {
                    counted += 1;
                }
            }
            (date, false)
        } else {
            let mut date = base;
            while self.is_day_off(date) {
                date += Duration::days(1);
            }
            (date, date != base)
        };
        Deadline {
            date,
            basis: DeadlineBasis::Rule {
                holiday_days: n,
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
    fn the_rule_gives_every_published_deadline_of_2024_to_2026() {
        // 税总办征科函〔2025〕64号 and the 2024 and 2025 calendars: the rule agrees with each
        // of the 36 months, so years without a calendar get the same treatment.
        let cal = &Policy::embedded().calendar;
        let mut months = 0;
        for (month, published) in &cal.published {
            assert_eq!(cal.rule_deadline(*month).date, *published, "{month}");
            months += 1;
        }
        assert_eq!(months, 36);
        for year in 2024..=2026 {
            for m in 1..=12 {
                let month = YearMonth::new(year, m).unwrap();
                assert!(cal.published.contains_key(&month), "{month} is published");
            }
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays_and_count_make_up_days() {
        let c = &Policy::embedded().calendar;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Friday 2026-11-27 + 5 working days = Friday 2026-12-04
        assert_eq!(c.working_days_after(d("2026-11-27"), 5), d("2026-12-04"));
        // 2026 National Day break (1–7 October) is skipped
        assert_eq!(c.working_days_after(d("2026-09-30"), 1), d("2026-10-08"));
        assert_eq!(c.working_days_after(d("2026-11-27"), 0), d("2026-11-27"));
    }

    #[test]
    fn a_break_on_days_one_to_fifteen_gives_that_many_working_days_after_the_fifteenth() {
        let cal = &Policy::embedded().calendar;
        let rule = |y, m| cal.rule_deadline(YearMonth::new(y, m).unwrap()).date;
        // 2026 January: 1–3 off (N = 3) → 16, 19, 20 January
        assert_eq!(rule(2026, 1), date("2026-01-20"));
        // 2026 May: 1–5 off (N = 5) → 22 May; October: 1–7 off (N = 7) → 26 October
        assert_eq!(rule(2026, 5), date("2026-05-22"));
        assert_eq!(rule(2026, 10), date("2026-10-26"));
        // 2024 February: 10–17 off, six of those days on 1–15 → 6th working day after the
        // 15th, counting Sunday the 18th worked in lieu → 23 February
        assert_eq!(rule(2024, 2), date("2024-02-23"));
        // 2026 February: 15–23 off, one day on 1–15 (N = 1 < 3): the 15th is off → the next
        // working day, 24 February
        assert_eq!(rule(2026, 2), date("2026-02-24"));
        // 2024 September: 15–17 off, one day on 1–15 → 18 September
        assert_eq!(rule(2024, 9), date("2024-09-18"));
    }

    #[test]
    fn a_fifteenth_on_a_weekend_moves_to_monday() {
        let d = deadline("2025-02");
        assert_eq!(d.date, date("2025-03-17"));
        let cal = &Policy::embedded().calendar;
        assert_eq!(
            cal.rule_deadline(YearMonth::new(2026, 8).unwrap()).date,
            date("2026-08-17")
        );
    }

    #[test]
    fn published_calendar_wins() {
        let d = deadline("2026Q3");
        assert_eq!(d.date, date("2026-10-26"));
        assert_eq!(d.basis, DeadlineBasis::Published);
    }

    #[test]
    fn the_rule_says_how_it_got_there() {
        let cal = &Policy::embedded().calendar;
        assert_eq!(
            cal.rule_deadline(YearMonth::new(2023, 10).unwrap()).basis,
            DeadlineBasis::Rule {
                holiday_days: 6,
                moved_to_workday: false,
                holidays_known: true
            }
        );
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
