//! The list in the browser: search, sort and paging update the table in place, the
//! URL follows, and the page fits a phone.

use crate::common::{ACTIVE_TOKEN, DEMO_ADMIN_LOGIN, SUPPORT_LOGIN, spawn_app, token_path};
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

/// How far the token table scrolls sideways inside its box, in pixels.
const TABLE_OVERFLOW: &str = "(() => { const box = document.querySelector('.table-scroll'); \
     return box.scrollWidth - box.clientWidth; })()";

/// Whether the first row's actions button, once the page is scrolled down to its row
/// (the table alone stays as it is sideways), is what a click at its centre reaches: not
/// under another column nor clipped by the table's box.
const FIRST_ACTIONS_REACHABLE: &str = "(() => { \
     const button = document.querySelector('[data-testid=token-actions]'); \
     window.scrollTo(0, window.scrollY + button.getBoundingClientRect().top - 100); \
     const box = button.getBoundingClientRect(); \
     const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2); \
     return hit !== null && hit.closest('[data-testid=token-actions]') === button; })()";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_table_fits_a_desktop_and_each_rows_actions_stay_in_reach_when_it_scrolls() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;

    for (who, name) in [(DEMO_ADMIN_LOGIN, "an admin"), (SUPPORT_LOGIN, "support")] {
        browser.sign_in(who).await;
        browser.goto("/settings/api-tokens?status=all").await;
        set_width(&browser, 1280).await;
        assert_eq!(
            browser.eval(TABLE_OVERFLOW).await,
            0,
            "{name}'s table scrolls sideways at 1280px"
        );
        browser.find("logout").await.click().await.unwrap();
        browser.find("login-email").await;
    }

    browser.sign_in(DEMO_ADMIN_LOGIN).await;
    browser.goto("/settings/api-tokens").await;
    for width in [1280, 1024, 390] {
        set_width(&browser, width).await;
        assert_eq!(
            browser.eval(FIRST_ACTIONS_REACHABLE).await,
            true,
            "the first row's actions at {width}px"
        );
    }
    // Scrolled halfway, the columns pass beneath the actions, which stay on top.
    let scrolled = browser
        .eval("(() => { const box = document.querySelector('.table-scroll'); \
               box.scrollLeft = (box.scrollWidth - box.clientWidth) / 2; return box.scrollLeft > 0; })()")
        .await;
    assert_eq!(scrolled, true, "the table scrolls sideways at 390px");
    assert_eq!(browser.eval(FIRST_ACTIONS_REACHABLE).await, true);

    // Its menu opens over the rows below, their actions included, edge to edge.
    set_width(&browser, 1280).await;
    assert_eq!(browser.eval(FIRST_ACTIONS_REACHABLE).await, true);
    browser.find("token-actions").await.click().await.unwrap();
    browser.find("action-edit").await;
    let covered = browser
        .eval(
            "[...document.querySelectorAll('.menu-slot .menu-item')].flatMap(item => { \
               const box = item.getBoundingClientRect(); \
               return [box.left + 3, box.left + box.width / 2, box.right - 3] \
                 .filter(x => !item.contains(document.elementFromPoint(x, box.top + box.height / 2))) \
                 .map(x => `${item.textContent.trim()} at x=${Math.round(x)}`); })",
        )
        .await;
    assert_eq!(covered, serde_json::json!([]), "menu items covered");
    browser.close().await;
}

async fn set_width(browser: &Browser, width: u32) {
    browser
        .driver
        .set_window_rect(0, 0, width, 900)
        .await
        .unwrap();
    browser
        .wait_until(&format!("window.innerWidth === {width}"))
        .await;
}
