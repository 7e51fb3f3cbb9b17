//! Every page has one h1. A dialog shown as a page of its own (without JavaScript, or
//! its address opened directly) has its title as that h1; the same dialog sent for the
//! page's `<dialog>` has it as an h2, under the h1 of the page behind it.

use reqwest::StatusCode;

use crate::common::{ACTIVE_TOKEN, DEMO_ADMIN_LOGIN, DISABLED_TOKEN, spawn_app, token_path};
use crate::visitor::{Page, Visitor};

fn headings(page: &Page, level: &str) -> Vec<String> {
    page.select(level)
}

#[tokio::test]
async fn a_dialog_as_a_page_has_its_title_as_the_one_h1_and_in_the_dialog_as_an_h2() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let active = token_path(ACTIVE_TOKEN);
    let dialogs = [
        ("/settings/api-tokens/new".to_owned(), "Create API token"),
        (format!("{active}/edit"), "Edit API token"),
        (format!("{active}/rotate"), "Rotate API token"),
        (format!("{active}/disable"), "Disable API token"),
        (
            format!("{}/enable", token_path(DISABLED_TOKEN)),
            "Enable API token",
        ),
    ];

    for (path, title) in &dialogs {
        let page = admin.get(path).await;
        let dialog = admin.get_htmx(path).await;

        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(headings(&page, "h1"), [*title], "{path} as a page");
        assert_eq!(headings(&page, "#modal-title"), [*title]);
        assert!(headings(&dialog, "h1").is_empty(), "{path} in the dialog");
        assert_eq!(headings(&dialog, "h2#modal-title"), [*title], "{path}");
    }

    let sent_with_errors = admin
        .post_form(
            "/settings/api-tokens",
            &[("csrf_token", csrf.as_str()), ("name", "")],
        )
        .await;
    assert_eq!(sent_with_errors.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(headings(&sent_with_errors, "h1"), ["Create API token"]);
    let created = admin
        .post_form(
            "/settings/api-tokens",
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "Headed"),
                ("scope", "read"),
                ("modules", "billing"),
                ("expires_in", "7"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(headings(&created, "h1"), ["Token created"]);
}

#[tokio::test]
async fn the_pages_behind_the_dialogs_have_one_h1_each() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    for path in [
        "/settings/api-tokens".to_owned(),
        token_path(ACTIVE_TOKEN),
        "/settings/audit".to_owned(),
        "/settings/sessions".to_owned(),
        "/settings/token-policy".to_owned(),
    ] {
        let page = admin.get(&path).await;
        assert_eq!(headings(&page, "h1").len(), 1, "{path}");
    }
}
