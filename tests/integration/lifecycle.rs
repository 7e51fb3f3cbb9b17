//! The token lifecycle in the portal: transitions and every refusal, menus, CSRF,
//! roles, account isolation, concurrency, and what the responses tell htmx.

use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::schema::{api_tokens, audit_events};

use crate::common::{
    ACTIVE_TOKEN, BILLING_WRITE_TOKEN, DELETED_TOKEN, DEMO_ADMIN_LOGIN, DEMO_MEMBER_LOGIN,
    DISABLED_TOKEN, OTHER_ADMIN_LOGIN, OTHER_INC_TOKEN, SUPPORT_LOGIN, TestApp, spawn_app,
    token_path,
};
use crate::visitor::{Page, Visitor};

fn status_of(app: &TestApp, id: &str) -> String {
    api_tokens::table
        .find(id)
        .select(api_tokens::status)
        .first(&mut app.db.connection())
        .unwrap()
}

fn audit_actions(app: &TestApp, id: &str) -> Vec<String> {
    audit_events::table
        .filter(audit_events::token_id.eq(id))
        .order(audit_events::id)
        .select(audit_events::action)
        .load(&mut app.db.connection())
        .unwrap()
}

async fn post(visitor: &Visitor, path: &str, csrf: &str) -> Page {
    visitor.post_form(path, &[("csrf_token", csrf)]).await
}

#[tokio::test]
async fn disable_enable_and_delete_follow_the_state_machine_with_a_message_for_each_refusal() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let disabled = post(&visitor, &format!("{active_path}/disable"), &csrf).await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(disabled.location(), Some("/settings/api-tokens"));
    let list = visitor
        .get(&format!("/settings/api-tokens?q={ACTIVE_TOKEN}"))
        .await;
    assert_eq!(
        list.text("flash-message"),
        "“CI deploy pipeline” is disabled. Requests with it now fail."
    );
    assert_eq!(list.text("token-status"), "Disabled");
    assert!(
        visitor
            .get("/settings/api-tokens")
            .await
            .texts("flash-message")
            .is_empty(),
        "a flash shows once"
    );

    let again = post(&visitor, &format!("{active_path}/disable"), &csrf).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        again.text("modal-error"),
        "This token was already disabled."
    );

    let edit = visitor
        .post_form(
            &format!("{active_path}/edit"),
            &[
                ("csrf_token", &csrf),
                ("name", "x"),
                ("scope", "read"),
                ("modules", "catalog"),
            ],
        )
        .await;
    assert_eq!(edit.status, StatusCode::CONFLICT);
    assert_eq!(
        edit.text("modal-error"),
        "Enable the token before editing it."
    );
    assert_eq!(
        visitor.get(&format!("{active_path}/edit")).await.status,
        StatusCode::CONFLICT
    );

    let enabled = post(&visitor, &format!("{active_path}/enable"), &csrf).await;
    assert_eq!(enabled.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, ACTIVE_TOKEN), "active");
    let enable_again = post(&visitor, &format!("{active_path}/enable"), &csrf).await;
    assert_eq!(enable_again.status, StatusCode::CONFLICT);
    assert_eq!(
        enable_again.text("modal-error"),
        "This token is already active."
    );

    let deleted = post(
        &visitor,
        &format!("{active_path}/delete?from=detail"),
        &csrf,
    )
    .await;
    assert_eq!(
        deleted.location(),
        Some("/settings/api-tokens"),
        "a deleted token's page is gone"
    );
    let (digest, ciphertext): (Option<Vec<u8>>, Option<Vec<u8>>) = api_tokens::table
        .find(ACTIVE_TOKEN)
        .select((api_tokens::secret_digest, api_tokens::secret_ciphertext))
        .first(&mut app.db.connection())
        .unwrap();
    assert!(
        digest.is_none() && ciphertext.is_none(),
        "delete erases the secret material"
    );
    assert!(
        !visitor
            .get("/settings/api-tokens")
            .await
            .token_ids()
            .contains(&ACTIVE_TOKEN.to_owned())
    );
    assert_eq!(
        visitor
            .get("/settings/api-tokens?status=deleted")
            .await
            .token_ids(),
        [ACTIVE_TOKEN, DELETED_TOKEN]
    );
    for action in ["enable", "disable", "delete", "edit"] {
        let page = post(&visitor, &format!("{active_path}/{action}"), &csrf).await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{action}");
        assert_eq!(
            page.text("modal-error"),
            "This token has been deleted and can't be changed."
        );
    }
    let edit_deleted = visitor.get(&format!("{active_path}/edit")).await;
    assert_eq!(edit_deleted.status, StatusCode::CONFLICT);
    assert_eq!(
        edit_deleted.text("modal-error"),
        "This token has been deleted and can't be changed."
    );
    assert_eq!(
        audit_actions(&app, ACTIVE_TOKEN),
        ["token.disable", "token.enable", "token.delete"],
        "refusals change nothing and record nothing"
    );
}

