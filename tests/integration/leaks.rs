//! Leak reports: a secret scanner holding a service credential posts the tokens it
//! found in public (`POST /api/v1/leaks`, GitHub's partner format). Each of ours that
//! still works is disabled at once on every instance, marked with where it was found and
//! audited; only a person can enable it again. Each match is labelled true or false
//! positive. The account's admins see a banner leading to those tokens, and each
//! token's details page says where it was found.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokendesk::db::schema::{api_tokens, audit_events};
use tokendesk::db::tokens::Lookup;
use tokendesk::demo;
use tokendesk::domain::{Scope, TokenSecret};

use crate::common::{
    ApiClient, ApiResponse, DELETED_TOKEN, DEMO_ADMIN_LOGIN, DEMO_CORP, DISABLED_TOKEN,
    EXPIRED_TOKEN, OTHER_ADMIN_LOGIN, OTHER_INC, OTHER_INC_DISABLED_TOKEN, OTHER_INC_TOKEN,
    SUPPORT_LOGIN, TestApp, invalidated_after, spawn_app, token_path,
};
use crate::visitor::{Page, PortalToken, Visitor};

const LIST: &str = "/settings/api-tokens";
/// Where the scanner says it found each token.
const FOUND_AT: &str =
    "https://github.com/octo-org/octo-repo/blob/12345600b9cbe38a219f39a9941c9319b600c002/.env";

/// One match, as GitHub sends it.
fn found(token: &str) -> Value {
    json!({"token": token, "type": "tokendesk_api_token", "url": FOUND_AT, "source": "content"})
}

/// Reports `tokens` as found at `FOUND_AT`; the answer must be a 200.
async fn report(scanner: &ApiClient, tokens: &[&str]) -> ApiResponse {
    let matches: Vec<Value> = tokens.iter().map(|token| found(token)).collect();
    let answer = scanner.post("/leaks", &Value::Array(matches)).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer
}

/// Each verdict's label, in order.
fn labels(answer: &ApiResponse) -> Vec<&str> {
    answer
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|verdict| verdict["label"].as_str().unwrap())
        .collect()
}

/// What a leak report may change of a token.
#[derive(Queryable, Debug, PartialEq, Eq)]
struct Marks {
    status: String,
    disabled_at: Option<DateTime<Utc>>,
    disabled_by_person: bool,
    leaked_at: Option<DateTime<Utc>>,
    leak_url: Option<String>,
    leak_source: Option<String>,
    updated_at: DateTime<Utc>,
}

fn marks(app: &TestApp, id: &str) -> Marks {
    api_tokens::table
        .find(id)
        .select((
            api_tokens::status,
            api_tokens::disabled_at,
            api_tokens::disabled_by_person,
            api_tokens::leaked_at,
            api_tokens::leak_url,
            api_tokens::leak_source,
            api_tokens::updated_at,
        ))
        .first(&mut app.db.connection())
        .unwrap()
}

/// The `token.leaked` events on token `id`: account, service and details.
fn leak_events(app: &TestApp, id: &str) -> Vec<(Option<String>, Option<String>, String)> {
    audit_events::table
        .filter(audit_events::token_id.eq(id))
        .filter(audit_events::action.eq("token.leaked"))
        .select((
            audit_events::account_id,
            audit_events::actor_service,
            audit_events::details,
        ))
        .load(&mut app.db.connection())
        .unwrap()
}

fn audit_count(app: &TestApp) -> i64 {
    audit_events::table
        .count()
        .get_result(&mut app.db.connection())
        .unwrap()
}

