//! Focus moves to a menu's first item, or a dialog's first field, only once htmx has
//! taken that content in. Focused any earlier, Enter on an item follows its plain link
//! (a page load instead of the dialog) and Enter in a field sends its form as a plain
//! form: a keyboard user or a suite pressing at once lands on another page.

use thirtyfour::Key;

use crate::common::{BILLING_WRITE_TOKEN, DEMO_ADMIN_LOGIN, spawn_app};
use crate::harness::Browser;

/// Records, from now on, each element that got focus while htmx had not yet processed
/// it (it still sits inside content marked `htmx-added`, the class htmx removes once
/// it has processed a swap).
async fn record_early_focus(browser: &Browser) {
    browser
        .eval(
            "(() => {
               window.__earlyFocus = [];
               document.addEventListener('focusin', (e) => {
                 if (e.target.closest && e.target.closest('.htmx-added')) {
                   window.__earlyFocus.push(e.target.getAttribute('data-testid') || e.target.tagName);
                 }
               });
               return true;
             })()",
        )
        .await;
}

async fn early_focus(browser: &Browser) -> Vec<String> {
    serde_json::from_value(browser.eval("window.__earlyFocus").await).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn menus_and_dialogs_take_focus_only_once_htmx_has_processed_them() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.record_htmx_requests().await;
    record_early_focus(&browser).await;

    browser
        .css(&format!(
            "[data-token-id=\"{BILLING_WRITE_TOKEN}\"] [data-testid=token-actions]"
        ))
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_until("document.activeElement.getAttribute('data-testid') === 'action-edit'")
        .await;
    browser.wait_for_htmx_idle().await;
    browser.mark_document().await;
    browser.press(Key::Enter).await;
    browser
        .wait_until("document.activeElement.getAttribute('data-testid') === 'edit-name'")
        .await;
    browser.wait_for_htmx_idle().await;

    assert!(
        browser.same_document().await,
        "Enter on Edit opened the dialog in place"
    );
    assert_eq!(
        early_focus(&browser).await,
        Vec::<String>::new(),
        "focus reached these before htmx had processed them"
    );
    browser.close().await;
}
