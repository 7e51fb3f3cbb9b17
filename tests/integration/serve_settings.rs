//! `tokendesk serve` does what its settings say, end to end: every pooled connection has
//! the `statement_timeout` asked for; the real binary takes `TOKENDESK_DB_POOL`,
//! `TOKENDESK_DB_TIMEOUT` and `TOKENDESK_DB_STATEMENT_TIMEOUT` from the environment,
//! serves `/metrics` on a listener of its own with `--metrics-bind` or
//! `TOKENDESK_METRICS_BIND`, writes JSON lines with `TOKENDESK_LOG_FORMAT=json`, and
//! trusts a proxy in `TOKENDESK_TRUSTED_PROXIES` on a dual-stack listener too.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use reqwest::StatusCode;
use serde_json::Value;

use crate::cli::{demo_secret, send_signal, tokendesk};
use crate::common::forwarder::Forwarder;
use crate::common::{
    ACTIVE_TOKEN, ApiClient, DEMO_ADMIN_LOGIN, NEVER_USED_TOKEN, TestDb, server_address, spawn_app,
};
use crate::server_log::ServerLog;
use crate::visitor::Visitor;
use tokendesk::db::schema::sessions;

/// A `tokendesk serve --demo` process, killed (by its id) if a test fails before
/// stopping it.
struct Serving {
    process: Option<Child>,
    log: Option<ServerLog>,
}

impl Serving {
    /// `tokendesk serve --demo --bind 127.0.0.1:0 args…` against `database_url`, with
    /// `env` set, logging at info.
    fn start(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_at("127.0.0.1:0", database_url, args, env)
    }