/// A token acting through the API, `caller`, is refused enabling token `id`: only a
/// person may.
async fn assert_no_token_may_enable(caller: &ApiClient, id: &str) {
    let refused = caller.post_empty(&format!("/tokens/{id}/enable")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(refused.body["reason"], "exceeds_caller");
}

/// A new active token of `account` that never expires: its id and secret.
fn new_token(app: &TestApp, account: &str) -> (String, String) {
    let secret = TokenSecret::generate();
    let id = app.insert_token(account, Scope::Read, &["billing"], &secret);
    (id, secret.expose().to_owned())
}

async fn list_as(app: &TestApp, who: (&str, &str), query: &str) -> Page {
    let page = Visitor::signed_in(app, who)
        .await
        .get(&format!("{LIST}{query}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.body);
    page
}

#[tokio::test]
async fn a_reported_token_is_refused_at_once_on_every_instance_marked_and_audited() {
    let app = spawn_app().await;
    let other = app.second_instance();
    let (id, secret) = new_token(&app, DEMO_CORP);
    let (here, there) = (app.api(&secret), ApiClient::new(&other.address, &secret));
    invalidated_after(&other.cache, 0).await; // the other instance is listening
    assert_eq!(there.whoami().await.status, StatusCode::OK, "cached there");
    let seen = other.cache.invalidations();

    let answer = report(&app.service("github-secret-scanning"), &[&secret]).await;

    assert_eq!(
        answer.body,
        json!([{"token_raw": secret, "token_type": "tokendesk_api_token", "label": "true_positive"}])
    );
    assert_eq!(
        here.whoami().await.body["reason"],
        "disabled",
        "at once here"
    );
    invalidated_after(&other.cache, seen).await;
    let refused = there.whoami().await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.body["reason"], "disabled",
        "and within a second there"
    );
    let marked = marks(&app, &id);
    assert_eq!(marked.status, "disabled");
    assert!(
        marked.disabled_by_person,
        "only a person may enable it again"
    );
    assert_eq!(marked.leaked_at, marked.disabled_at);
    assert!(marked.leaked_at.is_some());
    assert_eq!(marked.leak_url.as_deref(), Some(FOUND_AT));
    assert_eq!(marked.leak_source.as_deref(), Some("content"));
    assert_eq!(
        leak_events(&app, &id),
        [(
            Some(DEMO_CORP.to_owned()),
            Some("github-secret-scanning".to_owned()),
            format!("Found at {FOUND_AT} (source: content)")
        )]
    );
    let log = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN)
        .await
        .get("/settings/audit")
        .await;
    let row = "[data-testid=audit-row][data-action=\"token.leaked\"]";
    assert_eq!(
        log.select(&format!("{row} [data-testid=audit-actor]")),
        ["Service github-secret-scanning"]
    );
    assert_eq!(
        log.select(&format!("{row} [data-testid=audit-action]")),
        ["Found in public and disabled"]
    );
    drop(other);
}

#[tokio::test]
async fn each_match_is_labelled_in_the_order_reported_and_only_ours_are_true_positives() {
    let app = spawn_app().await;
    let (id, secret) = new_token(&app, DEMO_CORP);
    let unknown = TokenSecret::generate().expose().to_owned();
    let mut mistyped = TokenSecret::generate().expose().to_owned();
    let last = if mistyped.ends_with('A') { "B" } else { "A" };
    mistyped.replace_range(mistyped.len() - 1.., last);
    invalidated_after(&app.cache, 0).await; // the listener's start-up clear is behind us
    let scanner = app.service("scanner");

    let answer = scanner
        .post(
            "/leaks",
            &json!([
                {"token": "ghp_notoursatall0123456789", "type": "github_token"},
                found(&unknown),
                {"token": secret, "type": "tokendesk_api_token", "url": FOUND_AT},
                found(&mistyped),
                {"token": ""},
            ]),
        )
        .await;

    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(
        labels(&answer),
        [
            "false_positive",
            "false_positive",
            "true_positive",
            "false_positive",
            "false_positive"
        ]
    );
    let raw: Vec<&str> = answer
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|verdict| verdict["token_raw"].as_str().unwrap())
        .collect();
    assert_eq!(
        raw,
        [
            "ghp_notoursatall0123456789",
            &unknown,
            &secret,
            &mistyped,
            ""
        ]
    );
    assert_eq!(answer.body[0]["token_type"], "github_token");
    assert_eq!(answer.body[4]["token_type"], "", "none was given");
    let marked = marks(&app, &id);
    assert_eq!(marked.status, "disabled");
    assert_eq!(marked.leak_url.as_deref(), Some(FOUND_AT));
    assert_eq!(marked.leak_source, None, "the report said no source");

    // The unknown token cost one lookup and is remembered: with the database away, the
    // same report is answered from memory (the service's credential is cached too).
    let digest = TokenSecret::parse(&unknown).unwrap().digest();
    assert_eq!(app.cache.get(&digest), Some(Lookup::Unknown));
    let away = app.take_database_away();
    let again = report(&scanner, &["tdk_short", &mistyped, &unknown]).await;
    assert_eq!(
        labels(&again),
        ["false_positive", "false_positive", "false_positive"]
    );
    drop(away);
}

