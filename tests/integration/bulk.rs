//! Bulk changes: ticking tokens on the list, one confirmation naming each of them, then
//! each token changed and audited on its own, those whose state does not allow it
//! skipped with why; without JavaScript, with htmx, and through the API, within the
//! calling token's reach. Hostile selections change nothing.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokendesk::db::schema::{api_tokens, audit_events};
use tokendesk::domain::{Scope, TokenSecret};

use crate::common::{
    ACTIVE_TOKEN, ApiClient, ApiResponse, DELETED_TOKEN, DEMO_ADMIN, DEMO_ADMIN_LOGIN,
    DISABLED_NEVER_USED_TOKEN, DISABLED_TOKEN, OTHER_INC_TOKEN, RECENTLY_DISABLED_TOKEN,
    REPORTS_READ_TOKEN, SUPPORT_LOGIN, TestApp, invalidated_after, spawn_app, token_path,
};
use crate::visitor::{Page, Visitor};

const LIST: &str = "/settings/api-tokens";
const CONFIRM: &str = "/settings/api-tokens/bulk";
const APPLY: &str = "/settings/api-tokens/bulk/apply";
const UNKNOWN_TOKEN: &str = "TK-9999-9999-9999";

/// Each audit event on `token`: its action and who acted (a person's or a token's id).
fn audit_of(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let events: Vec<(String, Option<String>, Option<String>)> = audit_events::table
        .filter(audit_events::token_id.eq(token))
        .order(audit_events::id)
        .select((
            audit_events::action,
            audit_events::actor_user_id,
            audit_events::actor_token_id,
        ))
        .load(&mut app.db.connection())
        .unwrap();
    events
        .into_iter()
        .map(|(action, user, token)| (action, user.or(token).unwrap_or_default()))
        .collect()
}

fn status_of(app: &TestApp, token: &str) -> String {
    api_tokens::table
        .find(token)
        .select(api_tokens::status)
        .first::<tokendesk::domain::TokenStatus>(&mut app.db.connection())
        .unwrap()
        .as_str()
        .to_owned()
}

/// The list's form as a browser sends it: `fields`, then the session's CSRF token.
async fn post(visitor: &Visitor, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
    let mut form = fields.to_vec();
    form.push(("csrf_token", csrf));
    visitor.post_form(path, &form).await
}

/// The same form as htmx sends it: the CSRF token in the header.
async fn post_htmx(visitor: &Visitor, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
    let request = visitor
        .request(Method::POST, path)
        .header("HX-Request", "true")
        .header("X-CSRF-Token", csrf)
        .form(fields);
    visitor.send(request).await
}

/// The fields of the confirmation's form, as the page holds them.
fn confirmed_fields(page: &Page) -> Vec<(String, String)> {
    let inputs = format!("form[action=\"{APPLY}\"] input[type=hidden]");
    page.attrs(&inputs, "name")
        .into_iter()
        .zip(page.attrs(&inputs, "value"))
        .collect()
}

fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The text of each element with this test id, a token's id followed by ": " read as
/// the page shows it (`Page::texts` puts a space between an element and the text
/// after it).
fn read(page: &Page, test_id: &str) -> Vec<String> {
    page.texts(test_id)
        .into_iter()
        .map(|text| text.replace(" :", ":"))
        .collect()
}

/// A fragment's out-of-band rows, readable once their `<template>`s are tables.
fn as_table(page: &Page) -> Page {
    Page {
        body: page
            .body
            .replace("<template>", "<table>")
            .replace("</template>", "</table>"),
        ..page.clone()
    }
}

