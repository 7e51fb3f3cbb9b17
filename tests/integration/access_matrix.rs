//! Who may call what: every route the app serves, by every kind of caller, answered as
//! the table says. A route the app serves that the table lacks fails the test, and
//! another account's token id is answered exactly like an unknown one.

use std::collections::BTreeSet;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, redirect};
use serde_json::json;
use tokendesk::domain::{Scope, TokenSecret};

use crate::common::{
    DEMO_ADMIN_LOGIN, DEMO_CORP, DEMO_MEMBER_LOGIN, OTHER_ADMIN_LOGIN, OTHER_INC, OTHER_INC_TOKEN,
    SUPPORT_LOGIN, TestApp, spawn_app,
};
use crate::visitor::Visitor;

/// Who calls, in the table's column order.
const CALLERS: [&str; 18] = [
    "anonymous",
    "member",
    "support",
    "admin",
    "other admin",
    "read",
    "read+tokens",
    "write",
    "write+tokens",
    "admin scope",
    "admin+tokens",
    "other read",
    "other read+tokens",
    "other write",
    "other write+tokens",
    "other admin scope",
    "other admin+tokens",
    "service",
];

/// What a row sends.
#[derive(Clone, Copy)]
enum Body {
    None,
    /// A form with the caller's CSRF token (where it has one) and these fields; a value
    /// `{id}` is the row's target token.
    Form(&'static [(&'static str, &'static str)]),
    /// JSON, built for the target token.
    Json(fn() -> serde_json::Value),
    /// JSON naming the row's target token.
    JsonOn(fn(&str) -> serde_json::Value),
}

/// One route: its method and path as routed, the path to request (`{id}` is a token of
/// Demo Corp made for the row, which the body may name too), what to send, and what
/// each caller gets.
struct Row {
    method: &'static str,
    routed: &'static str,
    path: &'static str,
    body: Body,
    expected: [u16; 18],
}

/// The same answer for every caller without a session as for anonymous.
const fn portal(
    method: &'static str,
    routed: &'static str,
    path: &'static str,
    body: Body,
    [anonymous, member, support, admin, other_admin]: [u16; 5],
) -> Row {
    let a = anonymous;
    Row {
        method,
        routed,
        path,
        body,
        expected: [
            a,
            member,
            support,
            admin,
            other_admin,
            a,
            a,
            a,
            a,
            a,
            a,
            a,
            a,
            a,
            a,
            a,
            a,
            a,
        ],
    }
}

/// An API route: callers without a bearer token (people's sessions carry none) get
/// `none`, each token and the service what the list says.
const fn api(
    method: &'static str,
    routed: &'static str,
    path: &'static str,
    body: Body,
    none: u16,
    tokens: [u16; 12],
    service: u16,
) -> Row {
    let [r, rt, w, wt, a, at, or, ort, ow, owt, oa, oat] = tokens;
    Row {
        method,
        routed,
        path,
        body,
        expected: [
            none, none, none, none, none, r, rt, w, wt, a, at, or, ort, ow, owt, oa, oat, service,
        ],
    }
}

const NO_FIELDS: Body = Body::Form(&[]);
const NEW_TOKEN: Body = Body::Form(&[
    ("name", "Made in the matrix"),
    ("scope", "read"),
    ("modules", "billing"),
    ("expires_in", "7"),
]);
const EDIT: Body = Body::Form(&[
    ("name", "Edited in the matrix"),
    ("scope", "read"),
    ("modules", "billing"),
    ("expires_on", ""),
]);

const ROTATE: Body = Body::Form(&[("grace", "3600")]);
const BULK_DISABLE: Body = Body::Form(&[("action", "disable"), ("ids", "{id}")]);

const NO_POLICY: Body = Body::Form(&[("max_lifetime", "")]);

fn policy_json() -> serde_json::Value {
    json!({"max_lifetime_days": null, "expiry_required": false})
}

fn bulk_json(target: &str) -> serde_json::Value {
    json!({"action": "disable", "ids": [target]})
}

fn rotate_json() -> serde_json::Value {
    json!({"grace_seconds": 3600})
}

fn token_json() -> serde_json::Value {
    json!({"name": "Made by a token", "scope": "read", "modules": ["billing"]})
}

fn empty_json() -> serde_json::Value {
    json!({})
}

fn verify_json() -> serde_json::Value {
    json!({"token": TokenSecret::generate().expose()})
}

/// A leak report of a token nobody holds: answered, and nothing changes.
fn leaks_json() -> serde_json::Value {
    json!([{
        "token": TokenSecret::generate().expose(),
        "type": "tokendesk_api_token",
        "url": "https://github.com/octo-org/octo-repo/blob/main/.env",
        "source": "content",
    }])
}

#[rustfmt::skip]
fn table() -> Vec<Row> {
    vec![
        // Portal:                                                          anon mem  sup  adm  other
        portal("GET", "/", "/", Body::None,                                 [303, 303, 303, 303, 303]),
        portal("GET", "/healthz", "/healthz", Body::None,                   [200, 200, 200, 200, 200]),
        portal("GET", "/readyz", "/readyz", Body::None,                     [200, 200, 200, 200, 200]),
        portal("GET", "/login", "/login", Body::None,                       [200, 303, 303, 303, 303]),
        portal("POST", "/login", "/login", NO_FIELDS,                       [400, 400, 400, 400, 400]),
        portal("GET", "/static/{path:.*}", "/static/app.css", Body::None,   [200, 200, 200, 200, 200]),
        portal("GET", "/favicon.ico", "/favicon.ico", Body::None,           [200, 200, 200, 200, 200]),
        // Served only with `serve --demo` (see demo_reset.rs); this app serves no demo.
        portal("POST", "/demo/reset", "/demo/reset", Body::Json(empty_json), [404, 404, 404, 404, 404]),
        portal("GET", "/settings/audit", "/settings/audit", Body::None,     [303, 403, 200, 200, 200]),
        portal("GET", "/settings/sessions", "/settings/sessions", Body::None, [303, 200, 200, 200, 200]),
        portal("POST", "/settings/sessions/{id}/end", "/settings/sessions/nosuchsession00000000/end", NO_FIELDS, [303, 404, 404, 404, 404]),
        portal("GET", "/settings/token-policy", "/settings/token-policy", Body::None, [303, 403, 403, 200, 200]),
        portal("POST", "/settings/token-policy", "/settings/token-policy", NO_POLICY, [303, 403, 403, 303, 303]),
        portal("GET", "/settings/api-tokens", "/settings/api-tokens", Body::None, [303, 403, 200, 200, 200]),
        portal("POST", "/settings/api-tokens", "/settings/api-tokens", NEW_TOKEN, [303, 403, 403, 201, 201]),
        portal("GET", "/settings/api-tokens/new", "/settings/api-tokens/new", Body::None, [303, 403, 403, 200, 200]),
        portal("GET", "/settings/api-tokens/export.csv", "/settings/api-tokens/export.csv", Body::None, [303, 403, 200, 200, 200]),
        // Another account's token is listed as not found: nothing to disable.
        portal("POST", "/settings/api-tokens/bulk", "/settings/api-tokens/bulk", BULK_DISABLE, [303, 403, 403, 200, 409]),
        portal("POST", "/settings/api-tokens/bulk/apply", "/settings/api-tokens/bulk/apply", BULK_DISABLE, [303, 403, 403, 200, 200]),
        portal("GET", "/settings/api-tokens/{id}", "/settings/api-tokens/{id}", Body::None, [303, 403, 200, 200, 404]),
        portal("GET", "/settings/api-tokens/{id}/menu", "/settings/api-tokens/{id}/menu", Body::None, [303, 403, 403, 200, 404]),
        portal("GET", "/settings/api-tokens/{id}/edit", "/settings/api-tokens/{id}/edit", Body::None, [303, 403, 403, 200, 404]),
        portal("POST", "/settings/api-tokens/{id}/edit", "/settings/api-tokens/{id}/edit", EDIT, [303, 403, 403, 303, 404]),
        portal("POST", "/settings/api-tokens/{id}/secret", "/settings/api-tokens/{id}/secret", NO_FIELDS, [303, 403, 403, 200, 404]),
        portal("GET", "/settings/api-tokens/{id}/rotate", "/settings/api-tokens/{id}/rotate", Body::None, [303, 403, 403, 200, 404]),
        portal("POST", "/settings/api-tokens/{id}/rotate", "/settings/api-tokens/{id}/rotate", ROTATE, [303, 403, 403, 200, 404]),
        portal("GET", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/disable", Body::None, [303, 403, 403, 200, 404]),
        portal("GET", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/delete", Body::None, [303, 403, 403, 200, 404]),
        portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/disable", NO_FIELDS, [303, 403, 403, 303, 404]),
        portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/enable", NO_FIELDS, [303, 403, 403, 409, 404]),
        portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/delete", NO_FIELDS, [303, 403, 403, 303, 404]),
        // API:      no bearer           read rd+t wr   wr+t adm  ad+t  other: rd   rd+t wr   wr+t adm  ad+t   service
        api("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", Body::None, 200,
            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], 200),
        api("GET", "/api/v1/whoami", "/api/v1/whoami", Body::None, 401,
            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], 401),
        api("POST", "/api/v1/verify", "/api/v1/verify", Body::Json(verify_json), 401,
            [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401], 200),
        api("POST", "/api/v1/introspect", "/api/v1/introspect", Body::Form(&[("token", "tdk_x")]), 401,
            [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401], 200),
        api("POST", "/api/v1/leaks", "/api/v1/leaks", Body::Json(leaks_json), 401,
            [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401], 200),
        api("GET", "/api/v1/tokens", "/api/v1/tokens", Body::None, 401,
            [403, 200, 403, 200, 403, 200, 403, 200, 403, 200, 403, 200], 401),
        api("POST", "/api/v1/tokens", "/api/v1/tokens", Body::Json(token_json), 401,
            [403, 403, 403, 201, 403, 201, 403, 403, 403, 201, 403, 201], 401),
        // Another account's token is `not_found` in the answer.
        api("POST", "/api/v1/tokens/bulk", "/api/v1/tokens/bulk", Body::JsonOn(bulk_json), 401,
            [403, 403, 403, 200, 403, 200, 403, 403, 403, 200, 403, 200], 401),
        api("GET", "/api/v1/tokens/{id}", "/api/v1/tokens/{id}", Body::None, 401,
            [403, 200, 403, 200, 403, 200, 403, 404, 403, 404, 403, 404], 401),
        api("PATCH", "/api/v1/tokens/{id}", "/api/v1/tokens/{id}", Body::Json(token_json), 401,
            [403, 403, 403, 200, 403, 200, 403, 403, 403, 404, 403, 404], 401),
        api("DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/{id}", Body::None, 401,
            [403, 403, 403, 204, 403, 204, 403, 403, 403, 404, 403, 404], 401),
        api("POST", "/api/v1/tokens/{id}/rotate", "/api/v1/tokens/{id}/rotate", Body::Json(rotate_json), 401,
            [403, 403, 403, 200, 403, 200, 403, 403, 403, 404, 403, 404], 401),
        api("POST", "/api/v1/tokens/{id}/{action}", "/api/v1/tokens/{id}/disable", Body::None, 401,
            [403, 403, 403, 200, 403, 200, 403, 403, 403, 404, 403, 404], 401),
        api("POST", "/api/v1/tokens/{id}/{action}", "/api/v1/tokens/{id}/enable", Body::None, 401,
            [403, 403, 403, 409, 403, 409, 403, 403, 403, 404, 403, 404], 401),
        api("GET", "/api/v1/token-policy", "/api/v1/token-policy", Body::None, 401,
            [403, 200, 403, 200, 403, 200, 403, 200, 403, 200, 403, 200], 401),
        api("PUT", "/api/v1/token-policy", "/api/v1/token-policy", Body::Json(policy_json), 401,
            [403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 200], 401),
        // Last: they end the people's sessions.
        portal("POST", "/settings/sessions/end-others", "/settings/sessions/end-others", NO_FIELDS, [303, 303, 303, 303, 303]),
        portal("POST", "/logout", "/logout", NO_FIELDS,                     [403, 303, 303, 303, 303]),
    ]
}

/// How one caller sends a request.
enum Client {
    /// A person's session (or none), with its CSRF token.
    Session(Visitor, Option<String>),
    /// An `Authorization` header and no cookies.
    Credential(reqwest::Client),
}

async fn signed_in(app: &TestApp, who: (&str, &str)) -> Client {
    let (visitor, csrf) = Visitor::signed_in_with_csrf(app, who).await;
    Client::Session(visitor, Some(csrf))
}

fn credential(secret: &str) -> Client {
    let mut headers = HeaderMap::new();
    let value = HeaderValue::from_str(&format!("Bearer {secret}")).unwrap();
    headers.insert(AUTHORIZATION, value);
    let client = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    Client::Credential(client)
}

/// A bearer token of `account` with `scope`, and the Tokens module if `tokens`; it also
/// holds Billing, so the tokens it may change include the rows' targets.
fn bearer(app: &TestApp, account: &str, scope: Scope, tokens: bool) -> Client {
    let secret = TokenSecret::generate();
    let modules: &[&str] = if tokens {
        &["billing", "tokens"]
    } else {
        &["billing"]
    };
    app.insert_token(account, scope, modules, &secret);
    credential(secret.expose())
}

async fn callers(app: &TestApp) -> Vec<Client> {
    let mut callers = vec![
        Client::Session(Visitor::new(app), None),
        signed_in(app, DEMO_MEMBER_LOGIN).await,
        signed_in(app, SUPPORT_LOGIN).await,
        signed_in(app, DEMO_ADMIN_LOGIN).await,
        signed_in(app, OTHER_ADMIN_LOGIN).await,
    ];
    for account in [DEMO_CORP, OTHER_INC] {
        for scope in [Scope::Read, Scope::Write, Scope::Admin] {
            for tokens in [false, true] {
                callers.push(bearer(app, account, scope, tokens));
            }
        }
    }
    callers.push(credential(&app.add_service("matrix-gateway")));
    callers
}

impl Client {
    async fn call(&self, app: &TestApp, row: &Row, target: &str) -> StatusCode {
        let path = &row.path.replace("{id}", target);
        let method = Method::from_bytes(row.method.as_bytes()).unwrap();
        let request = match self {
            Self::Session(visitor, _) => visitor.request(method, path),
            Self::Credential(client) => client.request(method, format!("{}{path}", app.address)),
        };
        let request = match row.body {
            Body::None => request,
            Body::Json(body) => request.json(&body()),
            Body::JsonOn(body) => request.json(&body(target)),
            Body::Form(fields) => {
                let mut form: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|&(name, value)| (name, if value == "{id}" { target } else { value }))
                    .collect();
                if let Self::Session(_, Some(csrf)) = self {
                    form.push(("csrf_token", csrf));
                }
                request.form(&form)
            }
        };
        request.send().await.unwrap().status()
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let app = spawn_app().await;
    let callers = callers(&app).await;
    let table = table();

