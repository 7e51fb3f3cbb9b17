//! The lookup cache: a hot token costs no database read, every change invalidates it
//! on this instance before the response and on others through LISTEN/NOTIFY, and expiry
//! is checked on cached entries too. Turned off, it keeps nothing: every lookup reads
//! the database.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use tokendesk::app::AppOptions;
use tokendesk::config::TokenCacheMode;
use tokendesk::db::schema::api_tokens;
use tokendesk::db::tokens::Lookup;
use tokendesk::domain::verification::Grant;
use tokendesk::domain::{AccountId, Scope, TokenId, TokenSecret, TokenStatus, UserId};

use crate::common::{
    ApiClient, DEMO_ADMIN_LOGIN, DEMO_CORP, USAGE_WRITE_TOKEN, invalidated_after, spawn_app,
    spawn_app_with, token_path,
};
use crate::visitor::Visitor;

#[tokio::test]
async fn a_hot_token_is_served_from_the_cache_without_reading_the_database() {
    let app = spawn_app().await;
    let api = app.api(&app.secret_of(USAGE_WRITE_TOKEN));
    invalidated_after(&app.cache, 0).await; // the listener's start-up clear is behind us
    assert_eq!(api.whoami().await.status, StatusCode::OK);

    // Behind the app's back, with no notification: only a database read would see it.
    diesel::update(api_tokens::table.find(USAGE_WRITE_TOKEN))
        .set(api_tokens::name.eq("Renamed behind the cache"))
        .execute(&mut app.db.connection())
        .unwrap();

    assert_eq!(
        api.whoami().await.body["name"],
        "Usage reporter",
        "served from the cache"
    );
    app.cache.clear();
    assert_eq!(api.whoami().await.body["name"], "Renamed behind the cache");
}

#[tokio::test]
async fn with_the_cache_off_a_change_made_straight_in_the_database_is_seen_at_once() {
    let app = spawn_app_with(AppOptions {
        token_cache: TokenCacheMode::Off,
        ..AppOptions::default()
    })
    .await;
    let secret = app.secret_of(USAGE_WRITE_TOKEN);
    let (api, gateway) = (app.api(&secret), app.service("gateway"));
    assert_eq!(api.whoami().await.body["name"], "Usage reporter");

    // Behind the app's back, with no notification: only a database read sees these
    // (the cached test above is still shown the old name).
    diesel::update(api_tokens::table.find(USAGE_WRITE_TOKEN))
        .set(api_tokens::name.eq("Renamed behind the cache"))
        .execute(&mut app.db.connection())
        .unwrap();
    assert_eq!(api.whoami().await.body["name"], "Renamed behind the cache");
    diesel::update(api_tokens::table.find(USAGE_WRITE_TOKEN))
        .set((
            api_tokens::status.eq("disabled"),
            api_tokens::disabled_at.eq(chrono::Utc::now()),
            api_tokens::disabled_by_person.eq(true),
        ))
        .execute(&mut app.db.connection())
        .unwrap();
    assert_eq!(api.whoami().await.body["reason"], "disabled");
    let verified = gateway.post("/verify", &json!({ "token": secret })).await;
    assert_eq!(verified.body["reason"], "disabled", "{:?}", verified.body);

    // Nor is an unknown token remembered: added behind the app's back, it works at once.
    let unknown_then = TokenSecret::generate();
    let newcomer = app.api(unknown_then.expose());
    assert_eq!(newcomer.whoami().await.body["reason"], "unknown");
    let asked = json!({ "token": unknown_then.expose() });
    assert_eq!(
        gateway.post("/verify", &asked).await.body["reason"],
        "unknown"
    );
    app.insert_token(DEMO_CORP, Scope::Read, &["usage"], &unknown_then);
    assert_eq!(newcomer.whoami().await.status, StatusCode::OK);
    assert_eq!(gateway.post("/verify", &asked).await.body["active"], true);
    assert_eq!(app.cache.entry_counts(), (0, 0), "nothing was kept");
}

