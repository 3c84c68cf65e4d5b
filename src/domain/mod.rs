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