    let mut mismatches = Vec::new();
    for row in &table {
        for (column, caller) in callers.iter().enumerate() {
            // A fresh target for each cell.
            let target = app.demo_corp_target();
            let got = caller.call(&app, row, &target).await.as_u16();
            if got != row.expected[column] {
                mismatches.push(format!(
                    "{} {} as {}: got {got}, the table says {}",
                    row.method,
                    row.path.replace("{id}", &target),
                    CALLERS[column],
                    row.expected[column]
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_table_covers_every_route_the_app_serves() {
    let served: BTreeSet<(String, String)> = tokendesk::web::ROUTES
        .iter()
        .chain(tokendesk::web::DEMO_ROUTES)
        .map(|(method, path)| (method.to_uppercase(), (*path).to_owned()))
        .chain(
            tokendesk::api::routed_operations()
                .into_iter()
                .map(|(method, path)| (method.to_string(), path)),
        )
        .collect();
    let tabled: BTreeSet<(String, String)> = table()
        .iter()
        .map(|row| (row.method.to_owned(), row.routed.to_owned()))
        .collect();
    assert_eq!(served, tabled);
}

#[tokio::test]
async fn another_accounts_token_is_answered_like_an_unknown_one_on_every_page() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let unknown = "TK-9999-9999-9999";
    let form = [("csrf_token", csrf.as_str())];

    for (method, suffix) in [
        (Method::GET, ""),
        (Method::GET, "/menu"),
        (Method::GET, "/edit"),
        (Method::GET, "/disable"),
        (Method::POST, "/disable"),
        (Method::POST, "/enable"),
        (Method::POST, "/delete"),
        (Method::POST, "/secret"),
        (Method::POST, "/edit"),
        (Method::GET, "/rotate"),
        (Method::POST, "/rotate"),
    ] {
        let answer = |id: &'static str| {
            let request = admin
                .request(
                    method.clone(),
                    &format!("/settings/api-tokens/{id}{suffix}"),
                )
                .form(&form);
            async { admin.send(request).await }
        };
        let theirs = answer(OTHER_INC_TOKEN).await;
        let nobodys = answer(unknown).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{method} {suffix}");
        assert_eq!(theirs.status, nobodys.status, "{method} {suffix}");
        assert_eq!(
            theirs.body.replace(OTHER_INC_TOKEN, "ID"),
            nobodys.body.replace(unknown, "ID"),
            "{method} {suffix}"
        );
    }
}
