//! Rotating a token in the browser: from the row menu, a grace period chosen in the
//! dialog, the new secret shown once and copied, and the details page counting down
//! the old secret's last moments; both secrets work meanwhile.

use crate::common::{DEMO_ADMIN_LOGIN, USAGE_WRITE_TOKEN, spawn_app, token_path};
use crate::harness::Browser;
use thirtyfour::Key;

const MODAL_OPEN: &str = "document.getElementById('modal').open";

/// Whether the list's row of `token` shows the start of `secret`.
fn masked_in_row(token: &str, secret: &str) -> String {
    format!(
        "document.querySelector('[data-token-id=\"{token}\"] \
         [data-testid=token-masked]').textContent === '{}…'",
        &secret[..10]
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_from_the_row_menu_shows_the_new_secret_and_the_old_one_counts_down() {
    let app = spawn_app().await;
    let old = app.secret_of(USAGE_WRITE_TOKEN);
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.allow_clipboard().await;

    browser.row_action(USAGE_WRITE_TOKEN, "rotate").await;
    browser.wait_until(MODAL_OPEN).await;
    browser.choose("rotate-grace", "3600").await;
    browser.find("confirm-submit").await.click().await.unwrap();

    let new = browser.find("new-token-secret").await.text().await.unwrap();
    assert!(new.starts_with("tdk_") && new != old, "{new}");
    assert_eq!(browser.text("new-token-id").await, USAGE_WRITE_TOKEN);
    assert!(
        browser
            .text("old-secret-note")
            .await
            .contains("keeps working until")
    );
    browser.find("secret-copy").await.click().await.unwrap();
    browser
        .wait_until("!document.querySelector('[data-testid=copied]').hidden")
        .await;
    assert_eq!(browser.clipboard().await, new);
    // The list behind the dialog shows the new secret's start already, whichever way
    // the dialog will be closed.
    browser
        .wait_until(&masked_in_row(USAGE_WRITE_TOKEN, &new))
        .await;
    for secret in [&old, &new] {
        assert_eq!(
            app.api(secret).whoami().await.status,
            reqwest::StatusCode::OK
        );
    }

    browser.goto(&token_path(USAGE_WRITE_TOKEN)).await;
    browser
        .wait_until(
            "/^59 min \\d+ s left$/.test(document.querySelector('[data-testid=old-secret-countdown]').textContent)",
        )
        .await;
    let first = browser.text("old-secret-countdown").await;
    browser
        .wait_until(&format!(
            "document.querySelector('[data-testid=old-secret-countdown]').textContent !== '{first}'"
        ))
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_on_the_details_page_updates_it_behind_the_dialog_without_a_reload() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.goto(&token_path(USAGE_WRITE_TOKEN)).await;
    browser.mark_document().await;
    browser.find("tab-details").await.click().await.unwrap();
    let on_details = "document.querySelector('[data-testid=tab-panel]').dataset.tab === 'details'";
    browser.wait_until(on_details).await;

    browser.find("detail-actions").await.click().await.unwrap();
    browser.find("action-rotate").await.click().await.unwrap();
    browser.wait_until(MODAL_OPEN).await;
    browser.choose("rotate-grace", "3600").await;
    browser.find("confirm-submit").await.click().await.unwrap();
    browser.find("new-token-secret").await;
    browser.press(Key::Escape).await;

    // The page says how long the old secret keeps working, as the "Done" button's
    // reload would, on the tab that was open.
    browser
        .wait_until(&format!(
            "!{MODAL_OPEN} && {on_details} && \
             document.querySelector('[data-testid=old-secret-ends]') !== null"
        ))
        .await;
    assert!(browser.same_document().await, "no page load");
    assert_eq!(
        browser
            .eval("document.activeElement.getAttribute('data-testid')")
            .await,
        "detail-actions",
        "focus goes back to the Actions button the refresh replaced"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_that_comes_after_the_dialog_closed_keeps_focus_on_the_rows_button() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    // The list's refresh behind the dialog is held until the dialog is closed, as on a
    // slow connection where the person closes it first.
    browser
        .eval(
            "document.body.addEventListener('htmx:confirm', function (event) { \
               if (event.detail.elt.hasAttribute('data-refresh-behind-dialog')) { \
                 event.preventDefault(); window.sendRefresh = event.detail.issueRequest; } })",
        )
        .await;

    browser.row_action(USAGE_WRITE_TOKEN, "rotate").await;
    browser.wait_until(MODAL_OPEN).await;
    browser.choose("rotate-grace", "0").await;
    browser.find("confirm-submit").await.click().await.unwrap();
    let new = browser.find("new-token-secret").await.text().await.unwrap();
    browser.press(Key::Escape).await;
    let actions = format!("[data-token-id=\"{USAGE_WRITE_TOKEN}\"] [data-testid=token-actions]");
    browser
        .wait_until(&format!(
            "!{MODAL_OPEN} && document.activeElement === document.querySelector('{actions}')"
        ))
        .await;
    browser.eval("window.sendRefresh(true)").await;

    browser
        .wait_until(&masked_in_row(USAGE_WRITE_TOKEN, &new))
        .await;
    assert_eq!(
        browser
            .eval(&format!(
                "document.activeElement === document.querySelector('{actions}')"
            ))
            .await,
        true,
        "focus is on the row's new actions button, not lost with the old one"
    );
    browser.close().await;
}
