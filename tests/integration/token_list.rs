//! The API tokens list: columns, search, filters, sorts, paging, htmx fragments and
//! account isolation. Expected values come from the demo data in `src/demo.rs`.

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use tokendesk::db::users;
use tokendesk::domain::secret::ServiceSecret;
use tokendesk::domain::{AccountId, Role, Scope, TokenSecret, UserId, password};

use crate::common::{
    ACTIVE_TOKEN, ALL_MODULES_TOKEN, BILLING_WRITE_TOKEN, DELETED_TOKEN, DEMO_ADMIN,
    DEMO_ADMIN_LOGIN, DEMO_CORP, DISABLED_NEVER_USED_TOKEN, DISABLED_TOKEN, EXPIRED_TOKEN,
    NEVER_USED_TOKEN, OTHER_ADMIN_LOGIN, OTHER_INC, OTHER_INC_DISABLED_TOKEN,
    OTHER_INC_STALE_TOKEN, OTHER_INC_TOKEN, RECENTLY_DISABLED_TOKEN, TestApp, spawn_app,
};
use crate::visitor::{Page, Visitor};

async fn admin_list(app: &TestApp, query: &str) -> Page {
    let visitor = Visitor::signed_in(app, DEMO_ADMIN_LOGIN).await;
    let page = visitor.get(&format!("/settings/api-tokens{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.body);
    page
}

/// The page that `page`'s "Next" link leads to.
async fn next_page(app: &TestApp, page: &Page) -> Page {
    let next = page.attrs("[data-testid=page-next]", "href");
    assert_eq!(next.len(), 1, "one Next link: {}", page.body);
    let query = next[0].strip_prefix("/settings/api-tokens").unwrap();
    admin_list(app, query).await
}

/// Demo Corp's demo token number `n` (1 to 28), for the lists the filters and sorts
/// are checked against.
fn id(n: u32) -> String {
    format!("TK-1000-0000-{n:04}")
}

fn ids(numbers: &[u32]) -> Vec<String> {
    numbers.iter().copied().map(id).collect()
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values
}

#[tokio::test]
async fn the_page_has_the_settings_heading_and_every_column_the_seeds_list() {
    let app = spawn_app().await;

    let page = admin_list(&app, &format!("?q={ACTIVE_TOKEN}")).await;

    assert_eq!(page.text("page-title"), "Settings › API tokens");
    assert_eq!(page.token_ids(), [ACTIVE_TOKEN]);
    assert_eq!(page.text("token-name"), "CI deploy pipeline");
    assert_eq!(page.text("token-id"), ACTIVE_TOKEN);
    let masked = page.text("token-masked");
    assert_eq!(masked.chars().count(), 11, "{masked}");
    assert!(
        masked.starts_with("tdk_") && masked.ends_with('…'),
        "{masked}"
    );
    assert_eq!(page.text("token-modules"), "Catalog, Reports");
    assert_eq!(page.text("token-scope"), "Read & write");
    assert_eq!(
        page.text("token-created-by"),
        format!("Avery Admin {DEMO_ADMIN}")
    );
    assert!(page.text("token-created-at").ends_with(" UTC"));
    assert_eq!(page.text("token-expires"), "Never");
    assert_eq!(page.text("token-last-access"), "12 minutes ago");
    let exact = page.attrs("[data-testid=token-last-access] time", "datetime");
    assert_eq!(exact.len(), 1);
    assert!(
        exact[0].ends_with('Z') && exact[0].contains('T'),
        "{exact:?}"
    );
    assert_eq!(page.text("token-status"), "Active");
    assert!(
        page.texts("token-account").is_empty(),
        "admins see no account column"
    );
}

#[tokio::test]
async fn module_names_are_text_and_more_than_two_fold_into_a_disclosure_that_says_how_many() {
    let app = spawn_app().await;

    let page = admin_list(&app, &format!("?q={ALL_MODULES_TOKEN}")).await;

    let cell = "[data-testid=token-modules]";
    assert_eq!(
        page.select(&format!("{cell} details summary")),
        ["6 modules"]
    );
    assert_eq!(
        page.select(&format!("{cell} details li")),
        [
            "Catalog",
            "Subscriptions",
            "Billing",
            "Usage",
            "Customers",
            "Reports"
        ]
    );
    assert!(
        page.attrs(cell, "title").is_empty(),
        "no name lives only in a title"
    );
}

#[tokio::test]
async fn a_single_module_is_named_and_never_used_tokens_say_never() {
    let app = spawn_app().await;

    let billing = admin_list(&app, &format!("?q={BILLING_WRITE_TOKEN}")).await;
    let unused = admin_list(&app, &format!("?q={NEVER_USED_TOKEN}")).await;

    assert_eq!(billing.text("token-modules"), "Billing");
    assert_eq!(unused.text("token-last-access"), "Never");
    assert_eq!(unused.text("token-scope"), "Read only");
}

#[tokio::test]
async fn disabled_and_expired_tokens_have_their_badges_and_disabled_rows_are_dimmed() {
    let app = spawn_app().await;

    // Tokens 10 to 19.
    let page = admin_list(&app, "?status=all&q=TK-1000-0000-001").await;

    let html = page.html();
    let row = |id: &str| {
        let selector = scraper::Selector::parse(&format!("[data-token-id=\"{id}\"]")).unwrap();
        let element = html
            .select(&selector)
            .next()
            .unwrap_or_else(|| panic!("{id} listed"));
        let badge = scraper::Selector::parse("[data-testid=token-status]").unwrap();
        let status = element
            .select(&badge)
            .next()
            .map(|b| b.text().collect::<String>())
            .unwrap_or_default();
        (
            status,
            element.value().attr("class").unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(
        row(DISABLED_TOKEN),
        ("Disabled".into(), "token-row status-disabled".into())
    );
    assert_eq!(
        row(EXPIRED_TOKEN),
        ("Expired".into(), "token-row status-expired".into())
    );
    assert_eq!(
        row(DELETED_TOKEN),
        ("Deleted".into(), "token-row status-deleted".into())
    );
    assert_eq!(
        row(&id(10)),
        ("Active".into(), "token-row status-active".into())
    );
    let css = Visitor::new(&app).get("/static/app.css").await.body;
    // Set apart by colour and its badge, never by opacity (which took text to 2.4:1).
    assert!(css.contains(".token-row.status-disabled td { color: var(--muted); }"));
    assert!(!css.contains("opacity: 0.55"));
}

#[tokio::test]
async fn the_default_list_shows_active_and_disabled_tokens_but_not_deleted_ones() {
    let app = spawn_app().await;

    let first = admin_list(&app, "").await;
    let second = next_page(&app, &first).await;

    let mut shown = first.token_ids();
    shown.extend(second.token_ids());
    assert_eq!(first.token_ids().len(), 25);
    assert_eq!(shown.len(), 27);
    assert!(
        !shown.contains(&DELETED_TOKEN.to_owned()),
        "the deleted token is hidden"
    );
    assert!(
        shown.contains(&DISABLED_TOKEN.to_owned()),
        "disabled tokens are listed"
    );
    assert!(
        shown.contains(&EXPIRED_TOKEN.to_owned()),
        "expired tokens are listed"
    );
}

#[tokio::test]
async fn each_status_filter_shows_exactly_its_tokens() {
    let app = spawn_app().await;

    let disabled = admin_list(&app, "?status=disabled").await;
    let expired = admin_list(&app, "?status=expired").await;
    let deleted = admin_list(&app, "?status=deleted").await;
    let active = admin_list(&app, "?status=active").await;
    let all = admin_list(&app, "?status=all").await;

    assert_eq!(
        sorted(disabled.token_ids()),
        [
            DISABLED_TOKEN,
            RECENTLY_DISABLED_TOKEN,
            DISABLED_NEVER_USED_TOKEN
        ]
    );
    assert_eq!(sorted(expired.token_ids()), ids(&[13, 25]));
    assert_eq!(deleted.token_ids(), [DELETED_TOKEN]);
    assert_eq!(active.text("token-count"), "Showing 1–22 of 22 tokens");
    assert!(active.texts("token-status").iter().all(|s| s == "Active"));
    assert_eq!(all.text("token-count"), "Showing 1–25 of 28 tokens");
}

#[tokio::test]
async fn search_matches_names_and_ids_without_regard_to_case() {
    let app = spawn_app().await;

    let by_name = admin_list(&app, "?q=BILLING").await;
    let by_id = admin_list(&app, "?q=0000-0017").await;

    assert_eq!(by_name.token_ids(), [BILLING_WRITE_TOKEN]);
    assert_eq!(by_id.token_ids(), ids(&[17]));
    assert_eq!(
        by_name.input_value("q").as_deref(),
        Some("BILLING"),
        "the search box keeps the query"
    );
}

#[tokio::test]
async fn search_treats_like_wildcards_literally() {
    let app = spawn_app().await;

    let page = admin_list(&app, "?q=%25").await;

    assert!(page.token_ids().is_empty());
    assert_eq!(page.texts("empty-state").len(), 1);
    assert!(page.text("empty-state").contains("No tokens match"));
}

/// Searches that PostgreSQL's `ILIKE` on the name matches, the list matches: the list
/// tests a lowered copy of each name kept beside it (migration 000016), which must fold
/// every letter as `ILIKE` does, and follow a rename.
#[tokio::test]
async fn search_folds_case_outside_ascii_as_ilike_does_and_follows_a_rename() {
    let app = spawn_app().await;
    let mut conn = app.db.connection();
    diesel::sql_query(format!(
        "UPDATE api_tokens SET name = CASE id WHEN '{}' THEN 'Straße Ünïcödé feed' \
           WHEN '{}' THEN 'ΣΊΣΥΦΟΣ ledger' ELSE 'Ǆemal İstanbul sync' END \
         WHERE id IN ('{}', '{}', '{}')",
        id(1),
        id(2),
        id(1),
        id(2),
        id(3),
    ))
    .execute(&mut conn)
    .unwrap();

    // The list must match what ILIKE matches under the database's collation, whatever
    // it is; which searches match at all depends on it. These are glibc's and
    // PostgreSQL's own: Ü lowers to ü, and a final capital sigma to σ, not ς.
    let folds_as_expected: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "lower('ÜΣΑΣ') = 'üσασ'",
    ))
    .get_result(&mut conn)
    .unwrap();
    for (search, matches_some) in [
        ("FEED", true),
        ("ÜNÏCÖDÉ", true),
        ("ünïcödé", true),
        ("STRASSE", false),
        ("STRAßE", true),
        ("σίσυ", true),
        ("ΣΊΣυφος", false),
        ("ΣΊΣΥΦΟΣ", true),
        ("ǆemal", true),
        ("ǅEMAL", true),
        ("İstanbul", true),
    ] {
        let by_ilike: Vec<String> = diesel::sql_query(
            "SELECT id FROM api_tokens WHERE account_id = $2 \
             AND name ILIKE '%' || $1 || '%' ORDER BY id",
        )
        .bind::<diesel::sql_types::Text, _>(search)
        .bind::<diesel::sql_types::Text, _>(DEMO_CORP)
        .load::<IdRow>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", search)
            .append_pair("status", "all")
            .finish();
        let listed = admin_list(&app, &format!("?{query}")).await;
        assert_eq!(sorted(listed.token_ids()), by_ilike, "?q={search}");
        if folds_as_expected || search.is_ascii() {
            assert_eq!(
                !by_ilike.is_empty(),
                matches_some,
                "?q={search}: {by_ilike:?}"
            );
        }
    }

    diesel::sql_query(format!(
        "UPDATE api_tokens SET name = 'Renamed backup' WHERE id = '{}'",
        id(1)
    ))
    .execute(&mut conn)
    .unwrap();
    assert!(
        admin_list(&app, "?q=straße&status=all")
            .await
            .token_ids()
            .is_empty()
    );
    assert_eq!(
        admin_list(&app, "?q=RENAMED&status=all").await.token_ids(),
        [id(1)]
    );
}

#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

#[tokio::test]
async fn module_unused_and_expiring_filters_combine_with_search_and_status() {
    let app = spawn_app().await;

    let tokens_module = admin_list(&app, "?module=tokens&status=all").await;
    let never_used = admin_list(&app, "?unused=never").await;
    let unused_90 = admin_list(&app, "?unused=90").await;
    let expiring = admin_list(&app, "?expiring=7").await;
    let combined = admin_list(&app, "?unused=30&module=catalog&q=feed").await;

    assert_eq!(sorted(tokens_module.token_ids()), ids(&[8, 25]));
    assert_eq!(sorted(never_used.token_ids()), ids(&[19, 20, 23]));
    assert_eq!(sorted(unused_90.token_ids()), ids(&[16, 19, 20, 22, 23]));
    assert_eq!(sorted(expiring.token_ids()), ids(&[14, 20]));
    assert_eq!(combined.token_ids(), ids(&[28]));
}

#[tokio::test]
async fn sorting_by_name_goes_both_ways() {
    let app = spawn_app().await;

    let ascending = admin_list(&app, "?sort=name&dir=asc").await;
    let descending = admin_list(&app, "?sort=name&dir=desc").await;

    let names = ascending.texts("token-name");
    let mut expected = names.clone();
    expected.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, expected);
    assert_eq!(names[0], "Analytics collector");
    assert_eq!(descending.texts("token-name")[0], "Zapier integration");
    assert_eq!(
        ascending.attrs("th[aria-sort=ascending] a", "data-testid"),
        ["sort-name"]
    );
}

#[tokio::test]
async fn sorting_by_last_access_puts_never_used_tokens_last_when_newest_first() {
    let app = spawn_app().await;

    let newest = admin_list(&app, "?sort=last_access&dir=desc&status=all").await;
    let oldest = admin_list(&app, "?sort=last_access&dir=asc&status=all").await;

    assert_eq!(newest.token_ids()[0], id(5), "used a minute ago");
    let second_page = next_page(&app, &newest).await;
    assert_eq!(
        second_page.texts("token-last-access"),
        ["Never", "Never", "Never"]
    );
    assert_eq!(
        oldest.texts("token-last-access")[..3],
        ["Never", "Never", "Never"]
    );
}

#[tokio::test]
async fn sorting_by_expiry_puts_soonest_first_and_tokens_without_expiry_last() {
    let app = spawn_app().await;

    let page = admin_list(&app, "?sort=expires").await;

    assert_eq!(page.token_ids()[..3], ids(&[13, 25, 14]));
    let last_page = next_page(&app, &page).await;
    assert!(
        last_page
            .texts("token-expires")
            .iter()
            .all(|e| e == "Never")
    );
}

#[tokio::test]
async fn sorting_by_created_defaults_to_newest_first_and_reverses() {
    let app = spawn_app().await;

    let newest = admin_list(&app, "").await;
    let oldest = admin_list(&app, "?sort=created&dir=asc").await;

    assert_eq!(newest.token_ids()[..3], ids(&[20, 19, 24]));
    assert_eq!(oldest.token_ids()[0], id(22), "created 700 days ago");
}

#[tokio::test]
async fn pages_hold_25_tokens_with_the_total_and_links_that_keep_the_filters() {
    let app = spawn_app().await;

    let first = admin_list(&app, "?sort=name").await;
    let second = next_page(&app, &first).await;

    assert_eq!(first.text("token-count"), "Showing 1–25 of 27 tokens");
    assert_eq!(first.text("page-status"), "Page 1 of 2");
    let last_on_first = first.token_ids().pop().unwrap();
    assert_eq!(
        first.attrs("[data-testid=page-next]", "href"),
        [format!(
            "/settings/api-tokens?sort=name&page=2&after={last_on_first}"
        )]
    );
    assert_eq!(second.text("token-count"), "Showing 26–27 of 27 tokens");
    assert_eq!(second.text("page-status"), "Page 2 of 2");
    assert_eq!(
        second.attrs("[data-testid=page-prev]", "href"),
        ["/settings/api-tokens?sort=name"]
    );
    assert!(second.texts("page-next").is_empty());
    let mut all = first.token_ids();
    all.extend(second.token_ids());
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 27, "no token on two pages");
}

