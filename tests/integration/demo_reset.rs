//! Putting the demo back: a reset leaves the demo accounts exactly as a fresh seed at
//! the same moment would, touches no other account, and every instance's API answers
//! from the reset state at once; `POST /demo/reset` exists only with `--demo` and only
//! for JSON.

use diesel::prelude::*;
use diesel::sql_types::Text;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokendesk::app::AppOptions;
use tokendesk::db::schema::api_tokens;
use tokendesk::db::{self, accounts, audit, tokens, users};
use tokendesk::demo;
use tokendesk::domain::token_use::{TokenUses, Use};
use tokendesk::domain::{
    AccountId, Actor, AuditAction, Role, Scope, TokenId, TokenName, TokenSecret, TokenStatus,
    UserId, password,
};

use crate::common::{
    ACTIVE_TOKEN, ApiClient, DEMO_ADMIN_LOGIN, DEMO_MEMBER_LOGIN, DISABLED_TOKEN,
    EXPIRING_SOON_TOKEN, SUPPORT_LOGIN, TestApp, TestDb, invalidated_after, spawn_app,
    spawn_app_with, token_path,
};
use crate::visitor::Visitor;

/// The demo's accounts, as an SQL list.
fn demo_accounts() -> String {
    format!("('{}', '{}')", demo::DEMO_CORP, demo::OTHER_INC)
}
const THIRD_ACCOUNT: &str = "PA-3000-0003";

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    row: String,
}

/// Each row of `select` as JSON, in its order.
fn rows(conn: &mut PgConnection, select: &str) -> Vec<String> {
    diesel::sql_query(format!(
        "SELECT row_to_json(r)::text AS row FROM ({select}) AS r"
    ))
    .load::<Row>(conn)
    .unwrap_or_else(|e| panic!("{select}: {e}"))
    .into_iter()
    .map(|r| r.row)
    .collect()
}

