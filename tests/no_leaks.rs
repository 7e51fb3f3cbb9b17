//! Secrets never leak. Every log line of every target is captured at TRACE while tokens
//! and service credentials are created, revealed, used, refused and reported through
//! the portal, the bearer API, verify, introspection and leak reports; then no token
//! secret, service secret, password, session cookie or CSRF token may appear in a log
//! line, in a URL the app was asked for or pointed to (`Location` and htmx redirect
//! headers, links and form targets), or in the audit log. A test binary of its own: the
//! subscriber it installs hears the whole process, and so this test's app and nothing
//! else.

#![allow(
    clippy::unwrap_used,
    reason = "a test helper that unwraps is a failing assertion"
)]

#[path = "common/mod.rs"]
mod common;
#[path = "integration/visitor.rs"]
#[allow(dead_code, reason = "this test uses part of the visitor")]
mod visitor;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Text;
use rand::distr::{Alphanumeric, SampleString};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, SET_COOKIE};
use serde_json::json;
use tokendesk::db::schema::audit_events;
use tokendesk::domain::secret::VISIBLE_PREFIX_LEN;
use tokendesk::domain::{ServiceSecret, TokenSecret};
use tracing_subscriber::fmt::format::FmtSpan;

use common::{
    ACTIVE_TOKEN, ApiClient, ApiResponse, BILLING_WRITE_TOKEN, Captured, DEMO_ADMIN_LOGIN,
    DEMO_MEMBER_LOGIN, DISABLED_TOKEN, SUPPORT_LOGIN, TestApp, spawn_app, token_path,
};
use visitor::{Page, Visitor};

impl Captured {
    /// Installs the subscriber for the whole process: every level, every target (`log`
    /// records too), and each span's opening and closing with all its fields, those
    /// recorded late (a failed request's error) included. Only the HTML parser this
    /// test reads pages with, and the test client's cookie jar, are left out: they are
    /// no part of the app, and they trace the pages and cookies they are handed.
    fn everything() -> Self {
        let captured = Self::default();
        tracing_subscriber::fmt()
            .with_env_filter(
                "trace,html5ever=off,markup5ever=off,selectors=off,scraper=off,cookie_store=off",
            )
            .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(captured.clone())
            .try_init()
            .expect("the only subscriber in this test binary");
        captured
    }
}

/// The secrets seen so far, and every URL the app pointed to.
#[derive(Default)]
struct Watch {
    /// What each secret is, and its value.
    secrets: Vec<(String, String)>,
    urls: Vec<String>,
}

/// The page attributes that hold a URL.
const URL_ATTRIBUTES: [&str; 7] = [
    "href",
    "action",
    "src",
    "hx-get",
    "hx-post",
    "hx-push-url",
    "data-copy-url",
];

/// The response headers that hold a URL.
const URL_HEADERS: [&str; 4] = ["location", "hx-redirect", "hx-location", "hx-push-url"];

impl Watch {
    fn secret(&mut self, what: &str, value: &str) -> String {
        assert!(!value.is_empty(), "an empty {what}");
        if !self.secrets.iter().any(|(_, seen)| seen == value) {
            self.secrets.push((what.to_owned(), value.to_owned()));
        }
        value.to_owned()
    }

    /// Takes note of every page `visitor` received: its URLs, its cookies, its CSRF
    /// tokens and any token value it showed.
    fn visitor(&mut self, visitor: &Visitor) {
        for page in visitor.transcript() {
            self.headers(&page.headers);
            for attribute in URL_ATTRIBUTES {
                let urls = page.attrs(&format!("[{attribute}]"), attribute);
                self.urls.extend(urls);
            }
            let meta = page.attrs("meta[name=csrf-token]", "content");
            for csrf in meta
                .iter()
                .chain(&page.attrs("input[name=csrf_token]", "value"))
            {
                self.secret("CSRF token", csrf);
            }
            for shown in page.texts("new-token-secret") {
                self.secret("token secret shown once", &shown);
            }
            for shown in page.texts("token-secret") {
                if TokenSecret::parse(&shown).is_ok() {
                    self.secret("revealed token secret", &shown);
                }
            }
        }
    }

