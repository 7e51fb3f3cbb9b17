//! An admin limits a token to an address range and a rate in the edit dialog: a bad
//! range is named in the dialog, a good one is saved, the details page shows both, and
//! the API then refuses calls from elsewhere.

use crate::common::{DEMO_ADMIN_LOGIN, USAGE_WRITE_TOKEN, spawn_app, token_path};
use crate::harness::Browser;

const MODAL_OPEN: &str = "document.getElementById('modal').open";
const MODAL_CLOSED: &str = "!document.getElementById('modal').open";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_limits_a_token_to_an_address_range_and_a_rate_in_the_edit_dialog() {
    let app = spawn_app().await;
    let secret = app.secret_of(USAGE_WRITE_TOKEN);
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;

    browser.row_action(USAGE_WRITE_TOKEN, "edit").await;
    browser.wait_until(MODAL_OPEN).await;
    let addresses = browser.find("edit-allowed-addresses").await;
    addresses.send_keys("203.0.113.9/24").await.unwrap();
    browser
        .find("edit-rate-limit")
        .await
        .send_keys("60")
        .await
        .unwrap();
    browser.find("edit-submit").await.click().await.unwrap();
    browser
        .wait_until("document.querySelector('#modal [data-field=allowed_addresses]') !== null")
        .await;
    assert!(
        browser
            .text_of("#modal [data-field=allowed_addresses]")
            .await
            .contains("did you mean 203.0.113.0/24?")
    );

    let addresses = browser.find("edit-allowed-addresses").await;
    addresses.clear().await.unwrap();
    addresses.send_keys("203.0.113.0/24").await.unwrap();
    browser.find("edit-submit").await.click().await.unwrap();
    browser.wait_until(MODAL_CLOSED).await;

    browser
        .goto(&format!("{}?tab=details", token_path(USAGE_WRITE_TOKEN)))
        .await;
    assert_eq!(
        browser.text("detail-allowed-addresses").await,
        "203.0.113.0/24"
    );
    assert_eq!(browser.text("detail-rate-limit").await, "60 calls a minute");
    let refused = app.api(&secret).whoami().await;
    assert_eq!(refused.status, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(refused.body["reason"], "address_not_allowed");
    browser.close().await;
}
