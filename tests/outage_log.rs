//! What the log says about a database outage: once that the database is unreachable and
//! once that it is back, whatever the traffic meanwhile; no ERROR line per request or
//! per reconnection attempt, and no panic. A test binary of its own: the subscriber it
//! installs (the server's own, JSON at `info`, as a deployment runs it) hears the whole
//! process, and so this test's app and nothing else.

#![allow(
    clippy::unwrap_used,
    reason = "a test helper that unwraps is a failing assertion"
)]

#[path = "common/mod.rs"]
mod common;
#[path = "integration/visitor.rs"]
#[allow(dead_code, reason = "this test uses part of the visitor")]
mod visitor;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use tokendesk::telemetry::{self, LogFormat};
use tracing_subscriber::EnvFilter;

use common::forwarder::Forwarder;
use common::{
    ACTIVE_TOKEN, Captured, DEMO_ADMIN_LOGIN, NEVER_USED_TOKEN, server_address, spawn_app_behind,
};
use visitor::Visitor;

/// How long the database stays away: several of the pool's reconnection rounds (about
/// one a second per missing connection).
const OUTAGE: Duration = Duration::from_secs(4);

/// Counts every panic in the process, on any thread, then reports it as usual.
fn count_panics() -> Arc<AtomicUsize> {
    let panics = Arc::new(AtomicUsize::new(0));
    let counted = panics.clone();
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        counted.fetch_add(1, Ordering::SeqCst);
        report(info);
    }));
    panics
}

/// Asks `ask` until `until`, each answer `expected`; how many times it asked.
async fn keep_asking<F, Fut>(until: Instant, ask: F, expected: StatusCode) -> usize
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = StatusCode>,
{
    let mut asked = 0;
    while Instant::now() < until {
        assert_eq!(ask().await, expected);
        asked += 1;
    }
    asked
}

fn message(line: &Value) -> &str {
    line["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_outage_is_logged_once_going_and_once_coming_back_not_per_request() {
    let captured = Captured::default();
    telemetry::try_init(
        LogFormat::Json,
        EnvFilter::new("info"),
        captured.clone(),
        false,
    )
    .unwrap();
    let panics = count_panics();
    let forwarder = Forwarder::start(&server_address());
    let app = spawn_app_behind(&forwarder).await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let cached = app.api(&app.secret_of(ACTIVE_TOKEN));
    let uncached = app.api(&app.secret_of(NEVER_USED_TOKEN));
    assert_eq!(cached.whoami().await.status, StatusCode::OK);
    let ready = || async {
        reqwest::get(format!("{}/readyz", app.address))
            .await
            .unwrap()
            .status()
    };
    // The change listener's first "listening" line is behind us.
    let started = Instant::now();
    while !captured
        .lines()
        .iter()
        .any(|line| line.contains("listening for token changes"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the listener started"
        );
        tokio::task::yield_now().await;
    }
    let before = captured.lines().len();

    let written_before = app.access_stats.flushes.load(Ordering::SeqCst);
    forwarder.cut();
    let until = Instant::now() + OUTAGE;
    let pages = || async { admin.get("/settings/api-tokens").await.status };
    let calls = || async { uncached.whoami().await.status };
    let answered = tokio::join!(
        keep_asking(until, pages, StatusCode::SERVICE_UNAVAILABLE),
        keep_asking(until, pages, StatusCode::SERVICE_UNAVAILABLE),
        keep_asking(until, calls, StatusCode::SERVICE_UNAVAILABLE),
        keep_asking(until, calls, StatusCode::SERVICE_UNAVAILABLE),
        keep_asking(until, ready, StatusCode::SERVICE_UNAVAILABLE),
        // Served from the cache; its uses wait for the writer, whose failed writes
        // are no line either.
        keep_asking(
            until,
            || async { cached.whoami().await.status },
            StatusCode::OK
        ),
    );
    let failed = answered.0 + answered.1 + answered.2 + answered.3 + answered.4;
    assert!(failed >= 10, "{failed} requests answered 503");
    forwarder.restore();
    let back = Instant::now();
    while pages().await != StatusCode::OK || calls().await != StatusCode::OK {
        assert!(back.elapsed() < Duration::from_secs(5), "back within 5 s");
    }
    assert_eq!(ready().await, StatusCode::OK);
    // The writer has written what waited (no write succeeded while cut).
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let next_write = app.access_stats.written.notified();
            if app.access_stats.flushes.load(Ordering::SeqCst) > written_before {
                return;
            }
            next_write.await;
        }
    })
    .await
    .unwrap();

    let lines: Vec<Value> = captured.lines()[before..]
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let shown: Vec<String> = lines.iter().map(Value::to_string).collect();
    let saying = |what: &str| lines.iter().filter(|line| message(line) == what).count();
    assert_eq!(
        saying("the database is unreachable"),
        1,
        "{failed} requests answered 503: {shown:#?}"
    );
    assert_eq!(saying("the database is reachable again"), 1, "{shown:#?}");
    let errors: Vec<&str> = lines
        .iter()
        .filter(|line| line["level"] == "ERROR")
        .map(message)
        .collect();
    assert_eq!(errors, ["the database is unreachable"], "{shown:#?}");
    for line in &lines {
        assert_eq!(saying(message(line)), 1, "said once: {shown:#?}");
    }
    assert_eq!(panics.load(Ordering::SeqCst), 0, "nothing panicked");
}
