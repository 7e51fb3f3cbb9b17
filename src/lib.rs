//! tokendesk: an API token portal and token service.
//!
//! `domain` holds the pure rules, `db` is the only place that speaks SQL, `web` renders
//! the portal, and `app` wires them into an actix server.

pub mod access;
pub mod api;
pub mod app;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod telemetry;
pub mod web;
