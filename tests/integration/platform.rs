//! Health probes, static files, security headers and unknown routes.

use reqwest::StatusCode;

use crate::common::spawn_app;
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
async fn the_root_leads_to_the_tokens_page() {
    let app = spawn_app().await;

    let page = Visitor::new(&app).get("/").await;

    assert_eq!(page.location(), Some("/settings/api-tokens"));
}
