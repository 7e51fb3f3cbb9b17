//! The search box asks once per change: leaving it after typing or pressing Enter asks
//! nothing again, so a menu opened from the results is not swapped away. The results
//! are no live region: a status line says how many there are.

use thirtyfour::Key;

use crate::common::{BILLING_WRITE_TOKEN, DEMO_ADMIN_LOGIN, spawn_app};
use crate::harness::Browser;

const ROWS: &str = "document.querySelectorAll('[data-testid=token-row]')";

/// The searches among the recorded requests (the list's own path, with its query).
fn searches(requests: &[String]) -> Vec<&String> {
    requests
        .iter()
        .filter(|path| path.starts_with("/settings/api-tokens?"))
        .collect()
}

fn assert_each_asked_once(requests: &[String]) {
    let searches = searches(requests);
    let mut distinct = searches.clone();
    distinct.dedup();
    assert_eq!(
        searches, distinct,
        "the same search was sent twice in a row"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_menu_opened_after_typing_a_search_stays_open() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.record_htmx_requests().await;

    browser
        .find("filter-q")
        .await
        .send_keys("sync")
        .await
        .unwrap();
    browser
        .wait_until(&format!(
            "location.search === '?q=sync' && {ROWS}.length === 2"
        ))
        .await;
    browser.wait_for_htmx_idle().await;
    // Only the status line speaks: the results, swapped on every keystroke, would read
    // the whole table out.
    browser
        .wait_until(
            "document.getElementById('token-results-status').textContent === 'Showing 1–2 of 2 tokens'",
        )
        .await;
    assert_eq!(
        browser
            .eval(
                "document.getElementById('token-results')
                   .closest('[aria-live], [role=status], [role=alert], [role=log]') === null"
            )
            .await,
        true,
        "the results are no live region, nor inside one"
    );
    browser
        .css(&format!(
            "[data-token-id=\"{BILLING_WRITE_TOKEN}\"] [data-testid=token-actions]"
        ))
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for_htmx_idle().await;

    assert_eq!(
        browser
            .eval("document.querySelectorAll('[data-testid=actions-menu]').length")
            .await,
        1,
        "the menu is open once the page is idle"
    );
    let requests = browser.htmx_requests().await;
    assert_each_asked_once(&requests);
    assert!(
        searches(&requests).last().unwrap().contains("q=sync"),
        "{requests:?}"
    );
    assert!(
        requests.last().unwrap().ends_with("/menu"),
        "nothing after the menu: {requests:?}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_in_the_search_box_asks_nothing_again() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.record_htmx_requests().await;

    let search = browser.find("filter-q").await;
    search.send_keys("billing").await.unwrap();
    browser
        .wait_until(&format!(
            "location.search === '?q=billing' && {ROWS}.length === 1"
        ))
        .await;
    browser.wait_for_htmx_idle().await;
    let before = browser.htmx_requests().await;
    search.send_keys(Key::Enter).await.unwrap();
    browser.wait_for_htmx_idle().await;
    search.send_keys(" sync").await.unwrap();
    search.send_keys(Key::Enter).await.unwrap();
    browser
        .wait_until(&format!(
            "location.search === '?q=billing+sync' && {ROWS}.length === 1"
        ))
        .await;
    browser.wait_for_htmx_idle().await;

    let after = browser.htmx_requests().await;
    assert_each_asked_once(&after);
    assert_eq!(
        searches(&after).len(),
        searches(&before).len() + 1,
        "Enter on the search already shown asks nothing; Enter on a new one asks once: {after:?}"
    );
    browser.close().await;
}