#[tokio::test]
async fn walking_back_from_a_later_page_shows_the_page_before_it() {
    let app = spawn_app().await;
    let first = admin_list(&app, "?status=all&sort=name&dir=desc").await;
    let second = next_page(&app, &first).await;
    let third_first = &second.token_ids()[0];

    // Back from page 3 (were there one) is page 2: the 25 tokens before its first.
    let back = admin_list(
        &app,
        &format!("?status=all&sort=name&dir=desc&page=3&before={third_first}"),
    )
    .await;

    let back_ids = back.token_ids();
    assert_eq!(back_ids.len(), 25);
    assert_eq!(back_ids[..], first.token_ids()[..25], "{}", back.body);
    assert_eq!(
        back.text("page-status"),
        "Page 1 of 2",
        "a walk back to the start is page 1"
    );
    assert!(back.texts("page-prev").is_empty());
}

#[tokio::test]
async fn a_cursor_from_another_account_shows_nothing_of_it() {
    let app = spawn_app().await;
    // The oldest token of another account: were it a cursor, Demo Corp's newer tokens
    // would follow it.
    let page = admin_list(&app, &format!("?page=2&after={OTHER_INC_STALE_TOKEN}")).await;

    assert!(page.token_ids().is_empty(), "{}", page.body);
    assert!(page.text("empty-state").contains("No tokens on this page"));
}

