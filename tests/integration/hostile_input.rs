//! Hostile input: every portal and API route, sent what a fuzzer or an attacker sends
//! (page numbers past `i64`, negative or in exponent form; NUL bytes, invalid UTF-8
//! and 10,000-character text, repetitive or not; dates in the year 99999; missing, repeated and wrongly
//! typed fields; bodies over the 16 KiB limit), answers with a 4xx that says what is
//! wrong or a clamped 200, never a 5xx. Token names that look like markup are shown as
//! text wherever they appear.

use diesel::prelude::*;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokendesk::db::schema::{api_tokens, token_last_access};
use tokendesk::domain::Scope;

use crate::common::{
    ACTIVE_TOKEN, ApiClient, DEMO_ADMIN, DEMO_ADMIN_LOGIN, NEVER_USED_TOKEN, TestApp, spawn_app,
    token_path,
};
use crate::visitor::{Page, PortalToken, Visitor};

/// Over the 16 KiB every form and JSON body may take.
const OVERSIZED: usize = 17 * 1024;

fn long_text() -> String {
    "a".repeat(10_000)
}

/// 4,000 letters and digits that don't repeat, so PostgreSQL can't compress them: no
/// index entry of 2,704 bytes or more holds them (a field indexed as it is typed, such
/// as the sign-in email, must be refused before it reaches one).
fn incompressible_text() -> String {
    use rand::{Rng, SeedableRng};
    let mut random = rand::rngs::StdRng::seed_from_u64(13);
    (0..4_000)
        .map(|_| char::from(random.sample(rand::distr::Alphanumeric)))
        .collect()
}

/// What each answer to hostile input was, when it was not a 4xx with a message or a
/// 2xx or 3xx.
#[derive(Default)]
struct Misanswers(Vec<String>);

impl Misanswers {
    /// Notes `what` if it got a 5xx, or a 4xx without a message. API errors must be
    /// problem documents with a `detail`.
    fn check(&mut self, what: &str, page: &Page) {
        let status = page.status;
        let problem_with_detail = page
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/problem+json"))
            && serde_json::from_str::<Value>(&page.body)
                .is_ok_and(|v| v["detail"].as_str().is_some_and(|d| !d.is_empty()));
        let wrong = if status.is_server_error() {
            Some("a server error")
        } else if !status.is_client_error() {
            None
        } else if what.contains("/api/") && !problem_with_detail {
            Some("an API error that is not a problem document with a detail")
        } else if page.body.trim().is_empty() {
            Some("an error without a message")
        } else {
            None
        };
        if let Some(wrong) = wrong {
            // A page's title says what it is; anything else, its start.
            let title = page.select("title").join(" ");
            let shown = if title.is_empty() {
                page.body.chars().take(200).collect()
            } else {
                title
            };
            self.0.push(format!("{what}: {status}, {wrong}: {shown}"));
        }
    }

