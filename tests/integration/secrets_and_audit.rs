//! Revealing a token's value (admins only, audited) and the audit log.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::schema::{api_tokens, audit_events};
use tokendesk::domain::{SecretCipher, TokenId, TokenSecret};

use crate::common::{
    ACTIVE_TOKEN, BILLING_WRITE_TOKEN, DELETED_TOKEN, DEMO_ADMIN, DEMO_ADMIN_LOGIN, DEMO_CORP,
    OTHER_ADMIN_LOGIN, OTHER_INC, SUPPORT_LOGIN, TestApp, spawn_app, token_path,
};
use crate::visitor::{Page, Visitor};

fn stored_digest(app: &TestApp, id: &str) -> Vec<u8> {
    api_tokens::table
        .find(id)
        .select(api_tokens::secret_digest)
        .first::<Option<Vec<u8>>>(&mut app.db.connection())
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn revealing_returns_the_value_to_scripts_and_records_who_and_from_where() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let revealed = visitor
        .post_reveal(&format!("{active_path}/secret"), &csrf)
        .await;

    assert_eq!(revealed.status, StatusCode::OK);
    assert_eq!(revealed.header("cache-control"), Some("no-store"));
    let secret = TokenSecret::parse(&revealed.body).expect("the full tdk_ value");
    assert_eq!(
        secret.digest().as_bytes(),
        stored_digest(&app, ACTIVE_TOKEN)
    );
    let (action, actor, ip): (String, Option<String>, Option<String>) = audit_events::table
        .filter(audit_events::token_id.eq(ACTIVE_TOKEN))
        .select((
            audit_events::action,
            audit_events::actor_user_id,
            audit_events::ip,
        ))
        .first(&mut app.db.connection())
        .unwrap();
    assert_eq!(action, "token.reveal");
    assert_eq!(actor.as_deref(), Some(DEMO_ADMIN));
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn without_javascript_show_renders_the_general_tab_with_the_value() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let page = visitor
        .post_form(&format!("{active_path}/secret"), &[("csrf_token", &csrf)])
        .await;

    assert_eq!(page.status, StatusCode::OK);
    let shown = page.text("token-secret");
    assert!(TokenSecret::parse(&shown).is_ok(), "{shown}");
    assert_eq!(page.attrs("[data-testid=secret-show]", "hidden"), [""]);
    assert!(
        page.attrs("[data-testid=secret-hide]", "hidden").is_empty(),
        "Hide is offered"
    );
    assert!(
        !visitor.get(&active_path).await.body.contains(&shown),
        "the value shows only after a reveal"
    );
}

#[tokio::test]
async fn deleted_tokens_have_no_value_and_other_roles_cannot_reveal() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let support = Visitor::signed_in(&app, SUPPORT_LOGIN).await;
    let support_csrf = support.csrf_token().await;

    let deleted = visitor
        .post_reveal(&format!("{}/secret", token_path(DELETED_TOKEN)), &csrf)
        .await;
    let by_support = support
        .post_reveal(&format!("{active_path}/secret"), &support_csrf)
        .await;

    assert_eq!(deleted.status, StatusCode::CONFLICT);
    assert_eq!(
        deleted.body,
        "This token has been deleted and can't be changed."
    );
    assert_eq!(by_support.status, StatusCode::FORBIDDEN);
    assert!(!by_support.body.contains("tdk_"));
    let reveals: i64 = audit_events::table
        .filter(audit_events::action.eq("token.reveal"))
        .count()
        .get_result(&mut app.db.connection())
        .unwrap();
    assert_eq!(reveals, 0);
}

#[tokio::test]
async fn a_value_stored_under_another_key_is_a_clear_error_not_a_crash() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let foreign = SecretCipher::from_master_key(&[9u8; 32]);
    let id = TokenId::parse(ACTIVE_TOKEN).unwrap();
    diesel::update(api_tokens::table.find(id.as_str()))
        .set(api_tokens::secret_ciphertext.eq(foreign.encrypt(&id, &TokenSecret::generate())))
        .execute(&mut app.db.connection())
        .unwrap();

    let page = visitor
        .post_form(&format!("{active_path}/secret"), &[("csrf_token", &csrf)])
        .await;

    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page.text("secret-unavailable")
            .contains("TOKENDESK_SECRET_KEY")
    );
    assert_eq!(
        visitor.get("/healthz").await.status,
        StatusCode::OK,
        "the server is still up"
    );
}