#[tokio::test]
async fn sort_links_keep_the_filters_and_return_to_the_first_page() {
    let app = spawn_app().await;

    let first = admin_list(&app, "?status=all&module=catalog").await;
    let last = first.token_ids().pop().unwrap();
    let page = admin_list(
        &app,
        &format!("?status=all&module=catalog&page=2&after={last}"),
    )
    .await;
    let second = next_page(&app, &admin_list(&app, "?status=all").await).await;

    assert!(page.text("empty-state").contains("No tokens on this page"));
    assert_eq!(
        page.attrs("[data-testid=empty-state] a", "href"),
        ["/settings/api-tokens?status=all&module=catalog"]
    );
    assert_eq!(
        second.attrs("[data-testid=sort-name]", "href"),
        ["/settings/api-tokens?status=all&sort=name&dir=asc"]
    );
    assert_eq!(
        second.attrs("[data-testid=sort-created]", "href"),
        ["/settings/api-tokens?status=all&dir=asc"],
        "sorting by the current key reverses it"
    );
}

#[tokio::test]
async fn an_htmx_request_gets_only_the_results_and_caches_keep_the_two_apart() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let fragment = visitor.get_htmx("/settings/api-tokens?q=billing").await;
    let full = visitor.get("/settings/api-tokens?q=billing").await;

    assert_eq!(fragment.status, StatusCode::OK);
    assert!(!fragment.body.contains("<html"));
    assert!(
        !fragment.body.contains("token-filters\" class"),
        "the form is not re-sent"
    );
    assert_eq!(fragment.token_ids(), [BILLING_WRITE_TOKEN]);
    assert!(full.body.contains("<html"));
    assert_eq!(full.token_ids(), fragment.token_ids());
    assert_eq!(fragment.header("vary"), Some("HX-Request, HX-Trigger"));
    assert_eq!(full.header("vary"), Some("HX-Request, HX-Trigger"));
    let form_request = visitor
        .get_htmx("/settings/api-tokens?q=billing&status=&module=&unused=")
        .await;
    assert_eq!(
        form_request.header("hx-push-url"),
        Some("/settings/api-tokens?q=billing")
    );
    let restore = visitor
        .get_htmx_history_restore("/settings/api-tokens")
        .await;
    assert!(
        restore.body.contains("<html"),
        "history restores get the full page"
    );
}

