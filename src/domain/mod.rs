//! Pure domain types and rules: no I/O. Unit tests live beside the code.

pub mod entities;
pub mod ids;
pub mod money;
pub mod password;
pub mod period;
pub mod tax;

pub use money::{Fen, Rate};
pub use period::{TaxPeriod, YearMonth};
