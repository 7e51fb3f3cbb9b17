//! Health probes, static files, security headers and unknown routes.

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokendesk::domain::Scope;

use crate::common::forwarder::Forwarder;
use crate::common::{
    ACTIVE_TOKEN, ApiClient, DEMO_ADMIN_LOGIN, TestApp, server_address, spawn_app, spawn_app_behind,
};
use crate::visitor::Visitor;

#[tokio::test]
async fn liveness_and_readiness_answer_ok_with_a_database() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let live = visitor.get("/healthz").await;
    let ready = visitor.get("/readyz").await;

    assert_eq!((live.status, live.body.as_str()), (StatusCode::OK, "ok"));
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready")
    );
}

#[tokio::test]
async fn static_files_have_their_types_and_etags_and_revalidate() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();

    for (path, content_type) in [
        ("/static/app.css", "text/css; charset=utf-8"),
        ("/static/app.js", "text/javascript; charset=utf-8"),
        (
            "/static/vendor/htmx.min.js",
            "text/javascript; charset=utf-8",
        ),
    ] {
        let url = format!("{}{path}", app.address);
        let first = client.get(&url).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        let headers = first.headers().clone();
        assert_eq!(headers["content-type"], content_type, "{path}");
        assert!(
            headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age")
        );
        let etag = headers["etag"].to_str().unwrap().to_owned();
        assert!(!first.bytes().await.unwrap().is_empty());

        let again = client
            .get(&url)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        let stale = client
            .get(&url)
            .header("If-None-Match", "\"other\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn every_page_links_an_icon_and_favicon_ico_answers_so_no_page_logs_a_404() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let page = Visitor::new(&app).get("/login").await;

    let icons = page.attrs("link[rel=icon]", "href");
    assert_eq!(icons, ["/static/favicon.ico", "/static/favicon.svg"]);
    for (path, content_type) in [
        ("/favicon.ico", "image/x-icon"),
        ("/static/favicon.ico", "image/x-icon"),
        ("/static/favicon.svg", "image/svg+xml"),
    ] {
        let answer = client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        assert_eq!(answer.headers()["content-type"], content_type, "{path}");
        let body = answer.bytes().await.unwrap();
        if path.ends_with(".ico") {
            assert!(body.starts_with(&[0, 0, 1, 0]), "an ICO file at {path}");
        }
    }
}

#[tokio::test]
async fn htmx_is_vendored_with_its_licence() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let htmx = visitor.get("/static/vendor/htmx.min.js").await;
    let licence = visitor.get("/static/vendor/htmx.LICENSE").await;

    assert!(htmx.body.contains("version:\"2."), "htmx 2.x");
    assert!(licence.body.contains("Zero-Clause BSD"));
}

#[tokio::test]
async fn unknown_paths_and_files_get_a_404_page() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let route = visitor.get("/no/such/page").await;
    let file = visitor.get("/static/nope.css").await;

    for page in [route, file] {
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert_eq!(page.texts("not-found").len(), 1);
    }
}

#[tokio::test]
async fn pages_carry_security_headers_and_are_not_cached() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let page = visitor.get("/login").await;

    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn htmx_may_neither_evaluate_code_nor_run_scripts_it_swaps_in() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let page = visitor.get("/login").await;

    // The CSP forbids both already; htmx is told so too, in case a policy is relaxed.
    let config = page.attrs("meta[name=htmx-config]", "content");
    let config: serde_json::Value = serde_json::from_str(&config[0]).unwrap();
    assert_eq!(config["allowEval"], false, "{config}");
    assert_eq!(config["allowScriptTags"], false, "{config}");
}

/// What every response carries, whatever answered it.
const SECURITY_HEADERS: [(&str, &str); 7] = [
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// Fails unless each of `answers` carries every security header.
fn assert_every_security_header<'a>(answers: impl IntoIterator<Item = (&'a str, &'a HeaderMap)>) {
    for (what, headers) in answers {
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(
                headers.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{name} on {what}"
            );
        }
    }
}