#[tokio::test]
async fn admins_get_a_checkbox_per_row_and_select_all_support_staff_get_none() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let list = admin.get(&format!("{LIST}?q=TK-1000-0000-001")).await;

    let rows = list.token_ids();
    assert!(rows.len() > 5, "{rows:?}");
    assert_eq!(
        list.attrs("[data-testid=token-select]", "data-token-id"),
        rows
    );
    assert_eq!(list.attrs("[data-testid=token-select]", "value"), rows);
    assert_eq!(
        list.attrs("[data-testid=token-select]", "form"),
        vec!["bulk-form"; rows.len()]
    );
    assert_eq!(
        list.attrs("[data-testid=select-all]", "name"),
        ["select_all"]
    );
    assert_eq!(list.attrs("#bulk-form input[name=page_ids]", "value"), rows);
    assert_eq!(
        list.attrs("#bulk-form input[name=return_to]", "value"),
        ["/settings/api-tokens?q=TK-1000-0000-001"]
    );
    for (button, action) in [
        ("bulk-disable", "disable"),
        ("bulk-enable", "enable"),
        ("bulk-delete", "delete"),
    ] {
        assert_eq!(
            list.attrs(&format!("[data-testid={button}]"), "value"),
            [action]
        );
    }
    // A deleted token can't be changed: listed, but not to be ticked.
    let deleted = admin.get(&format!("{LIST}?status=deleted")).await;
    assert_eq!(deleted.token_ids(), [DELETED_TOKEN]);
    assert!(deleted.texts("token-select").is_empty());
    assert!(deleted.texts("bulk-disable").is_empty());

    let (support, csrf) = Visitor::signed_in_with_csrf(&app, SUPPORT_LOGIN).await;
    let read_only = support.get(LIST).await;
    for test_id in [
        "token-select",
        "select-all",
        "bulk-disable",
        "bulk-enable",
        "bulk-delete",
    ] {
        assert!(read_only.texts(test_id).is_empty(), "{test_id}");
    }
    let refused = post(
        &support,
        CONFIRM,
        &csrf,
        &[("action", "disable"), ("ids", ACTIVE_TOKEN)],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.texts("read-only").len(), 1);
}