    /// Notes `what` unless it got exactly `expected`.
    fn expect(&mut self, what: &str, page: &Page, expected: StatusCode) {
        self.check(what, page);
        if page.status != expected {
            self.0
                .push(format!("{what}: {} instead of {expected}", page.status));
        }
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} misanswered:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

/// `path` as routed, with a token id, an action and a static file put in.
fn concrete(routed: &str, id: &str) -> String {
    routed
        .replace("{id}", id)
        .replace("{action}", "disable")
        .replace("{path:.*}", "app.css")
}

/// A token of Demo Corp with every power the token API needs: its secret.
fn api_admin(app: &TestApp) -> String {
    app.demo_corp_secret(Scope::Admin, &["billing", "tokens"])
}

/// The query strings every GET route is sent.
fn hostile_queries() -> Vec<String> {
    let mut queries: Vec<String> = [
        "page=9223372036854775807",
        "page=-9223372036854775808",
        "page=99999999999999999999",
        "page=-1",
        "page=0",
        "page=1e9",
        "page=1&page=2",
        "page",
        "after=-1",
        "after=9223372036854775807",
        "after=99999999999999999999",
        "after=1&after=2",
        "after=abc",
        "after=TK-9999-9999-9999",
        "q=%00",
        "q=a%00b",
        "q=%FF%FE",
        "q=a&q=b",
        "account=%00",
        "account=%FF%FE",
        "status=%00&module=%00&unused=-1&expiring=1e9&sort=%FF&dir=-1",
        "token=%00",
        "tab=%00",
        "from=%FF%FE",
        "next=%00",
        "next=%2F%2Fevil.example",
        "%",
        "%zz=1",
        "=&&=",
    ]
    .map(String::from)
    .into();
    queries.push(format!("token={ACTIVE_TOKEN}&token=x"));
    for name in [
        "q", "account", "token", "page", "after", "next", "tab", "from", "sort",
    ] {
        queries.push(format!("{name}={}", long_text()));
    }
    queries
}

#[tokio::test]
async fn hostile_query_strings_get_a_clear_4xx_or_a_clamped_200() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let bearer = api_admin(&app);
    let id = app.demo_corp_target();
    let api_gets = tokendesk::api::routed_operations()
        .into_iter()
        .filter(|(method, _)| method.as_str() == "GET")
        .map(|(_, path)| path);
    let portal_gets = tokendesk::web::ROUTES
        .iter()
        .filter(|(method, _)| *method == "get")
        .map(|(_, path)| (*path).to_owned());

    let mut misanswers = Misanswers::default();
    for routed in portal_gets.chain(api_gets) {
        let path = concrete(&routed, &id);
        for query in hostile_queries() {
            let url = format!("{path}?{query}");
            // Raw on purpose: one client with a session and a bearer token reaches
            // portal and API routes alike.
            let request = admin.request(Method::GET, &url).bearer_auth(&bearer);
            let page = admin.send(request).await;
            misanswers.check(&format!("GET {url:.120}"), &page);
        }
    }
    misanswers.assert_none();
}

#[tokio::test]
async fn the_audit_log_and_the_list_clamp_page_numbers_past_the_end() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    for path in ["/settings/audit", "/settings/api-tokens"] {
        let far = admin
            .get(&format!(
                "{path}?page=9223372036854775807&after=TK-9999-9999-9999"
            ))
            .await;
        let negative = admin.get(&format!("{path}?page=-1")).await;
        let exponent = admin.get(&format!("{path}?page=1e9")).await;

        assert_eq!(far.status, StatusCode::OK, "{path}: {}", far.body);
        assert!(
            far.texts("page-next").is_empty(),
            "{path}: no page after the last"
        );
        for page in [negative, exponent] {
            assert_eq!(page.status, StatusCode::OK, "{path}");
        }
    }
}

/// Path segments put where a route takes a token id, an action or a file.
const HOSTILE_SEGMENTS: [&str; 6] = [
    "%00",
    "%FF%FE",
    "TK-9999-9999-99999",
    "..%2F..%2FCargo.toml",
    "%2e%2e",
    "9223372036854775807",
];

#[tokio::test]
async fn hostile_path_segments_get_a_clear_4xx() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let bearer = api_admin(&app);
    let routes = tokendesk::web::ROUTES
        .iter()
        .map(|(method, path)| (method.to_uppercase(), (*path).to_owned()))
        .chain(
            tokendesk::api::routed_operations()
                .into_iter()
                .map(|(method, path)| (method.to_string(), path)),
        )
        .filter(|(_, path)| path.contains('{'));

    let mut misanswers = Misanswers::default();
    for (method, routed) in routes {
        for segment in HOSTILE_SEGMENTS
            .into_iter()
            .map(str::to_owned)
            .chain([format!("{ACTIVE_TOKEN}%00"), long_text()])
        {
            let path = routed
                .replace("{id}", &segment)
                .replace("{action}", &segment)
                .replace("{path:.*}", &segment);
            // Raw on purpose: one client with a session, a bearer token and a CSRF
            // token reaches portal and API routes alike.
            let request = admin
                .request(Method::from_bytes(method.as_bytes()).unwrap(), &path)
                .bearer_auth(&bearer)
                .form(&[("csrf_token", csrf.as_str())]);
            let page = admin.send(request).await;
            misanswers.check(&format!("{method} {path:.120}"), &page);
            if page.status.is_success() {
                misanswers
                    .0
                    .push(format!("{method} {path:.120}: {}", page.status));
            }
        }
    }
    misanswers.assert_none();
}

