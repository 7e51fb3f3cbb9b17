//! The `tokendesk` binary: a missing database is created, an unreachable one is one
//! clear line, and `user add` stores an argon2 hash.

use std::io::Write;
use std::process::{Command, Stdio};

use diesel::prelude::*;
use tokendesk::db::schema::users;

use crate::common::{ApiClient, NEVER_USED_TOKEN, TestDb, server_url};
use crate::server_log::ServerLog;

/// The secret key every command here runs with.
const SECRET_KEY: &str = "dGVzdC1rZXktdGhhdC1pcy1hdC1sZWFzdC0zMi1ieXRlcy1sb25n";

/// The binary, run against `database_url` with `SECRET_KEY`.
pub(crate) fn tokendesk(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokendesk"));
    command
        .env("DATABASE_URL", database_url)
        .env("TOKENDESK_SECRET_KEY", SECRET_KEY)
        .env("RUST_LOG", "warn");
    command
}

/// Runs `tokendesk args…` against `database_url` with `stdin` as its standard input.
pub(crate) fn run(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = tokendesk(database_url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting tokendesk");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.as_bytes())
            .expect("writing to tokendesk");
    }
    child.wait_with_output().expect("running tokendesk")
}

/// `tokendesk serve --demo` on a free loopback port, logging at info to a pipe; returns
/// the server, its port, and its log.
pub(crate) fn serve_demo(db: &TestDb) -> (std::process::Child, u16, ServerLog) {
    serve(db, &["--demo"], &[])
}

/// `tokendesk serve` with `args` and the settings `env` on a free loopback port,
/// logging at info to a pipe; returns the server, its port, and its log.
/// `TOKENDESK_PUBLIC_URL` comes from `env` only.
pub(crate) fn serve(
    db: &TestDb,
    args: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Child, u16, ServerLog) {
    let mut server = tokendesk(&db.url)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("TOKENDESK_PUBLIC_URL")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = ServerLog::read(server.stderr.take().unwrap());
    let port = log.bound_port();
    (server, port, log)
}

/// Stops a server started by `serve` as `kill` would, and returns its whole log.
pub(crate) fn stop(mut server: std::process::Child, log: ServerLog) -> String {
    send_signal(&server, "TERM");
    server.wait().unwrap();
    log.whole()
}

/// The cipher of token secrets that commands run by `tokendesk` use.
pub(crate) fn command_cipher() -> tokendesk::domain::SecretCipher {
    tokendesk::domain::SecretCipher::from_master_key(&base64_decode(SECRET_KEY))
}

/// The secret of the demo token `id`, decrypted as a server run by `tokendesk` would.
pub(crate) fn demo_secret(db: &TestDb, id: &str) -> String {
    use tokendesk::domain::TokenId;
    let id = TokenId::parse(id).unwrap();
    let ciphertext: Option<Vec<u8>> = tokendesk::db::schema::api_tokens::table
        .find(id.as_str())
        .select(tokendesk::db::schema::api_tokens::secret_ciphertext)
        .first(&mut db.connection())
        .unwrap();
    let secret = command_cipher().decrypt(&id, &ciphertext.unwrap()).unwrap();
    secret.expose().to_owned()
}

/// Sends `signal` (`TERM`, `INT`) to `child`, as `kill` or Ctrl-C would.
pub(crate) fn send_signal(child: &std::process::Child, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal}");
}