#[tokio::test]
async fn a_bulk_change_refuses_each_token_it_changed_here_at_once_and_then_on_another_instance() {
    let app = spawn_app().await;
    let other = app.second_instance();
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let secrets = [ACTIVE_TOKEN, REPORTS_READ_TOKEN].map(|id| app.secret_of(id));
    let here = secrets.each_ref().map(|secret| app.api(secret));
    let there = secrets
        .each_ref()
        .map(|secret| ApiClient::new(&other.address, secret));
    invalidated_after(&other.cache, 0).await; // the other instance is listening
    for api in here.iter().chain(&there) {
        assert_eq!(api.whoami().await.status, StatusCode::OK, "cached");
    }
    let selection = [
        ("action", "disable"),
        ("ids", ACTIVE_TOKEN),
        ("ids", REPORTS_READ_TOKEN),
        ("return_to", "/settings/api-tokens"),
    ];
    let confirmation = post(&admin, CONFIRM, &csrf, &selection).await;

    let result = admin
        .post_form(APPLY, &borrowed(&confirmed_fields(&confirmation)))
        .await;

    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    for api in &here {
        assert_eq!(
            api.whoami().await.body["reason"],
            "disabled",
            "here, at once"
        );
    }
    // The other instance hears of each token apart, maybe in two batches.
    let refused_there = async {
        loop {
            let seen = other.cache.invalidations();
            let mut refused = 0;
            for api in &there {
                refused += usize::from(api.whoami().await.body["reason"] == "disabled");
            }
            if refused == there.len() {
                return;
            }
            invalidated_after(&other.cache, seen).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(2), refused_there)
        .await
        .expect("both refused on the other instance within 2 s");
}

#[tokio::test]
async fn without_javascript_one_confirmation_names_the_tokens_then_each_is_changed_and_audited_on_its_own()
 {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let back = "/settings/api-tokens?q=TK-1000";
    let selection = [
        ("action", "disable"),
        ("ids", ACTIVE_TOKEN),
        ("ids", REPORTS_READ_TOKEN),
        ("ids", DISABLED_TOKEN),
        ("ids", ACTIVE_TOKEN),
        ("return_to", back),
    ];

    let confirmation = post(&admin, CONFIRM, &csrf, &selection).await;

    assert_eq!(confirmation.status, StatusCode::OK, "{}", confirmation.body);
    assert!(confirmation.body.contains("<html"), "a page of its own");
    assert_eq!(
        confirmation.attrs("[data-testid=bulk-confirm-token]", "data-token-id"),
        [ACTIVE_TOKEN, REPORTS_READ_TOKEN, DISABLED_TOKEN],
        "each token once, in the order ticked"
    );
    let named = read(&confirmation, "bulk-confirm-token");
    assert_eq!(named[0], format!("“CI deploy pipeline” {ACTIVE_TOKEN}"));
    assert_eq!(
        named[1],
        format!("“Nightly reports export” {REPORTS_READ_TOKEN}")
    );
    assert_eq!(
        named[2],
        format!("“Legacy CRM bridge” {DISABLED_TOKEN}: skipped. This token was already disabled.")
    );
    assert_eq!(
        confirmation.attrs("[data-testid=bulk-confirm-token]", "data-outcome"),
        ["change", "change", "skip"]
    );
    assert_eq!(
        confirmation.text("bulk-confirm-summary"),
        "Of the 3 tokens selected, 2 will be disabled and 1 skipped:"
    );
    assert_eq!(confirmation.text("confirm-submit"), "Disable 2 tokens");
    assert_eq!(
        confirmation.attrs("[data-testid=confirm-cancel]", "href"),
        [back]
    );
    assert_eq!(
        status_of(&app, ACTIVE_TOKEN),
        "active",
        "nothing changed yet"
    );
    assert!(audit_of(&app, ACTIVE_TOKEN).is_empty());

    let fields = confirmed_fields(&confirmation);
    let result = admin.post_form(APPLY, &borrowed(&fields)).await;

    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    assert_eq!(
        result.text("bulk-result-summary"),
        "Disabled 2 tokens. Skipped 1."
    );
    assert_eq!(
        result.attrs("[data-testid=bulk-result-changed]", "data-token-id"),
        [ACTIVE_TOKEN, REPORTS_READ_TOKEN]
    );
    assert_eq!(
        read(&result, "bulk-result-skipped"),
        [format!(
            "“Legacy CRM bridge” {DISABLED_TOKEN}: This token was already disabled."
        )]
    );
    assert_eq!(result.attrs("[data-testid=bulk-done]", "href"), [back]);
    for id in [ACTIVE_TOKEN, REPORTS_READ_TOKEN] {
        assert_eq!(status_of(&app, id), "disabled");
        assert_eq!(
            audit_of(&app, id),
            [("token.disable".to_owned(), DEMO_ADMIN.to_owned())],
            "{id}: one event of its own"
        );
    }
    assert!(
        audit_of(&app, DISABLED_TOKEN).is_empty(),
        "a skip is no change"
    );
    let refused = app.api(&app.secret_of(ACTIVE_TOKEN)).whoami().await;
    assert_eq!(refused.body["reason"], "disabled");

    let list = admin.get(back).await;
    assert_eq!(list.text("flash-message"), "Disabled 2 tokens. Skipped 1.");
    let statuses = list.select(&format!(
        "[data-token-id=\"{REPORTS_READ_TOKEN}\"] [data-testid=token-status]"
    ));
    assert_eq!(statuses, ["Disabled"]);
}

#[tokio::test]
async fn with_htmx_the_confirmation_and_the_result_are_dialog_fragments_and_the_rows_update() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let selection = [
        ("action", "enable"),
        ("ids", DISABLED_TOKEN),
        ("ids", ACTIVE_TOKEN),
    ];

    let confirmation = post_htmx(&admin, CONFIRM, &csrf, &selection).await;

    assert_eq!(confirmation.status, StatusCode::OK, "{}", confirmation.body);
    assert!(
        !confirmation.body.contains("<html"),
        "a fragment for #modal"
    );
    assert_eq!(confirmation.texts("modal").len(), 1);
    assert_eq!(
        confirmation.attrs("[data-testid=bulk-confirm-list] li", "data-token-id"),
        [DISABLED_TOKEN, ACTIVE_TOKEN]
    );
    assert_eq!(confirmation.attrs("form[hx-post]", "hx-target"), ["#modal"]);

    let fields = confirmed_fields(&confirmation);
    let result = post_htmx(&admin, APPLY, &csrf, &borrowed(&fields)).await;

    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    assert!(!result.body.contains("<html"));
    assert_eq!(
        result.text("bulk-result-summary"),
        "Enabled 1 token. Skipped 1."
    );
    assert_eq!(
        read(&result, "bulk-result-skipped"),
        [format!(
            "“CI deploy pipeline” {ACTIVE_TOKEN}: This token is already active."
        )]
    );
    let rows = as_table(&result);
    assert_eq!(
        rows.attrs("tr[hx-swap-oob=true]", "data-token-id"),
        [DISABLED_TOKEN, ACTIVE_TOKEN],
        "the rows of the tokens named, as they are now"
    );
    assert_eq!(rows.texts("token-status"), ["Active", "Active"]);
    assert_eq!(result.attrs("#flash", "hx-swap-oob"), ["true"]);
    assert_eq!(result.text("flash-message"), "Enabled 1 token. Skipped 1.");
    assert_eq!(
        result.attrs("#reminders", "hx-swap-oob"),
        ["true"],
        "the list's banners, recounted"
    );
    assert_eq!(
        result.text("expiry-reminder"),
        "2 tokens expire within 7 days. Show the tokens expiring soon"
    );
    assert_eq!(
        audit_of(&app, DISABLED_TOKEN),
        [("token.enable".to_owned(), DEMO_ADMIN.to_owned())]
    );
    let list = admin.get(LIST).await;
    assert!(
        list.texts("flash-message").is_empty(),
        "the dialog said it: no flash left for the next page"
    );
}

