//! The OpenAPI document is served and matches the routes both ways: every documented
//! operation is routed, and every route in `src/api` is documented.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::{ACTIVE_TOKEN, ApiClient, spawn_app};

/// `(METHOD, /path)` of every `.route(...)` in the API's source, with `{id}`-style
/// parameters and `{action}` expanded as the handlers accept them.
fn routed_operations() -> BTreeSet<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut found = BTreeSet::new();
    for file in ["mod.rs", "tokens/mod.rs"] {
        let source = std::fs::read_to_string(root.join(file)).unwrap();
        for part in source.split(".route(\"").skip(1) {
            let path = part.split('"').next().unwrap();
            let method = part
                .split("web::")
                .nth(1)
                .unwrap()
                .split("()")
                .next()
                .unwrap()
                .to_uppercase();
            let paths: Vec<String> = if path.contains("{action}") {
                ["enable", "disable"]
                    .iter()
                    .map(|a| path.replace("{action}", a))
                    .collect()
            } else {
                vec![path.to_owned()]
            };
            found.extend(paths.into_iter().map(|p| (method.clone(), p)));
        }
    }
    found
}

fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["get", "post", "patch", "delete", "put"] {
            if item.get(method).is_some() {
                found.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

#[tokio::test]
async fn the_document_is_served_and_matches_the_routes_both_ways() {
    let app = spawn_app().await;
    let api = ApiClient::anonymous(&app.address);
    let response = api.get("/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let document = response.body;
    assert_eq!(document["openapi"], "3.1.0");

    let documented = documented_operations(&document);
    assert_eq!(
        documented,
        routed_operations(),
        "docs/openapi.json and the routes in src/api differ"
    );

    for (method, path) in &documented {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let concrete = path.replace("{id}", ACTIVE_TOKEN);
        let status = api.send(method.clone(), &concrete, None).await.status;
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is documented but not routed ({status})"
        );
    }
}
