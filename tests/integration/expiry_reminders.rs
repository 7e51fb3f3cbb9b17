//! Expiry reminders on the tokens list: an account admin sees a banner when active
//! tokens of their account expire within 7 days, linking to exactly those, and each of
//! their rows says when it expires. Other Inc's demo tokens never expire, so its admin
//! starts with no reminder; Demo Corp's demo has two tokens expiring within 7 days.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::schema::api_tokens;
use tokendesk::domain::{Scope, TokenSecret};

use crate::common::{
    DEMO_ADMIN_LOGIN, DEMO_CORP, EXPIRING_SOON_TOKEN, OTHER_ADMIN_LOGIN, OTHER_INC, SUPPORT_LOGIN,
    TestApp, spawn_app,
};
use crate::visitor::{Page, Visitor};

const LIST: &str = "/settings/api-tokens";

/// An active token of `account` expiring `expires_in` from now (in the past when
/// negative), added behind the app's back: its id.
fn token_expiring(app: &TestApp, account: &str, expires_in: Duration) -> String {
    let id = app.insert_token(account, Scope::Read, &["billing"], &TokenSecret::generate());
    diesel::update(api_tokens::table.find(&id))
        .set(api_tokens::expires_at.eq(Utc::now() + expires_in))
        .execute(&mut app.db.connection())
        .unwrap();
    id
}

/// Disables the token `id` behind the app's back.
fn disable(app: &TestApp, id: &str) {
    diesel::update(api_tokens::table.find(id))
        .set((
            api_tokens::status.eq("disabled"),
            api_tokens::disabled_at.eq(Utc::now()),
        ))
        .execute(&mut app.db.connection())
        .unwrap();
}

