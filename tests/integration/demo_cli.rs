//! `tokendesk demo reset` and the demo's refusal of an https public address, with the
//! real binary.

use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::schema::{accounts, api_tokens};
use tokendesk::demo;
use tokendesk::domain::Scope;

use crate::cli::{run, serve, stop, tokendesk};
use crate::common::{ACTIVE_TOKEN, TestDb, invalidated_after, spawn_app};

fn count_accounts(db: &TestDb) -> i64 {
    accounts::table
        .count()
        .get_result(&mut db.connection())
        .unwrap()
}

#[test]
fn demo_reset_seeds_an_empty_database_and_undoes_what_a_run_changed() {
    let db = TestDb::migrated();

    let first = run(&db.url, &["demo", "reset"], "");
    diesel::update(api_tokens::table.find(ACTIVE_TOKEN))
        .set(api_tokens::name.eq("Renamed by a run"))
        .execute(&mut db.connection())
        .unwrap();
    let again = run(&db.url, &["demo", "reset"], "");

    for output in [&first, &again] {
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{said}");
        assert!(
            said.contains("the demo is back in its first state"),
            "{said}"
        );
    }
    let (name, tokens): (String, i64) = (
        api_tokens::table
            .find(ACTIVE_TOKEN)
            .select(api_tokens::name)
            .first(&mut db.connection())
            .unwrap(),
        api_tokens::table
            .count()
            .get_result(&mut db.connection())
            .unwrap(),
    );
    assert_eq!(name, "CI deploy pipeline");
    assert_eq!(
        tokens as usize,
        demo::token_count(demo::DEMO_CORP) + demo::token_count(demo::OTHER_INC)
    );
}

#[tokio::test]
async fn a_reset_from_the_command_line_reaches_a_running_server_at_once() {
    let app = spawn_app().await;
    let made_by_a_run = app.api(&app.demo_corp_secret(Scope::Read, &["billing"]));
    invalidated_after(&app.cache, 0).await; // the server is listening
    assert_eq!(
        made_by_a_run.whoami().await.status,
        StatusCode::OK,
        "cached"
    );
    let seen = app.cache.invalidations();

    let url = app.db.url.clone();
    let output = tokio::task::spawn_blocking(move || run(&url, &["demo", "reset"], ""))
        .await
        .unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    invalidated_after(&app.cache, seen).await;
    assert_eq!(
        made_by_a_run.whoami().await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn the_demo_refuses_an_https_public_address_before_touching_the_database() {
    let db = TestDb::migrated();

    for args in [
        &["serve", "--demo", "--bind", "127.0.0.1:0"][..],
        &["demo", "reset"][..],
    ] {
        let output = tokendesk(&db.url)
            .args(args)
            .env("TOKENDESK_PUBLIC_URL", "https://tokens.example.com")
            .output()
            .unwrap();

        let said = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}: {said}");
        assert!(
            said.contains(
                "the demo refuses to run with TOKENDESK_PUBLIC_URL=https://tokens.example.com"
            ),
            "{args:?}: {said}"
        );
        assert_eq!(count_accounts(&db), 0, "{args:?} seeded nothing");
    }
}

/// `tokendesk serve` over https against `db`: what it said on standard error if it
/// refused to start, or `None` if it was still running (serving) after ten seconds,
/// when it is stopped.
fn serve_over_https(db: &TestDb) -> Option<String> {
    let server = tokendesk(&db.url)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("TOKENDESK_PUBLIC_URL", "https://tokens.example.com")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = server.id().to_string();
    let (ended, exited) = std::sync::mpsc::channel();
    std::thread::spawn(move || ended.send(server.wait_with_output().unwrap()));
    let Ok(refused) = exited.recv_timeout(std::time::Duration::from_secs(10)) else {
        let stopped = std::process::Command::new("kill")
            .arg(&pid)
            .status()
            .unwrap();
        assert!(stopped.success());
        return None;
    };
    assert!(!refused.status.success());
    Some(String::from_utf8_lossy(&refused.stderr).into_owned())
}

#[test]
fn serving_over_https_refuses_a_database_where_the_demos_published_access_works() {
    let db = TestDb::migrated();
    let reset = tokendesk(&db.url).args(["demo", "reset"]).output().unwrap();
    assert!(reset.status.success(), "{reset:?}");

    let said = serve_over_https(&db).expect("refused");

    assert!(
        said.contains("refusing to serve https://tokens.example.com")
            && said.contains("support@demo.test")
            && said.contains(demo::TOKENS_ADMIN_TOKEN),
        "{said}"
    );
    // Its people disabled, its tokens with published secrets still work.
    for user in demo::USERS {
        let disabled = run(&db.url, &["user", "disable", "--email", user.email], "");
        assert!(disabled.status.success(), "{disabled:?}");
    }
    let said = serve_over_https(&db).expect("still refused");
    assert!(
        !said.contains("support@demo.test") && said.contains(demo::TOKENS_ADMIN_TOKEN),
        "{said}"
    );
    // Once they are disabled too, it serves.
    diesel::sql_query(
        "UPDATE api_tokens SET status = 'disabled', disabled_at = now() WHERE status = 'active'",
    )
    .execute(&mut db.connection())
    .unwrap();
    let (server, _, log) = serve(
        &db,
        &[],
        &[("TOKENDESK_PUBLIC_URL", "https://tokens.example.com")],
    );
    assert!(!stop(server, log).contains("refusing to serve"));
}
