//! Support staff reviewing stale tokens across accounts, read-only.

use thirtyfour::components::SelectElement;

use crate::common::{OTHER_INC_STALE_TOKEN, SUPPORT_LOGIN, spawn_app};
use crate::harness::Browser;

const ROWS: &str = "document.querySelectorAll('[data-testid=token-row]')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_finds_tokens_unused_for_90_days_in_any_account_and_opens_one() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(SUPPORT_LOGIN).await;
    assert_eq!(
        browser
            .eval("document.querySelectorAll('[data-testid=token-actions]').length")
            .await,
        0
    );
    assert_eq!(
        browser
            .eval("document.querySelectorAll('[data-testid=create-token]').length")
            .await,
        0
    );

    let unused = browser.find("filter-unused").await;
    SelectElement::new(&unused)
        .await
        .unwrap()
        .select_by_value("90")
        .await
        .unwrap();
    browser
        .wait_until(&format!(
            "location.search === '?unused=90' && {ROWS}.length === 7"
        ))
        .await;

    let accounts = browser
        .eval("[...new Set([...document.querySelectorAll('[data-testid=token-account]')].map(e => e.textContent.trim().split(' ')[0]))]")
        .await;
    assert_eq!(
        accounts,
        serde_json::json!(["Demo", "Other"]),
        "stale tokens from both accounts"
    );
    assert_eq!(
        browser
            .find("export-csv")
            .await
            .attr("href")
            .await
            .unwrap()
            .as_deref(),
        Some("/settings/api-tokens/export.csv?unused=90")
    );

    browser.open_listed(OTHER_INC_STALE_TOKEN).await;
    assert_eq!(
        browser.text("token-detail-name").await,
        "Other Inc catalog sync"
    );
    browser.find("tab-details").await.click().await.unwrap();
    browser.find("recent-ip").await;

    assert_eq!(
        browser
            .find("recent-ip")
            .await
            .attr("data-ip")
            .await
            .unwrap()
            .as_deref(),
        Some("198.51.100.201")
    );
    assert_eq!(
        browser.text("usage-summary").await,
        "No requests in the last 30 days."
    );
    assert_eq!(
        browser
            .eval("document.querySelectorAll('[data-testid=detail-actions]').length")
            .await,
        0
    );
    browser.close().await;
}
