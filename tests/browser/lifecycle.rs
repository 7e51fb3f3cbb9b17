//! The seeds' workflows in the browser: create and copy, disable and enable from the
//! row menu, edit with a validation error, delete from the details page, show and
//! hide, and the menu from the keyboard.

use thirtyfour::prelude::*;

use crate::common::{
    ACTIVE_TOKEN, ALL_MODULES_TOKEN, DEMO_ADMIN_LOGIN, EXPIRING_SOON_TOKEN, REPORTS_READ_TOKEN,
    TestApp, USAGE_REPORTS_READ_TOKEN, USAGE_WRITE_TOKEN, spawn_app, token_path,
};
use crate::harness::Browser;

const MODAL_OPEN: &str = "document.getElementById('modal').open";
const MODAL_CLOSED: &str = "!document.getElementById('modal').open";

/// The text of the banner over the list counting the tokens expiring soon.
const EXPIRY_BANNER: &str =
    "document.querySelector('[data-testid=expiry-reminder] strong').textContent";

/// The demo admin at the list, whose banner counts Demo Corp's two tokens expiring
/// soon, with the document marked to tell a page load.
async fn at_the_list_with_two_expiring_soon(app: &TestApp) -> Browser {
    let browser = Browser::open(app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.mark_document().await;
    assert_eq!(
        browser.eval(EXPIRY_BANNER).await,
        "2 tokens expire within 7 days."
    );
    browser
}

fn row_status(id: &str) -> String {
    format!("document.querySelector('[data-token-id=\"{id}\"] [data-testid=token-status]')")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_token_shows_it_and_copy_puts_it_on_the_clipboard() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.allow_clipboard().await;

    browser.find("create-token").await.click().await.unwrap();
    browser.wait_until(MODAL_OPEN).await;
    browser
        .fill_create_form("Browser-made token", "billing")
        .await;
    browser.choose("create-scope", "write").await;
    browser.choose("create-expires", "30").await;
    browser.find("create-submit").await.click().await.unwrap();

    let secret = browser.find("new-token-secret").await.text().await.unwrap();
    assert!(secret.starts_with("tdk_") && secret.len() == 40, "{secret}");
    browser.find("secret-copy").await.click().await.unwrap();
    browser
        .wait_until("!document.querySelector('[data-testid=copied]').hidden")
        .await;
    assert_eq!(browser.clipboard().await, secret);
    browser.find("created-done").await.click().await.unwrap();
    browser.wait_until("document.querySelector('[data-testid=token-name]').textContent === 'Browser-made token'").await;
    assert_eq!(
        browser
            .text_of("[data-testid=token-row] [data-testid=token-modules]")
            .await,
        "Billing"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_from_the_row_menu_dims_the_row_and_enabling_restores_it() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.mark_document().await;
    let id = ALL_MODULES_TOKEN;

    browser.row_action(id, "disable").await;
    browser.wait_until(MODAL_OPEN).await;
    let warnings = browser.text_of("#modal .warnings").await;
    assert!(warnings.contains("immediately lose access"), "{warnings}");
    assert_eq!(
        browser.find("confirm-submit").await.text().await.unwrap(),
        "Disable token"
    );
    browser.find("confirm-submit").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "{MODAL_CLOSED} && {}.textContent === 'Disabled'",
            row_status(id)
        ))
        .await;

    // The replaced row looks disabled: muted text, not a faded row.
    browser
        .wait_until(&format!(
            "getComputedStyle(document.querySelector('[data-token-id=\"{id}\"] [data-testid=token-scope]')).color === 'rgb(91, 101, 115)'"
        ))
        .await;
    assert_eq!(
        browser.find("flash-message").await.text().await.unwrap(),
        "“Test harness” is disabled. Requests with it now fail."
    );
    assert!(browser.same_document().await, "the row changed in place");

    browser
        .css(&format!(
            "[data-token-id=\"{id}\"] [data-testid=token-actions]"
        ))
        .await
        .click()
        .await
        .unwrap();
    browser.find("action-enable").await;
    assert_eq!(
        browser
            .eval("document.querySelectorAll('[data-testid=action-edit]').length")
            .await,
        0
    );
    browser.find("action-enable").await.click().await.unwrap();
    browser.wait_until(MODAL_OPEN).await;
    assert_eq!(
        browser.find("confirm-submit").await.text().await.unwrap(),
        "Enable token"
    );
    browser.find("confirm-submit").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "{MODAL_CLOSED} && {}.textContent === 'Active'",
            row_status(id)
        ))
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_token_expiring_soon_in_place_recounts_the_banner_over_the_list() {
    let app = spawn_app().await;
    let browser = at_the_list_with_two_expiring_soon(&app).await;

    browser.row_action(EXPIRING_SOON_TOKEN, "disable").await;
    browser.wait_until(MODAL_OPEN).await;
    browser.find("confirm-submit").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "{MODAL_CLOSED} && {EXPIRY_BANNER} === '1 token expires within 7 days.'"
        ))
        .await;

    assert!(browser.same_document().await, "no page load");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_created_then_escaped_is_listed_and_counted_without_a_reload() {
    let app = spawn_app().await;
    let browser = at_the_list_with_two_expiring_soon(&app).await;
    let select_box = format!("[data-testid=token-select][data-token-id=\"{ACTIVE_TOKEN}\"]");
    browser.css(&select_box).await.click().await.unwrap();

    browser.find("create-token").await.click().await.unwrap();
    browser.wait_until(MODAL_OPEN).await;
    browser
        .fill_create_form("Escaped with its secret copied", "billing")
        .await;
    browser.choose("create-expires", "custom").await;
    let in_three_days = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive();
    browser
        .eval(&format!(
            "document.getElementById('create-expires-on').value = '{in_three_days}'"
        ))
        .await;
    browser.find("create-submit").await.click().await.unwrap();
    let id = browser.find("new-token-id").await.text().await.unwrap();
    browser.press(Key::Escape).await;

    // The list behind the dialog shows the new token and counts it, as the "Done"
    // button's reload would.
    browser
        .wait_until(&format!(
            "{MODAL_CLOSED} && {EXPIRY_BANNER} === '3 tokens expire within 7 days.' && \
             document.querySelector('[data-token-id=\"{id}\"]') !== null"
        ))
        .await;
    assert!(browser.same_document().await, "no page load");
    browser
        .wait_until("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
        .await;
    assert_eq!(
        browser
            .eval("document.getElementById('token-results-status').textContent")
            .await,
        "",
        "the refresh behind the dialog is not announced over it"
    );
    assert_eq!(
        browser
            .eval(&format!("document.querySelector('{select_box}').checked"))
            .await,
        true,
        "a row ticked for a bulk change stays ticked"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_escape_close_the_dialog_and_change_nothing() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    let id = ALL_MODULES_TOKEN;

    browser.row_action(id, "delete").await;
    browser.wait_until(MODAL_OPEN).await;
    browser.find("confirm-cancel").await.click().await.unwrap();
    browser.wait_until(MODAL_CLOSED).await;
    browser.row_action(id, "disable").await;
    browser.wait_until(MODAL_OPEN).await;
    browser.press(Key::Escape).await;
    browser.wait_until(MODAL_CLOSED).await;

    browser.driver.refresh().await.unwrap();
    browser.find("tokens-table").await;
    assert_eq!(
        browser
            .eval(&format!("{}.textContent", row_status(id)))
            .await,
        "Active"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_shows_the_current_values_and_a_validation_error_then_saves() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    let id = EXPIRING_SOON_TOKEN;

    browser.row_action(id, "edit").await;
    browser.wait_until(MODAL_OPEN).await;
    let name = browser.find("edit-name").await;
    assert_eq!(
        name.value().await.unwrap().as_deref(),
        Some("Partner onboarding")
    );
    assert_eq!(
        browser
            .find("edit-scope")
            .await
            .value()
            .await
            .unwrap()
            .as_deref(),
        Some("write")
    );
    assert!(
        browser
            .find("edit-expires")
            .await
            .value()
            .await
            .unwrap()
            .is_some_and(|v| !v.is_empty())
    );
    name.clear().await.unwrap();
    browser.find("edit-submit").await.click().await.unwrap();
    browser
        .wait_until("document.querySelector('#modal [data-testid=field-error]') !== null")
        .await;
    assert_eq!(
        browser.text_of("#modal [data-testid=field-error]").await,
        "Enter a name for the token."
    );
    assert!(
        browser.eval(MODAL_OPEN).await.as_bool().unwrap(),
        "the dialog stays open"
    );

    browser
        .find("edit-name")
        .await
        .send_keys("Partner onboarding EU")
        .await
        .unwrap();
    browser.find("edit-submit").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "{MODAL_CLOSED} && document.querySelector('[data-token-id=\"{id}\"] [data-testid=token-name]').textContent === 'Partner onboarding EU'"
        ))
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_from_the_details_page_removes_the_token_from_the_list() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;

    browser.goto(&token_path(USAGE_REPORTS_READ_TOKEN)).await;
    browser.find("detail-actions").await.click().await.unwrap();
    browser.find("action-delete").await.click().await.unwrap();
    browser.wait_until(MODAL_OPEN).await;
    assert_eq!(
        browser.find("confirm-submit").await.text().await.unwrap(),
        "Delete token"
    );
    browser.find("confirm-submit").await.click().await.unwrap();

    // A new page: wait for its table, not for a script in the page that is leaving.
    browser.find("tokens-table").await;
    assert_eq!(browser.path_and_query().await, "/settings/api-tokens");
    let flash = browser.find("flash-message").await.text().await.unwrap();
    assert_eq!(flash, "“Slack notifier” has been deleted successfully.");
    assert_eq!(
        browser
            .eval(&format!(
                "document.querySelectorAll('[data-token-id=\"{USAGE_REPORTS_READ_TOKEN}\"]').length"
            ))
            .await,
        0
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_hide_and_copy_on_the_general_tab() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.allow_clipboard().await;
    browser.goto(&token_path(ACTIVE_TOKEN)).await;
    let masked = browser.find("token-secret").await.text().await.unwrap();

    browser.find("secret-show").await.click().await.unwrap();
    browser
        .wait_until(
            "document.querySelector('[data-testid=token-secret]').textContent.length === 40",
        )
        .await;
    let value = browser.find("token-secret").await.text().await.unwrap();
    assert!(
        value.starts_with(masked.trim_end_matches('…')),
        "{value} begins like {masked}"
    );
    browser.find("secret-hide").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "document.querySelector('[data-testid=token-secret]').textContent === '{masked}'"
        ))
        .await;
    browser.find("secret-copy").await.click().await.unwrap();
    browser
        .wait_until("!document.querySelector('[data-testid=copied]').hidden")
        .await;
    assert_eq!(browser.clipboard().await, value);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_actions_menu_works_from_the_keyboard() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    let trigger = browser
        .css(&format!(
            "[data-token-id=\"{ACTIVE_TOKEN}\"] [data-testid=token-actions]"
        ))
        .await;
    let focused = "document.activeElement.getAttribute('data-testid')";

    trigger.send_keys(Key::Enter).await.unwrap();
    browser
        .wait_until(&format!("{focused} === 'action-edit'"))
        .await;
    browser.press(Key::Down).await;
    browser
        .wait_until(&format!("{focused} === 'action-rotate'"))
        .await;
    browser.press(Key::Up).await;
    browser.press(Key::Up).await;
    browser
        .wait_until(&format!("{focused} === 'action-delete'"))
        .await;
    browser.press(Key::Escape).await;

    browser
        .wait_until(&format!(
            "{focused} === 'token-actions' && document.querySelectorAll('[data-testid=actions-menu]').length === 0"
        ))
        .await;
    assert_eq!(
        trigger.attr("aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_in_the_row_menu_puts_the_full_token_on_the_clipboard() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.allow_clipboard().await;

    browser.row_action(USAGE_WRITE_TOKEN, "copy").await;
    browser
        .wait_until("document.querySelector('[data-testid=copied]') !== null")
        .await;

    let copied = browser.clipboard().await;
    let masked = browser
        .text_of(&format!(
            "[data-token-id=\"{USAGE_WRITE_TOKEN}\"] [data-testid=token-masked]"
        ))
        .await;
    assert_eq!(copied.len(), 40, "{copied}");
    assert!(
        copied.starts_with(masked.trim_end_matches('…')),
        "{copied} begins like {masked}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_javascript_off_disabling_works_through_plain_pages() {
    let app = spawn_app().await;
    let browser = Browser::open_without_javascript(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    assert_eq!(
        browser.eval("typeof window.htmx").await,
        "undefined",
        "the page's scripts did not run"
    );

    browser
        .css(&format!(
            "[data-token-id=\"{REPORTS_READ_TOKEN}\"] [data-testid=token-actions]"
        ))
        .await
        .click()
        .await
        .unwrap();
    browser.find("actions-menu").await;
    assert_eq!(
        browser.path_and_query().await,
        format!("{}/menu", token_path(REPORTS_READ_TOKEN))
    );
    browser.find("action-disable").await.click().await.unwrap();
    assert_eq!(
        browser.find("confirm-submit").await.text().await.unwrap(),
        "Disable token"
    );
    browser.find("confirm-submit").await.click().await.unwrap();

    browser.find("tokens-table").await;
    assert_eq!(browser.path_and_query().await, "/settings/api-tokens");
    assert_eq!(
        browser.find("flash-message").await.text().await.unwrap(),
        "“Nightly reports export” is disabled. Requests with it now fail."
    );
    assert_eq!(
        browser
            .text_of(&format!(
                "[data-token-id=\"{REPORTS_READ_TOKEN}\"] [data-testid=token-status]"
            ))
            .await,
        "Disabled"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_refused_because_the_token_changed_elsewhere_updates_the_list_behind_it() {
    let app = spawn_app().await;
    let browser = at_the_list_with_two_expiring_soon(&app).await;
    let id = EXPIRING_SOON_TOKEN;
    browser.row_action(id, "disable").await;
    browser.wait_until(MODAL_OPEN).await;
    // Meanwhile, someone else disables it (in another tab, or through the API).
    let elsewhere = app.api(&app.demo_corp_secret(
        tokendesk::domain::Scope::Write,
        &["tokens", "catalog", "customers"],
    ));
    let disabled = elsewhere.post_empty(&format!("/tokens/{id}/disable")).await;
    assert_eq!(
        disabled.status,
        reqwest::StatusCode::OK,
        "{:?}",
        disabled.body
    );

    browser.find("confirm-submit").await.click().await.unwrap();

    // The dialog says why; behind it, the row and the banner are as the token is now.
    browser
        .wait_until(&format!(
            "{MODAL_OPEN} && \
             document.querySelector('[data-testid=modal-error]').textContent.includes('already disabled') && \
             {}.textContent === 'Disabled' && \
             {EXPIRY_BANNER} === '1 token expires within 7 days.'",
            row_status(id)
        ))
        .await;
    assert!(browser.same_document().await, "no page load");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_saved_after_the_token_changed_elsewhere_comes_back_as_typed_then_saves() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    let id = EXPIRING_SOON_TOKEN;
    browser.row_action(id, "edit").await;
    browser.wait_until(MODAL_OPEN).await;
    let name = browser.find("edit-name").await;
    name.clear().await.unwrap();
    name.send_keys("Partner onboarding EU").await.unwrap();
    // Meanwhile, someone else gives it a rate limit (in another tab, or through the API).
    app.limit_elsewhere(id);

    browser.find("edit-submit").await.click().await.unwrap();

    // Not saved: the dialog says where the token differs now, and keeps what was typed.
    browser
        .wait_until(&format!(
            "{MODAL_OPEN} && document.querySelector('#modal [data-testid=edit-conflict]') !== null"
        ))
        .await;
    assert!(
        browser
            .text_of("#modal [data-testid=edit-conflict]")
            .await
            .contains("It now differs from what you entered in: Name, Rate limit."),
    );
    assert_eq!(
        browser
            .find("edit-name")
            .await
            .value()
            .await
            .unwrap()
            .as_deref(),
        Some("Partner onboarding EU")
    );

    browser.find("edit-submit").await.click().await.unwrap();
    browser
        .wait_until(&format!(
            "{MODAL_CLOSED} && document.querySelector('[data-token-id=\"{id}\"] [data-testid=token-name]').textContent === 'Partner onboarding EU'"
        ))
        .await;
    assert_eq!(
        app.rate_limit_of(id),
        None,
        "saved again, the form as typed applies"
    );
    browser.close().await;
}
