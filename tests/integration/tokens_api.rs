//! The token-management API: the Tokens module and `read`/`write` scopes, the same
//! rules and atomic transitions as the portal with the token as the actor, and account
//! isolation.

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokendesk::db::schema::audit_events;

use crate::common::{
    ACTIVE_TOKEN, ApiClient, BILLING_WRITE_TOKEN, DEMO_ADMIN, DEMO_CORP, DISABLED_NEVER_USED_TOKEN,
    DISABLED_TOKEN, OTHER_INC_TOKEN, RECENTLY_DISABLED_TOKEN, TestApp, spawn_app,
};
use crate::visitor::PortalToken;

/// A client of the API calling with a token made in the portal, never expiring.
async fn api_with_portal_token(
    app: &TestApp,
    name: &str,
    scope: &str,
    modules: &[&str],
) -> ApiClient {
    PortalToken::create(app, name, scope, modules, "none")
        .await
        .api
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
    let reader = api_with_portal_token(&app, "Reader", "read", &["tokens"]).await;

    let disabled = reader.get("/tokens?status=disabled&sort=name").await;
    assert_eq!(disabled.status, StatusCode::OK);
    assert_eq!(
        ids(&disabled.body),
        [
            DISABLED_NEVER_USED_TOKEN,
            DISABLED_TOKEN,
            RECENTLY_DISABLED_TOKEN
        ]
    );
    assert_eq!(disabled.body["total"], 3);
    let one = reader.get(&format!("/tokens/{ACTIVE_TOKEN}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["name"], "CI deploy pipeline");
    assert_eq!(one.body["modules"], json!(["catalog", "reports"]));
    assert!(one.body["masked"].as_str().unwrap().ends_with('…'));

    let active = format!("/tokens/{ACTIVE_TOKEN}");
    for (method, path) in [
        (Method::POST, "/tokens".to_owned()),
        (Method::PATCH, active.clone()),
        (Method::POST, format!("{active}/disable")),
        (Method::DELETE, active.clone()),
    ] {
        let body = json!({"name": "x", "scope": "read", "modules": ["usage"]});
        let refused = reader.send(method.clone(), &path, Some(&body)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(refused.body["reason"], "insufficient_scope");
    }
}

#[tokio::test]
async fn the_list_is_walked_with_next_after_and_a_bare_page_number_is_refused() {
    let app = spawn_app().await;
    let reader = api_with_portal_token(&app, "Reader", "read", &["tokens"]).await;

    let first = reader.get("/tokens?status=all&sort=name").await;
    let after = first.body["next_after"].as_str().unwrap().to_owned();
    let second = reader
        .get(&format!("/tokens?status=all&sort=name&after={after}"))
        .await;
    let numbered = reader.get("/tokens?status=all&page=2").await;

    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(ids(&first.body).len(), 25);
    assert_eq!(ids(&first.body).last(), Some(&after));
    assert_eq!(first.body["total"], 29, "28 demo tokens and the reader");
    assert_eq!(first.body["total_is_exact"], true);
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(ids(&second.body).len(), 4);
    assert_eq!(second.body["next_after"], Value::Null);
    assert!(
        ids(&second.body)
            .iter()
            .all(|id| !ids(&first.body).contains(id)),
        "no token on two pages"
    );
    assert_eq!(numbered.status, StatusCode::BAD_REQUEST);
    assert!(
        numbered.body["detail"]
            .as_str()
            .unwrap()
            .contains("next_after")
    );
}

#[tokio::test]
async fn a_token_without_the_tokens_module_is_refused() {
    let app = spawn_app().await;
    let billing = app.api(&app.secret_of(BILLING_WRITE_TOKEN));

    let refused = billing.get("/tokens").await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["reason"], "module_not_granted");
}

#[tokio::test]
async fn a_write_token_runs_the_whole_lifecycle_with_the_portals_rules() {
    let app = spawn_app().await;
    let writer =
        api_with_portal_token(&app, "Writer", "write", &["tokens", "usage", "reports"]).await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();

    let created = writer
        .post(
            "/tokens",
            &json!({"name": "Made by API", "scope": "read", "modules": ["usage"], "expires_at": tomorrow}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["token"]["id"].as_str().unwrap().to_owned();
    let made = app.api(created.body["secret"].as_str().unwrap());
    assert_eq!(made.whoami().await.body["token_id"], id.as_str());

    let path = format!("/tokens/{id}");
    let updated = writer
        .patch(
            &path,
            &json!({"name": "Renamed by API", "scope": "read", "modules": ["usage", "reports"]}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body["name"], "Renamed by API");
    assert_eq!(
        updated.body["expires_at"], created.body["token"]["expires_at"],
        "a missing expiry is kept"
    );
    let problem = writer
        .patch(
            &path,
            &json!({"name": " ", "scope": "read", "modules": ["usage"], "expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem.body["errors"]["name"],
        "Enter a name for the token."
    );
    assert_eq!(
        problem.body["errors"]["expires_at"],
        "The expiry must be in the future."
    );

    let disabled = writer.post_empty(&format!("{path}/disable")).await;
    assert_eq!(
        (disabled.status, disabled.body["status"].as_str()),
        (StatusCode::OK, Some("disabled"))
    );
    assert_eq!(made.whoami().await.body["reason"], "disabled");
    let again = writer.post_empty(&format!("{path}/disable")).await;
    assert_eq!(
        (again.status, again.body["detail"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("This token was already disabled.")
        )
    );
    let refused = writer
        .patch(
            &path,
            &json!({"name": "x", "scope": "read", "modules": ["usage"]}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["detail"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("Enable the token before editing it.")
        )
    );
    assert_eq!(
        writer.post_empty(&format!("{path}/enable")).await.status,
        StatusCode::OK
    );
    assert_eq!(made.whoami().await.status, StatusCode::OK);
    assert_eq!(writer.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(writer.delete(&path).await.status, StatusCode::CONFLICT);
    assert_eq!(made.whoami().await.body["reason"], "deleted");

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
    let writer_json = writer.get("/tokens?q=Writer").await.body;
    let writer_id = writer_json["tokens"][0]["id"].as_str().unwrap().to_owned();
    assert!(
        actors
            .iter()
            .all(|(_, user, token)| user.is_none() && token.as_deref() == Some(writer_id.as_str()))
    );
}

#[tokio::test]
async fn an_update_keeps_the_description_and_expiry_it_leaves_out_and_null_takes_the_expiry_away() {
    let app = spawn_app().await;
    let writer = api_with_portal_token(&app, "Writer", "write", &["tokens", "usage"]).await;
    let in_a_week = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let created = writer
        .post(
            "/tokens",
            &json!({"name": "Warehouse feed", "description": "Feeds the warehouse nightly",
                    "scope": "read", "modules": ["usage"], "expires_at": in_a_week}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["token"]["id"].as_str().unwrap().to_owned();
    let path = format!("/tokens/{id}");
    let rename = json!({"name": "Warehouse feed (EU)", "scope": "read", "modules": ["usage"]});

    let renamed = writer.patch(&path, &rename).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(
        (
            &renamed.body["name"],
            &renamed.body["description"],
            &renamed.body["expires_at"]
        ),
        (
            &json!("Warehouse feed (EU)"),
            &json!("Feeds the warehouse nightly"),
            &created.body["token"]["expires_at"]
        ),
        "a rename that leaves the expiry out must not make the token immortal"
    );

    // Once its expiry has passed, a token may no longer edit it; what it is told is
    // that, not that an expiry it did not send must lie ahead.
    diesel::sql_query("UPDATE api_tokens SET expires_at = now() - interval '1 day' WHERE id = $1")
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut app.db.connection())
        .unwrap();
    let expired = writer.patch(&path, &rename).await;
    assert_eq!(
        (expired.status, &expired.body["detail"]),
        (
            StatusCode::FORBIDDEN,
            &json!("this token has expired; only a person can edit or extend it")
        )
    );
    diesel::sql_query("UPDATE api_tokens SET expires_at = now() + interval '1 day' WHERE id = $1")
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut app.db.connection())
        .unwrap();

    let cleared = writer
        .patch(
            &path,
            &json!({"name": "Warehouse feed (EU)", "description": null, "scope": "read",
                    "modules": ["usage"], "expires_at": null}),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
    assert_eq!(
        (
            &cleared.body["description"],
            &cleared.body["expires_at"],
            &cleared.body["status"]
        ),
        (&json!(""), &Value::Null, &json!("active"))
    );
}

#[tokio::test]
async fn an_update_that_meets_another_change_is_made_again_on_top_of_it() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    let writer = api_with_portal_token(&app, "Writer", "write", &["tokens", "usage"]).await;
    let created = writer
        .post(
            "/tokens",
            &json!({"name": "Warehouse feed", "scope": "read", "modules": ["usage"]}),
        )
        .await;
    let id = created.body["token"]["id"].as_str().unwrap().to_owned();
    // Another change holds the token's row while the update is sent: the update reads
    // the token, then waits for the row, then finds it changed.
    let (mut other, mut watcher) = (app.db.connection(), app.db.connection());
    other
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM api_tokens WHERE id = '{id}' FOR UPDATE"
        ))
        .unwrap();
    let other_change_lands = async {
        crate::common::until_a_backend_waits_for_a_lock(&mut watcher).await;
        other
            .batch_execute(&format!(
                "UPDATE api_tokens SET rate_limit_per_minute = 10, updated_at = now() \
                 WHERE id = '{id}'; COMMIT"
            ))
            .unwrap();
    };

    let (path, rename) = (
        format!("/tokens/{id}"),
        json!({"name": "Warehouse feed (EU)", "scope": "read", "modules": ["usage"]}),
    );
    let (renamed, ()) = tokio::join!(writer.patch(&path, &rename), other_change_lands);

    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(
        (
            &renamed.body["name"],
            &renamed.body["rate_limit_per_minute"]
        ),
        (&json!("Warehouse feed (EU)"), &json!(10)),
        "both changes stand"
    );
}

#[tokio::test]
async fn an_edit_made_from_an_older_reading_of_a_token_is_refused_not_written_over_it() {
    use tokendesk::db::tokens::{self, Outcome};
    use tokendesk::domain::{
        AccountId, Acting, Actor, ModuleId, Refusal, TokenDraft, TokenForm, TokenId, UserId,
        Visibility,
    };
    let app = spawn_app().await;
    let mut conn = app.db.connection();
    let account = AccountId::parse(DEMO_CORP).unwrap();
    let id = TokenId::parse(ACTIVE_TOKEN).unwrap();
    let seen = tokens::find(&mut conn, &Visibility::Account(account.clone()), &id)
        .unwrap()
        .unwrap();
    // Between that reading and the edit, a person limits the token.
    app.limit_elsewhere(ACTIVE_TOKEN);
    let form = TokenForm {
        name: "Renamed from an old reading".into(),
        scope: seen.summary.scope.as_str().into(),
        modules: seen
            .summary
            .modules
            .iter()
            .map(|m| m.id.to_string())
            .collect(),
        ..TokenForm::default()
    };
    let catalog: Vec<ModuleId> = seen.summary.modules.iter().map(|m| m.id.clone()).collect();
    let draft =
        TokenDraft::parse_with_exact_expiry(&form, None, &catalog, chrono::Utc::now()).unwrap();
    let ctx = Acting::now(
        account,
        Actor::User(UserId::parse(DEMO_ADMIN).unwrap()),
        None,
    )
    .on(id);

    let stale = tokens::edit(&mut conn, &ctx, &draft, Some(seen.updated_at)).unwrap();

    assert_eq!(stale, Outcome::Refused(Refusal::Changed));
    let (name, limit): (String, Option<i32>) =
        diesel::sql_query("SELECT name, rate_limit_per_minute FROM api_tokens WHERE id = $1")
            .bind::<diesel::sql_types::Text, _>(ACTIVE_TOKEN)
            .get_result::<NameAndLimit>(&mut conn)
            .map(|row| (row.name, row.rate_limit_per_minute))
            .unwrap();
    assert_eq!((name, limit), (seen.summary.name.clone(), Some(10)));
}

#[derive(diesel::QueryableByName)]
struct NameAndLimit {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    rate_limit_per_minute: Option<i32>,
}

#[tokio::test]
async fn another_accounts_tokens_are_not_there() {
    let app = spawn_app().await;
    let writer =
        api_with_portal_token(&app, "Writer", "write", &["tokens", "usage", "reports"]).await;

    let others = format!("/tokens/{OTHER_INC_TOKEN}");
    let get = writer.get(&others).await;
    let disable = writer.post_empty(&format!("{others}/disable")).await;
    let delete = writer.delete(&others).await;
    let all = writer.get("/tokens?status=all&q=TK-2000").await;

    assert_eq!(
        (get.status, disable.status, delete.status),
        (
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND
        )
    );
    assert!(ids(&all.body).is_empty());
    assert_eq!(
        app.api(&app.secret_of(OTHER_INC_TOKEN))
            .whoami()
            .await
            .status,
        StatusCode::OK
    );
}