#[tokio::test]
async fn a_deleted_token_or_one_reported_before_is_a_true_positive_left_as_it_was() {
    let app = spawn_app().await;
    let scanner = app.service("scanner");
    let (reported_before, secret) = new_token(&app, DEMO_CORP);
    report(&scanner, &[&secret]).await;
    let deleted = demo::fixed_secret(DELETED_TOKEN).unwrap().unwrap();
    let before = (marks(&app, &reported_before), marks(&app, DELETED_TOKEN));
    let events = audit_count(&app);

    let answer = report(&scanner, &[&secret, deleted.expose()]).await;

    assert_eq!(labels(&answer), ["true_positive", "true_positive"]);
    assert_eq!(
        (marks(&app, &reported_before), marks(&app, DELETED_TOKEN)),
        before,
        "unchanged: the first report's mark stays"
    );
    assert_eq!(audit_count(&app), events, "nothing audited");
}

#[tokio::test]
async fn a_token_disabled_already_is_marked_so_no_token_can_bring_its_public_secret_back() {
    let app = spawn_app().await;
    let caller = PortalToken::create(&app, "CI bot", "write", &["tokens", "billing"], "30").await;
    let quiet = PortalToken::create(&app, "Nightly", "read", &["billing"], "7").await;
    let secret = quiet.created.text("new-token-secret");
    let path = format!("/tokens/{}/disable", quiet.id);
    let disabled = caller.api.post_empty(&path).await;
    assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.body);
    let was = marks(&app, &quiet.id);
    assert!(!was.disabled_by_person, "a token disabled it");

    let answer = report(&app.service("scanner"), &[&secret]).await;

    assert_eq!(labels(&answer), ["true_positive"]);
    let marked = marks(&app, &quiet.id);
    assert_eq!(marked.status, "disabled");
    assert_eq!(marked.disabled_at, was.disabled_at, "disabled when it was");
    assert!(marked.disabled_by_person, "only a person may enable it now");
    assert!(marked.leaked_at.is_some());
    assert_eq!(marked.leak_url.as_deref(), Some(FOUND_AT));
    let events = leak_events(&app, &quiet.id);
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].2.ends_with("It was disabled already."),
        "{events:?}"
    );
    assert_no_token_may_enable(&caller.api, &quiet.id).await;
    assert_eq!(quiet.api.whoami().await.body["reason"], "disabled");
}

#[tokio::test]
async fn an_expired_token_is_disabled_too_so_no_new_expiry_can_bring_its_secret_back() {
    let app = spawn_app().await;
    let expired = demo::fixed_secret(EXPIRED_TOKEN).unwrap().unwrap();

    let answer = report(&app.service("scanner"), &[expired.expose()]).await;

    assert_eq!(labels(&answer), ["true_positive"]);
    let marked = marks(&app, EXPIRED_TOKEN);
    assert_eq!(marked.status, "disabled");
    assert!(marked.leaked_at.is_some());
}

#[tokio::test]
async fn a_secret_a_rotation_replaced_disables_its_token_while_it_still_works() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let (in_grace, old_in_grace) = new_token(&app, DEMO_CORP);
    let (replaced, old_replaced) = new_token(&app, DEMO_CORP);
    for (id, grace) in [(&in_grace, "3600"), (&replaced, "0")] {
        let page = admin
            .post_form(
                &format!("{}/rotate", token_path(id)),
                &[("csrf_token", &csrf), ("grace", grace)],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }

    let answer = report(&app.service("scanner"), &[&old_in_grace, &old_replaced]).await;

    assert_eq!(labels(&answer), ["true_positive", "true_positive"]);
    assert_eq!(marks(&app, &in_grace).status, "disabled", "it still worked");
    let left = marks(&app, &replaced);
    assert_eq!(left.status, "active", "its secret no longer worked");
    assert_eq!(left.leaked_at, None);
}

#[tokio::test]
async fn another_accounts_token_is_handled_as_ours_the_platforms() {
    let app = spawn_app().await;
    let theirs = app.secret_of(OTHER_INC_TOKEN);

    let answer = report(&app.service("scanner"), &[&theirs]).await;

    assert_eq!(labels(&answer), ["true_positive"]);
    assert_eq!(app.api(&theirs).whoami().await.body["reason"], "disabled");
    assert_eq!(marks(&app, OTHER_INC_TOKEN).status, "disabled");
    let events = leak_events(&app, OTHER_INC_TOKEN);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].0.as_deref(),
        Some(OTHER_INC),
        "in its own account"
    );
}

