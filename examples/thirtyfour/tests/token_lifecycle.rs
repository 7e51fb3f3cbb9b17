//! The example scenario with thirtyfour: an admin signs in, finds a token with the
//! search box, reads its three tabs, disables it through its row's menu and the
//! confirm dialog, and the API refuses its secret from then on; the demo is reset
//! before and after.

mod portal;

use portal::{ADMIN, Browser, OWN_TOKEN, reset_demo, whoami};

const DIALOG_OPEN: &str = "document.querySelector('dialog#modal[open] [data-testid=modal]')";
const DIALOG_CLOSED: &str = "!document.querySelector('dialog#modal[open]')";

#[tokio::test]
async fn an_admin_disables_a_token_and_the_api_refuses_its_secret() {
    reset_demo().await;
    let (id, name) = OWN_TOKEN;
    let browser = Browser::open().await;
    browser.sign_in(ADMIN).await;

    // Filter the list down to the one token.
    browser
        .find("filter-q")
        .await
        .send_keys(name)
        .await
        .expect("typing");
    let query = name.replace(' ', "+");
    browser
        .wait_until(&format!(
            "location.search === '?q={query}' && \
             document.querySelectorAll('[data-testid=token-row]').length === 1"
        ))
        .await;
    let row = format!("[data-testid=token-row][data-token-id=\"{id}\"]");
    assert_eq!(
        browser
            .text_of(&format!("{row} [data-testid=token-status]"))
            .await,
        "Active"
    );

    // Its details, tab by tab; read its value on the General tab.
    browser
        .css(&format!("{row} [data-testid=token-name]"))
        .await
        .click()
        .await
        .expect("opening it");
    assert_eq!(browser.text("token-detail-id").await, id);
    browser.click("secret-show").await;
    browser
        .wait_until(
            "document.querySelector('[data-testid=token-secret]').textContent.startsWith('tdk_')",
        )
        .await;
    let secret = browser.text("token-secret").await;
    browser.click("tab-modules").await;
    browser
        .wait_until("document.querySelector('[data-testid=tab-panel][data-tab=modules] [data-testid=token-module]')")
        .await;
    browser.click("tab-details").await;
    browser
        .wait_until("document.querySelector('[data-testid=tab-panel][data-tab=details] [data-testid=usage-chart]')")
        .await;
    assert_eq!(browser.text("detail-disabled").await, "—");

    // The API takes the secret while the token is active.
    assert_eq!(whoami(&secret).await.0, 200);

    // Back to the list; disable it through the row's menu and the confirm dialog.
    browser
        .goto(&format!("/settings/api-tokens?q={query}"))
        .await;
    browser
        .css(&format!("{row} [data-testid=token-actions]"))
        .await
        .click()
        .await
        .expect("the menu");
    browser.click("action-disable").await;
    browser.wait_until(DIALOG_OPEN).await;
    browser.click("confirm-submit").await;
    browser
        .wait_until(&format!(
            "{DIALOG_CLOSED} && document.querySelector('{row} [data-testid=token-status]').textContent === 'Disabled'"
        ))
        .await;
    assert_eq!(
        browser.text("flash-message").await,
        format!("“{name}” is disabled. Requests with it now fail.")
    );

    // Its status on its own page.
    browser.goto(&format!("/settings/api-tokens/{id}")).await;
    assert_eq!(browser.text("token-detail-status").await, "Disabled");

    // The API refuses the same secret now.
    let (status, body) = whoami(&secret).await;
    assert_eq!(status, 401);
    assert_eq!(body["reason"], "disabled");

    browser.quit().await;
    reset_demo().await;
}
