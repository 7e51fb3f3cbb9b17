//! Values in the database that this version does not know, as a newer version sharing
//! the database might write them: reading one is an error that names the value, and the
//! request that met it a plain 500, never a panic or a guess.

use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::domain::{AccountId, Scope, TokenId, Visibility};

use crate::common::{ACTIVE_TOKEN, DEMO_CORP, NEVER_USED_TOKEN, spawn_app};

#[tokio::test]
async fn a_token_status_this_version_does_not_know_is_an_error_naming_it() {
    let app = spawn_app().await;
    let admin = app.api(&app.demo_corp_secret(Scope::Admin, &["billing", "tokens"]));
    let mut conn = app.db.connection();
    // As a newer version's migration adding a status would.
    diesel::sql_query("ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_status_check")
        .execute(&mut conn)
        .unwrap();
    diesel::update(tokendesk::db::schema::api_tokens::table.find(NEVER_USED_TOKEN))
        .set(tokendesk::db::schema::api_tokens::status.eq("suspended"))
        .execute(&mut conn)
        .unwrap();

    let read = tokendesk::db::tokens::find(
        &mut conn,
        &Visibility::Account(AccountId::parse(DEMO_CORP).unwrap()),
        &TokenId::parse(NEVER_USED_TOKEN).unwrap(),
    );
    let answer = admin.get(&format!("/tokens/{NEVER_USED_TOKEN}")).await;

    let error = read.expect_err("reading the token fails");
    let chain: Vec<String> =
        std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source())
            .map(ToString::to_string)
            .collect();
    assert_eq!(
        chain,
        [
            "Error deserializing field 'status'",
            r#""suspended" is not a token status"#
        ]
    );
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        !answer.text.contains("suspended"),
        "no internals: {}",
        answer.text
    );
    let others = admin.get(&format!("/tokens/{ACTIVE_TOKEN}")).await;
    assert_eq!(others.status, StatusCode::OK, "the other tokens are served");
}
