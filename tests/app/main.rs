#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Integration tests: the real server over HTTP.

mod browser;
mod helpers;

mod api_portal;
mod calc_api;
mod pages;
mod portal;
mod staff;
