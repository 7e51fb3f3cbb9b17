//! A token's details page: header, the three tabs with and without htmx, and 404s.

use reqwest::StatusCode;

use crate::common::{
    ACTIVE_TOKEN, DELETED_TOKEN, DEMO_ADMIN, DEMO_ADMIN_LOGIN, DISABLED_TOKEN, OTHER_ADMIN_LOGIN,
    OTHER_INC_TOKEN, SUPPORT_LOGIN, THREE_MODULES_TOKEN, spawn_app, token_path,
};
use crate::visitor::Visitor;

#[tokio::test]
async fn the_details_page_shows_name_id_and_status_and_opens_on_the_general_tab() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = visitor.get(&active_path).await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("token-detail-name"), "CI deploy pipeline");
    assert_eq!(page.text("token-detail-id"), ACTIVE_TOKEN);
    assert_eq!(page.text("token-detail-status"), "Active");
    assert_eq!(
        page.attrs("[data-testid=tab-panel]", "data-tab"),
        ["general"]
    );
    assert_eq!(
        page.text("token-description"),
        "Deploys the storefront from the main branch."
    );
    let secret = page.text("token-secret");
    assert!(
        secret.starts_with("tdk_") && secret.ends_with('…') && secret.chars().count() == 11,
        "{secret}"
    );
    assert_eq!(
        page.attrs("[data-testid=tab-general]", "aria-current"),
        ["page"]
    );
    for tab in ["general", "modules", "details"] {
        assert_eq!(
            page.attrs(&format!("[data-testid=tab-{tab}]"), "href"),
            [format!("{active_path}?tab={tab}")]
        );
    }
}

#[tokio::test]
async fn the_modules_tab_lists_each_granted_module_with_its_description() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = visitor
        .get(&format!("{}?tab=modules", token_path(THREE_MODULES_TOKEN)))
        .await;

    assert_eq!(
        page.attrs("[data-testid=tab-panel]", "data-tab"),
        ["modules"]
    );
    assert_eq!(
        page.attrs("[data-testid=token-module]", "data-module-id"),
        ["billing", "usage", "reports"]
    );
    assert_eq!(
        page.texts("token-module")[0],
        "Billing Invoices, payments and billing statements."
    );
}

#[tokio::test]
async fn the_details_tab_shows_times_creator_and_last_access() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let active = visitor.get(&format!("{active_path}?tab=details")).await;
    let disabled = visitor
        .get(&format!("{}?tab=details", token_path(DISABLED_TOKEN)))
        .await;

    assert!(
        active
            .text("detail-created")
            .contains(&format!("by Avery Admin {DEMO_ADMIN}"))
    );
    assert_eq!(active.text("detail-expires"), "Never");
    assert_eq!(active.text("detail-disabled"), "—");
    assert!(
        active
            .text("detail-last-access")
            .ends_with("(12 minutes ago)")
    );
    assert_eq!(active.text("detail-last-ip"), "203.0.113.10");
    assert_eq!(
        active.text("detail-last-user-agent"),
        "tokendesk-demo-client/1.0"
    );
    assert!(disabled.text("detail-disabled").ends_with(" UTC"));
    assert_eq!(disabled.text("token-detail-status"), "Disabled");
}

#[tokio::test]
async fn htmx_tab_requests_get_the_tabs_alone() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let fragment = visitor
        .get_htmx(&format!("{active_path}?tab=details"))
        .await;

    assert_eq!(fragment.status, StatusCode::OK);
    assert!(!fragment.body.contains("<html"));
    assert!(fragment.texts("token-detail-name").is_empty());
    assert_eq!(
        fragment.attrs("[data-testid=tab-panel]", "data-tab"),
        ["details"]
    );
    assert_eq!(
        fragment.attrs("[data-testid=tab-details]", "aria-current"),
        ["page"]
    );
    assert_eq!(fragment.header("vary"), Some("HX-Request, HX-Trigger"));
}

#[tokio::test]
async fn an_unknown_tab_opens_general() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = visitor.get(&format!("{active_path}?tab=secrets")).await;

    assert_eq!(
        page.attrs("[data-testid=tab-panel]", "data-tab"),
        ["general"]
    );
}

#[tokio::test]
async fn a_deleted_token_shows_no_value() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = visitor.get(&token_path(DELETED_TOKEN)).await;

    assert_eq!(page.text("token-detail-status"), "Deleted");
    assert_eq!(page.text("token-secret"), "Deleted: no value is kept");
}

#[tokio::test]
async fn an_unknown_id_and_another_accounts_id_get_the_same_404() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let unknown = visitor.get("/settings/api-tokens/TK-9999-9999-9999").await;
    let others = visitor.get(&token_path(OTHER_INC_TOKEN)).await;
    let malformed = visitor.get("/settings/api-tokens/not-a-token").await;

    for page in [&unknown, &others, &malformed] {
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert_eq!(page.texts("not-found").len(), 1);
    }
    assert_eq!(
        unknown.body, others.body,
        "nothing tells another account's token apart"
    );
    assert!(!others.body.contains("Other Inc billing export"));
}

#[tokio::test]
async fn the_other_accounts_admin_opens_their_own_token_and_support_opens_any() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let other = Visitor::signed_in(&app, OTHER_ADMIN_LOGIN).await;
    let support = Visitor::signed_in(&app, SUPPORT_LOGIN).await;

    let own = other.get(&token_path(OTHER_INC_TOKEN)).await;
    let demo_for_other = other.get(&active_path).await;
    let support_view = support.get(&active_path).await;

    assert_eq!(own.text("token-detail-name"), "Other Inc billing export");
    assert_eq!(demo_for_other.status, StatusCode::NOT_FOUND);
    assert_eq!(support_view.text("token-detail-name"), "CI deploy pipeline");
}