#[tokio::test]
async fn only_a_service_may_report_not_a_token_nor_anyone_without_a_credential() {
    let app = spawn_app().await;
    let (id, secret) = new_token(&app, DEMO_CORP);
    let admin_token = TokenSecret::generate();
    app.insert_token(DEMO_CORP, Scope::Admin, &["tokens"], &admin_token);
    let body = Value::Array(vec![found(&secret)]);

    for (who, caller) in [
        ("no credential", ApiClient::anonymous(&app.address)),
        ("the reported token", app.api(&secret)),
        ("an admin token with Tokens", app.api(admin_token.expose())),
        (
            "an unknown service secret",
            app.api(tokendesk::domain::ServiceSecret::generate().expose()),
        ),
    ] {
        let refused = caller.post("/leaks", &body).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{who}");
        assert_eq!(
            refused.header("content-type"),
            Some("application/problem+json"),
            "{who}"
        );
        assert!(
            refused
                .header("www-authenticate")
                .is_some_and(|challenge| challenge.contains("tokendesk-services")),
            "{who}"
        );
    }
    assert_eq!(marks(&app, &id).status, "active");
    assert!(leak_events(&app, &id).is_empty());
}

#[tokio::test]
async fn a_token_acting_through_the_api_cannot_enable_a_leaked_token_but_a_person_can() {
    let app = spawn_app().await;
    let caller = PortalToken::create(&app, "CI bot", "write", &["tokens", "billing"], "30").await;
    let leaked = PortalToken::create(&app, "Nightly", "read", &["billing"], "7").await;
    let secret = leaked.created.text("new-token-secret");
    report(&app.service("scanner"), &[&secret]).await;

    let refused = caller
        .api
        .post_empty(&format!("/tokens/{}/enable", leaked.id))
        .await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(refused.body["reason"], "exceeds_caller");
    assert_eq!(leaked.api.whoami().await.body["reason"], "disabled");
    let seen = caller.api.get(&format!("/tokens/{}", leaked.id)).await;
    assert_eq!(seen.body["found_in_public"]["url"], FOUND_AT);
    assert_eq!(seen.body["found_in_public"]["source"], "content");

    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let enabled = admin
        .post_form(
            &format!("{}/enable", token_path(&leaked.id)),
            &[("csrf_token", &csrf)],
        )
        .await;

    assert_eq!(enabled.status, StatusCode::SEE_OTHER, "a person may");
    assert_eq!(leaked.api.whoami().await.status, StatusCode::OK, "it works");
    let marked = marks(&app, &leaked.id);
    assert_eq!(marked.status, "active");
    assert!(marked.leaked_at.is_some(), "the leak is still on record");
    assert_eq!(marked.leak_url.as_deref(), Some(FOUND_AT));
    let details = admin.get(&token_path(&leaked.id)).await;
    assert_eq!(
        details.attrs("[data-testid=found-in-public-url]", "href"),
        [FOUND_AT]
    );
    let list = admin.get(LIST).await;
    assert!(list.texts("leak-reminder").is_empty(), "no longer disabled");
}

