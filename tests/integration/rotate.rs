//! Rotating a token: a new secret for the same token, the old one working for the grace
//! period and refused the moment it ends (cache or not, on every instance), and at once
//! when the token is disabled or deleted; within containment, validated and audited.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokendesk::db::schema::{api_tokens, audit_events};
use tokendesk::db::tokens::Lookup;
use tokendesk::domain::{Scope, TokenSecret};

use crate::common::{
    ApiClient, DEMO_ADMIN_LOGIN, DEMO_MEMBER_LOGIN, EXPIRED_TOKEN, OTHER_INC_TOKEN, SUPPORT_LOGIN,
    TestApp, invalidated_after, spawn_app, token_path,
};
use crate::visitor::Visitor;

/// A Demo Corp token that may change tokens (write, Tokens and Billing), never
/// expiring; its client.
fn manager(app: &TestApp) -> ApiClient {
    app.api(&app.demo_corp_secret(Scope::Write, &["tokens", "billing"]))
}

/// A fresh read token of Demo Corp with Billing: its id and its secret.
fn target(app: &TestApp) -> (String, String) {
    let secret = TokenSecret::generate();
    let id = app.insert_token(
        tokendesk::demo::DEMO_CORP,
        Scope::Read,
        &["billing"],
        &secret,
    );
    (id, secret.expose().to_owned())
}

async fn rotate(api: &ApiClient, id: &str, body: Value) -> crate::common::ApiResponse {
    api.post(&format!("/tokens/{id}/rotate"), &body).await
}

fn audit_actions(app: &TestApp, token: &str) -> Vec<(String, String)> {
    audit_events::table
        .filter(audit_events::token_id.eq(token))
        .order(audit_events::id)
        .select((audit_events::action, audit_events::details))
        .load(&mut app.db.connection())
        .unwrap()
}

#[tokio::test]
async fn both_secrets_work_during_the_grace_period_and_the_token_stays_the_same() {
    let app = spawn_app().await;
    let (id, old) = target(&app);
    let before = manager(&app).get(&format!("/tokens/{id}")).await.body;

    let rotated = rotate(&manager(&app), &id, json!({"grace_seconds": 3600})).await;

    assert_eq!(rotated.status, StatusCode::OK, "{:?}", rotated.body);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("tdk_") && new != old);
    assert_eq!(rotated.body["token"]["id"], id.as_str());
    for field in ["name", "scope", "modules", "created_at", "expires_at"] {
        assert_eq!(rotated.body["token"][field], before[field], "{field} stays");
    }
    assert_ne!(
        rotated.body["token"]["masked"], before["masked"],
        "a new prefix"
    );
    let ends: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(rotated.body["old_secret_ends_at"].clone()).unwrap();
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!((in_an_hour - ends).num_seconds().abs() < 60, "{ends}");
    assert_eq!(
        rotated.body["token"]["old_secret_ends_at"],
        rotated.body["old_secret_ends_at"]
    );

    for secret in [&old, &new] {
        let whoami = app.api(secret).whoami().await;
        assert_eq!(whoami.status, StatusCode::OK);
        assert_eq!(whoami.body["token_id"], id.as_str());
    }
    let events = audit_actions(&app, &id);
    let (action, details) = events.last().unwrap();
    assert_eq!(action, "token.rotate");
    assert!(
        details.starts_with("The old secret works until "),
        "{details}"
    );
}

#[tokio::test]
async fn without_a_grace_period_the_old_secret_is_refused_at_once_as_rotated() {
    let app = spawn_app().await;
    let (id, old) = target(&app);
    let old_api = app.api(&old);
    assert_eq!(old_api.whoami().await.status, StatusCode::OK, "cached");

    let rotated = rotate(&manager(&app), &id, json!({"grace_seconds": 0})).await;

    assert_eq!(rotated.status, StatusCode::OK);
    let refused = old_api.whoami().await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body["reason"], "rotated");
    let new = rotated.body["secret"].as_str().unwrap();
    assert_eq!(app.api(new).whoami().await.status, StatusCode::OK);
    assert!(rotated.body["token"].get("old_secret_ends_at").is_none());
    assert_eq!(
        audit_actions(&app, &id).last().unwrap().1,
        "The old secret stopped working at once"
    );
}

