//! Opening a token and switching its tabs in the browser.

use crate::common::{ACTIVE_TOKEN, DEMO_ADMIN_LOGIN, DISABLED_TOKEN, spawn_app, token_path};
use crate::harness::Browser;

const PANEL: &str = "document.querySelector('[data-testid=tab-panel]')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_token_and_switching_tabs_changes_the_panel_and_the_url() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;

    browser.open_listed(ACTIVE_TOKEN).await;
    assert_eq!(
        browser.text("token-detail-name").await,
        "CI deploy pipeline"
    );
    assert_eq!(browser.current_tab().await.as_deref(), Some("general"));
    browser.mark_document().await;

    browser.find("tab-modules").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "location.search === '?tab=modules' && {PANEL}.dataset.tab === 'modules'"
        ))
        .await;
    let modules = browser.eval("[...document.querySelectorAll('[data-testid=token-module] strong')].map(e => e.textContent)").await;
    assert_eq!(modules, serde_json::json!(["Catalog", "Reports"]));

    browser.find("tab-details").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "location.search === '?tab=details' && {PANEL}.dataset.tab === 'details'"
        ))
        .await;
    assert_eq!(browser.text("detail-last-ip").await, "203.0.113.10");
    assert!(browser.same_document().await, "tabs swap in place");
    assert_eq!(
        browser
            .eval(
                "document.querySelector('[data-testid=tab-details]').getAttribute('aria-current')"
            )
            .await,
        "page"
    );

    browser.driver.back().await.unwrap();
    browser
        .wait_until(&format!(
            "location.search === '?tab=modules' && {PANEL}.dataset.tab === 'modules'"
        ))
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_link_opened_directly_shows_that_tab() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;

    browser
        .goto(&format!("{}?tab=details", token_path(DISABLED_TOKEN)))
        .await;

    assert_eq!(browser.current_tab().await.as_deref(), Some("details"));
    assert_eq!(browser.text("token-detail-status").await, "Disabled");
    browser.close().await;
}