async fn list_as(app: &TestApp, who: (&str, &str), query: &str) -> Page {
    let visitor = Visitor::signed_in(app, who).await;
    let page = visitor.get(&format!("{LIST}{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.body);
    page
}

/// The hint on the row of token `id`, if it has one.
fn hint_of(page: &Page, id: &str) -> Vec<String> {
    page.select(&format!(
        "[data-token-id=\"{id}\"] [data-testid=token-expiry-hint]"
    ))
}

#[tokio::test]
async fn an_admin_is_reminded_of_tokens_expiring_within_seven_days_and_led_to_them() {
    let app = spawn_app().await;
    let soon = token_expiring(&app, OTHER_INC, Duration::days(3) + Duration::hours(1));
    let sooner = token_expiring(&app, OTHER_INC, Duration::hours(5));
    let later = token_expiring(&app, OTHER_INC, Duration::days(10));
    let admin = Visitor::signed_in(&app, OTHER_ADMIN_LOGIN).await;

    let page = admin.get(LIST).await;

    assert_eq!(
        page.text("expiry-reminder"),
        "2 tokens expire within 7 days. Show the tokens expiring soon"
    );
    let link = page.attrs("[data-testid=expiry-reminder-link]", "href");
    assert_eq!(link, [format!("{LIST}?status=active&expiring=7")]);
    let expiring = admin.get(&link[0]).await;
    let mut listed = expiring.token_ids();
    listed.sort();
    let mut expected = vec![soon, sooner];
    expected.sort();
    assert_eq!(listed, expected, "the link lists exactly those tokens");
    assert!(!expiring.token_ids().contains(&later));
}

#[tokio::test]
async fn tokens_expiring_later_already_expired_or_disabled_bring_no_reminder() {
    let app = spawn_app().await;
    let later = token_expiring(&app, OTHER_INC, Duration::days(10));
    let expired = token_expiring(&app, OTHER_INC, -Duration::hours(1));
    let disabled = token_expiring(&app, OTHER_INC, Duration::days(3));
    disable(&app, &disabled);

    let page = list_as(&app, OTHER_ADMIN_LOGIN, "?status=all").await;

    assert!(page.texts("expiry-reminder").is_empty(), "{}", page.body);
    assert!(page.texts("expiry-reminder-link").is_empty());
    for id in [&later, &expired, &disabled] {
        assert!(page.token_ids().contains(id), "{id} is listed");
        assert!(hint_of(&page, id).is_empty(), "{id} has no hint");
    }
}

#[tokio::test]
async fn each_admin_is_reminded_of_their_own_accounts_tokens_only() {
    let app = spawn_app().await;
    token_expiring(&app, OTHER_INC, Duration::days(2));

    let demo_corp = list_as(&app, DEMO_ADMIN_LOGIN, "").await;
    let other_inc = list_as(&app, OTHER_ADMIN_LOGIN, "").await;

    // Demo Corp's demo: "Partner onboarding" (3 days) and "Test harness" (6 days).
    assert!(
        demo_corp
            .text("expiry-reminder")
            .starts_with("2 tokens expire within 7 days."),
        "Other Inc's token is not counted: {}",
        demo_corp.text("expiry-reminder")
    );
    assert!(
        other_inc
            .text("expiry-reminder")
            .starts_with("1 token expires within 7 days."),
        "Demo Corp's tokens are not counted: {}",
        other_inc.text("expiry-reminder")
    );
}

#[tokio::test]
async fn support_staff_get_no_reminder() {
    let app = spawn_app().await;
    token_expiring(&app, DEMO_CORP, Duration::days(3));

    let page = list_as(&app, SUPPORT_LOGIN, "").await;

    assert!(page.texts("expiry-reminder").is_empty(), "{}", page.body);
    assert!(
        page.token_ids().contains(&EXPIRING_SOON_TOKEN.to_owned()),
        "support does see the tokens"
    );
}

#[tokio::test]
async fn rows_of_tokens_expiring_soon_say_when_in_the_words_of_the_expires_column() {
    let app = spawn_app().await;
    let in_three_days = token_expiring(&app, OTHER_INC, Duration::days(3) + Duration::hours(1));
    let in_one_day = token_expiring(&app, OTHER_INC, Duration::days(1) + Duration::hours(1));
    let in_hours = token_expiring(&app, OTHER_INC, Duration::hours(5) + Duration::minutes(10));
    let in_ten_days = token_expiring(&app, OTHER_INC, Duration::days(10));

    let page = list_as(&app, OTHER_ADMIN_LOGIN, "").await;

    assert_eq!(hint_of(&page, &in_three_days), ["Expires in 3 days"]);
    assert_eq!(hint_of(&page, &in_one_day), ["Expires in 1 day"]);
    assert_eq!(hint_of(&page, &in_hours), ["Expires in 5 hours"]);
    assert!(hint_of(&page, &in_ten_days).is_empty());
    assert_eq!(
        page.texts("token-expiry-hint").len(),
        3,
        "only those rows have one"
    );
    assert_eq!(
        page.select(&format!(
            "[data-token-id=\"{in_three_days}\"] [data-testid=token-expires]"
        )),
        ["in 3 days"]
    );
}

#[tokio::test]
async fn a_filtered_list_fetched_by_htmx_leaves_the_reminder_out() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let fragment = admin.get_htmx(&format!("{LIST}?q=harness")).await;

    assert_eq!(fragment.status, StatusCode::OK);
    assert!(fragment.texts("expiry-reminder").is_empty());
    assert_eq!(
        fragment.texts("token-expiry-hint").len(),
        1,
        "the row keeps its hint"
    );
}

/// The banners' text in a change's answer, swapped in out of band over the list.
fn reminders_in(answer: &Page) -> (Vec<String>, Vec<String>) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.attrs("#reminders", "hx-swap-oob"),
        ["true"],
        "{}",
        answer.body
    );
    (
        answer.texts("expiry-reminder"),
        answer.texts("leak-reminder"),
    )
}

#[tokio::test]
async fn a_change_made_in_the_list_recounts_its_reminders_in_place() {
    let app = spawn_app().await;
    let soon = token_expiring(&app, OTHER_INC, Duration::days(3) + Duration::hours(1));
    let sooner = token_expiring(&app, OTHER_INC, Duration::hours(5));
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, OTHER_ADMIN_LOGIN).await;
    let page = admin.get(LIST).await;
    assert_eq!(
        page.text("expiry-reminder"),
        "2 tokens expire within 7 days. Show the tokens expiring soon"
    );
    let leaked =
        ["1 token was found in public and disabled. Show the tokens found in public".to_owned()];
    assert_eq!(page.texts("leak-reminder"), leaked);

    let disabled = admin
        .post_htmx(&format!("{LIST}/{soon}/disable"), &csrf)
        .await;
    assert_eq!(
        reminders_in(&disabled),
        (
            vec!["1 token expires within 7 days. Show the tokens expiring soon".to_owned()],
            leaked.to_vec()
        )
    );

    let deleted = admin
        .post_htmx(&format!("{LIST}/{sooner}/delete"), &csrf)
        .await;
    assert_eq!(
        reminders_in(&deleted),
        (vec![], leaked.to_vec()),
        "none expiring is left: that banner goes"
    );

    let enabled = admin
        .post_htmx(&format!("{LIST}/{soon}/enable"), &csrf)
        .await;
    assert_eq!(
        reminders_in(&enabled).0,
        ["1 token expires within 7 days. Show the tokens expiring soon"]
    );

    // From a details page the page reloads instead: nothing out of band.
    let from_details = admin
        .post_htmx(&format!("{LIST}/{soon}/disable?from=detail"), &csrf)
        .await;
    assert_eq!(from_details.status, StatusCode::OK);
    assert!(from_details.attrs("#reminders", "hx-swap-oob").is_empty());
}

