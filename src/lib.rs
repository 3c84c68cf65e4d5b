//! taxlab: a training sandbox that simulates China's electronic tax bureau (电子税务局).
//!
//! Data flows `domain` (pure rules) → `synth` (generated tenants) → `store` (SQLite)
//! → `http` (pages and API); `calc` is the calculator's JSON boundary and `cli` the
//! command line. See ARCHITECTURE.md.

pub mod calc;
pub mod domain;
pub mod i18n;
pub mod store;
pub mod synth;