#[tokio::test]
async fn tokens_whose_state_does_not_allow_the_change_are_skipped_with_why() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let enabled = post(
        &admin,
        APPLY,
        &csrf,
        &[
            ("action", "enable"),
            ("ids", ACTIVE_TOKEN),
            ("ids", DELETED_TOKEN),
            ("ids", RECENTLY_DISABLED_TOKEN),
        ],
    )
    .await;
    assert_eq!(enabled.status, StatusCode::OK);
    assert_eq!(
        enabled.attrs("[data-testid=bulk-result-changed]", "data-token-id"),
        [RECENTLY_DISABLED_TOKEN]
    );
    assert_eq!(
        read(&enabled, "bulk-result-skipped"),
        [
            format!("“CI deploy pipeline” {ACTIVE_TOKEN}: This token is already active."),
            format!(
                "“Old staging key” {DELETED_TOKEN}: This token has been deleted and can't be changed."
            ),
        ]
    );

    let deleted = post(
        &admin,
        APPLY,
        &csrf,
        &[
            ("action", "delete"),
            ("ids", DISABLED_NEVER_USED_TOKEN),
            ("ids", DELETED_TOKEN),
        ],
    )
    .await;
    assert_eq!(
        deleted.text("bulk-result-summary"),
        "Deleted 1 token. Skipped 1."
    );
    assert_eq!(status_of(&app, DISABLED_NEVER_USED_TOKEN), "deleted");
    assert_eq!(
        audit_of(&app, DELETED_TOKEN),
        [],
        "nothing recorded for a skip"
    );

    // Nothing selected may change: the confirmation says so and offers only Close.
    let nothing = post(
        &admin,
        CONFIRM,
        &csrf,
        &[("action", "delete"), ("ids", DELETED_TOKEN)],
    )
    .await;
    assert_eq!(nothing.status, StatusCode::CONFLICT);
    assert_eq!(
        nothing.text("bulk-confirm-summary"),
        "The token selected can't be deleted:"
    );
    assert_eq!(
        nothing.text("modal-error"),
        "There is nothing to delete: each token is skipped for the reason given."
    );
    assert!(nothing.texts("confirm-submit").is_empty());
}

