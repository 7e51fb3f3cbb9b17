//! Per-token address allowlists and rate limits: set in the portal's forms and the API
//! (validated, audited, within containment), enforced on every call from the cached
//! grant (403 `address_not_allowed`; 429 `rate_limited` with `Retry-After`), checked by
//! verify and introspection against the `client_ip` they are given, and announced in
//! the IETF `RateLimit-Policy` and `RateLimit` headers.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokendesk::db::schema::audit_events;
use tokendesk::domain::Scope;

use crate::common::{
    ApiClient, DEMO_ADMIN_LOGIN, TestApp, invalidated_after, spawn_app, spawn_app_behind_a_proxy,
    token_path,
};
use crate::visitor::Visitor;

fn manager(app: &TestApp) -> ApiClient {
    app.api(&app.demo_corp_secret(Scope::Write, &["tokens", "billing"]))
}

/// Creates a read token with Billing through the API with `extra` fields; its id and
/// a client calling with it.
async fn create(app: &TestApp, extra: Value) -> (String, String) {
    let mut body = json!({"name": "Limited", "scope": "read", "modules": ["billing"]});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let created = manager(app).post("/tokens", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    (
        created.body["token"]["id"].as_str().unwrap().to_owned(),
        created.body["secret"].as_str().unwrap().to_owned(),
    )
}

fn from(app: &TestApp, secret: &str, address: &str) -> ApiClient {
    app.api(secret).with_header("X-Forwarded-For", address)
}

#[tokio::test]
async fn a_token_with_an_allowlist_answers_only_calls_from_its_addresses() {
    let app = spawn_app_behind_a_proxy().await;
    let (id, secret) = create(
        &app,
        json!({"allowed_addresses": ["203.0.113.0/24", "2001:db8::/32"]}),
    )
    .await;

    for address in ["203.0.113.9", "2001:db8::7", "::ffff:203.0.113.10"] {
        let answer = from(&app, &secret, address).whoami().await;
        assert_eq!(answer.status, StatusCode::OK, "{address}");
    }
    for address in ["198.51.100.1", "2001:db9::1"] {
        let refused = from(&app, &secret, address).whoami().await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{address}");
        assert_eq!(refused.body["reason"], "address_not_allowed");
    }
    let details = manager(&app).get(&format!("/tokens/{id}")).await;
    assert_eq!(
        details.body["allowed_addresses"],
        json!(["203.0.113.0/24", "2001:db8::/32"])
    );
}

#[tokio::test]
async fn verify_and_introspection_check_the_client_address_they_are_given() {
    let app = spawn_app().await;
    let (_, secret) = create(&app, json!({"allowed_addresses": ["203.0.113.7"]})).await;
    let gateway = app.service("gateway");

    let verify = |client_ip: Option<&str>| {
        let mut body = json!({"token": secret, "module": "billing"});
        if let Some(ip) = client_ip {
            body["client_ip"] = json!(ip);
        }
        let gateway = gateway.clone();
        async move { gateway.post("/verify", &body).await.body }
    };
    assert_eq!(verify(Some("203.0.113.7")).await["active"], true);
    let elsewhere = verify(Some("198.51.100.1")).await;
    assert_eq!(
        (elsewhere["active"].clone(), elsewhere["reason"].clone()),
        (json!(false), json!("address_not_allowed"))
    );
    assert_eq!(
        verify(None).await["reason"],
        "address_not_allowed",
        "an unknown address is not on the list"
    );

    let introspect = |client_ip: &'static str| {
        let form = [
            ("token", secret.clone()),
            ("client_ip", client_ip.to_owned()),
        ];
        let gateway = gateway.clone();
        async move { gateway.post_form("/introspect", &form).await.body }
    };
    assert_eq!(introspect("203.0.113.7").await["active"], true);
    assert_eq!(introspect("198.51.100.1").await, json!({"active": false}));
}