#[tokio::test]
async fn an_admin_sees_only_their_own_accounts_tokens() {
    let app = spawn_app().await;
    let demo = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let other = Visitor::signed_in(&app, OTHER_ADMIN_LOGIN).await;

    let demo_search = demo
        .get("/settings/api-tokens?q=Other+Inc&status=all")
        .await;
    let demo_by_account = demo
        .get(&format!(
            "/settings/api-tokens?account={OTHER_INC}&status=all"
        ))
        .await;
    let other_list = other.get("/settings/api-tokens?status=all").await;

    assert!(demo_search.token_ids().is_empty());
    assert!(
        demo_by_account.token_ids().is_empty(),
        "the account filter can't widen an admin's view"
    );
    assert_eq!(
        sorted(other_list.token_ids()),
        [
            OTHER_INC_TOKEN,
            OTHER_INC_STALE_TOKEN,
            OTHER_INC_DISABLED_TOKEN
        ]
    );
}

#[tokio::test]
async fn an_account_without_tokens_sees_an_empty_state_that_says_what_to_do() {
    let app = spawn_app().await;
    let account = AccountId::parse("PA-3000-0003").unwrap();
    let hash = password::hash("fresh-admin").unwrap();
    let mut conn = app.db.connection();
    tokendesk::db::accounts::insert_if_missing(&mut conn, &account, "Fresh Ltd").unwrap();
    users::insert(
        &mut conn,
        &users::NewUser {
            id: &UserId::parse("UR-3000-0000-0001").unwrap(),
            account_id: Some(&account),
            email: "admin@fresh.test",
            name: "Fresh Admin",
            role: Role::Admin,
            password_hash: &hash,
        },
    )
    .unwrap();
    drop(conn);
    let visitor = Visitor::signed_in(&app, ("admin@fresh.test", "fresh-admin")).await;

    let page = visitor.get("/settings/api-tokens").await;

    assert!(page.texts("tokens-table").is_empty());
    assert!(page.text("empty-state").contains("No API tokens yet"));
    assert!(page.text("empty-state").contains("Create a token"));
}

