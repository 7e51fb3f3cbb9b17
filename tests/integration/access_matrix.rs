//! Who may call what: every route the app serves, by every kind of caller, with and
//! without htmx, answered as the table says. A route the app serves that the table lacks
//! fails the test. `POST /demo/reset` is tabled on an app serving the demo as well, and
//! `GET /metrics`, which has a listener of its own, is not served on the portal's.
//! Another account's token id is answered exactly like an unknown one, by the portal
//! and by the API.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokendesk::app::AppOptions;
use tokendesk::domain::{Scope, TokenSecret};

use crate::common::{
    ApiClient, ApiResponse, DEMO_ADMIN_LOGIN, DEMO_CORP, DEMO_MEMBER_LOGIN, OTHER_ADMIN_LOGIN,
    OTHER_INC, OTHER_INC_DISABLED_TOKEN, OTHER_INC_TOKEN, SUPPORT_LOGIN, TestApp, spawn_app,
    spawn_app_with,
};
use crate::visitor::{Page, Visitor};

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

/// One route: its method and path as routed (none for a path this listener must not
/// serve), the path to request (`{id}` is a token of Demo Corp made for the row, which
/// the body may name too), what to send, whether as htmx sends it (`HX-Request: true`),
/// and what each caller gets.
struct Row {
    method: &'static str,
    routed: Option<&'static str>,
    path: &'static str,
    body: Body,
    htmx: bool,
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
        routed: Some(routed),
        path,
        body,
        htmx: false,
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

/// `row` sent as htmx sends it.
const fn htmx(row: Row) -> Row {
    Row { htmx: true, ..row }
}

/// A path this listener must not serve: 404 for everyone.
const fn unserved(method: &'static str, path: &'static str) -> Row {
    Row {
        method,
        routed: None,
        path,
        body: Body::None,
        htmx: false,
        expected: [404; 18],
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
        routed: Some(routed),
        path,
        body,
        htmx: false,
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

fn policy_json() -> Value {
    json!({"max_lifetime_days": null, "expiry_required": false})
}

fn bulk_json(target: &str) -> Value {
    json!({"action": "disable", "ids": [target]})
}

fn rotate_json() -> Value {
    json!({"grace_seconds": 3600})
}

fn token_json() -> Value {
    json!({"name": "Made by a token", "scope": "read", "modules": ["billing"]})
}

fn empty_json() -> Value {
    json!({})
}

fn verify_json() -> Value {
    json!({"token": TokenSecret::generate().expose()})
}

/// A leak report of a token nobody holds: answered, and nothing changes.
fn leaks_json() -> Value {
    json!([{
        "token": TokenSecret::generate().expose(),
        "type": "tokendesk_api_token",
        "url": "https://github.com/octo-org/octo-repo/blob/main/.env",
        "source": "content",
    }])
}

/// Every route of an app started without `--demo`. With htmx, a page that needs a
/// session sends anonymous callers to sign in with 401 and `HX-Redirect` (htmx would
/// swap a 303's page into the one shown), and a change answers 200 with the row, or
/// `HX-Refresh` or `HX-Redirect` from a details page, where a form gets a 303.
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
        // Served only with `serve --demo` (see `demo_table`); this app serves no demo.
        portal("POST", "/demo/reset", "/demo/reset", Body::Json(empty_json), [404, 404, 404, 404, 404]),
        // Served on the metrics listener alone (this app has one).
        unserved("GET", "/metrics"),
        portal("GET", "/settings/audit", "/settings/audit", Body::None,     [303, 403, 200, 200, 200]),
        htmx(portal("GET", "/settings/audit", "/settings/audit", Body::None, [401, 403, 200, 200, 200])),
        portal("GET", "/settings/sessions", "/settings/sessions", Body::None, [303, 200, 200, 200, 200]),
        htmx(portal("GET", "/settings/sessions", "/settings/sessions", Body::None, [401, 200, 200, 200, 200])),
        portal("POST", "/settings/sessions/{id}/end", "/settings/sessions/nosuchsession00000000/end", NO_FIELDS, [303, 404, 404, 404, 404]),
        htmx(portal("POST", "/settings/sessions/{id}/end", "/settings/sessions/nosuchsession00000000/end", NO_FIELDS, [401, 404, 404, 404, 404])),
        portal("GET", "/settings/token-policy", "/settings/token-policy", Body::None, [303, 403, 403, 200, 200]),
        htmx(portal("GET", "/settings/token-policy", "/settings/token-policy", Body::None, [401, 403, 403, 200, 200])),
        portal("POST", "/settings/token-policy", "/settings/token-policy", NO_POLICY, [303, 403, 403, 303, 303]),
        htmx(portal("POST", "/settings/token-policy", "/settings/token-policy", NO_POLICY, [401, 403, 403, 303, 303])),
        portal("GET", "/settings/api-tokens", "/settings/api-tokens", Body::None, [303, 403, 200, 200, 200]),
        // The results alone.
        htmx(portal("GET", "/settings/api-tokens", "/settings/api-tokens", Body::None, [401, 403, 200, 200, 200])),
        portal("POST", "/settings/api-tokens", "/settings/api-tokens", NEW_TOKEN, [303, 403, 403, 201, 201]),
        // The new secret in the dialog.
        htmx(portal("POST", "/settings/api-tokens", "/settings/api-tokens", NEW_TOKEN, [401, 403, 403, 201, 201])),
        portal("GET", "/settings/api-tokens/new", "/settings/api-tokens/new", Body::None, [303, 403, 403, 200, 200]),
        htmx(portal("GET", "/settings/api-tokens/new", "/settings/api-tokens/new", Body::None, [401, 403, 403, 200, 200])),
        portal("GET", "/settings/api-tokens/export.csv", "/settings/api-tokens/export.csv", Body::None, [303, 403, 200, 200, 200]),
        htmx(portal("GET", "/settings/api-tokens/export.csv", "/settings/api-tokens/export.csv", Body::None, [401, 403, 200, 200, 200])),
        // Another account's token is listed as not found: nothing to disable.
        portal("POST", "/settings/api-tokens/bulk", "/settings/api-tokens/bulk", BULK_DISABLE, [303, 403, 403, 200, 409]),
        htmx(portal("POST", "/settings/api-tokens/bulk", "/settings/api-tokens/bulk", BULK_DISABLE, [401, 403, 403, 200, 409])),
        portal("POST", "/settings/api-tokens/bulk/apply", "/settings/api-tokens/bulk/apply", BULK_DISABLE, [303, 403, 403, 200, 200]),
        htmx(portal("POST", "/settings/api-tokens/bulk/apply", "/settings/api-tokens/bulk/apply", BULK_DISABLE, [401, 403, 403, 200, 200])),
        portal("GET", "/settings/api-tokens/{id}", "/settings/api-tokens/{id}", Body::None, [303, 403, 200, 200, 404]),
        // The tabs alone.
        htmx(portal("GET", "/settings/api-tokens/{id}", "/settings/api-tokens/{id}", Body::None, [401, 403, 200, 200, 404])),
        portal("GET", "/settings/api-tokens/{id}/menu", "/settings/api-tokens/{id}/menu", Body::None, [303, 403, 403, 200, 404]),
        htmx(portal("GET", "/settings/api-tokens/{id}/menu", "/settings/api-tokens/{id}/menu", Body::None, [401, 403, 403, 200, 404])),
        portal("GET", "/settings/api-tokens/{id}/edit", "/settings/api-tokens/{id}/edit", Body::None, [303, 403, 403, 200, 404]),
        htmx(portal("GET", "/settings/api-tokens/{id}/edit", "/settings/api-tokens/{id}/edit", Body::None, [401, 403, 403, 200, 404])),
        portal("POST", "/settings/api-tokens/{id}/edit", "/settings/api-tokens/{id}/edit", EDIT, [303, 403, 403, 303, 404]),
        // The row, re-rendered, where a form gets a 303.
        htmx(portal("POST", "/settings/api-tokens/{id}/edit", "/settings/api-tokens/{id}/edit", EDIT, [401, 403, 403, 200, 404])),
        portal("POST", "/settings/api-tokens/{id}/secret", "/settings/api-tokens/{id}/secret", NO_FIELDS, [303, 403, 403, 200, 404]),
        htmx(portal("POST", "/settings/api-tokens/{id}/secret", "/settings/api-tokens/{id}/secret", NO_FIELDS, [401, 403, 403, 200, 404])),
        portal("GET", "/settings/api-tokens/{id}/rotate", "/settings/api-tokens/{id}/rotate", Body::None, [303, 403, 403, 200, 404]),
        htmx(portal("GET", "/settings/api-tokens/{id}/rotate", "/settings/api-tokens/{id}/rotate", Body::None, [401, 403, 403, 200, 404])),
        portal("POST", "/settings/api-tokens/{id}/rotate", "/settings/api-tokens/{id}/rotate", ROTATE, [303, 403, 403, 200, 404]),
        htmx(portal("POST", "/settings/api-tokens/{id}/rotate", "/settings/api-tokens/{id}/rotate", ROTATE, [401, 403, 403, 200, 404])),
        portal("GET", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/disable", Body::None, [303, 403, 403, 200, 404]),
        htmx(portal("GET", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/disable", Body::None, [401, 403, 403, 200, 404])),
        portal("GET", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/delete", Body::None, [303, 403, 403, 200, 404]),
        htmx(portal("GET", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/delete", Body::None, [401, 403, 403, 200, 404])),
        portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/disable", NO_FIELDS, [303, 403, 403, 303, 404]),
        htmx(portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/disable", NO_FIELDS, [401, 403, 403, 200, 404])),
        // From a details page: `HX-Refresh`, and after a delete `HX-Redirect` to the list.
        htmx(portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/disable?from=detail", NO_FIELDS, [401, 403, 403, 200, 404])),
        portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/enable", NO_FIELDS, [303, 403, 403, 409, 404]),
        htmx(portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/enable", NO_FIELDS, [401, 403, 403, 409, 404])),
        portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/delete", NO_FIELDS, [303, 403, 403, 303, 404]),
        htmx(portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/delete", NO_FIELDS, [401, 403, 403, 200, 404])),
        htmx(portal("POST", "/settings/api-tokens/{id}/{action}", "/settings/api-tokens/{id}/delete?from=detail", NO_FIELDS, [401, 403, 403, 200, 404])),
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
        htmx(portal("POST", "/settings/sessions/end-others", "/settings/sessions/end-others", NO_FIELDS, [401, 303, 303, 303, 303])),
        portal("POST", "/settings/sessions/end-others", "/settings/sessions/end-others", NO_FIELDS, [303, 303, 303, 303, 303]),
        portal("POST", "/logout", "/logout", NO_FIELDS,                     [403, 303, 303, 303, 303]),
    ]
}

/// The routes of an app serving the demo (`serve --demo`) that it serves only then:
/// anyone who reaches it may reset it (see docs/testing.md), credentials or not, but
/// only with a JSON body, which a form on another site can't send.
#[rustfmt::skip]
fn demo_table() -> Vec<Row> {
    vec![
        //                                                                   anon mem  sup  adm  other
        portal("POST", "/demo/reset", "/demo/reset", Body::Json(empty_json), [200, 200, 200, 200, 200]),
        portal("POST", "/demo/reset", "/demo/reset", NO_FIELDS,             [415, 415, 415, 415, 415]),
    ]
}

/// How one caller sends a request.
enum Client {
    /// A person's session (or none), with its CSRF token.
    Session(Visitor, Option<String>),
    /// An `Authorization` header and no cookies.
    Credential(ApiClient),
}

async fn signed_in(app: &TestApp, who: (&str, &str)) -> Client {
    let (visitor, csrf) = Visitor::signed_in_with_csrf(app, who).await;
    Client::Session(visitor, Some(csrf))
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
    Client::Credential(app.api(secret.expose()))
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
    callers.push(Client::Credential(app.service("matrix-gateway")));
    callers
}

impl Client {
    async fn call(&self, row: &Row, target: &str) -> Page {
        let path = &row.path.replace("{id}", target);
        let method = Method::from_bytes(row.method.as_bytes()).unwrap();
        let mut request = match self {
            Self::Session(visitor, _) => visitor.request(method, path),
            Self::Credential(api) => api.site_request(method, path),
        };
        if row.htmx {
            request = request.header("HX-Request", "true");
        }
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
        match self {
            Self::Session(visitor, _) => visitor.send(request).await,
            Self::Credential(_) => Page::from(ApiClient::answer(request).await),
        }
    }
}

/// What is wrong with an answer besides its status: a redirect must say where to, and
/// htmx, which can't follow one into the page, must be told what to do instead.
fn misdirection(row: &Row, page: &Page) -> Option<&'static str> {
    let has = |name: &str| page.header(name).is_some();
    match page.status.as_u16() {
        303 if !has("location") => Some("a redirect without a Location"),
        401 if row.htmx
            && !page
                .header("hx-redirect")
                .is_some_and(|to| to.starts_with("/login")) =>
        {
            Some("htmx not sent to sign in with HX-Redirect")
        }
        200 if row.htmx && page.body.is_empty() && !has("hx-refresh") && !has("hx-redirect") => {
            Some("an empty answer to htmx that tells it nothing")
        }
        _ => None,
    }
}

/// Calls every row of `table` as every caller of `app`, each cell on a fresh target;
/// what differs from the table.
async fn mismatches(app: &TestApp, table: &[Row]) -> Vec<String> {
    let callers = callers(app).await;
    let mut mismatches = Vec::new();
    for row in table {
        for (column, caller) in callers.iter().enumerate() {
            let target = app.demo_corp_target();
            let page = caller.call(row, &target).await;
            let (got, expected) = (page.status.as_u16(), row.expected[column]);
            let cell = format!(
                "{} {}{} as {}",
                row.method,
                row.path.replace("{id}", &target),
                if row.htmx { " (htmx)" } else { "" },
                CALLERS[column]
            );
            if got != expected {
                mismatches.push(format!("{cell}: got {got}, the table says {expected}"));
            } else if let Some(wrong) = misdirection(row, &page) {
                mismatches.push(format!("{cell}: {wrong}"));
            }
        }
    }
    mismatches
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let app = spawn_app_with(AppOptions {
        metrics_bind: Some("127.0.0.1:0".into()),
        ..AppOptions::default()
    })
    .await;
    let metrics = app.metrics_address.as_ref().expect("a metrics listener");
    let served_apart = reqwest::get(format!("{metrics}/metrics")).await.unwrap();
    assert_eq!(served_apart.status(), StatusCode::OK, "metrics are served");

    let mismatches = mismatches(&app, &table()).await;

    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn an_app_serving_the_demo_lets_anyone_reset_it_with_json() {
    let app = spawn_app_with(AppOptions {
        demo: true,
        ..AppOptions::default()
    })
    .await;

    let mismatches = mismatches(&app, &demo_table()).await;

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
        .chain(&demo_table())
        .filter_map(|row| Some((row.method.to_owned(), row.routed?.to_owned())))
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

#[tokio::test]
async fn another_accounts_token_is_answered_like_an_unknown_one_by_every_api_call() {
    let app = spawn_app().await;
    // Every power over Demo Corp's tokens: only the account stands in its way.
    let caller = app.api(&app.demo_corp_secret(Scope::Admin, &["billing", "tokens"]));
    let unknown = "TK-9999-9999-9999";
    let edit = json!({"name": "Renamed", "scope": "read", "modules": ["billing"]});
    let grace = json!({"grace_seconds": 3600});
    let calls = [
        (Method::GET, "", None),
        (Method::PATCH, "", Some(&edit)),
        (Method::POST, "/disable", None),
        (Method::POST, "/enable", None),
        (Method::POST, "/rotate", Some(&grace)),
        (Method::DELETE, "", None),
    ];

    // Theirs active and disabled, so that any action would have something to do.
    for theirs_id in [OTHER_INC_TOKEN, OTHER_INC_DISABLED_TOKEN] {
        for (method, suffix, body) in &calls {
            let call = async |id: &str| {
                let path = format!("/tokens/{id}{suffix}");
                caller.send(method.clone(), &path, *body).await
            };
            let (theirs, nobodys) = (call(theirs_id).await, call(unknown).await);
            let what = format!("{method} {theirs_id}{suffix}");
            assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{what}");
            assert_alike(&what, (&theirs, theirs_id), (&nobodys, unknown));
        }
        for action in ["disable", "enable", "delete"] {
            let bulk = async |id: &str| {
                let body = json!({"action": action, "ids": [id]});
                caller.post("/tokens/bulk", &body).await
            };
            let (theirs, nobodys) = (bulk(theirs_id).await, bulk(unknown).await);
            let what = format!("bulk {action} of {theirs_id}");
            assert_eq!(theirs.status, StatusCode::OK, "{what}");
            assert_eq!(theirs.body["results"][0]["outcome"], "not_found", "{what}");
            assert_alike(&what, (&theirs, theirs_id), (&nobodys, unknown));
        }
    }
}

/// Asserts that two answers, each about the id beside it, are the same apart from it.
fn assert_alike(
    what: &str,
    (theirs, theirs_id): (&ApiResponse, &str),
    (nobodys, unknown): (&ApiResponse, &str),
) {
    assert_eq!(theirs.status, nobodys.status, "{what}");
    assert_ne!(theirs.body, Value::Null, "{what}: a problem document");
    assert_eq!(
        theirs.text.replace(theirs_id, "ID"),
        nobodys.text.replace(unknown, "ID"),
        "{what}"
    );
}
