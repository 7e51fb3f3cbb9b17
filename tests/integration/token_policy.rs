//! An account's expiry policy: its admins set it on `/settings/token-policy` or through
//! `PUT /api/v1/token-policy` (audited); create, edit and rotate follow it in the
//! portal and the API with a clear message; tokens that break it are listed, not
//! changed.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use tokendesk::db::schema::audit_events;
use tokendesk::domain::{Scope, TokenSecret};

use crate::common::{
    ACTIVE_TOKEN, DEMO_ADMIN_LOGIN, DEMO_CORP, DEMO_MEMBER_LOGIN, OTHER_ADMIN_LOGIN, SUPPORT_LOGIN,
    TestApp, spawn_app, token_path,
};
use crate::visitor::{Page, Visitor};

const POLICY: &str = "/settings/token-policy";

/// The demo admin, signed in, with their form token.
async fn admin(app: &TestApp) -> (Visitor, String) {
    Visitor::signed_in_with_csrf(app, DEMO_ADMIN_LOGIN).await
}

/// Saves Demo Corp's policy in the portal.
async fn set_policy(app: &TestApp, max_lifetime: &str, required: bool) -> Page {
    let (admin, csrf) = admin(app).await;
    let mut form = vec![
        ("csrf_token", csrf.as_str()),
        ("max_lifetime", max_lifetime),
    ];
    if required {
        form.push(("expiry_required", "on"));
    }
    admin.post_form(POLICY, &form).await
}

fn policy_events(app: &TestApp) -> Vec<String> {
    audit_events::table
        .filter(audit_events::action.eq("account.token_policy"))
        .filter(audit_events::account_id.eq(DEMO_CORP))
        .select(audit_events::details)
        .load(&mut app.db.connection())
        .unwrap()
}

async fn create_form(app: &TestApp, expires_in: &str, expires_on: &str) -> Page {
    let (admin, csrf) = admin(app).await;
    admin
        .post_form(
            "/settings/api-tokens",
            &[
                ("csrf_token", &csrf),
                ("name", "Under the policy"),
                ("scope", "read"),
                ("modules", "billing"),
                ("expires_in", expires_in),
                ("expires_on", expires_on),
            ],
        )
        .await
}