#[tokio::test]
async fn the_old_secret_is_refused_the_moment_its_grace_period_ends_cached_or_not() {
    let app = spawn_app().await;
    let (id, old) = target(&app);
    invalidated_after(&app.cache, 0).await; // the listener is listening
    let before = app.cache.invalidations();
    rotate(&manager(&app), &id, json!({"grace_seconds": 3600})).await;
    // The rotation drops the token and the unknown tokens here before it answers, and
    // its two notifications (the token changed; a secret appeared) do the same again
    // through the listener, perhaps before the answer is read: once all four have,
    // nothing drops what is cached next.
    invalidated_after(&app.cache, before + 3).await;
    let secret = TokenSecret::parse(&old).unwrap();
    let old_api = app.api(&old);
    assert_eq!(old_api.whoami().await.status, StatusCode::OK);
    let Some(Lookup::Found(cached)) = app.cache.get(&secret.digest()) else {
        panic!("the old secret's lookup is cached");
    };
    assert!(cached.secret_ends_at.is_some());

    // The cache holds the grant as read an hour ago: the hour has just passed.
    let ended = chrono::Utc::now() - chrono::Duration::milliseconds(1);
    let mut stale = (*cached).clone();
    stale.secret_ends_at = Some(ended);
    let now = app.cache.generation();
    assert!(app.cache.insert_if_current(
        secret.digest(),
        &Lookup::Found(std::sync::Arc::new(stale)),
        now
    ));
    let refused = old_api.whoami().await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body["reason"], "rotated");

    // And read from the database, with nothing cached.
    diesel::update(api_tokens::table.find(&id))
        .set(api_tokens::previous_secret_ends_at.eq(Some(ended)))
        .execute(&mut app.db.connection())
        .unwrap();
    app.cache.clear();
    assert_eq!(old_api.whoami().await.body["reason"], "rotated");
}