#[tokio::test]
async fn an_admin_is_told_how_many_tokens_were_found_in_public_and_led_to_exactly_those() {
    let app = spawn_app().await;
    let (first, first_secret) = new_token(&app, DEMO_CORP);
    let (second, second_secret) = new_token(&app, DEMO_CORP);
    report(&app.service("scanner"), &[&first_secret, &second_secret]).await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let page = admin.get(LIST).await;

    assert_eq!(
        page.text("leak-reminder"),
        "2 tokens were found in public and disabled. Show the tokens found in public"
    );
    let link = page.attrs("[data-testid=leak-reminder-link]", "href");
    assert_eq!(link, [format!("{LIST}?status=disabled&leaked=1")]);
    let shown = admin.get(&link[0]).await;
    let mut listed = shown.token_ids();
    listed.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(listed, expected, "exactly those");
    assert!(!listed.contains(&DISABLED_TOKEN.to_owned()));
    assert_eq!(
        shown.attrs("[data-testid=filter-leaked][checked]", "value"),
        ["1"],
        "the filter shows it is on"
    );

    let deleted = admin
        .post_form(
            &format!("{}/delete", token_path(&first)),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        admin.get(LIST).await.text("leak-reminder"),
        "1 token was found in public and disabled. Show the tokens found in public",
        "a deleted token is not counted"
    );

    let enabled = admin
        .post_form(
            &format!("{}/enable", token_path(&second)),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(enabled.status, StatusCode::SEE_OTHER);
    let page = admin.get(LIST).await;
    assert!(page.texts("leak-reminder").is_empty(), "{}", page.body);
    assert!(page.texts("leak-reminder-link").is_empty());
    let ever = admin.get(&format!("{LIST}?leaked=1&status=all")).await;
    let mut ever_listed = ever.token_ids();
    ever_listed.sort();
    assert_eq!(ever_listed, expected, "the filter alone keeps the record");
}

#[tokio::test]
async fn support_staff_get_no_banner_and_other_accounts_admins_none_for_these_tokens() {
    let app = spawn_app().await;
    let (id, secret) = new_token(&app, DEMO_CORP);
    report(&app.service("scanner"), &[&secret]).await;

    let demo_corp = list_as(&app, DEMO_ADMIN_LOGIN, "").await;
    let other_inc = list_as(&app, OTHER_ADMIN_LOGIN, "").await;
    let support = list_as(&app, SUPPORT_LOGIN, "").await;

    assert!(
        demo_corp
            .text("leak-reminder")
            .starts_with("1 token was found in public and disabled."),
        "{}",
        demo_corp.text("leak-reminder")
    );
    assert!(
        other_inc
            .text("leak-reminder")
            .starts_with("1 token was found in public and disabled."),
        "only the demo's own, {OTHER_INC_DISABLED_TOKEN}: {}",
        other_inc.text("leak-reminder")
    );
    assert!(support.texts("leak-reminder").is_empty(), "support: none");
    assert!(
        support.token_ids().contains(&id),
        "support does see the token"
    );
    let fragment = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN)
        .await
        .get_htmx(&format!("{LIST}?q=Inserted"))
        .await;
    assert!(
        fragment.texts("leak-reminder").is_empty(),
        "fragments skip it"
    );
}

#[tokio::test]
async fn the_details_page_says_where_and_when_the_token_was_found() {
    let app = spawn_app().await;
    let (id, secret) = new_token(&app, DEMO_CORP);
    let (hostile, hostile_secret) = new_token(&app, DEMO_CORP);
    let (plain, _) = new_token(&app, DEMO_CORP);
    let scanner = app.service("scanner");
    report(&scanner, &[&secret]).await;
    let answer = scanner
        .post(
            "/leaks",
            &json!([{"token": hostile_secret, "url": "javascript:alert(1)", "source": "<b>x</b>"}]),
        )
        .await;
    assert_eq!(labels(&answer), ["true_positive"]);
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = admin.get(&token_path(&id)).await;

    let found_at = marks(&app, &id).leaked_at.unwrap();
    assert!(
        page.text("found-in-public")
            .starts_with("Its secret was found in public "),
        "{}",
        page.text("found-in-public")
    );
    assert_eq!(page.text("found-in-public-url"), FOUND_AT);
    assert_eq!(
        page.attrs("[data-testid=found-in-public-url]", "href"),
        [FOUND_AT]
    );
    assert_eq!(page.text("found-in-public-source"), "content");
    assert_eq!(
        page.attrs("[data-testid=found-in-public-at]", "datetime"),
        [found_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)]
    );
    assert_eq!(
        page.text("found-in-public-at"),
        found_at.format("%Y-%m-%d %H:%M UTC").to_string()
    );
    for tab in ["modules", "details"] {
        let other_tab = admin.get(&format!("{}?tab={tab}", token_path(&id))).await;
        assert_eq!(other_tab.texts("found-in-public").len(), 1, "on {tab}");
    }

    let hostile_page = admin.get(&token_path(&hostile)).await;
    assert_eq!(
        hostile_page.text("found-in-public-url"),
        "javascript:alert(1)"
    );
    assert!(
        hostile_page
            .attrs("[data-testid=found-in-public-url]", "href")
            .is_empty(),
        "only http and https are links"
    );
    assert_eq!(hostile_page.text("found-in-public-source"), "<b>x</b>");
    let untouched = admin.get(&token_path(&plain)).await;
    assert!(untouched.texts("found-in-public").is_empty());
}