#[tokio::test]
async fn an_admin_sets_the_policy_and_it_is_audited_and_shown() {
    let app = spawn_app().await;
    let (admin, csrf) = admin(&app).await;
    let before = admin.get(POLICY).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(before.text("policy-summary").contains("No policy"));
    assert_eq!(before.texts("nav-token-policy"), ["Token policy"]);

    let saved = admin
        .post_form(POLICY, &[("csrf_token", &csrf), ("max_lifetime", "30")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location(), Some(POLICY));
    let after = admin.get(POLICY).await;
    assert_eq!(after.text("flash-message"), "The expiry policy is saved.");
    assert!(after.text("policy-summary").contains("at most 30 days"));
    assert_eq!(
        after.attrs(
            "[data-testid=policy-max-lifetime] option[selected]",
            "value"
        ),
        ["30"]
    );
    assert_eq!(
        policy_events(&app),
        ["Tokens must expire, at most 30 days after their expiry is set."]
    );

    let again = set_policy(&app, "30", false).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(
        policy_events(&app).len(),
        1,
        "saving the same policy records nothing"
    );
}

#[tokio::test]
async fn only_the_accounts_admins_may_set_it_and_hostile_values_change_nothing() {
    let app = spawn_app().await;
    for who in [DEMO_MEMBER_LOGIN, SUPPORT_LOGIN] {
        let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, who).await;
        assert!(
            visitor.get(POLICY).await.status.is_client_error(),
            "{who:?}"
        );
        let sent = visitor
            .post_form(POLICY, &[("csrf_token", &csrf), ("max_lifetime", "30")])
            .await;
        assert!(sent.status.is_client_error(), "{who:?}: {}", sent.status);
    }
    let (admin, csrf) = admin(&app).await;
    let forged = admin.post_form(POLICY, &[("max_lifetime", "30")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF token");
    for hostile in [
        "45",
        "-30",
        "99999999999999999999",
        "30; DROP TABLE accounts",
    ] {
        let page = admin
            .post_form(POLICY, &[("csrf_token", &csrf), ("max_lifetime", hostile)])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{hostile}");
        assert_eq!(page.texts("field-error").len(), 1);
    }
    // Another account's admin sets their own policy, which Demo Corp does not follow.
    let (other, other_csrf) = Visitor::signed_in_with_csrf(&app, OTHER_ADMIN_LOGIN).await;
    other
        .post_form(
            POLICY,
            &[("csrf_token", &other_csrf), ("max_lifetime", "30")],
        )
        .await;
    assert!(policy_events(&app).is_empty());
    assert_eq!(
        create_form(&app, "none", "").await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn creating_follows_the_policy_with_a_clear_message_and_a_fitting_default() {
    let app = spawn_app().await;
    set_policy(&app, "30", false).await;
    let (admin, _) = admin(&app).await;

    let form = admin.get("/settings/api-tokens/new").await;
    let offered = form.attrs("[data-testid=create-expires] option", "value");
    assert_eq!(
        offered,
        ["7", "30", "custom"],
        "no Never, nothing past 30 days"
    );
    assert_eq!(
        form.attrs("[data-testid=create-expires] option[selected]", "value"),
        ["30"]
    );
    assert!(form.text("expiry-policy-hint").contains("at most 30 days"));

    for (expires_in, expires_on) in [("none", ""), ("60", ""), ("custom", "2099-01-01")] {
        let refused = create_form(&app, expires_in, expires_on).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expires_in}"
        );
        let error = refused.text("field-error");
        assert!(error.contains("This account's policy"), "{error}");
    }
    assert_eq!(
        create_form(&app, "30", "").await.status,
        StatusCode::CREATED
    );

    let api = app.api(&app.demo_corp_secret(Scope::Write, &["tokens", "billing"]));
    let never = api
        .post(
            "/tokens",
            &json!({"name": "x", "scope": "read", "modules": ["billing"]}),
        )
        .await;
    assert_eq!(never.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        never.body["errors"]["expires_at"]
            .as_str()
            .unwrap()
            .contains("requires tokens to expire")
    );
    let in_ten = chrono::Utc::now() + chrono::Duration::days(10);
    let fine = api
        .post(
            "/tokens",
            &json!({"name": "x", "scope": "read", "modules": ["billing"], "expires_at": in_ten}),
        )
        .await;
    assert_eq!(fine.status, StatusCode::CREATED);
}

#[tokio::test]
async fn editing_follows_the_policy_only_when_the_expiry_is_set_again() {
    let app = spawn_app().await;
    set_policy(&app, "", true).await;
    let (admin, csrf) = admin(&app).await;
    let edit = |name: &'static str, expires_on: &'static str| {
        let csrf = csrf.clone();
        let admin = &admin;
        async move {
            admin
                .post_form(
                    &format!("{}/edit", token_path(ACTIVE_TOKEN)),
                    &[
                        ("csrf_token", csrf.as_str()),
                        ("name", name),
                        ("scope", "write"),
                        ("modules", "catalog"),
                        ("modules", "reports"),
                        ("expires_on", expires_on),
                    ],
                )
                .await
        }
    };

    // CI deploy pipeline never expires: made before the policy, it may still be renamed.
    assert_eq!(
        edit("CI deploy (renamed)", "").await.status,
        StatusCode::SEE_OTHER
    );
    let form = admin
        .get(&format!("{}/edit", token_path(ACTIVE_TOKEN)))
        .await;
    assert!(
        form.text("expiry-policy-hint")
            .contains("Tokens must expire")
    );

    set_policy(&app, "90", true).await;
    let too_far = edit("CI deploy (renamed)", "2099-01-01").await;
    assert_eq!(too_far.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_far.text("field-error").contains("at most 90 days away"));
    let soon = (chrono::Utc::now() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    let soon: &'static str = Box::leak(soon.into_boxed_str());
    assert_eq!(
        edit("CI deploy (renamed)", soon).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn rotating_a_token_that_breaks_the_policy_is_refused_until_its_expiry_follows_it() {
    let app = spawn_app().await;
    let target = app.insert_token(
        DEMO_CORP,
        Scope::Read,
        &["billing"],
        &TokenSecret::generate(),
    );
    set_policy(&app, "90", false).await;

    let api = app.api(&app.demo_corp_secret(Scope::Write, &["tokens", "billing"]));
    let refused = api
        .post(
            &format!("/tokens/{target}/rotate"),
            &json!({"grace_seconds": 0}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("requires tokens to expire")
    );
    let (admin, csrf) = admin(&app).await;
    let portal = admin
        .post_form(
            &format!("{}/rotate", token_path(&target)),
            &[("csrf_token", &csrf), ("grace", "0")],
        )
        .await;
    assert_eq!(portal.status, StatusCode::CONFLICT);
    assert!(
        portal
            .text("modal-error")
            .contains("requires tokens to expire")
    );
}

#[tokio::test]
async fn tokens_that_break_a_new_policy_are_listed_and_keep_working() {
    let app = spawn_app().await;
    let secret = TokenSecret::generate();
    let never = app.insert_token(DEMO_CORP, Scope::Read, &["billing"], &secret);
    let (admin, _) = admin(&app).await;
    assert_eq!(
        admin.get(POLICY).await.texts("policy-breaking-none").len(),
        1
    );

    set_policy(&app, "", true).await;

    let page = admin.get(POLICY).await;
    let listed = page.attrs("[data-testid=policy-breaking-row]", "data-token-id");
    assert!(listed.contains(&never), "{listed:?}");
    assert!(
        listed.contains(&ACTIVE_TOKEN.to_owned()),
        "never expires either"
    );
    assert_eq!(
        app.api(secret.expose()).whoami().await.status,
        StatusCode::OK
    );
    let other_accounts = page.body.contains(crate::common::OTHER_INC_TOKEN);
    assert!(!other_accounts, "only this account's tokens");
}

#[tokio::test]
async fn the_api_reads_the_policy_and_an_admin_token_sets_it() {
    let app = spawn_app().await;
    let reader = app.api(&app.demo_corp_secret(Scope::Read, &["tokens"]));
    let writer = app.api(&app.demo_corp_secret(Scope::Write, &["tokens"]));
    let owner = app.api(&app.demo_corp_secret(Scope::Admin, &["tokens"]));
    let none = reader.get("/token-policy").await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.body["max_lifetime_days"], json!(null));
    assert_eq!(none.body["must_expire"], false);

    let body = json!({"max_lifetime_days": 180, "expiry_required": false});
    assert_eq!(
        writer
            .send(reqwest::Method::PUT, "/token-policy", Some(&body))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let set = owner
        .send(reqwest::Method::PUT, "/token-policy", Some(&body))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    assert_eq!(set.body["max_lifetime_days"], 180);
    assert_eq!(set.body["must_expire"], true);
    let breaking = set.body["breaking_tokens"].as_array().unwrap();
    assert!(breaking.iter().any(|t| t["id"] == ACTIVE_TOKEN));
    assert_eq!(policy_events(&app).len(), 1);

    let looser = json!({"max_lifetime_days": null, "expiry_required": false});
    let refused = owner
        .send(reqwest::Method::PUT, "/token-policy", Some(&looser))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a token may only tighten it"
    );
    assert_eq!(refused.body["reason"], "exceeds_caller");
    let ninety = json!({"max_lifetime_days": 90, "expiry_required": true});
    let thirty = json!({"max_lifetime_days": 30, "expiry_required": true});
    let (a, b) = tokio::join!(
        owner.send(reqwest::Method::PUT, "/token-policy", Some(&ninety)),
        owner.send(reqwest::Method::PUT, "/token-policy", Some(&thirty)),
    );
    assert!(
        a.status.is_success() || a.status == StatusCode::FORBIDDEN,
        "{}",
        a.status
    );
    assert!(b.status.is_success(), "two saves at once: {}", b.status);
    for (bad, status) in [
        (json!({"expiry_required": true}), StatusCode::BAD_REQUEST),
        (
            json!({"max_lifetime_days": 45, "expiry_required": false}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"max_lifetime_days": 30}), StatusCode::BAD_REQUEST),
        (
            json!({"max_lifetime_days": 30, "expiry_required": true, "x": 1}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let answer = owner
            .send(reqwest::Method::PUT, "/token-policy", Some(&bad))
            .await;
        assert_eq!(answer.status, status, "{bad}");
    }
    assert_eq!(
        reader.get("/token-policy").await.body["max_lifetime_days"],
        30,
        "the tighter save stands, whichever came first"
    );
}