#[tokio::test]
async fn disabling_or_deleting_stops_the_old_secret_at_once_on_every_instance() {
    let app = spawn_app().await;
    let (id, old) = target(&app);
    let rotated = rotate(&manager(&app), &id, json!({"grace_seconds": 86400})).await;
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    // Started after the rotation, so the only news it gets later is the disable's.
    let other = app.second_instance();
    invalidated_after(&other.cache, 0).await; // the other instance is listening
    let on_other = |secret: &str| ApiClient::new(&other.address, secret);
    assert_eq!(on_other(&old).whoami().await.status, StatusCode::OK);
    let seen = other.cache.invalidations();

    let disabled = manager(&app)
        .post_empty(&format!("/tokens/{id}/disable"))
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    invalidated_after(&other.cache, seen).await;

    for secret in [&old, &new] {
        assert_eq!(on_other(secret).whoami().await.body["reason"], "disabled");
        assert_eq!(app.api(secret).whoami().await.body["reason"], "disabled");
    }
    let again = manager(&app)
        .post_empty(&format!("/tokens/{id}/enable"))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(app.api(&new).whoami().await.status, StatusCode::OK);
    assert_eq!(
        app.api(&old).whoami().await.body["reason"],
        "rotated",
        "enabling it again brings back only the new secret"
    );

    let deleted = manager(&app).delete(&format!("/tokens/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.api(&old).whoami().await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.api(&new).whoami().await.body["reason"], "deleted");
    let kept: (Option<Vec<u8>>, Option<chrono::DateTime<chrono::Utc>>) = api_tokens::table
        .find(&id)
        .select((
            api_tokens::previous_secret_digest,
            api_tokens::previous_secret_ends_at,
        ))
        .first(&mut app.db.connection())
        .unwrap();
    assert_eq!(
        kept,
        (None, None),
        "a deleted token keeps no secret material"
    );
    drop(other);
}

#[tokio::test]
async fn a_token_rotates_only_tokens_within_its_reach_and_never_itself() {
    let app = spawn_app().await;
    let secret = app.demo_corp_secret(Scope::Write, &["tokens", "billing"]);
    let caller = app.api(&secret);
    let own_id = caller.whoami().await.body["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stronger = app.insert_token(
        tokendesk::demo::DEMO_CORP,
        Scope::Admin,
        &["billing"],
        &TokenSecret::generate(),
    );

    let itself = rotate(&caller, &own_id, json!({"grace_seconds": 0})).await;
    assert_eq!(itself.status, StatusCode::FORBIDDEN, "{:?}", itself.body);
    assert!(
        itself.body["detail"]
            .as_str()
            .unwrap()
            .contains("rotate itself")
    );
    let above = rotate(&caller, &stronger, json!({"grace_seconds": 0})).await;
    assert_eq!(above.status, StatusCode::FORBIDDEN);
    let reader = app.api(&app.demo_corp_secret(Scope::Read, &["tokens", "billing"]));
    let (id, _) = target(&app);
    let read_only = rotate(&reader, &id, json!({"grace_seconds": 0})).await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.api(&secret).whoami().await.status,
        StatusCode::OK,
        "unchanged"
    );
    assert!(
        audit_actions(&app, &stronger).is_empty(),
        "nothing recorded for a refused rotation"
    );
}

#[tokio::test]
async fn hostile_or_impossible_rotations_get_a_clear_4xx_and_change_nothing() {
    let app = spawn_app().await;
    let api = manager(&app);
    let (id, old) = target(&app);

    for grace in [json!(-1), json!(604_801), json!(i64::MAX)] {
        let answer = rotate(&api, &id, json!({ "grace_seconds": grace })).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{grace}");
        assert!(
            answer.body["errors"]["grace_seconds"].is_string(),
            "{:?}",
            answer.body
        );
    }
    for body in [
        json!({}),
        json!({"grace_seconds": "1h"}),
        json!({"grace_seconds": 1, "x": 1}),
    ] {
        let answer = rotate(&api, &id, body.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(
        rotate(&api, OTHER_INC_TOKEN, json!({"grace_seconds": 0}))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "another account's token is not there"
    );
    assert_eq!(
        rotate(&api, "TK-nonsense", json!({"grace_seconds": 0}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let (lapsed, _) = target(&app);
    diesel::update(api_tokens::table.find(&lapsed))
        .set(api_tokens::expires_at.eq(Some(chrono::Utc::now() - chrono::Duration::minutes(1))))
        .execute(&mut app.db.connection())
        .unwrap();
    let expired = rotate(&api, &lapsed, json!({"grace_seconds": 0})).await;
    assert_eq!(expired.status, StatusCode::CONFLICT);
    assert!(expired.body["detail"].as_str().unwrap().contains("expired"));
    api.post_empty(&format!("/tokens/{id}/disable")).await;
    let disabled = rotate(&api, &id, json!({"grace_seconds": 0})).await;
    assert_eq!(disabled.status, StatusCode::CONFLICT);
    assert_eq!(
        disabled.body["detail"],
        "Enable the token before rotating it."
    );
    api.post_empty(&format!("/tokens/{id}/enable")).await;
    assert_eq!(
        app.api(&old).whoami().await.status,
        StatusCode::OK,
        "never rotated"
    );
    assert!(
        !audit_actions(&app, &id)
            .iter()
            .any(|(action, _)| action == "token.rotate")
    );
}

#[tokio::test]
async fn an_admin_rotates_in_the_portal_and_the_details_page_counts_down() {
    let app = spawn_app().await;
    let (id, old) = target(&app);
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let path = format!("{}/rotate?from=detail", token_path(&id));

    let dialog = admin.get(&path).await;
    assert_eq!(dialog.status, StatusCode::OK);
    assert_eq!(
        dialog.attrs("[data-testid=rotate-grace] option", "value"),
        ["0", "3600", "86400", "604800"]
    );
    assert_eq!(
        dialog.attrs("[data-testid=rotate-grace] option[selected]", "value"),
        ["86400"]
    );

    let refused = admin
        .post_form(&path, &[("csrf_token", &csrf), ("grace", "60")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.texts("field-error").len(), 1);
    assert_eq!(app.api(&old).whoami().await.status, StatusCode::OK);

    let seen = dialog.attrs("input[name=seen]", "value").remove(0);
    let form = [
        ("csrf_token", csrf.as_str()),
        ("grace", "3600"),
        ("seen", &seen),
    ];
    let done = admin.post_form(&path, &form).await;
    assert_eq!(done.status, StatusCode::OK);
    let resent = admin.post_form(&path, &form).await;
    assert_eq!(
        resent.status,
        StatusCode::CONFLICT,
        "the same form sent twice"
    );
    assert!(
        resent
            .text("modal-error")
            .contains("changed while you were looking")
    );
    let new = done.text("new-token-secret");
    assert!(new.starts_with("tdk_"));
    assert_eq!(done.text("new-token-id"), id);
    assert!(done.text("old-secret-note").contains("keeps working until"));
    assert_eq!(
        done.attrs("[data-testid=created-done]", "href"),
        [token_path(&id)]
    );
    assert_eq!(app.api(&new).whoami().await.status, StatusCode::OK);
    assert_eq!(app.api(&old).whoami().await.status, StatusCode::OK);

    let details = admin.get(&token_path(&id)).await;
    assert!(
        details
            .text("old-secret-ends")
            .contains("keeps working until")
    );
    // An hour's grace that has just begun.
    assert_eq!(details.text("old-secret-countdown"), "in 1 hour");

    let again = admin.get(&path).await;
    assert!(
        again
            .text("rotate-earlier-secret")
            .contains("stops at once"),
        "a second rotation warns that the first old secret stops"
    );

    let menu = admin.get(&format!("{}/menu", token_path(&id))).await;
    assert!(
        menu.texts("action-rotate").len() == 1,
        "an active token's menu offers Rotate"
    );
    let expired_menu = admin
        .get(&format!("{}/menu", token_path(EXPIRED_TOKEN)))
        .await;
    assert!(expired_menu.texts("action-rotate").is_empty());
}

#[tokio::test]
async fn only_an_admin_of_the_account_with_the_form_token_may_rotate() {
    let app = spawn_app().await;
    let (id, old) = target(&app);
    let path = format!("{}/rotate", token_path(&id));

    let (admin, _) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let forged = admin.post_form(&path, &[("grace", "0")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF token");
    for who in [DEMO_MEMBER_LOGIN, SUPPORT_LOGIN] {
        let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, who).await;
        let answer = visitor
            .post_form(&path, &[("csrf_token", &csrf), ("grace", "0")])
            .await;
        assert!(
            answer.status.is_client_error(),
            "{who:?}: {}",
            answer.status
        );
    }
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let other = admin
        .post_form(
            &format!("{}/rotate", token_path(OTHER_INC_TOKEN)),
            &[("csrf_token", &csrf), ("grace", "0")],
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(&old).whoami().await.status,
        StatusCode::OK,
        "never rotated"
    );
}
