//! No credential reaches further than its holder: a token acting through the API
//! creates and changes only tokens no more powerful than itself, never widens or
//! enables itself, and can't undo a person's decision to disable a token.

use chrono::{Duration, SecondsFormat, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use tokendesk::db::schema::{api_tokens, audit_events, token_modules};

use crate::common::{ApiClient, ApiResponse, DEMO_ADMIN_LOGIN, TestApp, spawn_app};
use crate::visitor::{PortalToken, Visitor};

fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A token's id, scope, status and expiry.
type TokenState = (String, String, String, Option<chrono::DateTime<Utc>>);

/// What a refused call must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    tokens: Vec<TokenState>,
    /// Each token's modules, as (token, module).
    modules: Vec<(String, String)>,
    audit_events: i64,
}

fn snapshot(app: &TestApp) -> Snapshot {
    let mut conn = app.db.connection();
    let tokens = api_tokens::table
        .order(api_tokens::id)
        .select((
            api_tokens::id,
            api_tokens::scope,
            api_tokens::status,
            api_tokens::expires_at,
        ))
        .load(&mut conn)
        .unwrap();
    let modules = token_modules::table
        .order((token_modules::token_id, token_modules::module_id))
        .select((token_modules::token_id, token_modules::module_id))
        .load(&mut conn)
        .unwrap();
    let audit_events = audit_events::table.count().get_result(&mut conn).unwrap();
    Snapshot {
        tokens,
        modules,
        audit_events,
    }
}

fn assert_exceeds(response: &ApiResponse, detail: &str) {
    assert_eq!(
        response.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        response.body
    );
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(response.body["reason"], "exceeds_caller");
    assert!(
        response.body["detail"].as_str().unwrap().contains(detail),
        "{:?} names {detail:?}",
        response.body["detail"]
    );
}

/// A write token for Tokens and Billing that expires in 30 days.
async fn caller(app: &TestApp) -> PortalToken {
    PortalToken::create(app, "CI bot", "write", &["tokens", "billing"], "30").await
}

#[tokio::test]
async fn a_token_creates_only_tokens_no_more_powerful_than_itself() {
    let app = spawn_app().await;
    let caller = caller(&app).await;
    let before = snapshot(&app);

    let admin_scope =
        json!({"name": "x", "scope": "admin", "modules": ["tokens"], "expires_at": in_days(7)});
    let every_module =
        json!({"name": "x", "scope": "read", "modules": ["all"], "expires_at": in_days(7)});
    let never_expires = json!({"name": "x", "scope": "read", "modules": ["tokens"]});
    let later =
        json!({"name": "x", "scope": "read", "modules": ["tokens"], "expires_at": in_days(60)});
    assert_exceeds(
        &caller.api.post("/tokens", &admin_scope).await,
        "scope admin is above this token's scope write",
    );
    assert_exceeds(
        &caller.api.post("/tokens", &every_module).await,
        "are not granted to this token",
    );
    assert_exceeds(
        &caller.api.post("/tokens", &never_expires).await,
        "no expiry is later than this token's expiry",
    );
    assert_exceeds(
        &caller.api.post("/tokens", &later).await,
        "is later than this token's expiry",
    );
    assert_eq!(snapshot(&app), before, "nothing was created or recorded");

    let within = json!({"name": "Deploy", "scope": "write", "modules": ["billing"], "expires_at": in_days(7)});
    let created = caller.api.post("/tokens", &within).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["token"]["scope"], "write");
}