#[test]
fn an_unreachable_database_is_one_clear_line_without_the_password() {
    let output = tokendesk("postgres://app:hunter2@127.0.0.1:1/tokendesk")
        .arg("migrate")
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with(
            "error: cannot reach the database at postgres://app:***@127.0.0.1:1/tokendesk"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn a_missing_database_is_created_and_migrated() {
    let db = TestDb::empty();
    let fresh = format!("{}_fresh", db.name);
    let url = format!("{}/{fresh}", server_url());

    let output = tokendesk(&url).arg("migrate").output().unwrap();

    let mut admin = PgConnection::establish(&format!("{}/postgres", server_url())).unwrap();
    let created =
        diesel::sql_query(format!("DROP DATABASE {fresh} WITH (FORCE)")).execute(&mut admin);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(created.is_ok(), "the database was created");
}

#[test]
fn user_add_reads_the_password_from_stdin_and_stores_an_argon2_hash() {
    let db = TestDb::migrated();
    let mut child = tokendesk(&db.url)
        .args([
            "user",
            "add",
            "--email",
            "New.Admin@Example.test",
            "--name",
            "New Admin",
            "--role",
            "admin",
        ])
        .args(["--new-account", "Example Ltd"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut conn = db.connection();
    let (email, role, hash): (String, String, String) = users::table
        .select((users::email, users::role, users::password_hash))
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (email.as_str(), role.as_str()),
        ("new.admin@example.test", "admin")
    );
    assert!(tokendesk::domain::password::verify(
        "a long password",
        &hash
    ));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("a long password"));
}

#[test]
fn user_add_refuses_a_support_user_with_an_account() {
    let db = TestDb::migrated();

    let output = tokendesk(&db.url)
        .args([
            "user",
            "add",
            "--email",
            "s@example.test",
            "--name",
            "S",
            "--role",
            "support",
        ])
        .args(["--new-account", "Nope"])
        .stdin(Stdio::null())
        .output()
        .unwrap();

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("support staff take neither"));
}

#[tokio::test]
async fn sigterm_writes_the_recorded_last_access_before_exiting() {
    let db = TestDb::migrated();
    let (mut server, port, log) = serve_demo(&db);
    let secret = demo_secret(&db, NEVER_USED_TOKEN);

    let answer = ApiClient::new(&format!("http://127.0.0.1:{port}"), &secret)
        .whoami()
        .await;
    assert_eq!(answer.status, reqwest::StatusCode::OK);
    send_signal(&server, "TERM");
    let status = server.wait().unwrap();
    let log = log.whole();

    assert!(status.success(), "a clean exit on SIGTERM:\n{log}");
    assert!(log.contains("stopped; last access written"), "{log}");
    let written: Option<chrono::DateTime<chrono::Utc>> =
        tokendesk::db::schema::token_last_access::table
            .find(NEVER_USED_TOKEN)
            .select(tokendesk::db::schema::token_last_access::at)
            .first(&mut db.connection())
            .unwrap();
    assert!(
        written.is_some(),
        "the call's last access survived the shutdown"
    );
}

fn base64_decode(encoded: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap()
}

#[tokio::test]
async fn serve_takes_the_public_address_from_the_environment() {
    let db = TestDb::migrated();
    let (server, port, log) = serve(
        &db,
        &[],
        &[("TOKENDESK_PUBLIC_URL", "https://tokens.example.com")],
    );

    let login = reqwest::get(format!("http://127.0.0.1:{port}/login"))
        .await
        .unwrap();
    let hsts = login.headers().get("strict-transport-security").cloned();
    let cookie = login.headers().get("set-cookie").cloned();
    let log = stop(server, log);

    assert_eq!(
        hsts.as_ref().and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains"),
        "{log}"
    );
    assert!(cookie.unwrap().to_str().unwrap().contains("Secure"));
}

#[test]
fn serve_warns_at_start_when_people_reach_it_over_plain_http_on_a_network_address() {
    const WARNING: &str = "serving people over plain http on a network address";
    let db = TestDb::migrated();
    let started_with = |public_url: Option<&str>| {
        let env: Vec<(&str, &str)> = public_url
            .map(|url| ("TOKENDESK_PUBLIC_URL", url))
            .into_iter()
            .collect();
        let (server, _, log) = serve(&db, &[], &env);
        stop(server, log)
    };

    let lan = started_with(Some("http://192.168.1.20:8080"));
    let named = started_with(Some("http://tokens.internal"));
    let https = started_with(Some("https://tokens.example.com"));
    let loopback = started_with(None);
    let localhost = started_with(Some("http://localhost:8080"));

    for log in [&lan, &named] {
        let warning = log.lines().find(|line| line.contains(WARNING));
        let warning = warning.unwrap_or_else(|| panic!("a warning in:\n{log}"));
        assert!(warning.contains("WARN"), "{warning}");
        assert!(
            warning.contains("TOKENDESK_PUBLIC_URL=https://"),
            "{warning}"
        );
    }
    assert!(
        lan.contains("http://192.168.1.20:8080"),
        "names the address:\n{lan}"
    );
    for log in [&https, &loopback, &localhost] {
        assert!(!log.contains(WARNING), "{log}");
        assert!(log.contains("tokendesk is serving"), "{log}");
    }
}
