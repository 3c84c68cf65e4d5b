//! taxlab: a training sandbox that simulates China's electronic tax bureau (电子税务局).
//!
//! Data flows `domain` (pure rules) → `synth` (generated tenants) → `store` (SQLite)
//! → `http` (pages and API); `calc` is the calculator's JSON boundary and `cli` the
//! command line. See ARCHITECTURE.md.

pub mod bureau;
pub mod calc;
pub mod classroom;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod evaluation;
pub mod http;
pub mod i18n;
pub mod labs;
pub mod pdf;
pub mod secrets;
pub mod seed;
pub mod store;
pub mod synth;
