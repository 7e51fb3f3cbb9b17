//! Tokens found in public, in the browser: the admin's banner leads to exactly those
//! tokens, the "Found in public" filter follows in place, and the details page says
//! where each was found.

use serde_json::json;
use tokendesk::domain::{Scope, TokenSecret};

use crate::common::{DEMO_ADMIN_LOGIN, DEMO_CORP, spawn_app};
use crate::harness::Browser;

const ROWS: &str = "document.querySelectorAll('[data-testid=token-row]')";
const FOUND_AT: &str = "https://github.com/octo-org/octo-repo/blob/main/.env";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_banner_leads_to_the_tokens_found_in_public_and_each_says_where() {
    let app = spawn_app().await;
    let mut found = Vec::new();
    for _ in 0..2 {
        let secret = TokenSecret::generate();
        app.insert_token(DEMO_CORP, Scope::Read, &["billing"], &secret);
        found.push(
            json!({"token": secret.expose(), "type": "tokendesk_api_token",
                          "url": FOUND_AT, "source": "commit"}),
        );
    }
    let answer = app
        .service("scanner")
        .post("/leaks", &serde_json::Value::Array(found))
        .await;
    assert_eq!(answer.status, reqwest::StatusCode::OK, "{:?}", answer.body);
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;

    assert!(
        browser
            .text("leak-reminder")
            .await
            .starts_with("2 tokens were found in public and disabled."),
    );
    browser
        .find("leak-reminder-link")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_until("location.search === '?status=disabled&leaked=1'")
        .await;
    browser.wait_until(&format!("{ROWS}.length === 2")).await;
    browser.mark_document().await;

    // Demo Corp's three other disabled tokens come back without the filter, in place.
    browser.find("filter-leaked").await.click().await.unwrap();
    browser
        .wait_until("location.search === '?status=disabled'")
        .await;
    browser.wait_until(&format!("{ROWS}.length === 5")).await;
    browser.find("filter-leaked").await.click().await.unwrap();
    browser
        .wait_until("location.search === '?status=disabled&leaked=1'")
        .await;
    browser.wait_until(&format!("{ROWS}.length === 2")).await;
    assert!(browser.same_document().await);

    browser
        .css("[data-testid=token-row] [data-testid=token-name]")
        .await
        .click()
        .await
        .unwrap();
    let notice = browser.text("found-in-public").await;
    assert!(
        notice.starts_with("Its secret was found in public"),
        "{notice}"
    );
    let link = browser.find("found-in-public-url").await;
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some(FOUND_AT));
    assert_eq!(browser.text("found-in-public-source").await, "commit");
    browser.close().await;
}