    /// Takes note of an API answer's URLs and cookies.
    fn api(&mut self, response: ApiResponse) -> ApiResponse {
        self.headers(&response.headers);
        response
    }

    fn headers(&mut self, headers: &HeaderMap) {
        for cookie in headers.get_all(SET_COOKIE) {
            let cookie = cookie.to_str().unwrap();
            let (_, value) = cookie.split(';').next().unwrap().split_once('=').unwrap();
            if !value.is_empty() {
                self.secret("session cookie", value);
            }
        }
        for name in URL_HEADERS {
            let values = headers.get_all(name).iter();
            self.urls
                .extend(values.map(|value| value.to_str().unwrap().to_owned()));
        }
    }

    /// Each secret that shows in `text` (a line of `place`).
    fn leaks_in(&self, place: &str, text: &str) -> Vec<String> {
        let mut found: Vec<String> = self
            .secrets
            .iter()
            .filter(|(_, value)| text.contains(value.as_str()))
            .map(|(what, _)| format!("{what} in {place}: {text}"))
            .collect();
        if let Some(secret) = full_secret_in(text) {
            found.push(format!("a whole secret {secret}… in {place}: {text}"));
        }
        found
    }
}

/// The start of a `tdk_` or `tds_` secret in `text` that shows more than the visible
/// prefix lists may show, even one this test never saw (a demo token's, say).
fn full_secret_in(text: &str) -> Option<&str> {
    ["tdk_", "tds_"].iter().find_map(|prefix| {
        text.match_indices(prefix).find_map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let body = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
            (prefix.len() + body > VISIBLE_PREFIX_LEN).then(|| &text[at..at + VISIBLE_PREFIX_LEN])
        })
    })
}

/// A visitor, recording what it receives, signed in (or refused) as `(email,
/// password)`; the password is never to show anywhere.
async fn sign_in(
    app: &TestApp,
    watch: &mut Watch,
    (email, password): (&str, &str),
) -> (Visitor, Page) {
    watch.secret(&format!("{email}'s password"), password);
    let visitor = Visitor::recording(app);
    let page = visitor.sign_in(email, password, None).await;
    (visitor, page)
}

/// `POST /api/v1/introspect` of `token`, authenticated with `authorization`.
async fn introspect(gateway: &ApiClient, token: &str) -> StatusCode {
    gateway
        .post_form("/introspect", &[("token", token.to_owned())])
        .await
        .status
}