#[tokio::test]
async fn every_kind_of_response_carries_every_security_header() {
    let forwarder = Forwarder::start(&server_address());
    let app = spawn_app_behind(&forwarder).await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let anonymous = Visitor::new(&app);
    let api = app.api(&app.secret_of(ACTIVE_TOKEN));
    let token_reader = app.api(&tokens_reader(&app));
    let oversized = "a".repeat(17 * 1024);

    let portal = [
        ("a page", admin.get("/settings/api-tokens").await),
        (
            "a fragment",
            admin.get_htmx("/settings/api-tokens?q=ci").await,
        ),
        ("a static file", anonymous.get("/static/app.css").await),
        ("a 404 page", admin.get("/no/such/page").await),
        (
            "a missing static file",
            anonymous.get("/static/nope.css").await,
        ),
        ("a refused form", anonymous.post_form("/logout", &[]).await),
        (
            "a form over the size limit",
            anonymous
                .post_form("/login", &[("email", oversized.as_str())])
                .await,
        ),
    ];
    let apis = [
        ("an API success", api.whoami().await),
        (
            "an API 401",
            ApiClient::anonymous(&app.address).whoami().await,
        ),
        (
            "an API 404",
            token_reader.get("/tokens/TK-9999-9999-9999").await,
        ),
        ("an unrouted API path", api.get("/no/such/endpoint").await),
        (
            "a JSON body over the size limit",
            token_reader
                .post("/tokens", &serde_json::json!({ "name": oversized }))
                .await,
        ),
    ];
    // A session the session middleware can't read: its error, before any handler.
    let mut conn = app.db.connection();
    diesel::sql_query("ALTER TABLE sessions RENAME TO sessions_away")
        .execute(&mut conn)
        .unwrap();
    let unreadable_session = admin.get("/settings/api-tokens").await;
    diesel::sql_query("ALTER TABLE sessions_away RENAME TO sessions")
        .execute(&mut conn)
        .unwrap();
    // The database away: pages and API calls that need it.
    forwarder.cut();
    let away = [(
        "a page without its database",
        admin.get("/settings/api-tokens").await,
    )];
    let api_away = token_reader.get("/tokens").await;

    let statuses: Vec<StatusCode> = portal.iter().map(|(_, page)| page.status).collect();
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::FORBIDDEN,
            StatusCode::PAYLOAD_TOO_LARGE,
        ]
    );
    let statuses: Vec<StatusCode> = apis.iter().map(|(_, answer)| answer.status).collect();
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::UNAUTHORIZED,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::PAYLOAD_TOO_LARGE,
        ]
    );
    assert_eq!(unreadable_session.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(away[0].1.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api_away.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_every_security_header(
        portal
            .iter()
            .chain(&away)
            .map(|(what, page)| (*what, &page.headers))
            .chain(apis.iter().map(|(what, answer)| (*what, &answer.headers)))
            .chain([
                (
                    "a session the middleware can't read",
                    &unreadable_session.headers,
                ),
                ("an API call without its database", &api_away.headers),
            ]),
    );
}

#[tokio::test]
async fn no_api_answer_may_be_cached_and_unknown_api_paths_are_problems() {
    let app = spawn_app().await;
    let api = app.api(&app.secret_of(ACTIVE_TOKEN));
    let token_reader = app.api(&tokens_reader(&app));
    let anonymous = reqwest::Client::new();

    let answers = [
        ("success", api.whoami().await),
        ("401", ApiClient::anonymous(&app.address).whoami().await),
        (
            "problem",
            token_reader.post("/tokens", &serde_json::json!({})).await,
        ),
        ("404", token_reader.get("/tokens/TK-9999-9999-9999").await),
        ("unrouted", api.get("/no/such/endpoint").await),
    ];
    let outside_v1 = anonymous
        .get(format!("{}/api/v2/tokens", app.address))
        .send()
        .await
        .unwrap();

    for (what, answer) in &answers {
        assert_eq!(answer.header("cache-control"), Some("no-store"), "{what}");
    }
    assert_eq!(
        answers[2].1.status,
        StatusCode::BAD_REQUEST,
        "no fields at all"
    );
    let unrouted = &answers[4].1;
    assert_eq!(
        unrouted.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(unrouted.body["status"], 404);
    assert!(
        unrouted.body["detail"]
            .as_str()
            .unwrap()
            .contains("/api/v1/openapi.json"),
        "{:?}",
        unrouted.body
    );
    assert_eq!(outside_v1.status(), StatusCode::NOT_FOUND);
    assert_eq!(outside_v1.headers()["cache-control"], "no-store");
    assert_eq!(
        outside_v1.headers()["content-type"],
        "application/problem+json"
    );
}

/// A token of Demo Corp that may read tokens through the API: its secret.
fn tokens_reader(app: &TestApp) -> String {
    app.demo_corp_secret(Scope::Read, &["tokens"])
}

#[tokio::test]
async fn the_root_leads_to_the_tokens_page() {
    let app = spawn_app().await;

    let page = Visitor::new(&app).get("/").await;

    assert_eq!(page.location(), Some("/settings/api-tokens"));
}
