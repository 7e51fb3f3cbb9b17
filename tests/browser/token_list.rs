//! The list in the browser: search, sort and paging update the table in place, the
//! URL follows, and the page fits a phone.

use crate::common::{ACTIVE_TOKEN, DEMO_ADMIN_LOGIN, spawn_app, token_path};
use crate::harness::Browser;

const ROWS: &str = "document.querySelectorAll('[data-testid=token-row]')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searching_updates_the_table_in_place_and_a_reload_shows_the_same_view() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.mark_document().await;

    browser
        .find("filter-q")
        .await
        .send_keys("billing")
        .await
        .unwrap();
    browser
        .wait_until(&format!(
            "location.search === '?q=billing' && {ROWS}.length === 1"
        ))
        .await;

    assert!(
        browser.same_document().await,
        "htmx swapped the table without a page load"
    );
    assert_eq!(
        browser.find("token-name").await.text().await.unwrap(),
        "Billing sync"
    );
    browser.driver.refresh().await.unwrap();
    browser.find("tokens-table").await;
    assert!(!browser.same_document().await);
    assert_eq!(browser.eval(&format!("{ROWS}.length")).await, 1);
    assert_eq!(
        browser
            .find("filter-q")
            .await
            .value()
            .await
            .unwrap()
            .as_deref(),
        Some("billing")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_filter_sorting_and_paging_work_in_place() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.mark_document().await;

    browser.find("sort-name").await.click().await.unwrap();
    browser
        .wait_until("location.search === '?sort=name&dir=asc'")
        .await;
    browser
        .wait_until("document.querySelector('[data-testid=token-name]').textContent === 'Analytics collector'")
        .await;
    browser.find("page-next").await.click().await.unwrap();
    browser
        .wait_until("/^[?]sort=name&dir=asc&page=2&after=TK-[0-9-]+$/.test(location.search)")
        .await;
    browser.wait_until(&format!("{ROWS}.length === 2")).await;
    browser
        .wait_until(
            "document.querySelector('[data-testid=page-status]').textContent === 'Page 2 of 2'",
        )
        .await;
    let status = browser.find("filter-status").await;
    thirtyfour::components::SelectElement::new(&status)
        .await
        .unwrap()
        .select_by_value("disabled")
        .await
        .unwrap();
    browser
        .wait_until("location.search === '?status=disabled&sort=name&dir=asc'")
        .await;
    browser.wait_until(&format!("{ROWS}.length === 3")).await;

    let names = browser
        .eval("[...document.querySelectorAll('[data-testid=token-name]')].map(e => e.textContent)")
        .await;
    assert_eq!(
        names,
        serde_json::json!(["Backup checker", "Legacy CRM bridge", "Subscription sync"])
    );
    let look = browser
        .eval(
            "(() => { const row = document.querySelector('[data-testid=token-row]'); \
               return [getComputedStyle(row).opacity, \
                       getComputedStyle(row.querySelector('[data-testid=token-scope]')).color]; })()",
        )
        .await;
    assert_eq!(
        look,
        serde_json::json!(["1", "rgb(91, 101, 115)"]),
        "disabled rows are set apart by muted text (5.5:1 or more) and a badge, not by opacity"
    );
    assert!(browser.same_document().await);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_and_details_fit_a_desktop_and_a_phone() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    let shots = std::env::var("TOKENDESK_SCREENSHOTS").ok();

    for (page, path) in [
        ("list", "/settings/api-tokens".to_owned()),
        (
            "details",
            format!("{}?tab=details", token_path(ACTIVE_TOKEN)),
        ),
    ] {
        browser.goto(&path).await;
        for (width, height) in [(1280, 900), (390, 844)] {
            browser
                .driver
                .set_window_rect(0, 0, width, height)
                .await
                .unwrap();
            browser
                .wait_until(&format!("window.innerWidth === {width}"))
                .await;
            let overflow = browser
                .eval("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                .await;
            assert_eq!(
                overflow, 0,
                "{page} scrolls sideways at {width}px; only the table may"
            );
            if let Some(dir) = &shots {
                let file = std::path::Path::new(dir).join(format!("{page}-{width}.png"));
                browser.driver.screenshot(&file).await.unwrap();
            }
        }
    }
    browser.close().await;
}