#[tokio::test]
async fn a_rate_limited_token_carries_its_quota_and_gets_429_past_it() {
    let app = spawn_app().await;
    let (_, secret) = create(&app, json!({"rate_limit_per_minute": 3})).await;
    let api = app.api(&secret);

    let mut remaining = Vec::new();
    for _ in 0..3 {
        let answer = api.whoami().await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.header("ratelimit-policy"),
            Some("\"token\";q=3;w=60")
        );
        remaining.push(answer.header("ratelimit").unwrap().to_owned());
    }
    assert_eq!(
        remaining,
        [
            "\"token\";r=2;t=20",
            "\"token\";r=1;t=40",
            "\"token\";r=0;t=60"
        ]
    );
    let refused = api.whoami().await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.body["reason"], "rate_limited");
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    let quota = refused.header("ratelimit").unwrap();
    let reset: u64 = quota
        .strip_prefix("\"token\";r=0;t=")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (wait + 39..=wait + 40).contains(&reset),
        "{quota}: the whole quota back later"
    );
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );

    let unlimited = app.api(&app.demo_corp_secret(Scope::Read, &["billing"]));
    let answer = unlimited.whoami().await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header("ratelimit"),
        None,
        "no limit, no quota to announce"
    );

    let gateway = app.service("gateway");
    let verdict = gateway.post("/verify", &json!({"token": secret})).await;
    assert_eq!(
        verdict.body["reason"], "rate_limited",
        "verify counts as a call"
    );
}

