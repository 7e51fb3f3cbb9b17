//! Integration tests: the portal over HTTP against a real PostgreSQL, one database per
//! test.

#[path = "../common/mod.rs"]
mod common;
mod visitor;

mod auth;
mod cli;
mod demo;
mod migrations;
mod platform;
mod token_details;
mod token_list;
