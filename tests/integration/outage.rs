//! Database outages: while PostgreSQL can't be reached, pages, forms and API calls
//! answer 503 with `Retry-After` within seconds, cached tokens keep working until their
//! cache time ends, readiness says so within a second and liveness stays up; once it is
//! back everything works again without a restart, the change listener reconnects and
//! drops the whole cache (it may have missed changes), and the uses recorded meanwhile
//! are written. The same when PostgreSQL ends the server's connections. (What the log
//! says meanwhile is `tests/outage_log.rs`'s.)

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::app::AppOptions;
use tokendesk::db::schema::{api_tokens, token_last_access};
use tokendesk::domain::TokenStatus;

use crate::common::forwarder::Forwarder;
use crate::common::{
    ACTIVE_TOKEN, ApiClient, ApiResponse, DEMO_ADMIN_LOGIN, NEVER_USED_TOKEN, TestApp,
    USAGE_WRITE_TOKEN, invalidated_after, invalidated_within, server_address, spawn_app,
    spawn_app_behind, spawn_app_behind_with, spawn_app_with, token_path,
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

fn assert_unavailable_call(call: &ApiResponse, took: Duration) {
    assert_eq!(
        call.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        call.body
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(
        call.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(call.header("retry-after"), Some("5"));
}

/// When `token` was last used, as written in the database.
fn last_access(app: &TestApp, token: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    token_last_access::table
        .find(token)
        .select(token_last_access::at)
        .first(&mut app.db.connection())
        .unwrap()
}

/// Waits (5 s at most, one write at a time) until a use of `token` since `since` is
/// written.
async fn written_after(app: &TestApp, token: &str, since: chrono::DateTime<chrono::Utc>) {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let next_write = app.access_stats.written.notified();
            if last_access(app, token).is_some_and(|at| at >= since) {
                return;
            }
            next_write.await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("a use of {token} since {since} was written"));
}

#[tokio::test]
async fn while_the_database_is_away_everything_answers_503_fast_and_recovers_after() {
    let forwarder = Forwarder::start(&server_address());
    let app = spawn_app_behind(&forwarder).await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let cached = app.api(&app.secret_of(ACTIVE_TOKEN));
    assert_eq!(cached.whoami().await.status, StatusCode::OK);
    let uncached = app.api(&app.secret_of(NEVER_USED_TOKEN));
    // Someone about to sign in: the sign-in page (and its cookie) came before the cut.
    let arriving = Visitor::new(&app);
    let login_csrf = arriving.get("/login").await.csrf_token();
    let outage_began = chrono::Utc::now();

    forwarder.cut();

    let disable = format!("{}/disable", token_path(USAGE_WRITE_TOKEN));
    let disable_form = [("csrf_token", csrf.as_str())];
    let login_form = [
        ("email", DEMO_ADMIN_LOGIN.0),
        ("password", DEMO_ADMIN_LOGIN.1),
        ("csrf_token", login_csrf.as_str()),
        ("next", ""),
    ];
    let detail = token_path(ACTIVE_TOKEN);
    let (pages, forms, (api, ready)) = tokio::join!(
        async {
            tokio::join!(
                timed(admin.get("/settings/api-tokens")),
                timed(admin.get(&detail)),
                timed(admin.get("/settings/audit")),
                timed(admin.get("/settings/sessions")),
            )
        },
        async {
            tokio::join!(
                timed(admin.post_form(&disable, &disable_form)),
                timed(arriving.post_form("/login", &login_form)),
            )
        },
        async { tokio::join!(timed(uncached.whoami()), timed(get(&app, "/readyz"))) },
    );
    for (page, took) in [pages.0, pages.1, pages.2, pages.3, forms.0, forms.1] {
        assert_unavailable_page(&page, took);
    }
    assert_unavailable_call(&api.0, api.1);
    assert_eq!(ready.0, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.1 < Duration::from_secs(1), "{:?}", ready.1);
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
    written_after(&app, ACTIVE_TOKEN, outage_began).await;
    // Nothing the forms asked for was done: the token is still active, and signing in
    // works as before.
    let status: String = api_tokens::table
        .find(USAGE_WRITE_TOKEN)
        .select(api_tokens::status)
        .first(&mut app.db.connection())
        .unwrap();
    assert_eq!(status, "active");
    let signed_in = arriving
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
}

#[tokio::test]
async fn a_cached_token_keeps_working_while_cut_only_until_its_cache_time_ends() {
    const CACHED_FOR: Duration = Duration::from_secs(3);
    let forwarder = Forwarder::start(&server_address());
    let app = spawn_app_behind_with(
        &forwarder,
        AppOptions {
            token_cache_time_to_live: CACHED_FOR,
            ..AppOptions::default()
        },
    )
    .await;
    let api = app.api(&app.secret_of(ACTIVE_TOKEN));
    invalidated_after(&app.cache, 0).await; // the listener's start-up clear is behind us
    let caching = Instant::now();
    assert_eq!(api.whoami().await.status, StatusCode::OK);
    let cached = Instant::now();

    forwarder.cut();

    let first = api.whoami().await;
    assert!(cached.elapsed() < CACHED_FOR, "asked within the cache time");
    assert_eq!(first.status, StatusCode::OK, "served from the cache");
    let refused = loop {
        let asked = Instant::now();
        let (call, took) = timed(api.whoami()).await;
        if call.status != StatusCode::OK {
            assert_unavailable_call(&call, took);
            break asked;
        }
        assert!(
            cached.elapsed() < CACHED_FOR + Duration::from_secs(1),
            "still served from the cache {:?} after it was cached for {CACHED_FOR:?}",
            cached.elapsed()
        );
    };
    assert!(
        refused.duration_since(caching) >= CACHED_FOR,
        "refused only when asked after the cache time had ended"
    );
}

#[tokio::test]
async fn after_a_cut_the_listener_reconnects_and_drops_the_whole_cache() {
    let forwarder = Forwarder::start(&server_address());
    let app = spawn_app_behind(&forwarder).await;
    let api = app.api(&app.secret_of(USAGE_WRITE_TOKEN));
    invalidated_after(&app.cache, 0).await; // the listener's start-up clear is behind us
    assert_eq!(api.whoami().await.body["name"], "Usage reporter");
    let seen = app.cache.invalidations();

    forwarder.cut();
    // Changed while the listener can't hear of it: straight in the database (not
    // through the forwarder), as another instance or an operator would.
    diesel::update(api_tokens::table.find(USAGE_WRITE_TOKEN))
        .set(api_tokens::name.eq("Renamed during the outage"))
        .execute(&mut app.db.connection())
        .unwrap();
    assert_eq!(
        api.whoami().await.body["name"],
        "Usage reporter",
        "served from the cache meanwhile"
    );
    forwarder.restore();

    invalidated_within(&app.cache, seen, Duration::from_secs(5)).await;
    // Well within the cache's 30 s: only the dropped cache explains a fresh read.
    assert_eq!(api.whoami().await.body["name"], "Renamed during the outage");
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
    let seen = app.cache.invalidations();

    let ended_at = chrono::Utc::now();
    let terminated: Vec<bool> = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    ))
    .load(&mut app.db.connection())
    .unwrap();
    assert!(!terminated.is_empty(), "the app's connections were ended");

    for _ in 0..5 {
        let (page, page_took) = timed(admin.get("/settings/api-tokens")).await;
        let (call, call_took) = timed(api.whoami()).await;
        let (ready, ready_took) = timed(get(&app, "/readyz")).await;
        for status in [page.status, call.status, ready] {
            assert!(
                status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
                "{status}: {}",
                page.body
            );
        }
        assert!(page_took < Duration::from_secs(3), "{page_took:?}");
        assert!(call_took < Duration::from_secs(3), "{call_took:?}");
        assert!(ready_took < Duration::from_secs(1), "{ready_took:?}");
    }
    within_five_seconds("the list", || async {
        admin.get("/settings/api-tokens").await.status == StatusCode::OK
    })
    .await;
    assert_eq!(api.whoami().await.status, StatusCode::OK);
    assert_eq!(get(&app, "/readyz").await, StatusCode::OK);
    // The listener's connection was ended too: it reconnected and dropped the cache.
    invalidated_within(&app.cache, seen, Duration::from_secs(5)).await;
    // The calls made since the connections were ended are written.
    written_after(&app, NEVER_USED_TOKEN, ended_at).await;
}