#[tokio::test]
async fn a_token_created_in_a_dialog_has_the_list_behind_it_fetch_itself_and_recount() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, OTHER_ADMIN_LOGIN).await;
    let page = admin.get(LIST).await;
    assert!(page.texts("expiry-reminder").is_empty());
    let refresh = "#token-results-refresh";
    assert_eq!(
        page.attrs(refresh, "hx-trigger"),
        ["tokendesk:tokens-changed from:body"]
    );
    assert_eq!(page.attrs(refresh, "hx-get"), [LIST]);
    let form = [
        ("csrf_token", csrf.as_str()),
        ("name", "Made in the dialog"),
        ("scope", "read"),
        ("modules", "billing"),
        ("expires_in", "custom"),
        (
            "expires_on",
            &(Utc::now() + Duration::days(3)).date_naive().to_string(),
        ),
    ];

    // From the dialog: the answer raises the event the list listens for.
    let created = admin
        .send(
            admin
                .request(reqwest::Method::POST, LIST)
                .header("HX-Request", "true")
                .form(&form),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.header("hx-trigger"),
        Some("tokendesk:tokens-changed")
    );
    // As a page of its own, "Done" is the way back: nothing to raise.
    let form_page = admin.post_form(LIST, &form).await;
    assert_eq!(form_page.status, StatusCode::CREATED, "{}", form_page.body);
    assert_eq!(form_page.header("hx-trigger"), None);

    // The refresh brings the new tokens and the reminders, recounted, and leaves the
    // address bar as it is.
    let refreshed = admin
        .send(
            admin
                .request(reqwest::Method::GET, &format!("{LIST}?q=dialog"))
                .header("HX-Request", "true")
                .header("HX-Trigger", "token-results-refresh"),
        )
        .await;
    assert_eq!(
        reminders_in(&refreshed).0,
        ["2 tokens expire within 7 days. Show the tokens expiring soon"]
    );
    assert_eq!(refreshed.token_ids().len(), 2, "{}", refreshed.body);
    assert_eq!(refreshed.header("hx-push-url"), None);
    assert_eq!(
        refreshed.attrs(refresh, "hx-get"),
        [format!("{LIST}?q=dialog")],
        "the next refresh is of the same view"
    );
    // Any other request for the results alone: no reminders, and the address bar
    // follows the view.
    let searched = admin.get_htmx(&format!("{LIST}?q=dialog")).await;
    assert!(searched.attrs("#reminders", "hx-swap-oob").is_empty());
    assert_eq!(
        searched.header("hx-push-url"),
        Some(format!("{LIST}?q=dialog").as_str())
    );

    // Support staff change nothing: their list has nothing to refresh.
    let support = Visitor::signed_in(&app, SUPPORT_LOGIN).await;
    let theirs = support.get(LIST).await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    assert!(theirs.attrs(refresh, "hx-get").is_empty());
}

#[tokio::test]
async fn a_change_a_dialog_refuses_has_the_page_behind_it_fetch_itself_and_recount() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let disable = format!("{LIST}/{EXPIRING_SOON_TOKEN}/disable");
    assert_eq!(
        admin.post_htmx(&disable, &csrf).await.status,
        StatusCode::OK
    );

    // The list (or another tab) still shows it active, and the banner counts it.
    let again = admin.post_htmx(&disable, &csrf).await;
    let opened = admin.get_htmx(&disable).await;
    let as_page = admin.post_form(&disable, &[("csrf_token", &csrf)]).await;

    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.header("hx-trigger"), Some("tokendesk:tokens-changed"));
    assert_eq!(opened.status, StatusCode::CONFLICT, "{}", opened.body);
    assert_eq!(
        opened.header("hx-trigger"),
        Some("tokendesk:tokens-changed")
    );
    assert_eq!(as_page.status, StatusCode::CONFLICT);
    assert_eq!(
        as_page.header("hx-trigger"),
        None,
        "a page of its own has nothing behind it"
    );
}