/// Stands in a valid form for the CSRF token the form is sent with.
const CSRF_TOKEN: &str = "CSRF-TOKEN";
/// Stands in the rotate form for the visible prefix of the token it is sent for.
const SEEN_PREFIX: &str = "SEEN-PREFIX";

/// A valid form for each portal POST route, but its CSRF token (which `hostile_forms`
/// attacks too), so that one hostile field at a time reaches the code past the
/// others' checks. A route without one fails the test.
fn valid_form(routed: &str) -> Vec<(&'static str, String)> {
    let fields: &[(&str, &str)] = match routed {
        "/login" => &[
            ("email", "admin@demo.test"),
            ("password", "not the password"),
            ("next", "/settings/audit"),
        ],
        "/settings/api-tokens" => &[
            ("name", "Hostile"),
            ("description", "Made by a hostile test"),
            ("scope", "read"),
            ("modules", "billing"),
            ("expires_in", "7"),
        ],
        "/settings/api-tokens/bulk" => &[
            ("action", "disable"),
            ("ids", NEVER_USED_TOKEN),
            ("select_all", "page"),
            ("page_ids", NEVER_USED_TOKEN),
            ("return_to", "/settings/api-tokens?q=a"),
        ],
        "/settings/api-tokens/bulk/apply" => &[
            ("action", "disable"),
            ("ids", NEVER_USED_TOKEN),
            ("return_to", "/settings/api-tokens?q=a"),
        ],
        "/settings/api-tokens/{id}/edit" => &[
            ("name", "Hostile"),
            ("description", "Edited by a hostile test"),
            ("scope", "read"),
            ("modules", "billing"),
            ("expires_on", ""),
        ],
        "/settings/api-tokens/{id}/rotate" => &[("grace", "3600"), ("seen", SEEN_PREFIX)],
        "/settings/token-policy" => &[("max_lifetime", "90"), ("expiry_required", "on")],
        // Their one field is the CSRF token, which every form carries.
        "/logout"
        | "/settings/sessions/end-others"
        | "/settings/sessions/{id}/end"
        | "/settings/api-tokens/{id}/secret"
        | "/settings/api-tokens/{id}/{action}" => &[],
        unknown => panic!("no valid form for POST {unknown}: add one"),
    };
    fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// Hostile values for a form field, as they go in an encoded body.
fn hostile_field_values(field: &str) -> Vec<String> {
    let mut values: Vec<String> = ["%00", "a%00b", "%FF%FE", "%", ""].map(String::from).into();
    values.push(long_text());
    values.push(incompressible_text());
    if field.starts_with("expires") {
        values.extend(
            [
                "99999-01-01",
                "%2B99999-01-01",
                "-0001-01-01",
                "0000-01-01",
                "2030-02-30",
                "1e9",
                "-1",
                "99999999999999999999",
                "custom",
            ]
            .map(String::from),
        );
    }
    values
}

fn encode(form: &[(&str, String)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Each hostile body for the route whose valid form is `valid` (values encoded):
/// every field in turn hostile, missing and repeated; every field but the CSRF token
/// at once hostile; and fields the form does not have.
fn hostile_forms(valid: &[(&'static str, String)]) -> Vec<(String, String)> {
    let valid: Vec<(&str, String)> = valid
        .iter()
        .map(|(k, v)| (*k, crate::visitor::urlencode(v)))
        .collect();
    let mut forms = vec![
        ("no fields".to_owned(), String::new()),
        ("unknown fields".to_owned(), "x=1&%00=%00&=".to_owned()),
        (
            "every field NUL".to_owned(),
            encode(
                &valid
                    .iter()
                    .map(|(k, v)| match *k {
                        "csrf_token" => (*k, v.clone()),
                        _ => (*k, "%00".to_owned()),
                    })
                    .collect::<Vec<_>>(),
            ),
        ),
    ];
    for (index, (field, _)) in valid.iter().enumerate() {
        for value in hostile_field_values(field) {
            let mut form = valid.clone();
            form[index].1 = value.clone();
            forms.push((format!("{field}={value:.20}"), encode(&form)));
        }
        let mut missing = valid.clone();
        missing.remove(index);
        forms.push((format!("{field} missing"), encode(&missing)));
        let mut repeated = valid.clone();
        repeated.push((field, "other".to_owned()));
        forms.push((format!("{field} repeated"), encode(&repeated)));
    }
    forms
}

#[tokio::test]
async fn hostile_forms_get_a_clear_4xx_or_are_accepted_and_oversized_ones_get_413() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let anonymous = Visitor::new(&app);
    let mut posts: Vec<&str> = tokendesk::web::ROUTES
        .iter()
        .filter(|(method, _)| *method == "post")
        .map(|(_, path)| *path)
        .collect();
    // The expiry policy shapes what the other forms may save, and signing out ends the
    // session they need: those last.
    posts.sort_by_key(|path| match *path {
        "/logout" => 2,
        "/settings/token-policy" => 1,
        _ => 0,
    });

    let mut misanswers = Misanswers::default();
    for routed in posts {
        let mut valid = vec![("csrf_token", CSRF_TOKEN.to_owned())];
        valid.extend(valid_form(routed));
        for (what, body) in hostile_forms(&valid) {
            let target = Target::fresh(&app, routed);
            let (sender, csrf) = if routed == "/login" {
                (&anonymous, sign_in_form_token(&app, &anonymous).await)
            } else {
                (&admin, csrf.clone())
            };
            let body = body
                .replace(CSRF_TOKEN, &csrf)
                .replace(SEEN_PREFIX, &target.seen_prefix);
            let page = post_raw(sender, &target.path, body).await;
            misanswers.check(&format!("POST {} with {what}", target.path), &page);
        }
        let path = Target::fresh(&app, routed).path;
        let oversized = format!("csrf_token={csrf}&name={}", "a".repeat(OVERSIZED));
        let page = post_raw(&admin, &path, oversized).await;
        misanswers.expect(
            &format!("POST {path}, oversized"),
            &page,
            StatusCode::PAYLOAD_TOO_LARGE,
        );
    }
    misanswers.assert_none();

    // Whatever was saved still shows.
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    for path in [
        "/settings/api-tokens?status=all",
        "/settings/api-tokens?status=all&sort=expires&dir=desc",
        "/settings/api-tokens/export.csv?status=all",
        "/settings/audit",
        "/settings/sessions",
        "/settings/token-policy",
    ] {
        let page = visitor.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    }
}

/// Where a hostile form goes: `routed` with a fresh token of Demo Corp put in (or, for a
/// session's route, a fresh session of the demo admin's), and that token's visible
/// prefix, as the rotate dialog sends it.
struct Target {
    path: String,
    seen_prefix: String,
}

impl Target {
    fn fresh(app: &TestApp, routed: &str) -> Self {
        if routed.contains("/sessions/{id}") {
            return Self {
                path: routed.replace("{id}", &another_session(app)),
                seen_prefix: String::new(),
            };
        }
        let id = app.demo_corp_target();
        let seen_prefix = api_tokens::table
            .find(&id)
            .select(api_tokens::secret_prefix)
            .first(&mut app.db.connection())
            .unwrap();
        Self {
            path: concrete(routed, &id),
            seen_prefix,
        }
    }
}

/// A new session of the demo admin's, as another browser would hold: its public id.
fn another_session(app: &TestApp) -> String {
    let public_id: String = (0..22)
        .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
        .collect();
    let digest: [u8; 32] = rand::random();
    let now = chrono::Utc::now();
    let stored = tokendesk::db::sessions::insert(
        &mut app.db.connection(),
        &tokendesk::db::sessions::NewSession {
            key_digest: &digest,
            public_id: &public_id,
            user_id: &tokendesk::domain::UserId::parse(DEMO_ADMIN).unwrap(),
            state: "{}",
            now,
            expires_at: now + chrono::Duration::hours(12),
            ip: None,
            user_agent: None,
            sign_in_epoch: 0,
        },
    )
    .unwrap();
    assert!(stored, "the demo admin's password never changed");
    public_id
}

/// The sign-in form's CSRF token, fresh, with its cookie in `visitor`'s jar; earlier
/// failures are forgotten, so every hostile sign-in reaches the password check rather
/// than being held off.
async fn sign_in_form_token(app: &TestApp, visitor: &Visitor) -> String {
    diesel::delete(tokendesk::db::schema::sign_in_failures::table)
        .execute(&mut app.db.connection())
        .unwrap();
    visitor.get("/login").await.csrf_token()
}

async fn post_raw(visitor: &Visitor, path: &str, body: String) -> Page {
    let request = visitor
        .request(Method::POST, path)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body);
    visitor.send(request).await
}

/// What a hostile JSON body replaces a field with.
fn hostile_json_values(field: &str) -> Vec<Value> {
    let mut values = vec![
        json!("\u{0}"),
        json!("a\u{0}b"),
        json!(long_text()),
        json!(""),
        json!(5),
        json!(-1),
        json!(1e300),
        json!(true),
        json!(null),
        json!([]),
        json!({}),
        json!(["\u{0}"]),
        json!([5]),
    ];
    if field.starts_with("expires") {
        values.extend([
            json!("99999-01-01"),
            json!("+99999-01-01T00:00:00Z"),
            json!("+262143-12-31T23:59:59Z"),
            json!("-262143-01-01T00:00:00Z"),
            json!("2030-02-30T00:00:00Z"),
            json!("9999-12-31T23:59:59.999999999Z"),
        ]);
    }
    values
}

/// The object whose fields a hostile body attacks: the body, or the first element of a
/// body that is an array of objects (a leak report).
fn attacked(body: &mut Value) -> &mut Value {
    if body.is_array() { &mut body[0] } else { body }
}

/// Each hostile JSON body (as sent) for the route whose valid body is `valid`: every
/// field in turn hostile, missing and repeated, and bodies that are not the JSON asked
/// for at all.
fn hostile_json(valid: &Value) -> Vec<(String, Vec<u8>)> {
    let fields: Vec<String> = attacked(&mut valid.clone())
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut bodies: Vec<(String, Vec<u8>)> = [
        ("empty", b"".to_vec()),
        ("truncated", b"{".to_vec()),
        ("an array", b"[]".to_vec()),
        ("an object", b"{}".to_vec()),
        ("null", b"null".to_vec()),
        ("a string", b"\"x\"".to_vec()),
        ("a huge number", b"1e400".to_vec()),
        ("invalid UTF-8", b"{\"name\": \"\xff\xfe\"}".to_vec()),
        ("a lone surrogate", b"{\"name\": \"\\ud800\"}".to_vec()),
        ("NUL outside strings", b"{\"name\"\x00: 1}".to_vec()),
    ]
    .into_iter()
    .map(|(what, body)| (what.to_owned(), body))
    .collect();
    bodies.push((
        "nested 10,000 deep".to_owned(),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
    ));
    for field in &fields {
        for value in hostile_json_values(field) {
            let mut body = valid.clone();
            attacked(&mut body)[field] = value.clone();
            let what = format!("{field}: {:.30}", value.to_string());
            bodies.push((what, body.to_string().into_bytes()));
        }
        let mut missing = valid.clone();
        attacked(&mut missing)
            .as_object_mut()
            .unwrap()
            .remove(field);
        bodies.push((format!("{field} missing"), missing.to_string().into_bytes()));
        let whole = valid.to_string();
        let end = whole.rfind('}').unwrap();
        let repeated = format!("{}, \"{field}\": \"other\"{}", &whole[..end], &whole[end..]);
        bodies.push((format!("{field} repeated"), repeated.into_bytes()));
    }
    bodies
}

/// A valid JSON body for each API route that takes one; `token` is a token to verify
/// or report. A route that takes a body and has none here fails the test.
fn valid_json(method: &Method, routed: &str, token: &str) -> Option<Value> {
    let details = json!({
        "name": "Hostile",
        "description": "Made by a hostile test",
        "scope": "read",
        "modules": ["billing"],
        "expires_at": "2099-01-01T00:00:00Z",
    });
    match (method.as_str(), routed) {
        ("POST", "/api/v1/tokens") | ("PATCH", "/api/v1/tokens/{id}") => Some(details),
        ("POST", "/api/v1/tokens/bulk") => Some(json!({
            "action": "disable",
            "ids": [NEVER_USED_TOKEN],
        })),
        ("POST", "/api/v1/verify") => Some(json!({
            "token": token,
            "module": "billing",
            "access": "read",
            "client_ip": "203.0.113.7",
            "user_agent": "hostile/1.0",
        })),
        ("POST", "/api/v1/leaks") => Some(json!([{
            "token": token,
            "type": "tokendesk_api_token",
            "url": "https://github.com/octo-org/octo-repo/blob/main/.env",
            "source": "content",
        }])),
        ("POST", "/api/v1/tokens/{id}/rotate") => Some(json!({"grace_seconds": 3600})),
        ("PUT", "/api/v1/token-policy") => Some(json!({
            "max_lifetime_days": null,
            "expiry_required": false,
        })),
        // Their bodies are empty, or (introspection) a form: tested apart.
        ("GET" | "DELETE", _) | ("POST", "/api/v1/introspect" | "/api/v1/tokens/{id}/{action}") => {
            None
        }
        (method, unknown) => panic!("no valid JSON body for {method} {unknown}: add one"),
    }
}

/// Over the largest body `routed` takes: 64 KiB for a leak report, else 16 KiB.
fn oversized_for(routed: &str) -> usize {
    if routed == "/api/v1/leaks" {
        65 * 1024
    } else {
        OVERSIZED
    }
}

#[tokio::test]
async fn hostile_json_gets_a_clear_4xx_or_is_accepted_and_oversized_json_gets_413() {
    let app = spawn_app().await;
    let bearer = app.api(&api_admin(&app));
    let service = app.service("hostile-gateway");
    let verified = api_admin(&app);
    let mut operations = tokendesk::api::routed_operations();
    // A token may only tighten the expiry policy, which would then refuse the other
    // routes' valid bodies: last.
    operations.sort_by_key(|(_, path)| path == "/api/v1/token-policy");

    let mut misanswers = Misanswers::default();
    for (method, routed) in operations {
        let method = Method::from_bytes(method.as_str().as_bytes()).unwrap();
        let Some(valid) = valid_json(&method, &routed, &verified) else {
            continue;
        };
        let caller = if routed.ends_with("/verify") || routed.ends_with("/leaks") {
            &service
        } else {
            &bearer
        };
        let send = |path: String, content_type: &'static str, body: Vec<u8>| {
            let request = caller
                .site_request(method.clone(), &path)
                .header(CONTENT_TYPE, content_type)
                .body(body);
            async { Page::from(ApiClient::answer(request).await) }
        };
        for (what, body) in hostile_json(&valid) {
            let path = concrete(&routed, &app.demo_corp_target());
            let page = send(path.clone(), "application/json", body).await;
            misanswers.check(&format!("{method} {path} with {what}"), &page);
        }
        let path = concrete(&routed, &app.demo_corp_target());
        let as_text = send(path.clone(), "text/plain", valid.to_string().into_bytes()).await;
        misanswers.check(&format!("{method} {path} as text/plain"), &as_text);
        let mut oversized = valid.clone();
        attacked(&mut oversized)["padding"] = json!("a".repeat(oversized_for(&routed)));
        let page = send(
            path.clone(),
            "application/json",
            oversized.to_string().into_bytes(),
        )
        .await;
        misanswers.expect(
            &format!("{method} {path}, oversized"),
            &page,
            StatusCode::PAYLOAD_TOO_LARGE,
        );
    }
    misanswers.assert_none();
}

#[tokio::test]
async fn hostile_introspection_forms_get_a_clear_4xx_and_oversized_ones_get_413() {
    let app = spawn_app().await;
    let gateway = app.service("hostile-gateway");
    let valid = [("token", api_admin(&app))];
    let path = "/api/v1/introspect";

    let mut misanswers = Misanswers::default();
    for (what, body) in hostile_forms(&valid) {
        let answer = gateway
            .post_raw("/introspect", "application/x-www-form-urlencoded", body)
            .await;
        misanswers.check(&format!("POST {path} with {what}"), &Page::from(answer));
    }
    let oversized = [("token", "a".repeat(OVERSIZED))];
    let page = Page::from(gateway.post_form("/introspect", &oversized).await);
    misanswers.expect(
        &format!("POST {path}, oversized"),
        &page,
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    misanswers.assert_none();
}

/// `body` as a gzip stream (RFC 1952) around one stored, uncompressed deflate block
/// (RFC 1951): what a client sends with `Content-Encoding: gzip`.
fn gzipped(body: &[u8]) -> Vec<u8> {
    let length = u16::try_from(body.len()).expect("one stored block holds 65,535 bytes");
    let mut stream = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    stream.push(1); // the final block, stored
    stream.extend(length.to_le_bytes());
    stream.extend((!length).to_le_bytes());
    stream.extend(body);
    stream.extend(crc32fast::hash(body).to_le_bytes());
    stream.extend(u32::from(length).to_le_bytes());
    stream
}

#[tokio::test]
async fn a_compressed_body_is_read_as_sent_not_inflated() {
    let app = spawn_app().await;
    let gateway = app.service("hostile-gateway");
    let body = json!({ "token": api_admin(&app) }).to_string();

    let plain = ApiClient::answer(
        gateway
            .site_request(Method::POST, "/api/v1/verify")
            .header(CONTENT_TYPE, "application/json")
            .body(body.clone()),
    )
    .await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);

    // The server inflates no request body (actix-web's compression features are off),
    // so nothing a client sends can grow on the way in: the gzip stream is read as the
    // JSON it is not.
    let compressed = ApiClient::answer(
        gateway
            .site_request(Method::POST, "/api/v1/verify")
            .header(CONTENT_TYPE, "application/json")
            .header("Content-Encoding", "gzip")
            .body(gzipped(body.as_bytes())),
    )
    .await;
    assert_eq!(
        compressed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        compressed.text
    );
}

#[tokio::test]
async fn expiries_past_the_year_9999_are_refused_with_a_message() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let api = app.api(&api_admin(&app));
    let id = app.demo_corp_target();

    let path = format!("/settings/api-tokens/{id}/edit");
    let form = |expires_on| {
        [
            ("csrf_token", csrf.as_str()),
            ("name", "Far off"),
            ("scope", "read"),
            ("modules", "billing"),
            ("expires_on", expires_on),
        ]
    };
    let unsigned = admin.post_form(&path, &form("99999-01-01")).await;
    let signed = admin.post_form(&path, &form("+99999-01-01")).await;
    let mut body = json!({"name": "Far off", "scope": "read", "modules": ["billing"]});
    body["expires_at"] = json!("+99999-01-01T00:00:00Z");
    let created = api.post("/tokens", &body).await;
    let patched = api.patch(&format!("/tokens/{id}"), &body).await;

    assert_eq!(unsigned.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        unsigned.select("[data-field=expires]"),
        ["Enter the date as YYYY-MM-DD."]
    );
    assert_eq!(signed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        signed.select("[data-field=expires]"),
        ["Choose an expiry before the year 10000, or no expiry."]
    );
    for answer in [created, patched] {
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            answer.body["errors"]["expires_at"],
            "Choose an expiry before the year 10000, or no expiry."
        );
    }
}