#[tokio::test]
async fn a_statement_past_its_timeout_answers_503_and_is_no_outage() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let api = crate::visitor::PortalToken::create(&app, "Reader", "read", &["tokens"], "none")
        .await
        .api;
    assert_eq!(api.get("/tokens").await.status, StatusCode::OK);
    // Held until the server's statements give up (5 s): too slow, not away.
    let mut locker = app.db.connection();
    locker
        .batch_execute("BEGIN; LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE")
        .unwrap();

    let (page, call) = tokio::join!(admin.get("/settings/api-tokens"), api.get("/tokens"));
    let ready = get(&app, "/readyz").await;
    locker.batch_execute("ROLLBACK").unwrap();

    assert_eq!(
        (page.status, page.header("retry-after")),
        (StatusCode::SERVICE_UNAVAILABLE, Some("5")),
        "{}",
        page.body
    );
    assert_eq!(
        page.select("[data-testid=unavailable] h1"),
        ["Temporarily unavailable"]
    );
    assert!(page.body.contains("too busy to answer"), "{}", page.body);
    assert_eq!(
        (call.status, call.header("retry-after")),
        (StatusCode::SERVICE_UNAVAILABLE, Some("5")),
        "{:?}",
        call.body
    );
    assert!(
        call.body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("too busy to answer")),
        "{:?}",
        call.body
    );
    assert_eq!(ready, StatusCode::OK, "the database is there");
    assert_eq!(
        admin.get("/settings/api-tokens").await.status,
        StatusCode::OK
    );
    assert_eq!(api.get("/tokens").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_statement_an_operator_cancels_answers_503_not_500() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let (mut locker, mut operator) = (app.db.connection(), app.db.connection());
    locker
        .batch_execute("BEGIN; LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    // An operator cancels the list's statement while it waits, as `pg_cancel_backend`
    // does to a query found stuck in `pg_stat_activity`.
    let cancel_the_waiting_statement = async {
        crate::common::until_a_backend_waits_for_a_lock(&mut operator).await;
        operator
            .batch_execute(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .unwrap();
    };

    let (page, ()) = tokio::join!(
        admin.get("/settings/api-tokens"),
        cancel_the_waiting_statement
    );
    locker.batch_execute("ROLLBACK").unwrap();

    assert_eq!(
        (page.status, page.header("retry-after")),
        (StatusCode::SERVICE_UNAVAILABLE, Some("5")),
        "{}",
        page.body
    );
    assert!(page.body.contains("too busy to answer"), "{}", page.body);
    assert_eq!(
        admin.get("/settings/api-tokens").await.status,
        StatusCode::OK
    );
}

fn status_now(app: &TestApp, token: &str) -> TokenStatus {
    api_tokens::table
        .find(token)
        .select(api_tokens::status)
        .first(&mut app.db.connection())
        .unwrap()
}

/// `change`'s answer when the reads after its commit time out: its audit insert waits
/// on a lock the test holds while the test locks the last-access table, which the change
/// doesn't read but the rows shown after it do; then the insert is let through.
async fn answer_when_the_reads_after_the_change_time_out(
    app: &TestApp,
    change: impl std::future::Future<Output = Page>,
) -> Page {
    let (mut audit_lock, mut reads_lock) = (app.db.connection(), app.db.connection());
    audit_lock
        .batch_execute("BEGIN; LOCK TABLE audit_events IN SHARE MODE")
        .unwrap();
    let block_the_reads_once_the_change_waits = async {
        crate::common::until_a_backend_waits_for_a_lock(&mut reads_lock).await;
        reads_lock
            .batch_execute("BEGIN; LOCK TABLE token_last_access IN ACCESS EXCLUSIVE MODE")
            .unwrap();
        audit_lock.batch_execute("ROLLBACK").unwrap();
    };
    let (answer, ()) = tokio::join!(change, block_the_reads_once_the_change_waits);
    reads_lock.batch_execute("ROLLBACK").unwrap();
    answer
}

#[tokio::test]
async fn a_change_whose_reads_afterwards_time_out_still_says_it_was_made() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let disabled = answer_when_the_reads_after_the_change_time_out(
        &app,
        admin.post_htmx(
            &format!("/settings/api-tokens/{ACTIVE_TOKEN}/disable"),
            &csrf,
        ),
    )
    .await;

    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(
        disabled.text("flash-message"),
        "“CI deploy pipeline” is disabled. Requests with it now fail."
    );
    assert_eq!(
        disabled.header("hx-trigger"),
        Some("tokendesk:tokens-changed"),
        "the list behind fetches its rows itself"
    );
    assert_eq!(
        disabled.header("hx-trigger-after-swap"),
        Some("tokendesk:close-modal")
    );
    assert_eq!(status_now(&app, ACTIVE_TOKEN), TokenStatus::Disabled);

    // Deleted from its details page, without JavaScript: back to the list, not to the
    // page of a token that is gone.
    let path = format!("/settings/api-tokens/{ACTIVE_TOKEN}/delete?from=detail");
    let deleted = answer_when_the_reads_after_the_change_time_out(
        &app,
        admin.post_form(&path, &[("csrf_token", &csrf)]),
    )
    .await;
    assert_eq!(
        (deleted.status, deleted.header("location")),
        (StatusCode::SEE_OTHER, Some("/settings/api-tokens")),
        "{}",
        deleted.body
    );
    assert_eq!(status_now(&app, ACTIVE_TOKEN), TokenStatus::Deleted);
}

#[tokio::test]
async fn a_bulk_change_whose_reads_afterwards_time_out_still_says_what_it_made() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let apply = admin
        .request(reqwest::Method::POST, "/settings/api-tokens/bulk/apply")
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &csrf)
        .form(&[("action", "disable"), ("ids", ACTIVE_TOKEN)]);

    let result = answer_when_the_reads_after_the_change_time_out(&app, admin.send(apply)).await;

    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    assert_eq!(result.text("bulk-result-summary"), "Disabled 1 token.");
    assert_eq!(
        result.texts("bulk-result-changed"),
        [format!("“CI deploy pipeline” {ACTIVE_TOKEN}")]
    );
    assert_eq!(result.text("flash-message"), "Disabled 1 token.");
    assert_eq!(
        result.header("hx-trigger"),
        Some("tokendesk:tokens-changed"),
        "the list behind fetches its rows itself"
    );
    assert_eq!(status_now(&app, ACTIVE_TOKEN), TokenStatus::Disabled);
}

