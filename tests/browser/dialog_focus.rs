//! The dialog that shows a new secret once ("Token created", "Token rotated") replaces
//! the open form's dialog, so `showModal` focuses nothing: it starts on its Copy button,
//! and Escape gives focus back to the control that opened the form.

use thirtyfour::Key;

use crate::common::{DEMO_ADMIN_LOGIN, USAGE_WRITE_TOKEN, spawn_app};
use crate::harness::Browser;

const FOCUSED: &str = "document.activeElement.getAttribute('data-testid')";

/// Waits until the element with `test_id` has focus, inside the open dialog.
async fn wait_for_focus_in_dialog(browser: &Browser, test_id: &str) {
    browser
        .wait_until(&format!(
            "{FOCUSED} === '{test_id}' && !!document.activeElement.closest('dialog#modal[open]')"
        ))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_created_dialog_starts_on_copy_and_escape_returns_to_create_token() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;

    browser.find("create-token").await.click().await.unwrap();
    wait_for_focus_in_dialog(&browser, "create-name").await;
    browser.fill_create_form("Focus check", "billing").await;
    browser.find("create-submit").await.click().await.unwrap();

    browser.find("new-token-secret").await;
    wait_for_focus_in_dialog(&browser, "secret-copy").await;
    browser.press(Key::Escape).await;
    browser
        .wait_until(&format!(
            "!document.getElementById('modal').open && {FOCUSED} === 'create-token'"
        ))
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_rotated_dialog_starts_on_copy() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;

    browser.row_action(USAGE_WRITE_TOKEN, "rotate").await;
    wait_for_focus_in_dialog(&browser, "rotate-grace").await;
    browser.find("confirm-submit").await.click().await.unwrap();

    browser.find("old-secret-note").await;
    wait_for_focus_in_dialog(&browser, "secret-copy").await;
    browser.press(Key::Escape).await;
    browser
        .wait_until(&format!(
            "!document.getElementById('modal').open && \
             document.activeElement === document.querySelector('[data-token-id=\"{USAGE_WRITE_TOKEN}\"] [data-testid=token-actions]')"
        ))
        .await;
    browser.close().await;
}
