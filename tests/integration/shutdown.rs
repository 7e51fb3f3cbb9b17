//! Stopping the real binary: on SIGTERM, or Ctrl-C (SIGINT), `tokendesk serve` stops
//! accepting connections, lets the request in flight finish with its normal answer,
//! writes every last access it recorded (those of a write under way that failed too),
//! and exits 0 within 10 seconds.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::schema::{token_last_access, token_usage_daily};

use crate::cli::{demo_secret, send_signal, serve, serve_demo, tokendesk};
use crate::common::{ApiClient, NEVER_USED_TOKEN, TestDb};

/// How long the process may take to be gone once signalled.
const EXIT_WITHIN: Duration = Duration::from_secs(10);
/// The service the request in flight comes through.
const SERVICE: &str = "gateway";
/// The end client the request in flight speaks for.
const CLIENT_IP: &str = "203.0.113.7";

/// A `POST /api/v1/verify` sent by hand over one connection, its body in two halves.
struct HalfSent {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl HalfSent {
    /// Sends the headers, waits for the server's `100 Continue` (the request is in its
    /// hands now, waiting for its body), then sends the first half of the body.
    fn start(port: u16, service_secret: &str, token: &str) -> Self {
        let body = serde_json::json!({"token": token, "client_ip": CLIENT_IP}).to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(EXIT_WITHIN)).unwrap();
        let head = format!(
            "POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
             Authorization: Bearer {service_secret}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        let continued = b"HTTP/1.1 100 Continue\r\n\r\n";
        let mut interim = vec![0; continued.len()];
        stream.read_exact(&mut interim).unwrap();
        assert_eq!(interim, continued, "{}", String::from_utf8_lossy(&interim));
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        stream.write_all(first).unwrap();
        Self {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body; the whole answer, once the server has closed the
    /// connection.
    fn finish(mut self) -> String {
        self.stream.write_all(&self.rest).unwrap();
        let mut answer = String::new();
        self.stream.read_to_string(&mut answer).unwrap();
        answer
    }
}

/// Waits until connecting to `port` is refused: the listening socket is closed.
fn refused_within(port: u16, limit: Duration) {
    let start = Instant::now();
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Err(error) if error.kind() == ErrorKind::ConnectionRefused => return,
            // Queued by the kernel as the listener closed, and reset with it: the close
            // is under way, so ask again.
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
            Err(error) => panic!("connecting after the signal: {error}"),
            // Accepted before the listener closed; let it go and ask again.
            Ok(accepted) => drop(accepted),
        }
        assert!(
            start.elapsed() < limit,
            "still accepting connections {limit:?} after the signal"
        );
        std::thread::yield_now();
    }
}

/// How `server` exited, if it did within `limit`; else it is killed, and `None`.
fn exited_within(server: std::process::Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let pid = server.id();
    let (exited, exit) = std::sync::mpsc::channel();
    let waiting = std::thread::spawn(move || {
        let mut server = server;
        let _ = exited.send(server.wait());
    });
    let status = exit.recv_timeout(limit).ok().map(Result::unwrap);
    if status.is_none() {
        // Ours, by its id: don't leave it running.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    let _ = waiting.join();
    status
}

/// A new service credential for the database, made as an operator makes it.
fn add_service(db: &TestDb) -> String {
    let output = tokendesk(&db.url)
        .args(["service", "add", "--name", SERVICE])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Every request counted for `token`, over all days.
fn counted(db: &TestDb, token: &str) -> i64 {
    let days: Vec<i64> = token_usage_daily::table
        .filter(token_usage_daily::token_id.eq(token))
        .select(token_usage_daily::requests)
        .load(&mut db.connection())
        .unwrap();
    days.iter().sum()
}

/// Signals a server with calls recorded and a request in flight, and checks it stops
/// as it should.
async fn stops_gracefully_on(signal: &str) {
    let db = TestDb::migrated();
    let service = add_service(&db);
    let (server, port, log) = serve_demo(&db);
    let token = demo_secret(&db, NEVER_USED_TOKEN);
    let before = counted(&db, NEVER_USED_TOKEN);
    let caller = ApiClient::new(&format!("http://127.0.0.1:{port}"), &token);
    for _ in 0..3 {
        assert_eq!(caller.whoami().await.status, StatusCode::OK);
    }
    let in_flight = HalfSent::start(port, &service, &token);

    send_signal(&server, signal);
    let signalled = Instant::now();
    refused_within(port, EXIT_WITHIN);
    let answer = in_flight.finish();
    let status = exited_within(server, EXIT_WITHIN.saturating_sub(signalled.elapsed()));
    let log = log.whole();

    let status =
        status.unwrap_or_else(|| panic!("gone within {EXIT_WITHIN:?} of SIG{signal}:\n{log}"));
    assert!(status.success(), "a clean exit on SIG{signal}:\n{log}");
    assert!(
        answer.starts_with("HTTP/1.1 200 OK\r\n"),
        "the request in flight was answered: {answer}\n{log}"
    );
    assert!(answer.contains(r#""active":true"#), "{answer}");
    assert!(answer.contains(NEVER_USED_TOKEN), "{answer}");
    assert_eq!(
        counted(&db, NEVER_USED_TOKEN) - before,
        4,
        "the three calls before the signal and the one in flight were all written:\n{log}"
    );
    let (ip, via): (Option<String>, Option<String>) = token_last_access::table
        .find(NEVER_USED_TOKEN)
        .select((token_last_access::ip, token_last_access::via))
        .first(&mut db.connection())
        .unwrap();
    assert_eq!(
        (ip.as_deref(), via.as_deref()),
        (Some(CLIENT_IP), Some(SERVICE)),
        "the last access is the request that was in flight"
    );
}

#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_writes_last_access_and_exits_0() {
    stops_gracefully_on("TERM").await;
}

#[tokio::test]
async fn ctrl_c_stops_as_gracefully_as_sigterm() {
    stops_gracefully_on("INT").await;
}

/// A server that is killed if the test ends (an assertion failing) before it exited.
struct KilledIfLeft(Option<std::process::Child>);

impl Drop for KilledIfLeft {
    fn drop(&mut self) {
        if let Some(mut server) = self.0.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

/// The backend of another session that waits for a lock in `conn`'s database, and when
/// its current statement began: the last-access writer blocked by the test's lock.
fn waiting_for_a_lock(conn: &mut PgConnection) -> Option<(i32, String)> {
    #[derive(QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
        #[diesel(sql_type = diesel::sql_types::Text)]
        began: String,
    }
    diesel::sql_query(
        "SELECT pid, query_start::text AS began FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
           AND wait_event_type = 'Lock' LIMIT 1",
    )
    .get_result::<Waiting>(conn)
    .optional()
    .unwrap()
    .map(|w| (w.pid, w.began))
}

/// Whether backend `pid` is still running the statement that began at `began`.
fn still_running(conn: &mut PgConnection, pid: i32, began: &str) -> bool {
    diesel::select(
        diesel::dsl::sql::<diesel::sql_types::Bool>(
            "EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ",
        )
        .bind::<diesel::sql_types::Integer, _>(pid)
        .sql(" AND query_start::text = ")
        .bind::<diesel::sql_types::Text, _>(began)
        .sql(" AND state = 'active')"),
    )
    .get_result(conn)
    .unwrap()
}

#[tokio::test]
async fn a_write_under_way_at_shutdown_that_fails_is_written_by_the_final_one() {
    let db = TestDb::migrated();
    // The writer's statements give up after two seconds.
    let (server, port, log) = serve(
        &db,
        &["--demo"],
        &[("TOKENDESK_DB_STATEMENT_TIMEOUT", "2s")],
    );
    let mut server = KilledIfLeft(Some(server));
    let token = demo_secret(&db, NEVER_USED_TOKEN);
    let before = counted(&db, NEVER_USED_TOKEN);
    let mut locker = db.connection();
    locker
        .batch_execute("BEGIN; LOCK TABLE token_usage_daily IN EXCLUSIVE MODE")
        .unwrap();
    let caller = ApiClient::new(&format!("http://127.0.0.1:{port}"), &token);
    for _ in 0..3 {
        assert_eq!(caller.whoami().await.status, StatusCode::OK);
    }
    // No idle connection of ours to hold the server's stop up.
    drop(caller);
    // The writer takes the three calls and waits for the lock.
    let mut watcher = db.connection();
    let started = Instant::now();
    let (pid, began) = loop {
        if let Some(waiting) = waiting_for_a_lock(&mut watcher) {
            break waiting;
        }
        assert!(
            started.elapsed() < EXIT_WITHIN,
            "the writer never waited for the lock"
        );
        std::thread::yield_now();
    };

    send_signal(server.0.as_ref().unwrap(), "TERM");
    // The blocked statement ends (its timeout, or its connection closing), and the
    // lock goes: a write after that can be made.
    while still_running(&mut watcher, pid, &began) {
        assert!(
            started.elapsed() < 2 * EXIT_WITHIN,
            "the writer's statement never ended"
        );
        std::thread::yield_now();
    }
    locker.batch_execute("COMMIT").unwrap();
    let status = exited_within(server.0.take().unwrap(), EXIT_WITHIN);
    let log = log.whole();

    assert!(status.is_some_and(|s| s.success()), "a clean exit:\n{log}");
    assert_eq!(
        counted(&db, NEVER_USED_TOKEN) - before,
        3,
        "the calls the failed write held were written after it:\n{log}"
    );
    assert!(log.contains("stopped; last access written"), "{log}");
}