#[tokio::test]
async fn disabling_through_one_instance_is_refused_by_another_within_a_second() {
    let app = spawn_app().await;
    let other = app.second_instance();
    let secret = app.secret_of(USAGE_WRITE_TOKEN);
    let (api, on_other) = (app.api(&secret), ApiClient::new(&other.address, &secret));
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let csrf = admin.csrf_token().await;
    invalidated_after(&other.cache, 0).await; // the other instance is listening
    assert_eq!(
        on_other.whoami().await.status,
        StatusCode::OK,
        "cached on the other instance"
    );
    let seen = other.cache.invalidations();

    let page = admin
        .post_form(
            &format!("{}/disable", token_path(USAGE_WRITE_TOKEN)),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    invalidated_after(&other.cache, seen).await;

    let refused = on_other.whoami().await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body["reason"], "disabled");
    assert_eq!(
        api.whoami().await.body["reason"],
        "disabled",
        "and at once on the instance that changed it"
    );
}

#[tokio::test]
async fn editing_a_tokens_scope_takes_effect_on_the_next_request() {
    let app = spawn_app().await;
    let api = app.api(&app.secret_of(USAGE_WRITE_TOKEN));
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let csrf = admin.csrf_token().await;
    assert_eq!(api.whoami().await.body["scope"], "write");

    admin
        .post_form(
            &format!("{}/edit", token_path(USAGE_WRITE_TOKEN)),
            &[
                ("csrf_token", &csrf),
                ("name", "Usage reporter"),
                ("scope", "read"),
                ("modules", "usage"),
            ],
        )
        .await;

    assert_eq!(api.whoami().await.body["scope"], "read");
}

#[tokio::test]
async fn an_expiry_passing_refuses_a_cached_token_without_any_change_to_its_row() {
    let app = spawn_app().await;
    let secret = TokenSecret::parse(&app.secret_of(USAGE_WRITE_TOKEN)).unwrap();
    let expired_a_moment_ago = Grant {
        token_id: TokenId::parse(USAGE_WRITE_TOKEN).unwrap(),
        account_id: AccountId::parse(DEMO_CORP).unwrap(),
        name: "Usage reporter".into(),
        scope: Scope::Write,
        modules: Vec::new(),
        status: TokenStatus::Active,
        created_by: UserId::parse(tokendesk::demo::DEMO_ADMIN).unwrap(),
        created_at: chrono::Utc::now() - chrono::Duration::days(1),
        expires_at: Some(chrono::Utc::now() - chrono::Duration::milliseconds(1)),
        secret_ends_at: None,
        allowed_addresses: tokendesk::domain::AddressAllowlist::ANYWHERE,
        rate_limit: None,
    };
    // The listener's start-up clear is behind us, so nothing drops what is put in.
    invalidated_after(&app.cache, 0).await;
    // The cache holds the token as it was read while its expiry was still ahead.
    let now = app.cache.generation();
    assert!(app.cache.insert_if_current(
        secret.digest(),
        &Lookup::Found(std::sync::Arc::new(expired_a_moment_ago)),
        now,
    ));

    let answer = app.api(secret.expose()).whoami().await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["reason"], "expired");
}

#[tokio::test]
async fn a_token_created_a_moment_ago_works_on_its_first_request() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let csrf = admin.csrf_token().await;
    let unknown_then = TokenSecret::generate();
    assert_eq!(
        app.api(unknown_then.expose()).whoami().await.body["reason"],
        "unknown"
    );

    let created = admin
        .post_form(
            "/settings/api-tokens",
            &[
                ("csrf_token", &csrf),
                ("name", "Fresh"),
                ("scope", "read"),
                ("modules", "usage"),
                ("expires_in", "none"),
            ],
        )
        .await;
    let secret = created.text("new-token-secret");

    assert_eq!(app.api(&secret).whoami().await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_listener_that_loses_its_connection_reconnects_and_clears_the_cache() {
    let app = spawn_app().await;
    let api = app.api(&app.secret_of(USAGE_WRITE_TOKEN));
    // The listener clears the cache once it listens: wait for that before caching.
    invalidated_after(&app.cache, 0).await;
    assert_eq!(api.whoami().await.status, StatusCode::OK);
    diesel::update(api_tokens::table.find(USAGE_WRITE_TOKEN))
        .set(api_tokens::name.eq("Changed while nobody listened"))
        .execute(&mut app.db.connection())
        .unwrap();
    assert_eq!(api.whoami().await.body["name"], "Usage reporter");
    let seen = app.cache.invalidations();

    let terminated: Vec<bool> = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN tokendesk_token_changed%'",
    ))
    .load(&mut app.db.connection())
    .unwrap();
    assert_eq!(terminated, [true], "the listener's connection was cut");
    invalidated_after(&app.cache, seen).await;

    assert_eq!(
        api.whoami().await.body["name"],
        "Changed while nobody listened"
    );
}
