//! Bulk changes in the browser: two rows ticked by hand, then "select all on this page",
//! one confirmation naming every token, and the rows disabled in place; and the same
//! through plain pages with JavaScript off.

use crate::common::{
    ACTIVE_TOKEN, DEMO_ADMIN_LOGIN, NEVER_USED_TOKEN, REPORTS_READ_TOKEN, spawn_app,
};
use crate::harness::Browser;

const MODAL_OPEN: &str = "document.getElementById('modal').open";
const MODAL_CLOSED: &str = "!document.getElementById('modal').open";
const BOXES: &str = "[...document.querySelectorAll('[data-testid=token-select]')]";
const SELECT_ALL: &str = "document.querySelector('[data-testid=select-all]')";
const STATUSES: &str =
    "[...document.querySelectorAll('[data-testid=token-row] [data-testid=token-status]')]";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_ticks_rows_and_the_whole_page_then_disables_them_after_one_confirmation() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.mark_document().await;
    let rows: Vec<String> = serde_json::from_value(
        browser
            .eval("[...document.querySelectorAll('[data-testid=token-row]')].map(r => r.dataset.tokenId)")
            .await,
    )
    .unwrap();
    let disabled: usize = serde_json::from_value(
        browser
            .eval(&format!(
                "{STATUSES}.filter(s => s.textContent === 'Disabled').length"
            ))
            .await,
    )
    .unwrap();
    assert!(
        rows.len() > 2 && disabled > 0,
        "{rows:?}, {disabled} disabled"
    );

    for id in [ACTIVE_TOKEN, REPORTS_READ_TOKEN] {
        browser
            .css(&format!(
                "[data-testid=token-select][data-token-id=\"{id}\"]"
            ))
            .await
            .click()
            .await
            .unwrap();
    }
    browser
        .wait_until(&format!(
            "{BOXES}.filter(b => b.checked).length === 2 && {SELECT_ALL}.indeterminate && !{SELECT_ALL}.checked"
        ))
        .await;
    browser.find("select-all").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "{BOXES}.every(b => b.checked) && {SELECT_ALL}.checked && !{SELECT_ALL}.indeterminate"
        ))
        .await;

    browser.find("bulk-disable").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "{MODAL_OPEN} && document.querySelectorAll('#modal [data-testid=bulk-confirm-token]').length === {}",
            rows.len()
        ))
        .await;
    let named: Vec<String> = serde_json::from_value(
        browser
            .eval("[...document.querySelectorAll('#modal [data-testid=bulk-confirm-token]')].map(t => t.dataset.tokenId)")
            .await,
    )
    .unwrap();
    assert_eq!(named, rows, "every token of the page, once, in its order");
    assert_eq!(
        browser
            .eval("document.querySelectorAll('#modal [data-outcome=skip]').length")
            .await,
        disabled,
        "the disabled ones are skipped"
    );
    let changing = rows.len() - disabled;
    assert_eq!(
        browser.text("confirm-submit").await,
        format!("Disable {changing} tokens")
    );

    browser.find("confirm-submit").await.click().await.unwrap();
    browser
        .wait_until("document.querySelector('#modal [data-testid=bulk-result]') !== null")
        .await;
    let summary = format!("Disabled {changing} tokens. Skipped {disabled}.");
    assert_eq!(browser.text("bulk-result-summary").await, summary);
    browser
        .wait_until(&format!(
            "{STATUSES}.length === {} && {STATUSES}.every(s => s.textContent === 'Disabled')",
            rows.len()
        ))
        .await;

    browser.find("bulk-done").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "{MODAL_CLOSED} && document.activeElement.dataset.testid === 'bulk-disable'"
        ))
        .await;
    assert_eq!(browser.text("flash-message").await, summary);
    assert!(browser.same_document().await, "the rows changed in place");
    assert_eq!(
        browser
            .eval(&format!(
                "{BOXES}.some(b => b.checked) || {SELECT_ALL}.checked || {SELECT_ALL}.indeterminate"
            ))
            .await,
        false,
        "nothing is left ticked"
    );
    let refused = app.api(&app.secret_of(ACTIVE_TOKEN)).whoami().await;
    assert_eq!(refused.body["reason"], "disabled");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_javascript_off_ticked_rows_and_select_all_go_through_plain_pages() {
    let app = spawn_app().await;
    let browser = Browser::open_without_javascript(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    assert_eq!(browser.eval("typeof window.htmx").await, "undefined");
    let row_count = browser
        .eval("document.querySelectorAll('[data-testid=token-row]').length")
        .await;

    // "Select all" alone: the page's ids go with it.
    browser.find("select-all").await.click().await.unwrap();
    browser.find("bulk-delete").await.click().await.unwrap();
    browser.find("bulk-confirm-list").await;
    assert_eq!(browser.path_and_query().await, "/settings/api-tokens/bulk");
    assert_eq!(
        browser
            .eval("document.querySelectorAll('[data-testid=bulk-confirm-token]').length")
            .await,
        row_count
    );
    browser.find("confirm-cancel").await.click().await.unwrap();
    browser.find("tokens-table").await;

    for id in [REPORTS_READ_TOKEN, NEVER_USED_TOKEN] {
        browser
            .css(&format!(
                "[data-testid=token-select][data-token-id=\"{id}\"]"
            ))
            .await
            .click()
            .await
            .unwrap();
    }
    browser.find("bulk-disable").await.click().await.unwrap();
    assert_eq!(browser.text("confirm-submit").await, "Disable 2 tokens");
    browser.find("confirm-submit").await.click().await.unwrap();
    assert_eq!(
        browser.text("bulk-result-summary").await,
        "Disabled 2 tokens."
    );
    browser.find("bulk-done").await.click().await.unwrap();

    browser.find("tokens-table").await;
    assert_eq!(browser.path_and_query().await, "/settings/api-tokens");
    assert_eq!(browser.text("flash-message").await, "Disabled 2 tokens.");
    for id in [REPORTS_READ_TOKEN, NEVER_USED_TOKEN] {
        assert_eq!(
            browser
                .text_of(&format!(
                    "[data-token-id=\"{id}\"] [data-testid=token-status]"
                ))
                .await,
            "Disabled"
        );
    }
    browser.close().await;
}
