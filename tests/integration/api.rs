//! The bearer API: whoami and verify, each refusal reason, and portal changes taking
//! effect on the very next call.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokendesk::domain::TokenSecret;

use crate::common::{
    ACTIVE_TOKEN, ApiClient, BILLING_WRITE_TOKEN, DEMO_ADMIN_LOGIN, DEMO_CORP, DISABLED_TOKEN,
    EXPIRED_TOKEN, REPORTS_READ_TOKEN, TestApp, USAGE_WRITE_TOKEN, spawn_app, token_path,
};
use crate::visitor::Visitor;

async fn verify(app: &TestApp, request: Value) -> Value {
    let gateway = format!("gateway-{}", tokendesk::domain::TokenId::generate());
    let answer = app.service(&gateway).post("/verify", &request).await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.body
}

fn mistyped(secret: &str) -> String {
    let mut chars: Vec<char> = secret.chars().collect();
    chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn whoami_describes_the_calling_token() {
    let app = spawn_app().await;
    let secret = app.secret_of(ACTIVE_TOKEN);

    let answer = app.api(&secret).whoami().await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body,
        json!({
            "token_id": ACTIVE_TOKEN,
            "name": "CI deploy pipeline",
            "account_id": DEMO_CORP,
            "scope": "write",
            "modules": ["catalog", "reports"],
            "expires_at": null,
        })
    );
}

#[tokio::test]
async fn each_refusal_has_its_reason_through_whoami_and_verify() {
    let app = spawn_app().await;
    let active = app.secret_of(ACTIVE_TOKEN);
    let cases = [
        ("not-a-token".to_owned(), "malformed"),
        (mistyped(&active), "malformed"),
        (TokenSecret::generate().expose().to_owned(), "unknown"),
        (app.secret_of(DISABLED_TOKEN), "disabled"),
        (app.secret_of(EXPIRED_TOKEN), "expired"),
    ];

    for (token, reason) in cases {
        let answer = app.api(&token).whoami().await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{reason}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some(r#"Bearer realm="tokendesk", error="invalid_token""#)
        );
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(answer.body["reason"], reason);
        assert_eq!(answer.body["status"], 401);
        assert_eq!(
            verify(&app, json!({ "token": token })).await,
            json!({ "active": false, "reason": reason })
        );
    }
}

#[tokio::test]
async fn verify_checks_the_module_and_the_access_asked_for() {
    let app = spawn_app().await;
    let billing_write = app.secret_of(BILLING_WRITE_TOKEN);
    let reports_read = app.secret_of(REPORTS_READ_TOKEN);

    let granted = verify(
        &app,
        json!({ "token": billing_write, "module": "billing", "access": "write" }),
    )
    .await;
    let other_module = verify(&app, json!({ "token": billing_write, "module": "usage" })).await;
    let too_little = verify(
        &app,
        json!({ "token": reports_read, "module": "reports", "access": "write" }),
    )
    .await;

    assert_eq!(granted["active"], true);
    assert_eq!(granted["token_id"], BILLING_WRITE_TOKEN);
    assert_eq!(granted["account_id"], DEMO_CORP);
    assert_eq!(granted["scope"], "write");
    assert_eq!(granted["modules"], json!(["billing"]));
    assert_eq!(
        other_module,
        json!({ "active": false, "reason": "module_not_granted" })
    );
    assert_eq!(
        too_little,
        json!({ "active": false, "reason": "insufficient_scope" })
    );
}

#[tokio::test]
async fn a_missing_header_or_a_bad_request_body_is_explained() {
    let app = spawn_app().await;
    let api = ApiClient::anonymous(&app.address);

    let bare = api.whoami().await;
    // A body that is not JSON, sent as it is.
    let gateway = app.service("gateway");
    let bad_json = gateway
        .post_raw("/verify", "application/json", "{\"tok")
        .await;
    let bad_access = gateway
        .post("/verify", &json!({ "token": "x", "access": "root" }))
        .await;

    assert_eq!(bare.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        bare.header("www-authenticate"),
        Some(r#"Bearer realm="tokendesk""#)
    );
    assert_eq!(bad_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_json.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(bad_access.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_access.body["detail"]
            .as_str()
            .unwrap()
            .contains("is not a scope")
    );
}

#[tokio::test]
async fn disabling_in_the_portal_stops_the_next_call_enabling_restores_it_and_delete_is_final() {
    let app = spawn_app().await;
    let secret = app.secret_of(USAGE_WRITE_TOKEN);
    let api = app.api(&secret);
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let csrf = admin.csrf_token().await;
    let change = |action: &'static str| {
        let (admin, csrf) = (admin.clone(), csrf.clone());
        async move {
            let page = admin
                .post_form(
                    &format!("{}/{action}", token_path(USAGE_WRITE_TOKEN)),
                    &[("csrf_token", &csrf)],
                )
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{action}");
        }
    };

    assert_eq!(api.whoami().await.status, StatusCode::OK);
    change("disable").await;
    assert_eq!(api.whoami().await.body["reason"], "disabled");
    change("enable").await;
    assert_eq!(api.whoami().await.status, StatusCode::OK);
    change("delete").await;
    let after_delete = api.whoami().await;
    assert_eq!(after_delete.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after_delete.body["reason"], "deleted");
    assert_eq!(
        verify(&app, json!({ "token": secret })).await["reason"],
        "deleted"
    );
}

#[tokio::test]
async fn malformed_tokens_are_refused_without_touching_the_database() {
    let app = spawn_app().await;
    let valid = app.secret_of(ACTIVE_TOKEN);
    let away = app.take_database_away();

    let malformed = app.api("tdk_not-even-close").whoami().await;
    let mistyped_answer = app.api(&mistyped(&valid)).whoami().await;
    let needs_the_database = app.api(TokenSecret::generate().expose()).whoami().await;

    drop(away);
    assert_eq!(
        (malformed.status, malformed.body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("malformed"))
    );
    assert_eq!(mistyped_answer.body["reason"], "malformed");
    assert_eq!(
        needs_the_database.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a well-formed token does need it"
    );
}
