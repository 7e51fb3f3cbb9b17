//! Request ids: every response carries `X-Request-Id`, pages, API calls, static files
//! and 404s alike; the id a trusted proxy sent is kept when it is sane, and replaced
//! when it comes from anyone else or is too long or holds spaces, tabs or non-ASCII.

use reqwest::StatusCode;
use reqwest::header::HeaderValue;

use crate::common::{TestApp, spawn_app, spawn_app_behind_a_proxy};
use crate::visitor::Visitor;

/// An id the app made: 128 random bits in hex.
fn is_generated(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The `X-Request-Id` answered to `GET /login` sent with `sent` as its own.
async fn id_answered_to(app: &TestApp, sent: HeaderValue) -> String {
    let response = reqwest::Client::new()
        .get(format!("{}/login", app.address))
        .header("x-request-id", sent)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn pages_api_calls_static_files_and_404s_each_carry_an_id_of_their_own() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let page = visitor.get("/login").await;
    let file = visitor.get("/static/app.css").await;
    let missing = visitor.get("/no/such/page").await;
    let refused = app.api("tdk_not-a-token").whoami().await;

    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let mut ids: Vec<String> = [
        ("page", page.header("x-request-id")),
        ("static file", file.header("x-request-id")),
        ("404", missing.header("x-request-id")),
        ("API refusal", refused.header("x-request-id")),
    ]
    .into_iter()
    .map(|(what, id)| {
        let id = id.unwrap_or_else(|| panic!("the {what} carries no X-Request-Id"));
        assert!(is_generated(id), "{what}: {id}");
        id.to_owned()
    })
    .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each response has its own id");
}

#[tokio::test]
async fn a_trusted_proxys_sane_id_is_kept_and_a_hostile_one_replaced() {
    let app = spawn_app_behind_a_proxy().await;
    let longest = "a".repeat(128);

    for kept in ["edge-7f3a:42/1", longest.as_str()] {
        let answered = id_answered_to(&app, HeaderValue::from_str(kept).unwrap()).await;
        assert_eq!(answered, kept);
    }
    let too_long = "a".repeat(129);
    for hostile in [
        too_long.as_bytes(),
        b"with\ttab",
        b"two words",
        "caf\u{e9}".as_bytes(),
    ] {
        let answered = id_answered_to(&app, HeaderValue::from_bytes(hostile).unwrap()).await;
        assert!(is_generated(&answered), "{hostile:?} became {answered}");
    }
}

#[tokio::test]
async fn an_untrusted_clients_id_is_replaced() {
    let app = spawn_app().await;

    let answered = id_answered_to(&app, HeaderValue::from_static("edge-7f3a:42/1")).await;

    assert!(is_generated(&answered), "{answered}");
}