#[tokio::test]
async fn a_report_must_be_an_array_of_at_most_a_hundred_matches_within_64_kib() {
    let app = spawn_app().await;
    let scanner = app.service("scanner");
    // Bodies as given, byte for byte: what JSON the client would never send.
    let post_raw = |body: Vec<u8>| scanner.post_raw("/leaks", "application/json", body);
    let (id, secret) = new_token(&app, DEMO_CORP);
    let long_url = format!("{FOUND_AT}?{}", "x".repeat(250));
    let one = |token: &str| json!({"token": token, "type": "tokendesk_api_token", "url": long_url, "source": "content"});

    let empty = post_raw(b"[]".to_vec()).await;
    assert_eq!((empty.status, empty.body), (StatusCode::OK, json!([])));

    for (what, body) in [
        ("an object", json!(found(&secret)).to_string()),
        (
            "a token that is a number",
            json!([{"token": 5}]).to_string(),
        ),
        (
            "no token",
            json!([{"type": "x", "url": FOUND_AT}]).to_string(),
        ),
        ("a null token", json!([{"token": null}]).to_string()),
        (
            "a url that is a list",
            json!([{"token": secret, "url": []}]).to_string(),
        ),
        ("null", "null".to_owned()),
        ("truncated", format!("[{}", found(&secret))),
        (
            "nested",
            format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)),
        ),
    ] {
        let refused = post_raw(body.into_bytes()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{what}");
        assert_eq!(
            refused.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
    }

    let unknown: Vec<String> = (0..101)
        .map(|_| TokenSecret::generate().expose().to_owned())
        .collect();
    let mut too_many: Vec<Value> = unknown.iter().map(|token| one(token)).collect();
    too_many[100] = one(&secret);
    let refused = post_raw(Value::Array(too_many).to_string().into_bytes()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("at most 100"),
        "{:?}",
        refused.body
    );
    assert_eq!(marks(&app, &id).status, "active", "nothing was done");

    let mut hundred: Vec<Value> = unknown[..99].iter().map(|token| one(token)).collect();
    hundred.push(one(&secret));
    let body = Value::Array(hundred).to_string().into_bytes();
    assert!(body.len() > 16 * 1024, "more than other endpoints take");
    let answered = post_raw(body).await;
    assert_eq!(answered.status, StatusCode::OK, "{:?}", answered.body);
    assert_eq!(answered.body.as_array().unwrap().len(), 100);
    assert_eq!(answered.body[99]["label"], "true_positive");
    assert_eq!(marks(&app, &id).status, "disabled");

    let oversized = json!([{"token": secret, "url": "u".repeat(65 * 1024)}]);
    let refused = post_raw(oversized.to_string().into_bytes()).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        refused.body["detail"].as_str().unwrap().contains("64 KiB"),
        "{:?}",
        refused.body
    );
}

#[tokio::test]
async fn a_token_found_again_after_a_person_enabled_it_and_a_token_disabled_it_is_marked_again() {
    let app = spawn_app().await;
    let scanner = app.service("scanner");
    let caller = PortalToken::create(&app, "CI bot", "write", &["tokens", "billing"], "30").await;
    let leaked = PortalToken::create(&app, "Nightly", "read", &["billing"], "7").await;
    let secret = leaked.created.text("new-token-secret");
    report(&scanner, &[&secret]).await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let enabled = admin
        .post_form(
            &format!("{}/enable", token_path(&leaked.id)),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(enabled.status, StatusCode::SEE_OTHER, "a person may");
    let path = format!("/tokens/{}/disable", leaked.id);
    assert_eq!(caller.api.post_empty(&path).await.status, StatusCode::OK);
    assert!(
        !marks(&app, &leaked.id).disabled_by_person,
        "a token disabled it"
    );

    report(&scanner, &[&secret]).await;

    assert!(
        marks(&app, &leaked.id).disabled_by_person,
        "only a person again"
    );
    assert_eq!(
        leak_events(&app, &leaked.id).len(),
        2,
        "each report audited"
    );
    assert_no_token_may_enable(&caller.api, &leaked.id).await;
}