#[tokio::test]
async fn a_sign_in_whose_session_the_busy_database_cant_store_answers_503_with_a_finished_page() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    // The password is checked; the new session can't be written (5 s, then given up).
    let mut locker = app.db.connection();
    locker
        .batch_execute("BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let refused = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    locker.batch_execute("ROLLBACK").unwrap();

    assert_unavailable_page(&refused, Duration::ZERO);
    assert_eq!(
        refused
            .select("[data-testid=unavailable] p")
            .first()
            .map(String::as_str),
        Some("tokendesk's database is too busy to answer just now. Try again in a moment.")
    );
    let again = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
}

#[tokio::test]
async fn a_sign_in_whose_session_is_lost_with_the_database_answers_503_with_a_finished_page() {
    let forwarder = Forwarder::start(&server_address());
    let app = spawn_app_behind(&forwarder).await;
    let visitor = Visitor::new(&app);
    let (mut locker, mut watcher) = (app.db.connection(), app.db.connection());
    locker
        .batch_execute("BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    // The password is checked; the database goes away while the session is written.
    let cut_while_storing = async {
        crate::common::until_a_backend_waits_for_a_lock(&mut watcher).await;
        forwarder.cut();
    };

    let (page, ()) = tokio::join!(
        visitor.sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None),
        cut_while_storing
    );
    locker.batch_execute("ROLLBACK").unwrap();
    forwarder.restore();

    assert_unavailable_page(&page, Duration::ZERO);
    assert_eq!(
        page.select("[data-testid=unavailable] p")
            .first()
            .map(String::as_str),
        Some("tokendesk can't reach its database just now. Try again in a moment.")
    );
}

