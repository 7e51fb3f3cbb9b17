//! The token-management API: the Tokens module and `read`/`write` scopes, the same
//! rules and atomic transitions as the portal with the token as the actor, and account
//! isolation.

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokendesk::db::schema::audit_events;

use crate::common::{DEMO_ADMIN, TestApp, spawn_app};
use crate::visitor::Visitor;

/// A token made in the portal, returned in full.
async fn portal_token(app: &TestApp, name: &str, scope: &str, module: &str) -> String {
    let (admin, csrf) = Visitor::signed_in_with_csrf(app, DEMO_ADMIN).await;
    let page = admin
        .post_form(
            "/settings/api-tokens",
            &[
                ("csrf_token", &csrf),
                ("name", name),
                ("scope", scope),
                ("modules", module),
                ("expires_in", "none"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
    page.text("new-token-secret")
}

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}/api/v1{path}", app.address))
        .header("Authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn ids(page: &Value) -> Vec<String> {
    page["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_read_token_lists_and_reads_but_changes_nothing() {
    let app = spawn_app().await;
    let reader = portal_token(&app, "Reader", "read", "tokens").await;

    let (status, disabled) = call(
        &app,
        &reader,
        Method::GET,
        "/tokens?status=disabled&sort=name",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ids(&disabled),
        [
            "TK-1000-0000-0023",
            "TK-1000-0000-0011",
            "TK-1000-0000-0018"
        ]
    );
    assert_eq!(disabled["total"], 3);
    let (status, one) = call(
        &app,
        &reader,
        Method::GET,
        "/tokens/TK-1000-0000-0001",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["name"], "CI deploy pipeline");
    assert_eq!(one["modules"], json!(["catalog", "reports"]));
    assert!(one["masked"].as_str().unwrap().ends_with('…'));

    for (method, path) in [
        (Method::POST, "/tokens"),
        (Method::PATCH, "/tokens/TK-1000-0000-0001"),
        (Method::POST, "/tokens/TK-1000-0000-0001/disable"),
        (Method::DELETE, "/tokens/TK-1000-0000-0001"),
    ] {
        let body = json!({"name": "x", "scope": "read", "modules": ["usage"]});
        let (status, problem) = call(&app, &reader, method.clone(), path, Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(problem["reason"], "insufficient_scope");
    }
}

#[tokio::test]
async fn a_token_without_the_tokens_module_is_refused() {
    let app = spawn_app().await;
    let billing = app.secret_of("TK-1000-0000-0002");

    let (status, problem) = call(&app, &billing, Method::GET, "/tokens", None).await;

    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(problem["reason"], "module_not_granted");
}

#[tokio::test]
async fn a_write_token_runs_the_whole_lifecycle_with_the_portals_rules() {
    let app = spawn_app().await;
    let writer = portal_token(&app, "Writer", "write", "tokens").await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();

    let (status, created) = call(
        &app,
        &writer,
        Method::POST,
        "/tokens",
        Some(json!({"name": "Made by API", "scope": "read", "modules": ["usage"], "expires_at": tomorrow})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["token"]["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&app, &secret, Method::GET, "/whoami", None).await.1["token_id"],
        id.as_str()
    );

    let path = format!("/tokens/{id}");
    let (status, updated) = call(
        &app,
        &writer,
        Method::PATCH,
        &path,
        Some(json!({"name": "Renamed by API", "scope": "read", "modules": ["usage", "reports"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["name"], "Renamed by API");
    assert_eq!(
        updated["expires_at"],
        Value::Null,
        "a missing expiry means none"
    );
    let (status, problem) = call(
        &app,
        &writer,
        Method::PATCH,
        &path,
        Some(json!({"name": " ", "scope": "read", "modules": ["usage"], "expires_at": "2001-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"]["name"], "Enter a name for the token.");
    assert_eq!(
        problem["errors"]["expires_at"],
        "The expiry must be in the future."
    );

    let (status, disabled) = call(
        &app,
        &writer,
        Method::POST,
        &format!("{path}/disable"),
        None,
    )
    .await;
    assert_eq!(
        (status, disabled["status"].as_str()),
        (StatusCode::OK, Some("disabled"))
    );
    assert_eq!(
        call(&app, &secret, Method::GET, "/whoami", None).await.1["reason"],
        "disabled"
    );
    let (status, again) = call(
        &app,
        &writer,
        Method::POST,
        &format!("{path}/disable"),
        None,
    )
    .await;
    assert_eq!(
        (status, again["detail"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("This token was already disabled.")
        )
    );
    let body = json!({"name": "x", "scope": "read", "modules": ["usage"]});
    let (status, refused) = call(&app, &writer, Method::PATCH, &path, Some(body)).await;
    assert_eq!(
        (status, refused["detail"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("Enable the token before editing it.")
        )
    );
    assert_eq!(
        call(&app, &writer, Method::POST, &format!("{path}/enable"), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, &secret, Method::GET, "/whoami", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, &writer, Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, &writer, Method::DELETE, &path, None).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        call(&app, &secret, Method::GET, "/whoami", None).await.1["reason"],
        "deleted"
    );

    let actors: Vec<(String, Option<String>, Option<String>)> = audit_events::table
        .filter(audit_events::token_id.eq(&id))
        .order(audit_events::id)
        .select((
            audit_events::action,
            audit_events::actor_user_id,
            audit_events::actor_token_id,
        ))
        .load(&mut app.db.connection())
        .unwrap();
    let actions: Vec<&str> = actors.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "token.create",
            "token.edit",
            "token.disable",
            "token.enable",
            "token.delete"
        ]
    );
    let (_, writer_json) = call(&app, &writer, Method::GET, "/tokens?q=Writer", None).await;
    let writer_id = writer_json["tokens"][0]["id"].as_str().unwrap().to_owned();
    assert!(
        actors
            .iter()
            .all(|(_, user, token)| user.is_none() && token.as_deref() == Some(writer_id.as_str()))
    );
}

#[tokio::test]
async fn another_accounts_tokens_are_not_there() {
    let app = spawn_app().await;
    let writer = portal_token(&app, "Writer", "write", "tokens").await;

    let (get, _) = call(
        &app,
        &writer,
        Method::GET,
        "/tokens/TK-2000-0000-0001",
        None,
    )
    .await;
    let (disable, _) = call(
        &app,
        &writer,
        Method::POST,
        "/tokens/TK-2000-0000-0001/disable",
        None,
    )
    .await;
    let (delete, _) = call(
        &app,
        &writer,
        Method::DELETE,
        "/tokens/TK-2000-0000-0001",
        None,
    )
    .await;
    let (_, all) = call(
        &app,
        &writer,
        Method::GET,
        "/tokens?status=all&q=TK-2000",
        None,
    )
    .await;

    assert_eq!(
        (get, disable, delete),
        (
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND
        )
    );
    assert!(ids(&all).is_empty());
    assert_eq!(
        call(
            &app,
            &app.secret_of("TK-2000-0000-0001"),
            Method::GET,
            "/whoami",
            None
        )
        .await
        .0,
        StatusCode::OK
    );
}
