//! Signing in and out in the browser.

use crate::common::{DEMO_ADMIN_LOGIN, DEMO_MEMBER_LOGIN, spawn_app};
use crate::harness::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_admin_signs_in_and_lands_on_the_page_they_asked_for() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;

    browser.goto("/settings/api-tokens?q=sync").await;
    browser.find("login-email").await;
    assert_eq!(
        browser.path_and_query().await,
        "/login?next=%2Fsettings%2Fapi-tokens%3Fq%3Dsync"
    );
    browser.fill_sign_in(DEMO_ADMIN_LOGIN).await;

    browser.find("tokens-table").await;
    assert_eq!(
        browser.path_and_query().await,
        "/settings/api-tokens?q=sync"
    );
    let names = browser
        .eval("[...document.querySelectorAll('[data-testid=token-name]')].map(e => e.textContent)")
        .await;
    assert_eq!(
        names,
        serde_json::json!(["Subscription sync", "Billing sync"])
    );
    assert_eq!(
        browser.find("current-user").await.text().await.unwrap(),
        "Avery Admin"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_shows_the_error_and_signing_out_returns_to_sign_in() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;

    browser.goto("/login").await;
    browser.fill_sign_in((DEMO_ADMIN_LOGIN.0, "wrong")).await;
    let error = browser.find("login-error").await.text().await.unwrap();
    browser.fill_sign_in(DEMO_ADMIN_LOGIN).await;
    browser.find("tokens-table").await;
    browser.find("logout").await.click().await.unwrap();

    assert_eq!(error, "Incorrect email or password.");
    browser.find("login-email").await;
    assert_eq!(browser.path_and_query().await, "/login");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_sees_the_api_access_page() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;

    browser.goto("/login").await;
    browser.fill_sign_in(DEMO_MEMBER_LOGIN).await;

    let notice = browser.find("no-api-access").await.text().await.unwrap();
    assert!(notice.contains("API Access privilege"), "{notice}");
    assert_eq!(
        browser
            .eval("document.querySelectorAll('[data-testid=token-row]').length")
            .await,
        0
    );
    browser.close().await;
}
