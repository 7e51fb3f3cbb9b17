//! The `tokendesk` binary: a missing database is created, an unreachable one is one
//! clear line, and `user add` stores an argon2 hash.

use std::io::Write;
use std::process::{Command, Stdio};

use diesel::prelude::*;
use tokendesk::db::schema::users;

use crate::common::{TestDb, server_url};

fn tokendesk(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokendesk"));
    command
        .env("DATABASE_URL", database_url)
        .env(
            "TOKENDESK_SECRET_KEY",
            "dGVzdC1rZXktdGhhdC1pcy1hdC1sZWFzdC0zMi1ieXRlcy1sb25n",
        )
        .env("RUST_LOG", "warn");
    command
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
