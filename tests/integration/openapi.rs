//! The OpenAPI document is derived from the handlers, served, and matches the routes
//! both ways: the operations in the served document are the routes the API's scope was
//! given (`tokendesk::api::routed_operations`), the router answers each of them and no
//! other method on their paths, every `$ref` resolves, and `docs/openapi.json` is a
//! copy of the derived document.
//!
//! After changing the API, rewrite the copy with
//! `TOKENDESK_WRITE_OPENAPI=1 cargo test --test integration openapi`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::spawn_app;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// `(METHOD, full path)` of each operation in `document`, as the router sees it.
fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    let servers = document["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1, "one server, the API's prefix");
    let prefix = servers[0]["url"].as_str().unwrap();
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method.to_lowercase()).is_some() {
                found.insert((method.to_owned(), format!("{prefix}{path}")));
            }
        }
    }
    found
}

/// The paths to request for `path`: each `{name}` filled with an example, or with
/// each value its path parameter's schema allows.
fn concrete_paths(path: &str, operation: &Value) -> Vec<String> {
    let mut paths = vec![path.to_owned()];
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] != "path" {
            continue;
        }
        let name = parameter["name"].as_str().unwrap();
        let values: Vec<String> = match parameter["schema"]["enum"].as_array() {
            Some(values) => values
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect(),
            None => vec![parameter["example"].as_str().unwrap().to_owned()],
        };
        paths = paths
            .iter()
            .flat_map(|p| {
                values
                    .iter()
                    .map(move |v| p.replace(&format!("{{{name}}}"), v))
            })
            .collect();
    }
    assert!(
        paths.iter().all(|p| !p.contains('{')),
        "{path} has a path parameter that is not documented"
    );
    paths
}

async fn served_document(address: &str) -> Value {
    let response = reqwest::get(format!("{address}/api/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_served_document_is_the_derived_one_and_matches_the_routes_both_ways() {
    let app = spawn_app().await;
    let document = served_document(&app.address).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(
        document,
        serde_json::to_value(tokendesk::api::openapi()).unwrap(),
        "the served document is the one derived from the handlers"
    );

    let routed: BTreeSet<(String, String)> = tokendesk::api::routed_operations()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .collect();
    assert!(routed.contains(&("GET".to_owned(), "/api/v1/whoami".to_owned())));
    assert_eq!(
        documented_operations(&document),
        routed,
        "the served document and the routes given to the router differ"
    );

    // The router itself: each documented operation is answered (without a token, so
    // by the handler's 401 or 400, not by the router's 404 or 405), and every other
    // method on the same path is not.
    let client = reqwest::Client::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        // Where an undocumented method finds the path's parameters.
        let with_parameters = item
            .as_object()
            .unwrap()
            .values()
            .find(|operation| operation.get("parameters").is_some())
            .unwrap_or(&Value::Null);
        for method in METHODS {
            let operation = &item[method.to_lowercase()];
            let documented = !operation.is_null();
            let parameters = if documented {
                operation
            } else {
                with_parameters
            };
            for concrete in concrete_paths(path, parameters) {
                let status = client
                    .request(
                        Method::from_bytes(method.as_bytes()).unwrap(),
                        format!("{}/api/v1{concrete}", app.address),
                    )
                    .send()
                    .await
                    .unwrap()
                    .status();
                let unrouted =
                    status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED;
                assert_eq!(
                    unrouted,
                    !documented,
                    "{method} {concrete} answers {status}, but is {}documented",
                    if documented { "" } else { "not " }
                );
            }
        }
    }
}

/// Every `"$ref"` in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    let document = serde_json::to_value(tokendesk::api::openapi()).unwrap();
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{reference} is not local"));
        assert!(
            document.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
    let schemes = &document["components"]["securitySchemes"];
    for requirement in document["security"].as_array().unwrap() {
        for scheme in requirement.as_object().unwrap().keys() {
            assert!(schemes.get(scheme).is_some(), "no security scheme {scheme}");
        }
    }
}

#[test]
fn docs_openapi_json_is_the_derived_document() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    let derived = serde_json::to_string_pretty(&tokendesk::api::openapi()).unwrap() + "\n";
    if std::env::var_os("TOKENDESK_WRITE_OPENAPI").is_some() {
        std::fs::write(&path, &derived).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap();
    assert!(
        kept == derived,
        "docs/openapi.json is not the document the handlers make: rewrite it with \
         TOKENDESK_WRITE_OPENAPI=1 cargo test --test integration openapi"
    );
}
