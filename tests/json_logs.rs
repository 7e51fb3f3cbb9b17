//! `TOKENDESK_LOG_FORMAT=json`: every log line is one JSON object, and the lines a
//! request logs carry its id, the one its response's `X-Request-Id` shows, those logged
//! on the blocking threads on its behalf included. A test binary of its own: the
//! subscriber it installs hears the whole process.

#![allow(
    clippy::unwrap_used,
    reason = "a test helper that unwraps is a failing assertion"
)]

#[path = "common/mod.rs"]
mod common;
#[path = "integration/visitor.rs"]
#[allow(dead_code, reason = "this test uses part of the visitor")]
mod visitor;

use std::sync::OnceLock;

use reqwest::StatusCode;
use serde_json::Value;
use tokendesk::telemetry::{self, LogFormat};
use tracing_subscriber::EnvFilter;

use common::forwarder::Forwarder;
use common::{Captured, NEVER_USED_TOKEN, server_address, spawn_app, spawn_app_behind};
use visitor::Visitor;

/// Every line logged in this process, as JSON: the subscriber is installed by the first
/// test to ask.
fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        telemetry::try_init(
            LogFormat::Json,
            EnvFilter::new("info"),
            captured.clone(),
            false,
        )
        .unwrap();
        captured
    })
}

/// Every line captured so far, parsed.
fn json_lines() -> Vec<Value> {
    captured()
        .lines()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

/// The request ids in a JSON line's spans.
fn request_ids(line: &Value) -> Vec<&str> {
    line["spans"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|span| span["request_id"].as_str())
        .collect()
}

#[tokio::test]
async fn json_lines_parse_and_a_requests_lines_carry_its_id() {
    captured();
    let app = spawn_app().await;

    let refused = Visitor::new(&app)
        .sign_in("nobody@json.test", "wrong-password", None)
        .await;
    let id = refused.header("x-request-id").unwrap().to_owned();

    let lines = json_lines();
    assert!(lines.iter().all(Value::is_object));
    let of_request: Vec<&Value> = lines
        .iter()
        .filter(|line| request_ids(line).contains(&id.as_str()))
        .collect();
    let refusal = of_request
        .iter()
        .find(|line| line["message"] == "sign-in refused: wrong email or password")
        .unwrap_or_else(|| panic!("no line of request {id} says the sign-in was refused"));
    assert_eq!(refusal["level"], "INFO");
    assert_eq!(refusal["spans"][0]["http.route"], "/login");
    assert!(
        lines
            .iter()
            .filter(|line| line["message"]
                .as_str()
                .unwrap_or_default()
                .contains("sign-in"))
            .all(|line| request_ids(line) == [id.as_str()]),
        "no sign-in line without its request's id"
    );
}

#[tokio::test]
async fn a_line_logged_on_the_blocking_threads_for_a_request_carries_its_id() {
    captured();
    let forwarder = Forwarder::start(&server_address());
    let app = spawn_app_behind(&forwarder).await;
    let api = app.api(&app.secret_of(NEVER_USED_TOKEN));

    forwarder.cut();
    // Not in the cache: looking it up needs a connection, which the blocking thread
    // fails to get, and says so in the database's health.
    let refused = api.whoami().await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    let id = refused.header("x-request-id").unwrap().to_owned();

    let lines = json_lines();
    let unreachable = lines
        .iter()
        .find(|line| line["message"] == "the database is unreachable")
        .unwrap_or_else(|| panic!("no line says the database is unreachable: {lines:#?}"));
    assert_eq!(request_ids(unreachable), [id.as_str()], "{unreachable}");
    assert_eq!(unreachable["spans"][0]["http.route"], "/api/v1/whoami");
}
