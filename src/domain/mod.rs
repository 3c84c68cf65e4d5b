//! Pure domain types and rules: no I/O. Unit tests live beside the code.

pub mod entities;
pub mod ids;
pub mod money;
pub mod password;
pub mod period;
pub mod tax;

pub use money::{Fen, Rate};
pub use period::{TaxPeriod, YearMonth};

/// China Standard Time (UTC+8), as the bureau and the sandbox show times.
pub fn cst(t: chrono::DateTime<chrono::Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
    t.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The sandbox's clock as a trainee sees it: the tenant's sandbox date, with the time of day
/// in Beijing. What the sandbox stores are real instants (an SMS code's five minutes, a
/// lockout's fifteen, a session's timeout are real minutes); shown, each is moved by the
/// whole days between today's real date in Beijing and the sandbox date, so that "now"
/// reads as the sandbox date and the gaps between events are kept. SMS messages, login
/// history, receipts, payments, lockouts, maintenance windows, exam deadlines and the
/// console's audit rows all read through this one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxTime {
    shift: chrono::Duration,
}

impl SandboxTime {
    /// The clock of a tenant whose sandbox date is `date`, at the real instant `now`.
    pub fn new(date: chrono::NaiveDate, now: chrono::DateTime<chrono::Utc>) -> SandboxTime {
        let real = chrono::NaiveDate::parse_from_str(&cst(now)[..10], "%Y-%m-%d").unwrap_or(date);
        SandboxTime {
            shift: chrono::Duration::days((date - real).num_days()),
        }
    }

    /// No shift: the real date. Only for words that name no time.
    pub fn unshifted() -> SandboxTime {
        SandboxTime {
            shift: chrono::Duration::zero(),
        }
    }

    /// A real instant as the sandbox shows it (`2026-10-12 14:05:09`, Beijing time).
    pub fn show(self, t: chrono::DateTime<chrono::Utc>) -> String {
        cst(t.checked_add_signed(self.shift).unwrap_or(t))
    }

    /// Minutes only (`2026-10-12 14:05`), for the sandbox bar and deadlines.
    pub fn show_minutes(self, t: chrono::DateTime<chrono::Utc>) -> String {
        let mut s = self.show(t);
        s.truncate(16);
        s
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::SandboxTime;

    #[test]
    fn the_sandbox_shows_its_own_date_with_the_time_of_day_in_beijing() {
        let date = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
        // 05:03 UTC on 2 December is 13:03 in Beijing
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 5, 3, 58).unwrap();
        let t = SandboxTime::new(date, now);
        assert_eq!(t.show(now), "2026-10-12 13:03:58");
        assert_eq!(t.show_minutes(now), "2026-10-12 13:03");
        // a lockout of fifteen minutes ends fifteen minutes later on the same clock
        assert_eq!(
            t.show(now + chrono::Duration::minutes(15)),
            "2026-10-12 13:18:58"
        );
        // an event of the real yesterday is the sandbox's yesterday
        assert_eq!(
            t.show(now - chrono::Duration::days(1)),
            "2026-10-11 13:03:58"
        );
        // after 16:00 UTC it is already the next day in Beijing: still the sandbox date
        let late = Utc.with_ymd_and_hms(2026, 12, 2, 17, 0, 0).unwrap();
        assert_eq!(
            SandboxTime::new(date, late).show(late),
            "2026-10-12 01:00:00"
        );
        // a sandbox dated later than the real date moves forward
        let ahead = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        assert_eq!(
            SandboxTime::new(ahead, now).show(now),
            "2027-01-05 13:03:58"
        );
    }
}