/// What the demo accounts hold, as seeding writes it: every column that does not
/// differ by chance (random secrets, password salts, when a row was first made).
fn demo_state(conn: &mut PgConnection) -> Vec<Vec<String>> {
    let demo_accounts = demo_accounts();
    let demo_people = demo::USERS
        .iter()
        .map(|user| format!("'{}'", user.id))
        .collect::<Vec<_>>()
        .join(", ");
    let fixed = demo::FIXED_SECRETS
        .iter()
        .map(|(id, _)| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let of_demo_tokens =
        format!("token_id IN (SELECT id FROM api_tokens WHERE account_id IN {demo_accounts})");
    [
        // Every column but when the row was first made.
        format!(
            "SELECT to_jsonb(a) - 'created_at' AS account FROM accounts a
              WHERE id IN {demo_accounts} ORDER BY id"
        ),
        format!(
            "SELECT id, account_id, email, name, role, disabled_at FROM users
              WHERE account_id IN {demo_accounts} OR id IN ({demo_people}) ORDER BY id"
        ),
        format!(
            "SELECT id, api_tokens.account_id, name, description, scope, status, secret_prefix IS NOT NULL AS prefixed,
                    secret_digest IS NOT NULL AS usable, secret_ciphertext IS NOT NULL AS revealable,
                    deleted_digest IS NOT NULL AS tombstone,
                    CASE WHEN id IN ({fixed}) THEN encode(coalesce(secret_digest, deleted_digest), 'hex') END AS fixed_digest,
                    created_by, created_at, updated_at, expires_at, disabled_at, deleted_at,
                    disabled_by_person, a.at, a.ip, a.user_agent, a.via,
                    leaked_at, leak_url, leak_source
               FROM api_tokens JOIN token_last_access AS a ON a.token_id = id
              WHERE api_tokens.account_id IN {demo_accounts} ORDER BY id"
        ),
        format!("SELECT * FROM token_modules WHERE {of_demo_tokens} ORDER BY 1, 2"),
        format!("SELECT * FROM token_usage_daily WHERE {of_demo_tokens} ORDER BY 1, 2"),
        format!("SELECT * FROM token_access_ips WHERE {of_demo_tokens} ORDER BY 1, 2"),
        format!(
            "SELECT id, action FROM audit_events
              WHERE account_id IN {demo_accounts} OR actor_user_id IN ({demo_people}) ORDER BY id"
        ),
        format!(
            "SELECT email FROM sign_in_failures
              WHERE email IN (SELECT email FROM users WHERE id IN ({demo_people})) ORDER BY 1"
        ),
    ]
    .iter()
    .map(|select| rows(conn, select))
    .collect()
}

/// Everything outside the demo accounts and people, whole rows.
fn everything_else(conn: &mut PgConnection) -> Vec<Vec<String>> {
    let demo_accounts = demo_accounts();
    let not_demo_people = "SELECT id FROM users WHERE id NOT LIKE 'UR-1000-%' AND id NOT LIKE 'UR-2000-%' AND id <> 'UR-9000-0000-0001'";
    [
        format!("SELECT * FROM accounts WHERE id NOT IN {demo_accounts} ORDER BY id"),
        format!("SELECT * FROM users WHERE id IN ({not_demo_people}) ORDER BY id"),
        format!("SELECT * FROM api_tokens WHERE account_id NOT IN {demo_accounts} ORDER BY id"),
        format!(
            "SELECT * FROM token_modules WHERE token_id IN
               (SELECT id FROM api_tokens WHERE account_id NOT IN {demo_accounts}) ORDER BY 1, 2"
        ),
        format!("SELECT * FROM audit_events WHERE account_id NOT IN {demo_accounts} ORDER BY id"),
        format!("SELECT * FROM sessions WHERE user_id IN ({not_demo_people}) ORDER BY public_id"),
        "SELECT email, ip FROM sign_in_failures WHERE email NOT LIKE '%@demo.test'
            AND email <> 'admin@other.test' ORDER BY 1"
            .to_owned(),
    ]
    .iter()
    .map(|select| rows(conn, select))
    .collect()
}

/// A third account, with a person, a token, an audit event and a failed sign-in: none
/// of it the demo's.
fn add_third_account(conn: &mut PgConnection, cipher: &tokendesk::domain::SecretCipher) {
    let account = AccountId::parse(THIRD_ACCOUNT).unwrap();
    let person = UserId::parse("UR-3000-0000-0001").unwrap();
    accounts::insert_if_missing(conn, &account, "Third Ltd").unwrap();
    users::insert(
        conn,
        &users::NewUser {
            id: &person,
            account_id: Some(&account),
            email: "admin@third.test",
            name: "Tess Third",
            role: Role::Admin,
            password_hash: "not a hash that signs anyone in",
        },
    )
    .unwrap();
    let token = TokenId::parse("TK-3000-0000-0001").unwrap();
    tokens::insert(
        conn,
        &tokens::NewToken {
            id: &token,
            account_id: &account,
            name: &TokenName::parse("Third's integration").unwrap(),
            description: "",
            scope: Scope::Read,
            status: TokenStatus::Active,
            secret: &TokenSecret::generate(),
            modules: &[tokendesk::domain::ModuleId::parse("billing").unwrap()],
            created_by: &person,
            created_at: chrono::Utc::now(),
            expires_at: None,
            disabled_at: None,
            deleted_at: None,
            last_access: None,
            allowed_addresses: tokendesk::domain::AddressAllowlist::ANYWHERE,
            rate_limit: None,
        },
        cipher,
    )
    .unwrap();
    audit::record(
        conn,
        &audit::NewEvent {
            account_id: Some(&account),
            actor: &Actor::User(person),
            ip: None,
            at: chrono::Utc::now(),
            token_id: Some(&token),
            action: AuditAction::TokenDisable,
            details: "Third's own event".into(),
        },
    )
    .unwrap();
    diesel::sql_query(
        "INSERT INTO sign_in_failures (email, ip, at) VALUES ('admin@third.test', '192.0.2.1', now())",
    )
    .execute(conn)
    .unwrap();
}

/// What a suite run leaves behind in the demo: a disabled, an edited and a new token,
/// a token policy, a failed sign-in, a support export, new usage, a disabled member, a
/// new password, a new person and a renamed account.
async fn change_the_demo(app: &TestApp) {
    let (admin, csrf) = Visitor::signed_in_with_csrf(app, DEMO_ADMIN_LOGIN).await;
    let disabled = admin
        .post_form(
            &format!("{}/disable", token_path(ACTIVE_TOKEN)),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    let edited = admin
        .post_form(
            &format!("{}/edit", token_path(EXPIRING_SOON_TOKEN)),
            &[
                ("csrf_token", &csrf),
                ("name", "Renamed by a run"),
                ("scope", "read"),
                ("modules", "billing"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    let created = admin
        .post_form(
            "/settings/api-tokens",
            &[
                ("csrf_token", &csrf),
                ("name", "Made by a run"),
                ("scope", "read"),
                ("modules", "billing"),
                ("expires_in", "7"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let policy = admin
        .post_form(
            "/settings/token-policy",
            &[
                ("csrf_token", &csrf),
                ("max_lifetime", "90"),
                ("expiry_required", "on"),
            ],
        )
        .await;
    assert_eq!(policy.status, StatusCode::SEE_OTHER, "{}", policy.body);
    Visitor::new(app)
        .sign_in(DEMO_MEMBER_LOGIN.0, "not the password", None)
        .await;
    let support = Visitor::signed_in(app, SUPPORT_LOGIN).await;
    assert_eq!(
        support.get("/settings/api-tokens/export.csv").await.status,
        StatusCode::OK
    );

    let conn = &mut app.db.connection();
    let mut uses = TokenUses::default();
    uses.add(Use::new(chrono::Utc::now(), None, Some("a run")));
    db::access::write_uses(
        conn,
        &std::collections::HashMap::from([(TokenId::parse(DISABLED_TOKEN).unwrap(), uses)]),
    )
    .unwrap();
    users::disable(conn, DEMO_MEMBER_LOGIN.0, chrono::Utc::now()).unwrap();
    let hash = password::hash("a password of the run").unwrap();
    users::set_password(conn, DEMO_ADMIN_LOGIN.0, &hash, chrono::Utc::now()).unwrap();
    users::insert(
        conn,
        &users::NewUser {
            id: &UserId::parse("UR-1000-0000-0099").unwrap(),
            account_id: Some(&AccountId::parse(demo::DEMO_CORP).unwrap()),
            email: "added@demo.test",
            name: "Added by a run",
            role: Role::Admin,
            password_hash: &hash,
        },
    )
    .unwrap();
    let rename = format!(
        "UPDATE accounts SET name = 'Renamed Corp' WHERE id = '{}'",
        demo::DEMO_CORP
    );
    diesel::sql_query(rename).execute(conn).unwrap();
}

#[tokio::test]
async fn a_reset_leaves_the_demo_as_a_fresh_seed_would_and_other_accounts_as_they_were() {
    let app = spawn_app().await;
    add_third_account(&mut app.db.connection(), &app.cipher);
    change_the_demo(&app).await;
    let others_before = everything_else(&mut app.db.connection());
    let now = chrono::Utc::now();

    demo::reset(&mut app.db.connection(), &app.cipher, now).unwrap();

    let fresh = TestDb::migrated();
    demo::seed(&mut fresh.connection(), &app.cipher, now).unwrap();
    let reset = demo_state(&mut app.db.connection());
    assert_eq!(reset, demo_state(&mut fresh.connection()));
    assert!(
        reset[6].is_empty() && reset[7].is_empty(),
        "no audit events, no failed sign-ins"
    );
    assert_eq!(everything_else(&mut app.db.connection()), others_before);
    for (email, password) in [DEMO_ADMIN_LOGIN, DEMO_MEMBER_LOGIN] {
        let page = Visitor::new(&app).sign_in(email, password, None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{email} signs in again");
    }
}

#[tokio::test]
async fn every_fixed_secret_works_after_a_reset_as_it_did_before() {
    let app = spawn_app().await;
    let answers = |app: &TestApp| {
        let address = app.address.clone();
        async move {
            let mut statuses = Vec::new();
            for (_, secret) in demo::FIXED_SECRETS {
                statuses.push(ApiClient::new(&address, secret).whoami().await.status);
            }
            statuses
        }
    };
    let before = answers(&app).await;

    demo::reset(&mut app.db.connection(), &app.cipher, chrono::Utc::now()).unwrap();
    app.cache.clear();

    assert_eq!(answers(&app).await, before);
}

/// The app serving the demo, as `serve --demo` does.
async fn spawn_demo_app() -> TestApp {
    spawn_app_with(AppOptions {
        demo: true,
        flush_every: std::time::Duration::from_millis(200),
        ..AppOptions::default()
    })
    .await
}

async fn post_reset(app: &TestApp, content_type: &str, body: &str) -> (StatusCode, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}/demo/reset", app.address))
        .header("Content-Type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let body = answer.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn post_demo_reset_answers_json_only_and_only_when_serving_the_demo() {
    let plain = spawn_app().await;
    let demo_app = spawn_demo_app().await;

    let (without_demo, _) = post_reset(&plain, "application/json", "{}").await;
    let (as_a_form, _) =
        post_reset(&demo_app, "application/x-www-form-urlencoded", "reset=1").await;
    let (as_text, _) = post_reset(&demo_app, "text/plain", "{}").await;
    let (reset, answer) = post_reset(&demo_app, "application/json; charset=utf-8", "{}").await;

    assert_eq!(without_demo, StatusCode::NOT_FOUND);
    assert_eq!(as_a_form, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(as_text, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reset, StatusCode::OK);
    assert_eq!(
        answer,
        json!({"reset": true, "accounts": [demo::DEMO_CORP, demo::OTHER_INC], "people": 4, "tokens": 31})
    );
}

#[tokio::test]
async fn after_post_demo_reset_every_instance_answers_from_the_reset_state() {
    let app = spawn_demo_app().await;
    let other = app.second_instance();
    let disabled = demo::fixed_secret(DISABLED_TOKEN).unwrap().unwrap();
    let made_by_a_run = app.demo_corp_secret(Scope::Read, &["billing"]);
    // Enabled behind the servers' backs, so that no notification is still on its way
    // when the reset's arrives.
    diesel::update(api_tokens::table.find(DISABLED_TOKEN))
        .set((
            api_tokens::status.eq("active"),
            api_tokens::disabled_at.eq(None::<chrono::DateTime<chrono::Utc>>),
            api_tokens::disabled_by_person.eq(false),
        ))
        .execute(&mut app.db.connection())
        .unwrap();
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    invalidated_after(&other.cache, 0).await; // the other instance is listening
    let clients = |secret: &str| {
        [
            ApiClient::new(&app.address, secret),
            ApiClient::new(&other.address, secret),
        ]
    };
    for client in clients(disabled.expose())
        .iter()
        .chain(&clients(&made_by_a_run))
    {
        assert_eq!(client.whoami().await.status, StatusCode::OK, "cached");
    }
    let seen = other.cache.invalidations();

    let (status, _) = post_reset(&app, "application/json", "{}").await;

    assert_eq!(status, StatusCode::OK);
    let [here, there] = clients(disabled.expose());
    assert_eq!(
        here.whoami().await.body["reason"],
        "disabled",
        "at once here"
    );
    let [gone_here, gone_there] = clients(&made_by_a_run);
    assert_eq!(gone_here.whoami().await.status, StatusCode::UNAUTHORIZED);
    invalidated_after(&other.cache, seen).await;
    assert_eq!(there.whoami().await.body["reason"], "disabled");
    assert_eq!(gone_there.whoami().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        admin.get("/settings/api-tokens").await.status,
        StatusCode::OK,
        "the demo people's sessions are kept"
    );
}