/// How many of the app's connections wait on a lock.
fn waiting_on_a_lock(app: &TestApp) -> i64 {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    ))
    .get_result(&mut app.db.connection())
    .unwrap()
}

#[tokio::test]
async fn an_instance_whose_every_connection_is_at_work_is_busy_not_down_and_stays_ready() {
    let app = spawn_app_with(AppOptions {
        metrics_bind: Some("127.0.0.1:0".into()),
        ..AppOptions::default()
    })
    .await;
    let metrics = format!("{}/metrics", app.metrics_address.as_ref().unwrap());
    let database_up = || async {
        let scrape = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
        scrape
            .lines()
            .find_map(|line| line.strip_prefix("tokendesk_database_up "))
            .map(str::to_owned)
    };
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let mut locker = app.db.connection();
    locker
        .batch_execute("BEGIN; LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE")
        .unwrap();

    // More list pages than the pool has connections (4, the listener's among them)
    // wait on the lock, each holding its connection; then readiness is asked.
    let pages = futures_util::future::join_all((0..6).map(|_| admin.get("/settings/api-tokens")));
    let probe = async {
        within_five_seconds("every free connection waiting on the lock", || async {
            waiting_on_a_lock(&app) >= 3
        })
        .await;
        let answer = reqwest::get(format!("{}/readyz", app.address))
            .await
            .unwrap();
        let ready = (answer.status(), answer.text().await.unwrap());
        let up = database_up().await;
        locker.batch_execute("ROLLBACK").unwrap();
        (ready, up)
    };
    let (pages, (ready, up)) = tokio::join!(pages, probe);

    assert_eq!(ready, (StatusCode::OK, "ready (busy)".to_owned()));
    assert_eq!(up.as_deref(), Some("1"), "busy is no outage");
    for page in &pages {
        assert!(
            [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE].contains(&page.status),
            "{}: {}",
            page.status,
            page.body
        );
    }
}