#[tokio::test]
async fn select_all_on_the_page_without_javascript_takes_the_pages_ids() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let list = admin.get(LIST).await;
    let page_ids = list.attrs("#bulk-form input[name=page_ids]", "value");
    assert_eq!(page_ids, list.token_ids());

    // What the browser sends: the ticked boxes, then the form's own fields.
    let mut form = vec![
        ("ids", page_ids[3].as_str()),
        ("select_all", "page"),
        ("action", "disable"),
    ];
    form.extend(page_ids.iter().map(|id| ("page_ids", id.as_str())));
    let confirmation = post(&admin, CONFIRM, &csrf, &form).await;

    assert_eq!(confirmation.status, StatusCode::OK);
    let named = confirmation.attrs("[data-testid=bulk-confirm-token]", "data-token-id");
    let mut expected = vec![page_ids[3].clone()];
    expected.extend(page_ids.iter().filter(|id| **id != page_ids[3]).cloned());
    assert_eq!(
        named,
        expected,
        "the page's {} tokens, each once",
        page_ids.len()
    );

    // Without "select all", the page's ids don't count.
    let one = post(
        &admin,
        CONFIRM,
        &csrf,
        &[
            ("action", "disable"),
            ("ids", ACTIVE_TOKEN),
            ("page_ids", REPORTS_READ_TOKEN),
        ],
    )
    .await;
    assert_eq!(
        one.attrs("[data-testid=bulk-confirm-token]", "data-token-id"),
        [ACTIVE_TOKEN]
    );
}

#[tokio::test]
async fn both_steps_need_the_forms_csrf_token() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let selection = [("action", "disable"), ("ids", ACTIVE_TOKEN)];

    for path in [CONFIRM, APPLY] {
        let plain = admin.post_form(path, &selection).await;
        assert_eq!(plain.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(plain.texts("csrf-error").len(), 1, "{path}");
        let wrong = post_htmx(&admin, path, "not-the-token", &selection).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(status_of(&app, ACTIVE_TOKEN), "active");
    assert!(audit_of(&app, ACTIVE_TOKEN).is_empty());
}

#[tokio::test]
async fn another_accounts_ids_are_skipped_as_not_found_exactly_like_unknown_ones() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    // Nothing to disable in the confirmation (409); each skipped in the result.
    for (path, status) in [(CONFIRM, StatusCode::CONFLICT), (APPLY, StatusCode::OK)] {
        // Beside a token of the account that is skipped, so both answers change nothing.
        let answer = |id: &'static str| {
            let fields = [("action", "disable"), ("ids", DISABLED_TOKEN), ("ids", id)];
            let admin = &admin;
            let csrf = &csrf;
            async move {
                // The flash an earlier change left is shown, and so gone, first.
                admin.get(LIST).await;
                post(admin, path, csrf, &fields).await
            }
        };
        let theirs = answer(OTHER_INC_TOKEN).await;
        let nobodys = answer(UNKNOWN_TOKEN).await;
        assert_eq!(theirs.status, status, "{path}: {}", theirs.body);
        assert_eq!(theirs.status, nobodys.status, "{path}");
        assert_eq!(
            theirs.body.replace(OTHER_INC_TOKEN, "ID"),
            nobodys.body.replace(UNKNOWN_TOKEN, "ID"),
            "{path}"
        );
        assert!(!theirs.body.contains("Other Inc"), "{path}");
    }
    let result = post(
        &admin,
        APPLY,
        &csrf,
        &[("action", "disable"), ("ids", OTHER_INC_TOKEN)],
    )
    .await;
    assert_eq!(
        read(&result, "bulk-result-skipped"),
        [format!(
            "{OTHER_INC_TOKEN}: There is no such token in this account."
        )]
    );
    assert_eq!(status_of(&app, OTHER_INC_TOKEN), "active");
    assert!(audit_of(&app, OTHER_INC_TOKEN).is_empty());
}

