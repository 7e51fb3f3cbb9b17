//! Service credentials: the CLI that makes, lists and removes them; verify and RFC 7662
//! introspection, which only they may call; the use they stand for, recorded like a
//! direct call; and the negative cache and refusal limits that keep guessing cheap.

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use tokendesk::access::refusals::MAX_REFUSED;
use tokendesk::db::schema::{token_access_ips, token_last_access, token_usage_daily};
use tokendesk::domain::{ServiceSecret, TokenSecret};

use crate::cli::run;
use crate::common::{
    ACTIVE_TOKEN, ApiClient, ApiResponse, DEMO_CORP, DISABLED_TOKEN, NEVER_USED_TOKEN, TestApp,
    invalidated_after, invalidated_within, spawn_app, spawn_app_behind_a_proxy, token_path,
};
use crate::visitor::{PortalToken, Visitor};

/// Waits (five seconds at most) until a use of `token` through a service was written;
/// its last address and service.
async fn written(app: &TestApp, token: &str) -> (Option<String>, Option<String>) {
    let read = || -> (Option<String>, Option<String>) {
        token_last_access::table
            .find(token)
            .select((token_last_access::ip, token_last_access::via))
            .first(&mut app.db.connection())
            .unwrap()
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            let row = read();
            if row.1.is_some() {
                return row;
            }
            app.access_stats.written.notified().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the use of {token} was never written"))
}

/// Asks `gateway` about `token` as an API gateway asks, form-encoded with a hint.
async fn introspect(gateway: &ApiClient, token: &str) -> ApiResponse {
    let form = [
        ("token", token.to_owned()),
        ("token_type_hint", "access_token".to_owned()),
    ];
    gateway.post_form("/introspect", &form).await
}

#[tokio::test]
async fn the_cli_adds_a_service_shown_once_lists_it_without_its_secret_and_removes_it_everywhere() {
    let app = spawn_app().await;
    let second = app.second_instance();
    // A second's slack: the database's clock stamps the creation.
    let started = Utc::now() - chrono::Duration::seconds(1);

    let added = run(&app.db.url, &["service", "add", "--name", "kong-eu"], "");
    assert!(added.status.success(), "{added:?}");
    let stdout = String::from_utf8(added.stdout).unwrap();
    let secret = stdout.strip_suffix('\n').expect("one line");
    assert!(!secret.contains('\n'), "the secret alone: {stdout:?}");
    assert!(ServiceSecret::parse(secret).is_ok(), "{secret}");
    let taken = run(&app.db.url, &["service", "add", "--name", "kong-eu"], "");
    assert!(!taken.status.success());

    let gateway = app.api(secret);
    let on_second = ApiClient::new(&second.address, secret);
    let token = app.secret_of(ACTIVE_TOKEN);
    for client in [&gateway, &on_second] {
        let answer = client.post("/verify", &json!({ "token": token })).await;
        assert_eq!(answer.body["active"], true, "{:?}", answer.body);
    }
    let listed = run(&app.db.url, &["service", "list"], "");
    let listing = String::from_utf8(listed.stdout).unwrap();
    let columns: Vec<&str> = listing.trim_end().split('\t').collect();
    let [name, prefix, created, last_used] = columns[..] else {
        panic!("one line of four columns: {listing:?}");
    };
    assert_eq!(name, "kong-eu");
    assert_eq!(prefix, format!("{}…", &secret[..10]));
    let when = |column: &str, label: &str| {
        let at = column
            .strip_prefix(label)
            .and_then(|at| at.strip_suffix(" UTC"))
            .unwrap_or_else(|| panic!("{column:?} is {label}<time> UTC"));
        NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S%.f")
            .unwrap_or_else(|e| panic!("{column:?}: {e}"))
            .and_utc()
    };
    let (created, last_used) = (when(created, "created "), when(last_used, "last used "));
    assert!(
        started <= created && created <= last_used && last_used <= Utc::now(),
        "added, then used: {listing}"
    );
    assert!(
        !listing.contains(&secret[10..]),
        "never the secret: {listing}"
    );

    let removed = run(&app.db.url, &["service", "remove", "--name", "kong-eu"], "");
    assert!(removed.status.success(), "{removed:?}");
    // Both instances have the credential cached; each drops it when it hears of the
    // removal, which no signal here reports: ask until both refuse, a second at most.
    let started = std::time::Instant::now();
    loop {
        let here = gateway.post("/verify", &json!({ "token": token })).await;
        let there = on_second.post("/verify", &json!({ "token": token })).await;
        if here.status == StatusCode::UNAUTHORIZED && there.status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "removal ends it on every instance within a second"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn verify_needs_a_service_credential_and_says_nothing_without_one() {
    let app = spawn_app().await;
    let token = app.secret_of(ACTIVE_TOKEN);
    let request = json!({ "token": token });
    let service_secret = app.add_service("gateway");

    let anonymous = ApiClient::anonymous(&app.address)
        .post("/verify", &request)
        .await;
    let with_a_token = app.api(&token).post("/verify", &request).await;
    let made_up = app
        .api(ServiceSecret::generate().expose())
        .post("/verify", &request)
        .await;
    let service_on_whoami = app.api(&service_secret).whoami().await;

    for refused in [&anonymous, &with_a_token, &made_up] {
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            refused.header("www-authenticate"),
            Some(r#"Bearer realm="tokendesk-services", Basic realm="tokendesk-services""#)
        );
        assert!(refused.body.get("active").is_none());
        assert!(refused.body.get("reason").is_none(), "{:?}", refused.body);
    }
    assert_eq!(
        made_up.body, anonymous.body,
        "the same answer for any refusal"
    );
    assert_eq!(service_on_whoami.status, StatusCode::UNAUTHORIZED);
    assert_eq!(service_on_whoami.body["reason"], "malformed");
}

#[tokio::test]
async fn a_verify_records_the_use_with_the_end_clients_address_and_the_service() {
    let app = spawn_app().await;
    let gateway = app.service("edge-gateway");
    let token = app.secret_of(NEVER_USED_TOKEN);

    let bad_ip = gateway
        .post(
            "/verify",
            &json!({ "token": token, "client_ip": "300.1.1.1" }),
        )
        .await;
    assert_eq!(bad_ip.status, StatusCode::BAD_REQUEST);
    let answer = gateway
        .post(
            "/verify",
            &json!({ "token": token, "client_ip": "2001:db8::7", "user_agent": "deploy-bot/2" }),
        )
        .await;
    assert_eq!(answer.body["active"], true, "{:?}", answer.body);

    let (ip, via) = written(&app, NEVER_USED_TOKEN).await;
    assert_eq!(ip.as_deref(), Some("2001:db8::7"));
    assert_eq!(via.as_deref(), Some("edge-gateway"));
    let mut conn = app.db.connection();
    let agent: String = token_access_ips::table
        .filter(token_access_ips::token_id.eq(NEVER_USED_TOKEN))
        .filter(token_access_ips::ip.eq("2001:db8::7"))
        .select(token_access_ips::user_agent)
        .first(&mut conn)
        .unwrap();
    assert_eq!(agent, "deploy-bot/2");
    let today: i64 = token_usage_daily::table
        .filter(token_usage_daily::token_id.eq(NEVER_USED_TOKEN))
        .filter(token_usage_daily::day.eq(Utc::now().date_naive()))
        .select(token_usage_daily::requests)
        .first(&mut conn)
        .unwrap();
    assert_eq!(today, 1);

    let admin = Visitor::signed_in(&app, crate::common::DEMO_ADMIN_LOGIN).await;
    let details = admin
        .get(&format!("{}?tab=details", token_path(NEVER_USED_TOKEN)))
        .await;
    assert_eq!(details.text("detail-last-via"), "the service edge-gateway");
    assert_eq!(details.text("detail-last-ip"), "2001:db8::7");
}

#[tokio::test]
async fn introspection_answers_rfc_7662_with_bearer_or_basic_service_credentials() {
    let app = spawn_app().await;
    let secret = app.add_service("kong");
    let token =
        PortalToken::create(&app, "Gateway client", "read", &["billing", "usage"], "30").await;
    let token_secret = app.secret_of(&token.id);
    let basic = ApiClient::basic(&app.address, "kong", &secret);

    let active = introspect(&basic, &token_secret).await;
    assert_eq!(active.status, StatusCode::OK);
    assert_eq!(active.header("cache-control"), Some("no-store"));
    let active = active.body;
    assert_eq!(active["active"], true);
    assert_eq!(active["scope"], "read");
    assert_eq!(active["client_id"], token.id.as_str());
    assert_eq!(active["sub"], DEMO_CORP);
    assert_eq!(active["token_type"], "Bearer");
    assert_eq!(active["modules"], json!(["billing", "usage"]));
    let (iat, exp) = (
        active["iat"].as_i64().unwrap(),
        active["exp"].as_i64().unwrap(),
    );
    assert!((iat - Utc::now().timestamp()).abs() < 60, "{iat}");
    assert!((exp - iat - 30 * 86_400).abs() < 86_400, "{exp}");

    for inactive in [
        app.secret_of(DISABLED_TOKEN),
        TokenSecret::generate().expose().to_owned(),
        "not-a-token".to_owned(),
        TokenSecret::generate().expose().replace("tdk_", "tds_"),
    ] {
        let answer = introspect(&app.api(&secret), &inactive).await;
        assert_eq!(
            (answer.status, answer.body),
            (StatusCode::OK, json!({ "active": false }))
        );
    }

    let wrong_name = ApiClient::basic(&app.address, "envoy", &secret);
    assert_eq!(
        introspect(&wrong_name, &token_secret).await.status,
        StatusCode::UNAUTHORIZED,
        "the name must match the secret"
    );
    assert_eq!(
        introspect(&app.api(&token_secret), &token_secret)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "a token is no service credential"
    );
    let missing = basic
        .post_form("/introspect", &[("token_type_hint", "access_token".into())])
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let (_, via) = written(&app, &token.id).await;
    assert_eq!(via.as_deref(), Some("kong"));
}

#[tokio::test]
async fn an_unknown_token_is_remembered_until_a_token_is_created_on_any_instance() {
    let app = spawn_app().await;
    let second = app.second_instance();
    let guessed = TokenSecret::generate();
    let here = app.api(guessed.expose());
    let there = ApiClient::new(&second.address, guessed.expose());
    invalidated_after(&second.cache, 0).await; // its listener's start-up clear is behind us
    assert_eq!(here.whoami().await.body["reason"], "unknown");
    assert_eq!(there.whoami().await.body["reason"], "unknown");

    let seen = app.cache.invalidations();
    let seen_there = second.cache.invalidations();
    let away = app.take_database_away();
    let remembered = here.whoami().await;
    drop(away);
    assert_eq!(
        (remembered.status, remembered.body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unknown")),
        "answered without a database read"
    );
    // Cut off, the listeners reconnect and forget everything: remember the guess again.
    invalidated_within(&app.cache, seen, Duration::from_secs(5)).await;
    invalidated_within(&second.cache, seen_there, Duration::from_secs(5)).await;
    assert_eq!(here.whoami().await.body["reason"], "unknown");
    assert_eq!(there.whoami().await.body["reason"], "unknown");

    // The guessed secret comes to exist behind the caches' backs, as if just created.
    app.insert_token(
        DEMO_CORP,
        tokendesk::domain::Scope::Read,
        &["billing"],
        &guessed,
    );
    assert_eq!(
        here.whoami().await.body["reason"],
        "unknown",
        "still remembered"
    );

    let seen = second.cache.invalidations();
    PortalToken::create(&app, "Another", "read", &["billing"], "7").await;
    invalidated_after(&second.cache, seen).await;

    assert_eq!(here.whoami().await.status, StatusCode::OK);
    assert_eq!(there.whoami().await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_address_with_too_many_refused_credentials_is_held_off_but_its_cached_tokens_work() {
    let app = spawn_app().await;
    let good = app.api(&app.secret_of(ACTIVE_TOKEN));
    assert_eq!(good.whoami().await.status, StatusCode::OK); // now cached
    let never_cached = app.api(&app.secret_of(NEVER_USED_TOKEN));

    for attempt in 0..MAX_REFUSED {
        let guess = app.api(TokenSecret::generate().expose()).whoami().await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let held_off = app.api(TokenSecret::generate().expose()).whoami().await;
    let uncached = never_cached.whoami().await;
    let service = app
        .api(&app.add_service("late-gateway"))
        .post("/verify", &json!({ "token": "x" }))
        .await;

    for refused in [&held_off, &uncached, &service] {
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{:?}",
            refused.body
        );
        assert_eq!(
            refused.header("content-type"),
            Some("application/problem+json")
        );
        let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
    }
    assert_eq!(
        good.whoami().await.status,
        StatusCode::OK,
        "cached tokens keep working"
    );
}

#[tokio::test]
async fn the_trusted_proxys_own_address_is_never_held_off() {
    let app = spawn_app_behind_a_proxy().await;

    // With no X-Forwarded-For, a call comes from the proxy itself, which stands for
    // everyone behind it: its refusals are not counted.
    for attempt in 0..=MAX_REFUSED {
        let refused = app.api(TokenSecret::generate().expose()).whoami().await;
        assert_eq!(
            (refused.status, refused.body["reason"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unknown")),
            "attempt {attempt}"
        );
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_counted_apart_and_refused_services_count_too() {
    let app = spawn_app_behind_a_proxy().await;
    let behind_the_proxy =
        |client: &str, secret: &str| app.api(secret).with_header("X-Forwarded-For", client);

    for attempt in 0..MAX_REFUSED {
        let made_up = ServiceSecret::generate();
        let refused = behind_the_proxy("198.51.100.7", made_up.expose())
            .post("/verify", &json!({ "token": "x" }))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let guesser = behind_the_proxy("198.51.100.7", TokenSecret::generate().expose())
        .whoami()
        .await;
    let neighbour = behind_the_proxy("198.51.100.8", TokenSecret::generate().expose())
        .whoami()
        .await;

    assert_eq!(
        guesser.status,
        StatusCode::TOO_MANY_REQUESTS,
        "refused service credentials count toward the {MAX_REFUSED}"
    );
    assert_eq!(
        (neighbour.status, neighbour.body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unknown")),
        "another client of the same proxy is counted apart"
    );
}

#[tokio::test]
async fn an_end_client_guessing_through_a_gateway_is_held_off_its_lookups_and_no_one_else() {
    let app = spawn_app().await;
    let gateway = app.api(&app.add_service("gateway"));
    let (guesser, neighbour) = ("203.0.113.9", "198.51.100.1");
    let ask = |token: &str, client: &str| json!({"token": token, "client_ip": client});
    for attempt in 0..MAX_REFUSED {
        let guess = TokenSecret::generate();
        let answer = gateway.post("/verify", &ask(guess.expose(), guesser)).await;
        assert_eq!(answer.body["reason"], "unknown", "attempt {attempt}");
    }
    let never_cached = app.secret_of(NEVER_USED_TOKEN);

    // A lookup the cache can't answer is refused for that client, with a verdict: the
    // service's call itself is not refused.
    let held = gateway.post("/verify", &ask(&never_cached, guesser)).await;
    let introspected = gateway
        .post_form(
            "/introspect",
            &[
                ("token", never_cached.clone()),
                ("client_ip", guesser.to_owned()),
            ],
        )
        .await;
    let another = gateway
        .post("/verify", &ask(&never_cached, neighbour))
        .await;

    assert_eq!(held.status, StatusCode::OK);
    assert_eq!(
        held.body,
        json!({"active": false, "reason": "rate_limited"})
    );
    assert_eq!(introspected.status, StatusCode::OK);
    assert_eq!(introspected.body, json!({"active": false}));
    assert_eq!(another.body["active"], true, "{:?}", another.body);
    let cached = gateway.post("/verify", &ask(&never_cached, guesser)).await;
    assert_eq!(
        cached.body["active"], true,
        "cached now: no lookup to hold off"
    );
}