#[tokio::test]
async fn a_disabled_token_can_be_deleted_directly() {
    let app = spawn_app().await;
    let disabled_path = token_path(DISABLED_TOKEN);
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let page = post(&visitor, &format!("{disabled_path}/delete"), &csrf).await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, DISABLED_TOKEN), "deleted");
}

#[tokio::test]
async fn the_menu_offers_only_what_the_tokens_state_allows() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let disabled_path = token_path(DISABLED_TOKEN);
    let deleted_path = token_path(DELETED_TOKEN);
    let (visitor, _) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let active = visitor.get_htmx(&format!("{active_path}/menu")).await;
    let disabled = visitor.get_htmx(&format!("{disabled_path}/menu")).await;
    let deleted = visitor.get_htmx(&format!("{deleted_path}/menu")).await;
    let without_js = visitor
        .get(&format!("{active_path}/menu?from=detail"))
        .await;

    let actions = |page: &Page| page.attrs("[role=menuitem]", "data-testid");
    assert_eq!(
        actions(&active),
        [
            "action-edit",
            "action-rotate",
            "action-copy",
            "action-disable",
            "action-delete"
        ]
    );
    assert_eq!(
        actions(&disabled),
        ["action-enable", "action-copy", "action-delete"]
    );
    assert!(actions(&deleted).is_empty());
    assert!(!active.body.contains("<html"));
    assert!(without_js.body.contains("<html"));
    assert_eq!(
        without_js.attrs("[data-testid=action-disable]", "href"),
        [format!("{active_path}/disable?from=detail")]
    );
}

#[tokio::test]
async fn confirmations_carry_the_seeds_warnings_and_buttons() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let disabled_path = token_path(DISABLED_TOKEN);
    let (visitor, _) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let disable = visitor.get_htmx(&format!("{active_path}/disable")).await;
    let enable = visitor.get_htmx(&format!("{disabled_path}/enable")).await;
    let delete = visitor.get(&format!("{active_path}/delete")).await;

    assert_eq!(disable.text("confirm-submit"), "Disable token");
    assert!(
        disable
            .select(".warnings li")
            .contains(&"CI/CD pipelines and integrations will fail to authenticate.".to_owned())
    );
    assert_eq!(enable.text("confirm-submit"), "Enable token");
    assert!(
        enable
            .select(".warnings li")
            .contains(&"The token becomes active immediately.".to_owned())
    );
    assert_eq!(delete.text("confirm-submit"), "Delete token");
    assert!(
        delete
            .select(".warnings li")
            .contains(&"This action cannot be undone.".to_owned())
    );
    assert!(
        delete.body.contains("<html"),
        "without htmx the dialog is a page"
    );
    assert!(
        !disable.body.contains("<html") && disable.text("modal").starts_with("Disable"),
        "with htmx it is only the dialog, title first: {}",
        disable.body
    );
    assert_eq!(
        status_of(&app, ACTIVE_TOKEN),
        "active",
        "opening a confirmation changes nothing"
    );
}

#[tokio::test]
async fn an_htmx_change_from_the_list_updates_the_row_and_flash_in_place_and_closes_the_modal() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let disabled_path = token_path(DISABLED_TOKEN);
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let disabled = visitor
        .post_htmx(&format!("{active_path}/disable"), &csrf)
        .await;
    let deleted = visitor
        .post_htmx(&format!("{disabled_path}/delete"), &csrf)
        .await;
    let from_detail = visitor
        .post_htmx(&format!("{active_path}/enable?from=detail"), &csrf)
        .await;

    // `<template>` content is a separate fragment to an HTML parser; read it as a table.
    let as_table = |page: &Page| Page {
        status: page.status,
        headers: page.headers.clone(),
        body: page
            .body
            .replace("<template>", "<table>")
            .replace("</template>", "</table>"),
    };
    let (disabled_rows, deleted_rows) = (as_table(&disabled), as_table(&deleted));
    assert_eq!(disabled.status, StatusCode::OK);
    assert_eq!(
        disabled.header("hx-trigger-after-swap"),
        Some("tokendesk:close-modal")
    );
    assert_eq!(disabled.header("hx-reswap"), Some("none"));
    assert_eq!(
        disabled_rows.attrs("tr[hx-swap-oob=true]", "data-token-id"),
        [ACTIVE_TOKEN]
    );
    assert_eq!(disabled_rows.texts("token-status"), ["Disabled"]);
    assert_eq!(
        disabled_rows.attrs("[data-testid=token-row]", "class"),
        ["token-row status-disabled"]
    );
    assert_eq!(
        disabled_rows.attrs("[data-testid=token-actions]", "href"),
        [format!("{active_path}/menu")]
    );
    assert_eq!(disabled.attrs("#flash", "hx-swap-oob"), ["true"]);
    assert_eq!(deleted_rows.attrs("tr", "hx-swap-oob"), ["delete"]);
    assert_eq!(
        deleted_rows.attrs("tr", "id"),
        [format!("row-{DISABLED_TOKEN}")]
    );
    assert_eq!(from_detail.header("hx-refresh"), Some("true"));
    let detail = visitor.get(&active_path).await;
    assert_eq!(detail.text("token-detail-status"), "Active");
    assert!(detail.text("flash-message").contains("is enabled"));
}

