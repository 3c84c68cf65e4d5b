//! The simulated e-tax bureau's use cases, as plain functions over the store.
//! Later work adds login, filing, payment, certificates and queries here.

pub mod account;
pub mod attachments;
pub mod certificate;
pub mod credit;
pub mod credit_refund;
pub mod disputes;
pub mod help;
pub mod kept;
pub mod login;
pub mod messages;
pub mod overview;
pub mod passwords;
pub mod policies;
pub mod proofs;
pub mod queries;
pub mod refunds;
pub mod returns;
pub mod risk;
pub mod staff;
