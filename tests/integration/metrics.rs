//! Prometheus metrics: served on a listener of their own (never the portal's port),
//! labelled by route pattern rather than raw path, and moving as pages are served,
//! tokens refused and accepted, and sign-ins fail and are held off. The recorder is the
//! process's, shared with every other test here, so values are compared before and
//! after, never against absolute numbers.

use std::time::Duration;

use reqwest::StatusCode;
use tokendesk::app::AppOptions;
use tokendesk::domain::TokenSecret;

use crate::common::{ACTIVE_TOKEN, TestApp, spawn_app_with, token_path};
use crate::visitor::Visitor;

/// One line of the text format: a name, its labels and a value.
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// What `GET /metrics` answered, as text and parsed.
struct Scrape {
    text: String,
    samples: Vec<Sample>,
}

impl Scrape {
    async fn of(app: &TestApp) -> Self {
        let address = app.metrics_address.as_ref().expect("metrics are on");
        let response = reqwest::get(format!("{address}/metrics")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        let text = response.text().await.unwrap();
        let samples = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(parse_sample)
            .collect();
        Self { text, samples }
    }

    /// The sum of the samples named `name` that carry every label in `labels`; zero
    /// when there are none yet.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|sample| sample.name == name)
            .filter(|sample| {
                labels
                    .iter()
                    .all(|(k, v)| sample.labels.iter().any(|(key, val)| key == k && val == v))
            })
            .map(|sample| sample.value)
            .sum()
    }

    fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.samples.iter().any(|sample| {
            sample.name == name
                && labels
                    .iter()
                    .all(|(k, v)| sample.labels.iter().any(|(key, val)| key == k && val == v))
        })
    }
}

/// `name{key="value",…} 1.5` (no label value here holds a quote or a comma).
fn parse_sample(line: &str) -> Sample {
    let (series, value) = line.rsplit_once(' ').expect("a value");
    let (name, labels) = match series.split_once('{') {
        Some((name, labels)) => (name, labels.trim_end_matches('}')),
        None => (series, ""),
    };
    let labels = labels
        .split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("key=value");
            (key.to_owned(), value.trim_matches('"').to_owned())
        })
        .collect();
    Sample {
        name: name.to_owned(),
        labels,
        value: value.parse().expect("a number"),
    }
}

async fn spawn_measured_app() -> TestApp {
    spawn_app_with(AppOptions {
        flush_every: Duration::from_millis(200),
        metrics_bind: Some("127.0.0.1:0".into()),
        ..AppOptions::default()
    })
    .await
}

const REQUESTS: &str = "tokendesk_http_requests_total";
const DURATION_COUNT: &str = "tokendesk_http_request_duration_seconds_count";
const CACHE: &str = "tokendesk_token_cache_lookups_total";

#[tokio::test]
async fn requests_are_counted_and_timed_by_route_pattern_method_and_status() {
    let app = spawn_measured_app().await;
    let visitor = Visitor::new(&app);
    let before = Scrape::of(&app).await;

    let page = visitor.get("/login").await;
    let missing = visitor.get("/no/such/page").await;
    let token_page = visitor.get(&token_path(ACTIVE_TOKEN)).await;
    let after = Scrape::of(&app).await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(token_page.status, StatusCode::SEE_OTHER);
    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    let login = [("method", "GET"), ("route", "/login")];
    assert!(moved(REQUESTS, &[login[0], login[1], ("status", "200")]) >= 1.0);
    assert!(moved(DURATION_COUNT, &login) >= 1.0);
    assert!(after.has(
        "tokendesk_http_request_duration_seconds_bucket",
        &[login[0], login[1], ("le", "0.005")]
    ));
    let unmatched = [("route", "unmatched"), ("status", "404")];
    assert!(moved(REQUESTS, &unmatched) >= 1.0);
    let by_pattern = [("route", "/settings/api-tokens/{id}"), ("status", "303")];
    assert!(moved(REQUESTS, &by_pattern) >= 1.0);
    for raw_path in [ACTIVE_TOKEN, "/no/such/page"] {
        assert!(!after.text.contains(raw_path), "{raw_path} is no label");
    }
    for (name, kind) in [
        (REQUESTS, "counter"),
        ("tokendesk_http_request_duration_seconds", "histogram"),
    ] {
        assert!(after.text.contains(&format!("# TYPE {name} {kind}")));
    }
}