#[tokio::test]
async fn the_audit_log_lists_the_accounts_events_newest_first_and_filters_by_token() {
    let app = spawn_app().await;
    let active_path = token_path(ACTIVE_TOKEN);
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    for action in ["disable", "enable"] {
        visitor
            .post_form(&format!("{active_path}/{action}"), &[("csrf_token", &csrf)])
            .await;
    }
    visitor
        .post_form(
            &format!("{}/disable", token_path(BILLING_WRITE_TOKEN)),
            &[("csrf_token", &csrf)],
        )
        .await;

    let log = visitor.get("/settings/audit").await;
    let filtered = visitor
        .get(&format!("/settings/audit?token={ACTIVE_TOKEN}"))
        .await;
    let other = Visitor::signed_in(&app, OTHER_ADMIN_LOGIN)
        .await
        .get("/settings/audit")
        .await;
    let support = Visitor::signed_in(&app, SUPPORT_LOGIN)
        .await
        .get("/settings/audit")
        .await;
    let details = visitor.get(&format!("{active_path}?tab=details")).await;

    let actions = |page: &Page| page.attrs("[data-testid=audit-row]", "data-action");
    assert_eq!(
        actions(&log),
        [
            "token.disable",
            "token.enable",
            "token.disable",
            "user.sign_in"
        ]
    );
    assert_eq!(
        log.texts("audit-actor")[0],
        format!("Avery Admin {DEMO_ADMIN}")
    );
    assert_eq!(log.text("audit-count"), "4 events");
    assert_eq!(actions(&filtered), ["token.enable", "token.disable"]);
    assert_eq!(
        actions(&other),
        ["user.sign_in"],
        "another account sees only its own admin's sign-in"
    );
    let token_events = |page: &Page| {
        actions(page)
            .into_iter()
            .filter(|action| action.starts_with("token."))
            .count()
    };
    assert_eq!(token_events(&support), 3, "support reviews every account");
    assert_eq!(
        actions(&details),
        ["token.enable", "token.disable"],
        "the details page shows the token's history"
    );
}

/// Every page of the audit log `visitor` reaches from `path` by its "Older events"
/// links: each page's details, in order.
async fn walk_audit_log(visitor: &Visitor, path: &str, pages_at_most: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(path) = next.take() {
        assert!(
            pages.len() < pages_at_most,
            "more pages than {pages_at_most}"
        );
        let page = visitor.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        pages.push(page.texts("audit-details"));
        next = page
            .attrs("[data-testid=page-next]", "href")
            .first()
            .map(|href| href.replace("&amp;", "&"));
    }
    pages
}

#[tokio::test]
async fn the_audit_log_pages_back_by_keyset_and_counts_to_a_thousand() {
    let app = spawn_app().await;
    // 1,100 events of the demo's admin, a second apart (two at each second, so a page
    // can end between events of the same moment), and 30 of the other account's.
    app.db
        .connection()
        .batch_execute(&format!(
            "INSERT INTO audit_events (account_id, actor_user_id, action, details, occurred_at)
             SELECT a.id, u.id, 'user.sign_in', format('%s event %s', a.id, g),
                    now() - interval '1 hour' - (g / 2) * interval '1 second'
             FROM (VALUES ('{DEMO_CORP}', 1100), ('{OTHER_INC}', 30)) AS a (id, n)
             JOIN LATERAL (SELECT id FROM users WHERE account_id = a.id AND role = 'admin'
                           ORDER BY id LIMIT 1) u ON true
             CROSS JOIN LATERAL generate_series(1, a.n) g"
        ))
        .unwrap();
    let everything = |account: Option<&str>| -> Vec<String> {
        let mut query = audit_events::table.into_boxed();
        if let Some(account) = account {
            query = query.filter(audit_events::account_id.eq(account.to_owned()));
        }
        query
            .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
            .select(audit_events::details)
            .load(&mut app.db.connection())
            .unwrap()
    };
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let support = Visitor::signed_in(&app, SUPPORT_LOGIN).await;

    let first = admin.get("/settings/audit").await;
    let walked = walk_audit_log(&admin, "/settings/audit", 30).await;
    let supports = walk_audit_log(&support, "/settings/audit", 30).await;

    assert_eq!(first.text("audit-count"), "1,000+ events");
    let expected = everything(Some(DEMO_CORP));
    assert_eq!(walked.concat(), expected, "every event once, newest first");
    assert!(
        walked[..walked.len() - 1]
            .iter()
            .all(|page| page.len() == 50)
    );
    assert_eq!(supports.concat(), everything(None), "every account's");

    // Another account's event is no cursor for an admin: the page is empty.
    let others: i64 = audit_events::table
        .filter(audit_events::account_id.eq(OTHER_INC))
        .select(audit_events::id)
        .first(&mut app.db.connection())
        .unwrap();
    let elsewhere = admin.get(&format!("/settings/audit?after={others}")).await;
    let unknown = admin.get("/settings/audit?after=999999999").await;
    for page in [&elsewhere, &unknown] {
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.texts("audit-details").is_empty());
        assert_eq!(
            page.text("empty-state"),
            "No older events Show the newest events",
            "the same for an event of another account and one that doesn't exist"
        );
    }
}