#[tokio::test]
async fn hostile_selections_get_a_clear_4xx_and_change_nothing() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let unknown: Vec<String> = (0..100).map(|n| format!("TK-9000-0000-{n:04}")).collect();
    let mut too_many = vec![("action", "disable"), ("ids", ACTIVE_TOKEN)];
    too_many.extend(unknown.iter().map(|id| ("ids", id.as_str())));

    for path in [CONFIRM, APPLY] {
        let page = post(&admin, path, &csrf, &too_many).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(
            page.text("modal-error"),
            "At most 100 tokens can be changed at once; 101 were named.",
            "{path}"
        );
        let none = post(&admin, path, &csrf, &[("action", "disable")]).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            none.text("modal-error")
                .starts_with("No tokens were selected.")
        );
        for action in ["archive", "", "Disable"] {
            let page = post(
                &admin,
                path,
                &csrf,
                &[("action", action), ("ids", ACTIVE_TOKEN)],
            )
            .await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path} {action:?}");
            assert_eq!(page.texts("bad-form").len(), 1);
        }
        for id in ["TK-1", "<script>alert(1)</script>", "tk-1000-0000-0001"] {
            let page = post(
                &admin,
                path,
                &csrf,
                &[("action", "disable"), ("ids", ACTIVE_TOKEN), ("ids", id)],
            )
            .await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path} {id}");
            assert!(!page.body.contains("<script>alert"), "{path}");
        }
    }
    assert_eq!(status_of(&app, ACTIVE_TOKEN), "active");
    assert!(
        audit_of(&app, ACTIVE_TOKEN).is_empty(),
        "nothing half-written"
    );

    // A hundred is a page's worth, and allowed.
    let mut hundred = vec![("action", "disable"), ("ids", ACTIVE_TOKEN)];
    hundred.extend(unknown[..99].iter().map(|id| ("ids", id.as_str())));
    let page = post(&admin, APPLY, &csrf, &hundred).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.text("bulk-result-summary"),
        "Disabled 1 token. Skipped 99."
    );
}

// ---- The API -------------------------------------------------------------------

/// A Demo Corp token that may change tokens (write, Tokens and Billing), never
/// expiring: its client and its id.
async fn manager(app: &TestApp) -> (ApiClient, String) {
    let api = app.api(&app.demo_corp_secret(Scope::Write, &["tokens", "billing"]));
    let id = api.whoami().await.body["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (api, id)
}

/// A fresh read token of Demo Corp with Billing, within a manager's reach: its id.
fn target(app: &TestApp) -> String {
    app.demo_corp_target()
}

async fn bulk(api: &ApiClient, body: Value) -> ApiResponse {
    api.post("/tokens/bulk", &body).await
}

/// Each result as (id, outcome, detail).
fn results(answer: &ApiResponse) -> Vec<(String, String, String)> {
    answer.body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("results in {:?}", answer.body))
        .iter()
        .map(|r| {
            let field = |name: &str| r[name].as_str().unwrap().to_owned();
            (field("id"), field("outcome"), field("detail"))
        })
        .collect()
}

fn result(id: &str, outcome: &str, detail: &str) -> (String, String, String) {
    (id.to_owned(), outcome.to_owned(), detail.to_owned())
}