#[tokio::test]
async fn no_secret_reaches_a_log_line_a_url_or_the_audit_log() {
    let log = Captured::everything();
    let mut app = spawn_app().await;
    let mut watch = Watch::default();

    // An admin mistypes their password, signs in, creates a token, reveals two, disables
    // and enables one, searches for a secret, opens a token that does not exist, sends a
    // stale form, signs out.
    let noise = Alphanumeric.sample_string(&mut rand::rng(), 12);
    let mistyped = format!("{}-{noise}", DEMO_ADMIN_LOGIN.1);
    let (mistaken, refused) = sign_in(&app, &mut watch, (DEMO_ADMIN_LOGIN.0, &mistyped)).await;
    assert_eq!(refused.status, StatusCode::OK, "a wrong password");
    watch.visitor(&mistaken);
    let (admin, signed_in) = sign_in(&app, &mut watch, DEMO_ADMIN_LOGIN).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    let csrf = admin.csrf_token().await;
    admin.get("/settings/api-tokens/new").await;
    let form = [
        ("csrf_token", csrf.as_str()),
        ("name", "Leak check"),
        ("scope", "write"),
        ("modules", "tokens"),
        ("expires_in", "none"),
    ];
    let created = admin.post_form("/settings/api-tokens", &form).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let portal_token = app.api(&created.text("new-token-secret"));
    let active_path = token_path(ACTIVE_TOKEN);
    let revealed = admin
        .post_reveal(&format!("{active_path}/secret"), &csrf)
        .await;
    assert_eq!(revealed.status, StatusCode::OK);
    let active = watch.secret("revealed token secret", &revealed.body);
    let billing_path = token_path(BILLING_WRITE_TOKEN);
    let csrf_field = [("csrf_token", csrf.as_str())];
    let shown = admin
        .post_form(&format!("{billing_path}/secret"), &csrf_field)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    let whoami = watch.api(portal_token.whoami().await);
    assert_eq!(whoami.status, StatusCode::OK);
    let portal_token_path = token_path(whoami.body["token_id"].as_str().unwrap());
    admin.get(&portal_token_path).await;
    admin.get(&format!("{portal_token_path}/disable")).await;
    let disabled = admin
        .post_form(&format!("{portal_token_path}/disable"), &csrf_field)
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    let refused = watch.api(portal_token.whoami().await);
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "disabled");
    let enabled = admin
        .post_htmx(&format!("{portal_token_path}/enable"), &csrf)
        .await;
    assert_eq!(enabled.status, StatusCode::OK);
    // The admin pastes a revealed secret into the search box, and exports that search.
    let pasted = format!("/settings/api-tokens?q={active}");
    assert_eq!(admin.get(&pasted).await.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get_htmx(&pasted).await.status, StatusCode::OK);
    let export = admin
        .get(&format!("/settings/api-tokens/export.csv?q={active}"))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let missing = admin.get(&token_path("TK-9999-9999-9999")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let stale = [("csrf_token", "not-this-sessions-token")];
    let stale = admin
        .post_form(&format!("{active_path}/disable"), &stale)
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    let out = admin.post_form("/logout", &csrf_field).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    watch.visitor(&admin);

    // A member without API Access, and support staff trying to reveal a value.
    let (member, _) = sign_in(&app, &mut watch, DEMO_MEMBER_LOGIN).await;
    let no_access = member.get("/settings/api-tokens").await;
    assert_eq!(no_access.status, StatusCode::FORBIDDEN);
    watch.visitor(&member);
    let (support, _) = sign_in(&app, &mut watch, SUPPORT_LOGIN).await;
    let support_csrf = support.csrf_token().await;
    let support_csrf = [("csrf_token", support_csrf.as_str())];
    let read_only = support
        .post_form(&format!("{active_path}/secret"), &support_csrf)
        .await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN);
    watch.visitor(&support);

    // The API: tokens used, a token created by a token, tokens refused.
    assert_eq!(
        watch.api(app.api(&active).whoami().await).status,
        StatusCode::OK
    );
    let asked = json!({"name": "Made by a token", "scope": "read", "modules": ["tokens"]});
    let made = watch.api(portal_token.post("/tokens", &asked).await);
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let made = watch.secret(
        "token secret created through the API",
        made.body["secret"].as_str().unwrap(),
    );
    assert_eq!(
        watch.api(app.api(&made).whoami().await).status,
        StatusCode::OK
    );
    let beyond = watch.api(app.api(&active).get("/tokens").await);
    assert_eq!(beyond.status, StatusCode::FORBIDDEN, "no Tokens module");
    let disabled = watch.secret("disabled token secret", &app.secret_of(DISABLED_TOKEN));
    let unknown = watch.secret("unknown token secret", TokenSecret::generate().expose());
    let mut mistyped = TokenSecret::generate().expose().to_owned();
    let last = if mistyped.ends_with('A') { "B" } else { "A" };
    mistyped.replace_range(mistyped.len() - 1.., last);
    let mistyped = watch.secret("token secret with a bad checksum", &mistyped);
    for refused in [&disabled, &unknown, &mistyped] {
        let answer = watch.api(app.api(refused).whoami().await);
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }

    // Services: verify and introspect, with good and bad credentials.
    let service = watch.secret("service secret", &app.add_service("leak-check"));
    let gateway = app.api(&service);
    for token in [&active, &disabled, &unknown, &mistyped] {
        let asked = json!({"token": token, "module": "catalog", "client_ip": "203.0.113.7"});
        assert_eq!(
            watch.api(gateway.post("/verify", &asked).await).status,
            StatusCode::OK
        );
    }
    // A gateway that maps the token into the wrong field: a 400 that names the value.
    let misplaced = json!({"token": active, "module": active});
    assert_eq!(
        watch.api(gateway.post("/verify", &misplaced).await).status,
        StatusCode::BAD_REQUEST
    );
    let basic = ApiClient::basic(&app.address, "leak-check", &service);
    assert_eq!(introspect(&basic, &active).await, StatusCode::OK);
    assert_eq!(introspect(&basic, &disabled).await, StatusCode::OK);
    let stranger = watch.secret(
        "unregistered service secret",
        ServiceSecret::generate().expose(),
    );
    assert_eq!(
        introspect(&app.api(&stranger), &active).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        introspect(&app.api(&active), &active).await,
        StatusCode::UNAUTHORIZED
    );
    let misnamed = ApiClient::basic(&app.address, "someone-else", &service);
    assert_eq!(
        introspect(&misnamed, &active).await,
        StatusCode::UNAUTHORIZED
    );
    let as_token = watch.api(app.api(&service).whoami().await);
    assert_eq!(
        as_token.status,
        StatusCode::UNAUTHORIZED,
        "a service secret is no token"
    );
    let no_service = watch.api(
        ApiClient::new(&app.address, &stranger)
            .post("/verify", &json!({"token": active}))
            .await,
    );
    assert_eq!(no_service.status, StatusCode::UNAUTHORIZED);

    // A secret scanner reports tokens found in public: the one made through the API
    // (disabled now), an unknown one and a mistyped one; a token can't report.
    let found = |token: &str| {
        json!({"token": token, "type": "tokendesk_api_token", "source": "content",
               "url": "https://github.com/octo-org/octo-repo/blob/main/.env"})
    };
    let report = json!([found(&made), found(&unknown), found(&mistyped)]);
    let labelled = watch.api(gateway.post("/leaks", &report).await);
    assert_eq!(labelled.status, StatusCode::OK, "{:?}", labelled.body);
    assert_eq!(labelled.body[0]["label"], "true_positive");
    let bare = watch.api(gateway.post("/leaks", &json!([made, unknown])).await);
    assert_eq!(bare.status, StatusCode::BAD_REQUEST, "secrets sent bare");
    let bare_verify = watch.api(gateway.post("/verify", &json!(active)).await);
    assert_eq!(
        bare_verify.status,
        StatusCode::BAD_REQUEST,
        "a secret sent bare to verify"
    );
    let not_a_service = watch.api(app.api(&active).post("/leaks", &report).await);
    assert_eq!(not_a_service.status, StatusCode::UNAUTHORIZED);

    // Everything written: requests finished, last access flushed, the server stopped.
    app.stop();
    let audit: Vec<String> = audit_events::table
        .select(sql::<Text>("row_to_json(audit_events)::text"))
        .load(&mut app.db.connection())
        .unwrap();
    let lines = log.lines();
    assert!(
        audit.iter().any(|entry| entry.contains("token.reveal")),
        "the reveals are audited: {audit:#?}"
    );
    assert!(
        lines.iter().any(|line| line.contains("TRACE"))
            && lines.iter().any(|line| line.contains("/api/v1/verify")),
        "the log was captured at TRACE, requests included"
    );
    let leaks: Vec<String> = lines
        .iter()
        .flat_map(|line| watch.leaks_in("the log", line))
        .chain(
            watch
                .urls
                .iter()
                .flat_map(|url| watch.leaks_in("a URL", url)),
        )
        .chain(
            audit
                .iter()
                .flat_map(|entry| watch.leaks_in("the audit log", entry)),
        )
        .collect();
    assert!(
        leaks.is_empty(),
        "{} leaks, of {} secrets watched over {} log lines, {} URLs and {} audit entries:\n{}",
        leaks.len(),
        watch.secrets.len(),
        lines.len(),
        watch.urls.len(),
        audit.len(),
        leaks.join("\n")
    );
}
