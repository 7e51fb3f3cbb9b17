//! Database outages: while PostgreSQL can't be reached, pages and API calls answer 503
//! with `Retry-After` within seconds, cached tokens keep working, readiness says so
//! within a second and liveness stays up; once it is back everything works again
//! without a restart, and the uses recorded meanwhile are written.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::schema::token_last_access;

use crate::common::forwarder::Forwarder;
use crate::common::{
    ACTIVE_TOKEN, ApiClient, DEMO_ADMIN_LOGIN, NEVER_USED_TOKEN, TestApp, server_address,
    spawn_app_behind,
};
use crate::visitor::{Page, Visitor};

async fn timed<T>(answer: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let answer = answer.await;
    (answer, started.elapsed())
}

async fn get(app: &TestApp, path: &str) -> StatusCode {
    reqwest::get(format!("{}{path}", app.address))
        .await
        .unwrap()
        .status()
}

/// Asks until `ready` holds of the answer, five seconds at most.
async fn within_five_seconds<F, Fut>(what: &str, mut ask: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !ask().await {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what} within 5 s of the database coming back"
        );
        tokio::task::yield_now().await;
    }
}

fn assert_unavailable_page(page: &Page, took: Duration) {
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(page.header("retry-after"), Some("5"));
    assert!(
        page.body.contains("Temporarily unavailable"),
        "{}",
        page.body
    );
    assert!(page.body.contains("</html>"), "a finished page");
}

#[tokio::test]
async fn while_the_database_is_away_everything_answers_503_fast_and_recovers_after() {
    let forwarder = Forwarder::start(&server_address());
    let app = spawn_app_behind(&forwarder).await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let cached = app.api(&app.secret_of(ACTIVE_TOKEN));
    assert_eq!(cached.whoami().await.status, StatusCode::OK);
    let uncached = app.api(&app.secret_of(NEVER_USED_TOKEN));

    forwarder.cut();

    let (list, took) = timed(admin.get("/settings/api-tokens")).await;
    assert_unavailable_page(&list, took);
    let (detail, took) = timed(admin.get(&format!("/settings/api-tokens/{ACTIVE_TOKEN}"))).await;
    assert_unavailable_page(&detail, took);
    let (api, took) = timed(uncached.whoami()).await;
    assert_eq!(
        api.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        api.body
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(api.header("content-type"), Some("application/problem+json"));
    assert_eq!(api.header("retry-after"), Some("5"));
    let (ready, took) = timed(get(&app, "/readyz")).await;
    assert_eq!(ready, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(get(&app, "/healthz").await, StatusCode::OK);
    let during = cached.whoami().await;
    assert_eq!(
        during.status,
        StatusCode::OK,
        "a cached token keeps working"
    );

    forwarder.restore();

    within_five_seconds("the list", || async {
        admin.get("/settings/api-tokens").await.status == StatusCode::OK
    })
    .await;
    within_five_seconds("whoami", || async {
        uncached.whoami().await.status == StatusCode::OK
    })
    .await;
    assert_eq!(get(&app, "/readyz").await, StatusCode::OK);
    // The use the cached token made during the outage is written after it.
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let next_write = app.access_stats.written.notified();
            let used: Option<chrono::DateTime<chrono::Utc>> = token_last_access::table
                .find(ACTIVE_TOKEN)
                .select(token_last_access::at)
                .first(&mut app.db.connection())
                .unwrap();
            if used.is_some_and(|at| at >= chrono::Utc::now() - chrono::Duration::seconds(30)) {
                return;
            }
            next_write.await;
        }
    })
    .await
    .expect("the outage's uses were written once it ended");
}

#[tokio::test]
async fn connections_ended_by_postgresql_cost_no_request_a_500() {
    let forwarder = Forwarder::start(&server_address());
    let app = spawn_app_behind(&forwarder).await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let api = ApiClient::new(&app.address, &app.secret_of(NEVER_USED_TOKEN));
    assert_eq!(
        admin.get("/settings/api-tokens").await.status,
        StatusCode::OK
    );

    let terminated: Vec<bool> = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    ))
    .load(&mut app.db.connection())
    .unwrap();
    assert!(!terminated.is_empty(), "the app's connections were ended");

    for _ in 0..5 {
        let page = admin.get("/settings/api-tokens").await;
        let call = api.whoami().await;
        for status in [page.status, call.status] {
            assert!(
                status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
                "{status}: {}",
                page.body
            );
        }
    }
    within_five_seconds("the list", || async {
        admin.get("/settings/api-tokens").await.status == StatusCode::OK
    })
    .await;
}
