//! Integration tests: the real server over HTTP.

mod helpers;

mod calc_api;
mod pages;