#[tokio::test]
async fn the_api_answers_each_id_in_order_with_its_outcome_and_audits_each_change() {
    let app = spawn_app().await;
    let (api, manager_id) = manager(&app).await;
    let (first, second, already) = (target(&app), target(&app), target(&app));
    let disabled = api.post_empty(&format!("/tokens/{already}/disable")).await;
    assert_eq!(disabled.status, StatusCode::OK);

    let answer = bulk(
        &api,
        json!({"action": "disable", "ids": [first, already, UNKNOWN_TOKEN, OTHER_INC_TOKEN, second, first]}),
    )
    .await;

    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(
        results(&answer),
        [
            result(&first, "done", "Disabled."),
            result(&already, "skipped", "This token was already disabled."),
            result(
                UNKNOWN_TOKEN,
                "not_found",
                "There is no such token in this account."
            ),
            result(
                OTHER_INC_TOKEN,
                "not_found",
                "There is no such token in this account."
            ),
            result(&second, "done", "Disabled."),
        ]
    );
    for id in [&first, &second] {
        assert_eq!(
            audit_of(&app, id),
            [("token.disable".to_owned(), manager_id.clone())]
        );
        let token = api.get(&format!("/tokens/{id}")).await;
        assert_eq!(token.body["status"], "disabled");
    }
    assert_eq!(audit_of(&app, &already).len(), 1, "only its first disable");
    assert_eq!(status_of(&app, OTHER_INC_TOKEN), "active");
}