    /// `start`, listening on `bind`.
    fn start_at(bind: &str, database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut process = tokendesk(database_url)
            .args(["serve", "--demo", "--bind", bind])
            .args(args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = ServerLog::read(process.stderr.take().unwrap());
        Self {
            process: Some(process),
            log: Some(log),
        }
    }

    fn log(&mut self) -> &mut ServerLog {
        self.log.as_mut().unwrap()
    }

    /// Stops it with SIGTERM: whether it exited 0, and its whole log.
    fn stop(mut self) -> (bool, String) {
        let mut process = self.process.take().unwrap();
        send_signal(&process, "TERM");
        let status = process.wait().unwrap();
        (status.success(), self.log.take().unwrap().whole())
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    statement_timeout: String,
}

fn statement_timeout(conn: &mut PgConnection) -> String {
    diesel::sql_query("SHOW statement_timeout")
        .get_result::<Setting>(conn)
        .unwrap()
        .statement_timeout
}

#[tokio::test]
async fn every_pooled_connection_has_the_statement_timeout_asked_for() {
    let app = spawn_app().await;
    let (url, app_pool) = (app.db.url.clone(), app.pool.clone());
    let (served, asked) = tokio::task::spawn_blocking(move || {
        let pool = tokendesk::db::connect(
            &url,
            tokendesk::db::PoolSettings {
                size: 2,
                connection_timeout: Duration::from_secs(2),
                statement_timeout: Duration::from_millis(1500),
            },
        )
        .unwrap();
        // Both of its connections, held at once.
        let (mut first, mut second) = (pool.get().unwrap(), pool.get().unwrap());
        let asked = [
            statement_timeout(&mut first),
            statement_timeout(&mut second),
        ];
        (statement_timeout(&mut app_pool.get().unwrap()), asked)
    })
    .await
    .unwrap();

    assert_eq!(served, "5s", "the server's default, on the app's pool");
    assert_eq!(asked, ["1500ms", "1500ms"]);
}

/// What `call` answered within 10 s (`None` past that), and how long it took.
async fn timed<T>(call: impl std::future::Future<Output = T>) -> (Option<T>, Duration) {
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .ok();
    (answer, started.elapsed())
}

/// The connections to the asking connection's database, other than itself.
fn connections_to(conn: &mut PgConnection) -> i64 {
    diesel::select(diesel::dsl::sql::<BigInt>(
        "(SELECT count(*) FROM pg_stat_activity \
          WHERE datname = current_database() AND pid <> pg_backend_pid())",
    ))
    .get_result(conn)
    .unwrap()
}

#[tokio::test]
async fn serve_takes_the_pool_size_and_both_timeouts_from_the_environment() {
    let db = TestDb::migrated();
    let forwarder = Forwarder::start(&server_address());
    let through_forwarder = db.url.replacen(
        &server_address(),
        &format!("127.0.0.1:{}", forwarder.port),
        1,
    );
    let mut server = Serving::start(
        &through_forwarder,
        &[],
        &[
            ("TOKENDESK_DB_POOL", "3"),
            ("TOKENDESK_DB_TIMEOUT", "400ms"),
            ("TOKENDESK_DB_STATEMENT_TIMEOUT", "300ms"),
        ],
    );
    let port = server.log().bound_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut watcher = db.connection();

    // The pool opens all its connections at start, and never more.
    assert_eq!(connections_to(&mut watcher), 3);
    let probes: Vec<_> = (0..8)
        .map(|_| reqwest::get(format!("{base}/readyz")))
        .collect();
    for probe in futures_util::future::join_all(probes).await {
        assert_eq!(probe.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(connections_to(&mut watcher), 3);

    // A statement held up by a lock is cancelled after 300 ms, not the default 5 s.
    let held_up = ApiClient::new(&base, &demo_secret(&db, NEVER_USED_TOKEN));
    let uncached = ApiClient::new(&base, &demo_secret(&db, ACTIVE_TOKEN));
    watcher
        .batch_execute("BEGIN; LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let (answer, took) = timed(held_up.whoami()).await;
    watcher.batch_execute("ROLLBACK").unwrap();
    let answer = answer.expect("an answer while the table was locked");
    assert_ne!(answer.status, StatusCode::OK);
    assert!(took < Duration::from_secs(2), "{took:?}");
    server
        .log()
        .wait_for("saying the statement was cancelled", |line| {
            line.contains("canceling statement due to statement timeout")
        });

    // With the database away, a request waits 400 ms for a connection, not 2 s.
    forwarder.cut();
    let (refused, took) = timed(uncached.whoami()).await;
    forwarder.restore();
    let refused = refused.expect("an answer while the database was away");
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_millis(1500), "{took:?}");

    let (exited_0, log) = server.stop();
    assert!(exited_0, "{log}");
}

/// Serves with metrics as `args` and `env` ask, and checks `/metrics` is served on the
/// listener the log names, never on the portal's port.
async fn metrics_are_served_apart(args: &[&str], env: &[(&str, &str)]) {
    let db = TestDb::migrated();
    let mut server = Serving::start(&db.url, args, env);
    let port = server.log().bound_port();
    let metrics_port = server.log().port_of("metrics are served at GET /metrics");
    assert_ne!(port, metrics_port);

    let live = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let not_here = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(not_here.status(), StatusCode::NOT_FOUND);
    let scrape = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    let text = scrape.text().await.unwrap();
    assert!(
        text.lines()
            .any(|line| line.starts_with("tokendesk_http_requests_total{")
                && line.contains(r#"route="/healthz""#)
                && line.contains(r#"status="200""#)),
        "{text}"
    );
    assert!(text.contains("\ntokendesk_database_up 1\n"), "{text}");

    let (exited_0, log) = server.stop();
    assert!(exited_0, "{log}");
}

#[tokio::test]
async fn metrics_bind_serves_metrics_on_a_listener_of_their_own() {
    metrics_are_served_apart(&["--metrics-bind", "127.0.0.1:0"], &[]).await;
}

#[tokio::test]
async fn tokendesk_metrics_bind_does_the_same_from_the_environment() {
    metrics_are_served_apart(&[], &[("TOKENDESK_METRICS_BIND", "127.0.0.1:0")]).await;
}

#[tokio::test]
async fn tokendesk_log_format_json_makes_every_line_a_json_object() {
    let db = TestDb::migrated();
    let mut server = Serving::start(&db.url, &[], &[("TOKENDESK_LOG_FORMAT", "json")]);
    let serving = server.log().wait_for("saying it serves", |line| {
        line.contains("tokendesk is serving")
    });
    let serving: Value = serde_json::from_str(&serving).unwrap();
    assert_eq!(serving["level"], "INFO");
    let port = serving["port"].as_u64().unwrap();
    let answered = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::OK);

    let (exited_0, log) = server.stop();
    assert!(exited_0, "{log}");
    let lines: Vec<&str> = log.lines().collect();
    assert!(lines.len() >= 3, "start, serving and stop: {log}");
    for line in lines {
        let parsed: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(parsed.is_object(), "{line}");
        assert!(
            parsed["timestamp"].is_string() && parsed["message"].is_string(),
            "{line}"
        );
    }
    assert!(
        log.contains(r#""message":"stopped; last access written""#),
        "{log}"
    );
}

#[tokio::test]
async fn a_trusted_ipv4_proxy_is_trusted_on_a_dual_stack_listener() {
    let db = TestDb::migrated();
    // Listening on every IPv6 and IPv4 address at once, the server sees a peer at
    // 127.0.0.1 as ::ffff:127.0.0.1: still the proxy it was told to trust.
    let mut server = Serving::start_at(
        "[::]:0",
        &db.url,
        &[],
        &[("TOKENDESK_TRUSTED_PROXIES", "127.0.0.1")],
    );
    let port = server.log().bound_port();
    let base = format!("http://127.0.0.1:{port}");
    let client: std::net::IpAddr = "198.51.100.23".parse().unwrap();

    let visitor = Visitor::at_behind_a_proxy(&base, client);
    let signed_in = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let signed_in_from: Vec<Option<String>> = sessions::table
        .select(sessions::ip)
        .load(&mut db.connection())
        .unwrap();
    assert_eq!(
        signed_in_from,
        [Some(client.to_string())],
        "the address the proxy forwarded, not the proxy's"
    );

    // And the proxy's request id is kept, as a trusted proxy's is.
    let answer = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .header("x-request-id", "proxy-chose-this-id")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["x-request-id"], "proxy-chose-this-id");

    let (exited_0, log) = server.stop();
    assert!(exited_0, "{log}");
}
