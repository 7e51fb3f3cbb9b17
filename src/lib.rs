//! tokendesk: an API token portal and token service.
//!
//! Imports point one way: `domain` (pure rules) ← `db` (the only place that speaks
//! SQL) ← `access` (cache, change path, last access) ← `state` (what handlers receive)
//! ← `web` (the portal) and `api` (the JSON API); `app` wires them into an actix server.

pub mod access;
pub mod api;
pub mod app;
pub mod blocking;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod instruments;
#[cfg(test)]
mod log_capture;
pub mod seed;
pub mod state;
pub mod telemetry;
pub mod web;