#[tokio::test]
async fn a_nul_in_a_services_user_agent_does_not_stop_last_access_being_written() {
    let mut app = spawn_app().await;
    let gateway = app.service("gateway");
    let token = app.secret_of(NEVER_USED_TOKEN);

    let verified = gateway
        .post(
            "/verify",
            &json!({"token": token, "client_ip": "203.0.113.9", "user_agent": "bot\u{0}/1\r\n"}),
        )
        .await;
    app.stop();

    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.body["active"], true);
    let (at, agent): (Option<chrono::DateTime<chrono::Utc>>, Option<String>) =
        token_last_access::table
            .find(NEVER_USED_TOKEN)
            .select((token_last_access::at, token_last_access::user_agent))
            .first(&mut app.db.connection())
            .unwrap();
    assert!(at.is_some(), "the shutdown wrote the use");
    assert_eq!(agent.as_deref(), Some("bot/1"));
}

/// Token names that would run or reshape the page if they were not escaped.
const MARKUP_NAMES: [&str; 3] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "invoice\u{202E}fdp.exe",
];

/// Fails unless `page` shows `name` as text (or as a label or a field's value, where
/// that is all it shows) and holds no markup made from it.
fn assert_shown_as_text(what: &str, page: &Page, name: &str) {
    let lower = page.body.to_lowercase();
    assert!(
        !lower.contains("<script>alert") && !lower.contains("<img"),
        "{what}: markup from the name in:\n{}",
        page.body
    );
    assert!(
        page.select("[onerror]").is_empty() && page.select("img").is_empty(),
        "{what}"
    );
    let text = page.html().root_element().text().collect::<String>();
    let mut labels = page.attrs("[aria-label]", "aria-label");
    labels.extend(page.attrs("input[value]", "value"));
    assert!(
        text.contains(name) || labels.iter().any(|label| label.contains(name)),
        "{what}: {name:?} not shown in:\n{}",
        page.body
    );
}