#[tokio::test]
async fn unknown_filter_values_fall_back_to_the_default_list() {
    let app = spawn_app().await;

    let page = admin_list(&app, "?status=bogus&sort=secret&dir=up&page=-3&unused=12").await;

    assert_eq!(page.text("token-count"), "Showing 1–25 of 27 tokens");
}

#[tokio::test]
async fn a_pasted_authorization_header_or_service_secret_leaves_the_address_too() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let own = TokenSecret::generate();
    let own_id = app.insert_token(DEMO_CORP, Scope::Read, &["billing"], &own);
    let service = ServiceSecret::generate();
    let search = |text: &str| {
        format!(
            "/settings/api-tokens?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("q", text)
                .finish()
        )
    };

    let header = admin
        .get(&search(&format!("Bearer {}", own.expose())))
        .await;
    // A whole command, whose secret lies beyond the 100 characters a search keeps.
    let command = format!(
        "curl -sS -H \"Content-Type: application/json\" -H \"Authorization: Bearer {}\"",
        own.expose()
    );
    let by_command = admin.get(&search(&command)).await;
    let by_service = admin.get(&search(service.expose())).await;

    for pasted in [&header, &by_command] {
        assert_eq!(
            pasted.location(),
            Some(format!("/settings/api-tokens?q={own_id}").as_str()),
            "{}",
            pasted.body
        );
    }
    let to = by_service.location().unwrap().to_owned();
    assert_eq!(to, search(&service.expose()[..10]));
    let shown = admin.get(&to).await;
    assert!(shown.token_ids().is_empty(), "{:?}", shown.token_ids());
    // A name that merely starts like a secret is searched for as typed.
    let named = admin.get(&search("tdk_migration_helper")).await;
    assert_eq!(named.status, StatusCode::OK);
    assert_eq!(
        named.input_value("q").as_deref(),
        Some("tdk_migration_helper")
    );
}

