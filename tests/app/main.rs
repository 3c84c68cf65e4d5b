#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Integration tests: the real server over HTTP.

mod browser;
mod helpers;
mod lab_questions;
mod labs;

mod api_bureau;
mod api_client;
mod api_portal;
mod calc_api;
mod class_schedule;
mod class_tests;
mod classroom;
mod classroom_api;
mod concurrency;
mod courses;
mod crash;
mod credit;
mod credit_refunds;
mod culture_fee;
mod disputes;
mod filing_labs;
mod grids;
mod hardening;
mod lrs;
mod messages;
mod pages;
mod portal;
mod proof_labs;
mod proofs;
mod public_services;
mod queries;
mod refunds;
mod report_files;
mod returns;
mod returns_import;
mod returns_pages;
mod returns_payment;
mod returns_rules;
mod risk;
mod risk_labs;
mod sandbox;
mod serving;
mod settings;
mod staff;