#[tokio::test]
async fn bad_values_are_named_and_nothing_is_created() {
    let app = spawn_app().await;
    let api = manager(&app);
    for (extra, field, says) in [
        (
            json!({"allowed_addresses": ["10.0.0.5/24"]}),
            "allowed_addresses",
            "did you mean 10.0.0.0/24?",
        ),
        (
            json!({"allowed_addresses": ["example.com"]}),
            "allowed_addresses",
            "is not an IPv4 or IPv6",
        ),
        (
            json!({"rate_limit_per_minute": 0}),
            "rate_limit_per_minute",
            "from 1 to 100000",
        ),
        (
            json!({"rate_limit_per_minute": 100_001}),
            "rate_limit_per_minute",
            "from 1 to 100000",
        ),
    ] {
        let mut body = json!({"name": "Refused", "scope": "read", "modules": ["billing"]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let answer = api.post("/tokens", &body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{extra}");
        let message = answer.body["errors"][field].as_str().unwrap_or_default();
        assert!(message.contains(says), "{extra}: {message}");
    }
    let fifty_one: Vec<String> = (0..51).map(|i| format!("10.0.0.{i}")).collect();
    let body = json!({"name": "Refused", "scope": "read", "modules": ["billing"], "allowed_addresses": fifty_one});
    let too_many = api.post("/tokens", &body).await;
    assert!(
        too_many.body["errors"]["allowed_addresses"]
            .as_str()
            .unwrap()
            .contains("at most 50")
    );
    let listed = api.get("/tokens?q=Refused").await;
    assert_eq!(listed.body["total"], 0);
}

#[tokio::test]
async fn a_limited_token_may_hand_on_only_its_own_limits() {
    let app = spawn_app().await;
    let (_, limited) = create(&app, json!({})).await;
    drop(limited);
    let caller_secret = {
        let body = json!({
            "name": "Office CI", "scope": "write", "modules": ["tokens", "billing"],
            "allowed_addresses": ["127.0.0.1", "10.0.0.0/8"], "rate_limit_per_minute": 600
        });
        let created = manager(&app).post("/tokens", &body).await;
        created.body["secret"].as_str().unwrap().to_owned()
    };
    let caller = app.api(&caller_secret);
    let base = json!({"name": "Handed on", "scope": "read", "modules": ["billing"]});
    let with = |extra: Value| {
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let anywhere = caller
        .post("/tokens", &with(json!({"rate_limit_per_minute": 60})))
        .await;
    assert_eq!(anywhere.status, StatusCode::FORBIDDEN);
    assert_eq!(anywhere.body["reason"], "exceeds_caller");
    let unlimited = caller
        .post(
            "/tokens",
            &with(json!({"allowed_addresses": ["10.1.0.0/16"]})),
        )
        .await;
    assert_eq!(unlimited.status, StatusCode::FORBIDDEN);
    let within = caller
        .post(
            "/tokens",
            &with(json!({"allowed_addresses": ["10.1.0.0/16"], "rate_limit_per_minute": 600})),
        )
        .await;
    assert_eq!(within.status, StatusCode::CREATED, "{:?}", within.body);
}

#[tokio::test]
async fn an_admin_sets_them_in_the_portal_and_they_take_effect_at_once_everywhere() {
    let app = spawn_app_behind_a_proxy().await;
    let (id, secret) = create(&app, json!({})).await;
    // Started after the creation, so the only news it gets later is the edit's.
    let other = app.second_instance();
    invalidated_after(&other.cache, 0).await;
    // The other instance trusts no proxy: its callers come from 127.0.0.1.
    let on_other = ApiClient::new(&other.address, &secret);
    assert_eq!(
        on_other.whoami().await.status,
        StatusCode::OK,
        "cached there"
    );
    let seen = other.cache.invalidations();

    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let form = admin.get(&format!("{}/edit", token_path(&id))).await;
    assert_eq!(form.texts("edit-allowed-addresses"), [""]);
    let edit = |addresses: &'static str, limit: &'static str| {
        let csrf = csrf.clone();
        let admin = &admin;
        let id = id.clone();
        async move {
            admin
                .post_form(
                    &format!("{}/edit", token_path(&id)),
                    &[
                        ("csrf_token", csrf.as_str()),
                        ("name", "Limited"),
                        ("scope", "read"),
                        ("modules", "billing"),
                        ("expires_on", ""),
                        ("allowed_addresses", addresses),
                        ("rate_limit", limit),
                    ],
                )
                .await
        }
    };
    let refused = edit("203.0.113.0/33", "ten").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.attrs("[data-testid=field-error]", "data-field"),
        ["allowed_addresses", "rate_limit"]
    );
    assert_eq!(
        edit("203.0.113.0/24\n2001:db8::1", "120").await.status,
        StatusCode::SEE_OTHER
    );
    invalidated_after(&other.cache, seen).await;

    assert_eq!(
        on_other.whoami().await.body["reason"],
        "address_not_allowed"
    );
    let inside = from(&app, &secret, "203.0.113.5");
    let answer = inside.whoami().await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header("ratelimit-policy"),
        Some("\"token\";q=120;w=60")
    );

    let details = admin.get(&format!("{}?tab=details", token_path(&id))).await;
    assert_eq!(
        details.select("[data-testid=detail-allowed-addresses] li"),
        ["203.0.113.0/24", "2001:db8::1"]
    );
    assert_eq!(details.text("detail-rate-limit"), "120 calls a minute");
    let audited: Vec<String> = audit_events::table
        .filter(audit_events::token_id.eq(&id))
        .filter(audit_events::action.eq("token.edit"))
        .select(audit_events::details)
        .load(&mut app.db.connection())
        .unwrap();
    assert_eq!(audited, ["Changed allowed addresses, rate limit"]);
    drop(other);
}

#[tokio::test]
async fn an_update_that_leaves_them_out_keeps_them() {
    let app = spawn_app().await;
    let (id, _) = create(
        &app,
        json!({"allowed_addresses": ["203.0.113.0/24"], "rate_limit_per_minute": 60}),
    )
    .await;
    let api = manager(&app);
    let path = format!("/tokens/{id}");
    let renamed = api
        .patch(
            &path,
            &json!({"name": "Renamed", "scope": "read", "modules": ["billing"]}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    assert_eq!(renamed.body["allowed_addresses"], json!(["203.0.113.0/24"]));
    assert_eq!(renamed.body["rate_limit_per_minute"], 60);

    let cleared = api
        .patch(
            &path,
            &json!({"name": "Renamed", "scope": "read", "modules": ["billing"],
                    "allowed_addresses": [], "rate_limit_per_minute": null}),
        )
        .await;
    assert_eq!(cleared.body["allowed_addresses"], json!([]));
    assert_eq!(cleared.body["rate_limit_per_minute"], json!(null));

    // A null list could mean "anywhere" or "as it is": it is refused, changing nothing.
    let limited = api
        .patch(
            &path,
            &json!({"name": "Renamed", "scope": "read", "modules": ["billing"],
                    "allowed_addresses": ["203.0.113.0/24"]}),
        )
        .await;
    assert_eq!(limited.status, StatusCode::OK, "{:?}", limited.body);
    let null = api
        .patch(
            &path,
            &json!({"name": "Renamed", "scope": "read", "modules": ["billing"],
                    "allowed_addresses": null}),
        )
        .await;
    assert_eq!(null.status, StatusCode::BAD_REQUEST, "{:?}", null.body);
    assert!(
        null.body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("allowed_addresses")),
        "{:?}",
        null.body
    );
    assert_eq!(
        api.get(&path).await.body["allowed_addresses"],
        json!(["203.0.113.0/24"])
    );
}