#[tokio::test]
async fn two_admins_disabling_at_once_produce_one_disable_and_one_clear_refusal() {
    let app = spawn_app().await;
    let mut sessions = Vec::new();
    for _ in 0..6 {
        sessions.push(Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await);
    }

    let mut attempts = tokio::task::JoinSet::new();
    for (visitor, csrf) in sessions {
        attempts.spawn(async move {
            post(
                &visitor,
                &format!("{}/disable", token_path(BILLING_WRITE_TOKEN)),
                &csrf,
            )
            .await
        });
    }
    let pages: Vec<Page> = attempts.join_all().await;

    let done = pages
        .iter()
        .filter(|p| p.status == StatusCode::SEE_OTHER)
        .count();
    let refused: Vec<_> = pages
        .iter()
        .filter(|p| p.status == StatusCode::CONFLICT)
        .collect();
    assert_eq!(done, 1, "exactly one admin disabled it");
    assert_eq!(refused.len(), 5);
    assert!(
        refused
            .iter()
            .all(|p| p.text("modal-error") == "This token was already disabled.")
    );
    assert_eq!(audit_actions(&app, BILLING_WRITE_TOKEN), ["token.disable"]);
}

#[tokio::test]
async fn another_accounts_token_is_404_for_every_action_and_stays_unchanged() {
    let app = spawn_app().await;
    let others_path = token_path(OTHER_INC_TOKEN);
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    for path in ["menu", "edit", "disable", "delete"] {
        assert_eq!(
            visitor.get(&format!("{others_path}/{path}")).await.status,
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    for path in ["edit", "disable", "delete", "secret"] {
        let page = post(&visitor, &format!("{others_path}/{path}"), &csrf).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    assert_eq!(status_of(&app, OTHER_INC_TOKEN), "active");
    assert!(audit_actions(&app, OTHER_INC_TOKEN).is_empty());
}

#[tokio::test]
async fn support_staff_and_members_can_change_nothing() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let disabled_path = token_path(DISABLED_TOKEN);
    let support = Visitor::signed_in(&app, SUPPORT_LOGIN).await;
    let support_csrf = support.csrf_token().await;
    let member = Visitor::signed_in(&app, DEMO_MEMBER_LOGIN).await;
    let member_csrf = member.get("/settings/api-tokens").await.csrf_token();

    for (who, visitor, csrf, test_id) in [
        ("support", &support, &support_csrf, "read-only"),
        ("member", &member, &member_csrf, "no-api-access"),
    ] {
        for path in [
            "/settings/api-tokens",
            &format!("{active_path}/edit"),
            &format!("{active_path}/disable"),
            &format!("{active_path}/delete"),
            &format!("{active_path}/secret"),
            &format!("{disabled_path}/enable"),
        ] {
            let page = post(visitor, path, csrf).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} POST {path}");
            assert_eq!(page.texts(test_id).len(), 1, "{who} POST {path}");
        }
        for path in [
            "/settings/api-tokens/new",
            &format!("{active_path}/menu"),
            &format!("{active_path}/edit"),
        ] {
            assert_eq!(
                visitor.get(path).await.status,
                StatusCode::FORBIDDEN,
                "{who} GET {path}"
            );
        }
    }
    let support_view = support.get(&active_path).await;
    assert!(
        support_view.texts("detail-actions").is_empty()
            && support_view.texts("secret-show").is_empty()
    );
    assert!(
        support
            .get("/settings/api-tokens")
            .await
            .texts("token-actions")
            .is_empty()
    );
    assert_eq!(status_of(&app, ACTIVE_TOKEN), "active");
}

#[tokio::test]
async fn every_post_without_the_sessions_csrf_token_is_refused() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let disabled_path = token_path(DISABLED_TOKEN);
    let (visitor, _) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    for path in [
        "/settings/api-tokens".to_owned(),
        format!("{active_path}/edit"),
        format!("{active_path}/disable"),
        format!("{active_path}/delete"),
        format!("{disabled_path}/enable"),
        format!("{active_path}/secret"),
        "/logout".to_owned(),
    ] {
        let missing = visitor.post_form(&path, &[("name", "x")]).await;
        let wrong = visitor.post_form(&path, &[("csrf_token", "forged")]).await;
        for page in [missing, wrong] {
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(page.texts("csrf-error").len(), 1, "{path}");
        }
    }
    assert_eq!(status_of(&app, ACTIVE_TOKEN), "active");
    assert_eq!(status_of(&app, DISABLED_TOKEN), "disabled");
}

#[tokio::test]
async fn another_admins_form_token_does_not_work_in_this_session() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let (visitor, _) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let other = Visitor::signed_in(&app, OTHER_ADMIN_LOGIN).await;
    let others_csrf = other.csrf_token().await;

    let page = post(&visitor, &format!("{active_path}/disable"), &others_csrf).await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
}