#[tokio::test]
async fn names_that_look_like_markup_are_shown_as_text_everywhere() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    for name in MARKUP_NAMES {
        let token = PortalToken::create(&app, name, "read", &["billing"], "none").await;
        let path = token_path(&token.id);
        let mut shown = vec![
            ("the created dialog", token.created),
            ("the list", admin.get("/settings/api-tokens").await),
            ("the details", admin.get(&path).await),
            (
                "the details tab",
                admin.get_htmx(&format!("{path}?tab=details")).await,
            ),
            ("the menu", admin.get(&format!("{path}/menu")).await),
            (
                "the menu fragment",
                admin.get_htmx(&format!("{path}/menu")).await,
            ),
            ("the edit form", admin.get(&format!("{path}/edit")).await),
            (
                "the disable dialog",
                admin.get_htmx(&format!("{path}/disable")).await,
            ),
            (
                "the delete dialog",
                admin.get(&format!("{path}/delete")).await,
            ),
            (
                "the htmx flash",
                admin.post_htmx(&format!("{path}/disable"), &csrf).await,
            ),
        ];
        let enabled = admin
            .post_form(&format!("{path}/enable"), &[("csrf_token", &csrf)])
            .await;
        assert_eq!(enabled.status, StatusCode::SEE_OTHER, "{name}");
        shown.push(("the flash", admin.get(enabled.location().unwrap()).await));
        shown.push((
            "the audit log",
            admin
                .get(&format!("/settings/audit?token={}", token.id))
                .await,
        ));

        for (what, page) in &shown {
            assert!(page.status.is_success(), "{what}: {}", page.status);
            assert_shown_as_text(what, page, name);
        }
    }
}
