#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Integration tests: the real server over HTTP.

mod browser;
mod helpers;

mod calc_api;
mod pages;
mod portal;