#[tokio::test]
async fn metrics_are_served_only_on_their_own_port() {
    let app = spawn_measured_app().await;
    let client = reqwest::Client::new();
    let metrics = app.metrics_address.clone().unwrap();

    let on_portal = client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    let elsewhere = client.get(format!("{metrics}/login")).send().await.unwrap();

    assert_ne!(metrics, app.address);
    assert_eq!(on_portal.status(), StatusCode::NOT_FOUND);
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn token_lookups_count_hits_misses_and_negative_hits_and_uses_are_flushed() {
    let app = spawn_measured_app().await;
    let unknown = app.api(TokenSecret::generate().expose());
    let known = app.api(&app.secret_of(ACTIVE_TOKEN));
    let before = Scrape::of(&app).await;

    for _ in 0..2 {
        assert_eq!(unknown.whoami().await.status, StatusCode::UNAUTHORIZED);
    }
    let written = app.access_stats.written.notified();
    for _ in 0..2 {
        assert_eq!(known.whoami().await.status, StatusCode::OK);
    }
    tokio::time::timeout(Duration::from_secs(5), written)
        .await
        .expect("the uses were written");
    let after = Scrape::of(&app).await;

    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    assert!(
        moved(CACHE, &[("result", "miss")]) >= 2.0,
        "one of each token"
    );
    assert!(moved(CACHE, &[("result", "negative_hit")]) >= 1.0);
    assert!(moved(CACHE, &[("result", "hit")]) >= 1.0);
    assert!(moved("tokendesk_last_access_flushes_total", &[]) >= 1.0);
    let refused = [("route", "/api/v1/whoami"), ("status", "401")];
    assert!(moved(REQUESTS, &refused) >= 2.0);
    assert!(moved("tokendesk_db_pool_wait_seconds_count", &[]) >= 1.0);
    for (gauge, labels) in [
        ("tokendesk_token_cache_entries", [("kind", "known")]),
        ("tokendesk_token_cache_entries", [("kind", "unknown")]),
        ("tokendesk_db_pool_connections", [("state", "in_use")]),
        ("tokendesk_db_pool_connections", [("state", "idle")]),
    ] {
        assert!(after.has(gauge, &labels), "{gauge} {labels:?}");
    }
    assert!(after.has("tokendesk_last_access_pending_tokens", &[]));
    // Its value is every test app's at once (src/access/writer.rs tests what it says).
    assert!(after.has("tokendesk_last_access_write_interval_seconds", &[]));
    assert!(after.value("tokendesk_db_pool_connections", &[]) >= 1.0);
}

#[tokio::test]
async fn sign_in_failures_and_hold_offs_are_counted() {
    let app = spawn_measured_app().await;
    let visitor = Visitor::new(&app);
    let before = Scrape::of(&app).await;

    // Five failures for an email hold its sign-in off.
    for _ in 0..6 {
        visitor
            .sign_in("nobody@metrics.test", "wrong-password", None)
            .await;
    }
    let held_off = visitor
        .sign_in("nobody@metrics.test", "wrong-password", None)
        .await;
    let after = Scrape::of(&app).await;

    assert_eq!(held_off.status, StatusCode::TOO_MANY_REQUESTS);
    let moved = |name: &str| after.value(name, &[]) - before.value(name, &[]);
    assert!(moved("tokendesk_sign_in_failures_total") >= 5.0);
    assert!(moved("tokendesk_sign_in_throttled_total") >= 2.0);
}

#[tokio::test]
async fn database_up_follows_an_outage_and_the_recovery() {
    let app = spawn_measured_app().await;
    let visitor = Visitor::new(&app);
    let up = |scrape: &Scrape| scrape.value("tokendesk_database_up", &[]);
    assert_eq!(visitor.get("/readyz").await.status, StatusCode::OK);
    assert_eq!(up(&Scrape::of(&app).await), 1.0);

    let away = app.take_database_away();
    assert_eq!(
        visitor.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let during = Scrape::of(&app).await;
    drop(away);
    assert_eq!(visitor.get("/readyz").await.status, StatusCode::OK);
    let after = Scrape::of(&app).await;

    assert_eq!(up(&during), 0.0);
    assert!(during.value("tokendesk_db_pool_timeouts_total", &[]) >= 1.0);
    assert_eq!(up(&after), 1.0);
}