#[tokio::test]
async fn a_bulk_change_that_fails_part_way_changes_none_of_its_tokens() {
    let app = spawn_app().await;
    let (api, _) = manager(&app).await;
    let ids = [target(&app), target(&app), target(&app), target(&app)];
    // The third token's audit event can't be written: the server fails there, after
    // changing the first two.
    let refuse_third = format!(
        "CREATE FUNCTION refuse_third() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF NEW.token_id = '{}' THEN RAISE EXCEPTION 'injected failure'; END IF; \
           RETURN NEW; END $$; \
         CREATE TRIGGER refuse_third BEFORE INSERT ON audit_events \
           FOR EACH ROW EXECUTE FUNCTION refuse_third()",
        ids[2]
    );
    app.db.connection().batch_execute(&refuse_third).unwrap();

    let failed = bulk(&api, json!({"action": "disable", "ids": ids})).await;

    assert!(failed.status.is_server_error(), "{:?}", failed.body);
    for id in &ids {
        assert_eq!(
            (status_of(&app, id), audit_of(&app, id)),
            ("active".to_owned(), vec![]),
            "{id}: nothing half-written"
        );
    }

    app.db
        .connection()
        .batch_execute("DROP TRIGGER refuse_third ON audit_events")
        .unwrap();
    let again = bulk(&api, json!({"action": "disable", "ids": ids})).await;
    assert_eq!(
        results(&again),
        ids.iter()
            .map(|id| result(id, "done", "Disabled."))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn bulk_changes_of_the_same_tokens_in_opposite_orders_at_once_never_deadlock() {
    let app = spawn_app().await;
    let (api, _) = manager(&app).await;
    let forward: Vec<String> = (0..12).map(|_| target(&app)).collect();
    let backward: Vec<String> = forward.iter().rev().cloned().collect();

    let answers = futures_util::future::join_all((0..16).map(|round| {
        let (action, ids) = match round % 4 {
            0 => ("disable", &forward),
            1 => ("disable", &backward),
            2 => ("enable", &forward),
            _ => ("enable", &backward),
        };
        bulk(&api, json!({"action": action, "ids": ids}))
    }))
    .await;

    // They wait for each other's locks, a few pooled connections among sixteen
    // requests: on a busy machine one may time out waiting for a connection (503,
    // "can't reach"), but none may be a deadlock's victim ("too busy").
    let deadlocked: Vec<&serde_json::Value> = answers
        .iter()
        .filter(|answer| {
            answer.body["detail"]
                .as_str()
                .is_some_and(|detail| detail.contains("too busy"))
        })
        .map(|answer| &answer.body)
        .collect();
    assert_eq!(deadlocked, Vec::<&serde_json::Value>::new());
    let through = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::OK)
        .count();
    assert!(through >= 8, "{through} of 16 went through");
}

#[tokio::test]
async fn through_the_api_a_token_changes_only_what_it_reaches_and_never_enables_itself() {
    let app = spawn_app().await;
    let (api, own_id) = manager(&app).await;
    let within = target(&app);
    let stronger = app.insert_token(
        tokendesk::demo::DEMO_CORP,
        Scope::Admin,
        &["billing"],
        &TokenSecret::generate(),
    );

    // Itself first: it still disables the others before itself.
    let answer = bulk(
        &api,
        json!({"action": "disable", "ids": [own_id, stronger, within]}),
    )
    .await;

    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(
        results(&answer),
        [
            result(&own_id, "done", "Disabled."),
            result(
                &stronger,
                "exceeds_caller",
                "scope admin is above this token's scope write"
            ),
            result(&within, "done", "Disabled."),
        ]
    );
    assert_eq!(status_of(&app, &stronger), "active");
    assert_eq!(api.whoami().await.body["reason"], "disabled");

    // Another manager may enable the first, but not itself, nor a token a person
    // disabled.
    let (other, other_id) = manager(&app).await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let by_person = target(&app);
    let page = admin
        .post_form(
            &format!("{}/disable", token_path(&by_person)),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let answer = bulk(
        &other,
        json!({"action": "enable", "ids": [own_id, other_id, by_person]}),
    )
    .await;
    assert_eq!(
        results(&answer),
        [
            result(&own_id, "done", "Enabled."),
            result(&other_id, "exceeds_caller", "a token can't enable itself"),
            result(
                &by_person,
                "exceeds_caller",
                "a person disabled this token; only a person can enable it"
            ),
        ]
    );
    assert_eq!(status_of(&app, &by_person), "disabled");
}

#[tokio::test]
async fn the_api_refuses_a_bad_bulk_request_whole_and_changes_nothing() {
    let app = spawn_app().await;
    let (api, _) = manager(&app).await;
    let id = target(&app);
    let many: Vec<String> = (0..101).map(|n| format!("TK-9000-0000-{n:04}")).collect();

    for (body, status, field) in [
        (
            json!({"action": "disable", "ids": []}),
            422,
            Some("No tokens were selected."),
        ),
        (
            json!({"action": "disable", "ids": many}),
            422,
            Some("At most 100 tokens can be changed at once; 101 were named."),
        ),
        (
            json!({"action": "disable", "ids": [id, "TK-1"]}),
            422,
            Some("Entry 2 is not a token id (like TK-1234-5678-9012)."),
        ),
        (json!({"action": "archive", "ids": [id]}), 400, None),
        (json!({"action": "Disable", "ids": [id]}), 400, None),
        (json!({"ids": [id]}), 400, None),
        (json!({"action": "disable", "ids": id}), 400, None),
        (json!({"action": "disable", "ids": [5]}), 400, None),
        (
            json!({"action": "disable", "ids": [id], "force": true}),
            400,
            None,
        ),
    ] {
        let answer = bulk(&api, body.clone()).await;
        assert_eq!(answer.status.as_u16(), status, "{body}: {:?}", answer.body);
        assert!(
            answer.body["detail"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{body}"
        );
        if let Some(message) = field {
            assert_eq!(answer.body["errors"]["ids"], message, "{body}");
        }
    }
    let reader = app.api(&app.demo_corp_secret(Scope::Read, &["tokens", "billing"]));
    let without_tokens = app.api(&app.demo_corp_secret(Scope::Write, &["billing"]));
    for caller in [reader, without_tokens] {
        let answer = bulk(&caller, json!({"action": "disable", "ids": [id]})).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(status_of(&app, &id), "active");
    assert!(audit_of(&app, &id).is_empty());

    // The path is no token id, whatever the method.
    let get = api.get("/tokens/bulk").await;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
    assert!(
        get.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("There is no such endpoint")
    );
}
