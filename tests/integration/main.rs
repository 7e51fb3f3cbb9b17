//! Integration tests: the portal over HTTP against a real PostgreSQL, one database per
//! test.

#![allow(
    clippy::unwrap_used,
    reason = "a test helper that unwraps is a failing assertion"
)]

#[path = "../common/mod.rs"]
mod common;
mod visitor;

mod access_matrix;
mod api;
mod auth;
mod bulk;
mod cli;
mod containment;
mod demo;
mod demo_cli;
mod demo_reset;
mod expiry_reminders;
mod export;
mod headings;
mod hostile_input;
mod labels;
mod last_access;
mod leaks;
mod lifecycle;
mod list_at_scale;
mod metrics;
mod migrations;
mod openapi;
mod outage;
mod platform;
mod races;
mod request_ids;
mod rotate;
mod secrets_and_audit;
mod seed;
mod serve_settings;
mod server_log;
mod services;
mod sessions;
mod shutdown;
mod stored_values;
mod testing_docs;
mod token_cache;
mod token_details;
mod token_forms;
mod token_limits;
mod token_list;
mod token_policy;
mod tokens_api;
mod usage;