#[tokio::test]
async fn a_secret_pasted_into_the_search_finds_its_token_by_id_and_leaves_the_address() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let (own, others) = (TokenSecret::generate(), TokenSecret::generate());
    let own_id = app.insert_token(DEMO_CORP, Scope::Read, &["billing"], &own);
    app.insert_token(OTHER_INC, Scope::Read, &["billing"], &others);
    let pasted = format!("/settings/api-tokens?q={}", own.expose());

    let searched = admin.get(&pasted).await;

    assert_eq!(searched.status, StatusCode::SEE_OTHER, "{}", searched.body);
    let to = searched.location().unwrap().to_owned();
    assert_eq!(to, format!("/settings/api-tokens?q={own_id}"));
    assert_eq!(admin.get(&to).await.token_ids(), [own_id]);
    let by_htmx = admin.get_htmx(&pasted).await;
    assert_eq!(by_htmx.status, StatusCode::OK);
    assert_eq!(
        by_htmx.header("hx-redirect"),
        Some(to.as_str()),
        "htmx loads it"
    );
    // Signed out (a session gone idle, say), the sign-in page is not given it either.
    for signed_out in [
        Visitor::new(&app)
            .get(&pasted)
            .await
            .location()
            .map(str::to_owned),
        Visitor::new(&app)
            .get_htmx(&pasted)
            .await
            .header("hx-redirect")
            .map(str::to_owned),
    ] {
        let signed_out = signed_out.unwrap_or_default();
        assert!(signed_out.starts_with("/login?next="), "{signed_out}");
        assert!(!signed_out.contains(own.expose()), "{signed_out}");
    }

    // Another account's secret gives its token's id away to no one: the search is for
    // the prefix any list shows, and finds nothing.
    let elsewhere = admin
        .get(&format!("/settings/api-tokens?q={}", others.expose()))
        .await;
    let to = elsewhere.location().unwrap().to_owned();
    assert_eq!(
        to,
        format!("/settings/api-tokens?q={}", others.visible_prefix())
    );
    let shown = admin.get(&to).await;
    assert!(shown.token_ids().is_empty(), "{:?}", shown.token_ids());
    assert_eq!(
        shown.input_value("q").as_deref(),
        Some(others.visible_prefix())
    );
}