#[tokio::test]
async fn a_token_can_not_make_its_equal_to_act_on_itself_through() {
    let app = spawn_app().await;
    let caller = caller(&app).await;
    let own = caller.api.get(&format!("/tokens/{}", caller.id)).await;
    let expires_at = own.body["expires_at"].clone();
    assert!(expires_at.is_string(), "{:?}", own.body);
    let twin = json!({"name": "Twin", "scope": "write", "modules": ["billing", "tokens"],
                      "expires_at": expires_at});
    let before = snapshot(&app);

    // Its equal could rotate it, edit it or enable it, as it may not itself.
    assert_exceeds(
        &caller.api.post("/tokens", &twin).await,
        "a token can only grant less than it holds",
    );
    assert_eq!(snapshot(&app), before, "nothing was created or recorded");
    let narrower = json!({"name": "Helper", "scope": "write", "modules": ["tokens"],
                          "expires_at": in_days(7)});
    let helper = caller.api.post("/tokens", &narrower).await;
    assert_eq!(helper.status, StatusCode::CREATED, "{:?}", helper.body);
    let helper_id = helper.body["token"]["id"].as_str().unwrap().to_owned();
    assert_exceeds(
        &caller
            .api
            .patch(&format!("/tokens/{helper_id}"), &twin)
            .await,
        "a token can only grant less than it holds",
    );

    // What it can make can't reach it.
    let helper_api = app.api(helper.body["secret"].as_str().unwrap());
    let rotate = helper_api
        .post(
            &format!("/tokens/{}/rotate", caller.id),
            &json!({"grace_seconds": 0}),
        )
        .await;
    assert_eq!(rotate.status, StatusCode::FORBIDDEN, "{:?}", rotate.body);
    assert_eq!(caller.api.whoami().await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_can_not_rotate_its_equal_a_person_made() {
    let app = spawn_app().await;
    let ((_, caller), (peer, peer_api)) = (cached_admin(&app).await, cached_admin(&app).await);
    let before = snapshot(&app);

    // It would be given the peer's new secret, which could rotate it in turn, as it may
    // not itself.
    assert_exceeds(
        &caller
            .post(
                &format!("/tokens/{peer}/rotate"),
                &json!({"grace_seconds": 0}),
            )
            .await,
        "a token can only rotate tokens less than itself",
    );
    assert_eq!(snapshot(&app), before);
    assert_eq!(peer_api.whoami().await.status, StatusCode::OK);
    // Changing what hands out no secret stays as it was: it may rename its peer.
    let renamed = caller
        .patch(
            &format!("/tokens/{peer}"),
            &json!({"name": "Peer, renamed", "scope": "admin", "modules": ALL_MODULES}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
}

#[tokio::test]
async fn a_token_never_edits_itself_but_may_revoke_itself() {
    let app = spawn_app().await;
    let caller = caller(&app).await;
    let own = format!("/tokens/{}", caller.id);
    let before = snapshot(&app);

    let narrower =
        json!({"name": "CI bot", "scope": "read", "modules": ["tokens"], "expires_at": in_days(7)});
    assert_exceeds(
        &caller.api.patch(&own, &narrower).await,
        "a token can't edit itself",
    );
    assert_eq!(snapshot(&app), before);

    let disabled = caller.api.post_empty(&format!("{own}/disable")).await;
    assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.body);
    assert_eq!(caller.api.whoami().await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_may_delete_itself() {
    let app = spawn_app().await;
    let caller = caller(&app).await;

    let deleted = caller.api.delete(&format!("/tokens/{}", caller.id)).await;

    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    let refused = caller.api.whoami().await;
    assert_eq!(
        (refused.status, refused.body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("deleted"))
    );
}

#[tokio::test]
async fn a_token_never_enables_a_token_more_powerful_than_itself() {
    let app = spawn_app().await;
    let caller = caller(&app).await;
    let stronger = PortalToken::create(&app, "Ops", "admin", &["tokens"], "7").await;
    // Disabled by itself, not by a person: only its power stands in the way.
    let stronger_path = format!("/tokens/{}", stronger.id);
    let revoked = stronger
        .api
        .post_empty(&format!("{stronger_path}/disable"))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    let before = snapshot(&app);

    let refused = caller
        .api
        .post_empty(&format!("{stronger_path}/enable"))
        .await;

    assert_exceeds(&refused, "scope admin is above this token's scope write");
    assert_eq!(snapshot(&app), before, "still disabled, nothing recorded");
}

#[tokio::test]
async fn a_token_changes_only_tokens_within_its_reach_and_leaves_them_within_it() {
    let app = spawn_app().await;
    let caller = caller(&app).await;
    let stronger = PortalToken::create(&app, "Ops", "admin", &["tokens"], "7").await;
    let weaker = PortalToken::create(&app, "Billing", "read", &["billing"], "7").await;
    let before = snapshot(&app);

    let stronger_path = format!("/tokens/{}", stronger.id);
    let body =
        json!({"name": "Ops", "scope": "read", "modules": ["tokens"], "expires_at": in_days(7)});
    assert_exceeds(
        &caller.api.patch(&stronger_path, &body).await,
        "scope admin",
    );
    assert_exceeds(
        &caller
            .api
            .post_empty(&format!("{stronger_path}/disable"))
            .await,
        "scope admin",
    );
    assert_exceeds(&caller.api.delete(&stronger_path).await, "scope admin");

    let weaker_path = format!("/tokens/{}", weaker.id);
    let raised = json!({"name": "Billing", "scope": "admin", "modules": ["billing"], "expires_at": in_days(7)});
    assert_exceeds(
        &caller.api.patch(&weaker_path, &raised).await,
        "scope admin is above this token's scope write",
    );
    let widened = json!({"name": "Billing", "scope": "read", "modules": ["billing", "usage"], "expires_at": in_days(7)});
    let extended =
        json!({"name": "Billing", "scope": "read", "modules": ["billing"], "expires_at": null});
    assert_exceeds(
        &caller.api.patch(&weaker_path, &widened).await,
        "module usage is not granted",
    );
    assert_exceeds(
        &caller.api.patch(&weaker_path, &extended).await,
        "no expiry",
    );
    assert_eq!(snapshot(&app), before, "refusals change nothing");

    let renamed = json!({"name": "Billing export", "scope": "read", "modules": ["billing"], "expires_at": in_days(5)});
    let edited = caller.api.patch(&weaker_path, &renamed).await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    assert_eq!(edited.body["name"], "Billing export");
    let deleted = caller.api.delete(&weaker_path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_token_a_person_disabled_is_enabled_only_by_a_person() {
    let app = spawn_app().await;
    let caller = caller(&app).await;
    let by_person = PortalToken::create(&app, "Nightly", "read", &["billing"], "7").await;
    let by_token = PortalToken::create(&app, "Hourly", "read", &["billing"], "7").await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let form = [("csrf_token", csrf.as_str())];
    let page = admin
        .post_form(
            &format!("/settings/api-tokens/{}/disable", by_person.id),
            &form,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let disabled = caller
        .api
        .post_empty(&format!("/tokens/{}/disable", by_token.id))
        .await;
    assert_eq!(disabled.status, StatusCode::OK);

    let refused = caller
        .api
        .post_empty(&format!("/tokens/{}/enable", by_person.id))
        .await;
    let enabled = caller
        .api
        .post_empty(&format!("/tokens/{}/enable", by_token.id))
        .await;

    assert_exceeds(&refused, "only a person can enable it");
    assert_eq!(by_person.api.whoami().await.body["reason"], "disabled");
    assert_eq!(enabled.status, StatusCode::OK, "{:?}", enabled.body);
    assert_eq!(by_token.api.whoami().await.status, StatusCode::OK);
    let page = admin
        .post_form(
            &format!("/settings/api-tokens/{}/enable", by_person.id),
            &form,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "a person still can");
}

/// Every module in the catalog.
const ALL_MODULES: [&str; 7] = [
    "catalog",
    "subscriptions",
    "billing",
    "usage",
    "customers",
    "reports",
    "tokens",
];

/// An admin token for every module, inserted as a person would make it, and its client,
/// whose first call has cached it on this instance.
async fn cached_admin(app: &TestApp) -> (String, ApiClient) {
    let secret = tokendesk::domain::TokenSecret::generate();
    let id = app.insert_token(
        crate::common::DEMO_CORP,
        tokendesk::domain::Scope::Admin,
        &ALL_MODULES,
        &secret,
    );
    let caller = app.api(secret.expose());
    assert_eq!(caller.whoami().await.status, StatusCode::OK);
    (id, caller)
}

/// An admin token cached here, then changed by `change` (SQL, the token's id as `$1`)
/// behind this instance's back, as another instance would before its notification
/// arrives here.
async fn cached_admin_changed_elsewhere(app: &TestApp, change: &str) -> ApiClient {
    let (id, caller) = cached_admin(app).await;
    diesel::sql_query(change)
        .bind::<diesel::sql_types::Text, _>(id)
        .execute(&mut app.db.connection())
        .unwrap();
    caller
}

#[tokio::test]
async fn a_token_revoked_while_still_cached_elsewhere_can_change_nothing() {
    let app = spawn_app().await;
    let (id, caller) = cached_admin(&app).await;
    // Disabled behind this instance's back, as another instance would before its
    // notification arrives here.
    diesel::update(api_tokens::table.find(&id))
        .set((
            api_tokens::status.eq("disabled"),
            api_tokens::disabled_at.eq(Some(Utc::now())),
        ))
        .execute(&mut app.db.connection())
        .unwrap();
    let before = snapshot(&app);

    let within = json!({"name": "Successor", "scope": "read", "modules": ["billing"]});
    assert_exceeds(
        &caller.post("/tokens", &within).await,
        "the calling token is no longer active",
    );
    assert_eq!(snapshot(&app), before);
}

#[tokio::test]
async fn a_token_narrowed_or_revoked_while_still_cached_elsewhere_can_not_set_the_policy() {
    let app = spawn_app().await;
    let tighter = json!({"max_lifetime_days": 30, "expiry_required": true});
    let policy = |app: &TestApp| -> (Option<i32>, bool) {
        tokendesk::db::schema::accounts::table
            .find(crate::common::DEMO_CORP)
            .select((
                tokendesk::db::schema::accounts::token_max_lifetime_days,
                tokendesk::db::schema::accounts::token_expiry_required,
            ))
            .first(&mut app.db.connection())
            .unwrap()
    };
    let before = policy(&app);
    // Each cached as an admin token, then changed behind this instance's back, as
    // another instance would before its notification arrives here.
    let behind_its_back = [
        (
            "UPDATE api_tokens SET status = 'disabled', disabled_at = now() WHERE id = $1",
            "the calling token is no longer active",
        ),
        (
            "UPDATE api_tokens SET scope = 'write' WHERE id = $1",
            "admin",
        ),
        (
            "DELETE FROM token_modules WHERE token_id = $1 AND module_id = 'tokens'",
            "module tokens is not granted",
        ),
    ];
    for (change, refusal) in behind_its_back {
        let caller = cached_admin_changed_elsewhere(&app, change).await;

        let set = caller
            .send(reqwest::Method::PUT, "/token-policy", Some(&tighter))
            .await;

        assert_exceeds(&set, refusal);
        assert_eq!(policy(&app), before);
    }
}

#[tokio::test]
async fn a_token_can_not_bring_an_expired_token_back() {
    let app = spawn_app().await;
    let secret = tokendesk::domain::TokenSecret::generate();
    app.insert_token(
        crate::common::DEMO_CORP,
        tokendesk::domain::Scope::Admin,
        &ALL_MODULES,
        &secret,
    );
    let caller = app.api(secret.expose());
    let before = snapshot(&app);

    let revived = json!({"name": "Revived", "scope": "read", "modules": ["billing"]});
    let answer = caller
        .patch(
            &format!("/tokens/{}", crate::common::EXPIRED_TOKEN),
            &revived,
        )
        .await;

    assert_exceeds(
        &answer,
        "this token has expired; only a person can edit or extend it",
    );
    assert_eq!(snapshot(&app), before);
}

#[tokio::test]
async fn a_token_narrowed_while_still_cached_elsewhere_can_change_no_token() {
    let app = spawn_app().await;
    let target = tokendesk::domain::TokenSecret::generate();
    let target = app.insert_token(
        crate::common::DEMO_CORP,
        tokendesk::domain::Scope::Read,
        &["billing"],
        &target,
    );
    let on = |action: &str| format!("/tokens/{target}/{action}");
    let within = json!({"name": "Successor", "scope": "read", "modules": ["billing"]});
    let renamed = json!({"name": "Renamed", "scope": "read", "modules": ["billing"]});
    let rotation = json!({"grace_seconds": 0});
    let bulk = json!({"action": "disable", "ids": [target]});
    // Each cached as an admin token, then narrowed behind this instance's back, as
    // another instance would before its notification arrives here.
    let behind_its_back = [
        (
            "UPDATE api_tokens SET scope = 'read' WHERE id = $1",
            "write",
        ),
        (
            "DELETE FROM token_modules WHERE token_id = $1 AND module_id = 'tokens'",
            "module tokens is not granted",
        ),
    ];
    for (change, refusal) in behind_its_back {
        let caller = cached_admin_changed_elsewhere(&app, change).await;
        let before = snapshot(&app);

        let tried = [
            ("create", caller.post("/tokens", &within).await),
            (
                "edit",
                caller
                    .send(
                        reqwest::Method::PATCH,
                        &format!("/tokens/{target}"),
                        Some(&renamed),
                    )
                    .await,
            ),
            ("disable", caller.post_empty(&on("disable")).await),
            ("rotate", caller.post(&on("rotate"), &rotation).await),
            (
                "delete",
                caller
                    .send(reqwest::Method::DELETE, &format!("/tokens/{target}"), None)
                    .await,
            ),
        ];

        for (what, answer) in &tried {
            assert!(
                answer.status == StatusCode::FORBIDDEN && answer.body["reason"] == "exceeds_caller",
                "{change}: {what} answered {} {:?}",
                answer.status,
                answer.body
            );
            assert_exceeds(answer, refusal);
        }
        let bulk = caller.post("/tokens/bulk", &bulk).await;
        assert_eq!(
            snapshot(&app),
            before,
            "{change}: bulk answered {:?}",
            bulk.body
        );
    }
}
