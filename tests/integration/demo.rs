//! `serve --demo` seeds the same data however often it runs.

use diesel::prelude::*;
use tokendesk::db::schema::{accounts, api_tokens, token_modules, users};
use tokendesk::demo;

use crate::common::spawn_app;

fn counts(conn: &mut PgConnection) -> (i64, i64, i64, i64) {
    (
        accounts::table.count().get_result(conn).unwrap(),
        users::table.count().get_result(conn).unwrap(),
        api_tokens::table.count().get_result(conn).unwrap(),
        token_modules::table.count().get_result(conn).unwrap(),
    )
}

#[tokio::test]
async fn seeding_again_adds_and_changes_nothing() {
    let app = spawn_app().await;
    let mut conn = app.db.connection();
    let before = counts(&mut conn);
    let digests_before: Vec<Option<Vec<u8>>> = api_tokens::table
        .order(api_tokens::id)
        .select(api_tokens::secret_digest)
        .load(&mut conn)
        .unwrap();

    demo::seed(&mut conn, &app.cipher, chrono::Utc::now()).unwrap();

    assert_eq!(counts(&mut conn), before);
    let digests_after: Vec<Option<Vec<u8>>> = api_tokens::table
        .order(api_tokens::id)
        .select(api_tokens::secret_digest)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        digests_after, digests_before,
        "existing tokens keep their secrets"
    );
}

#[tokio::test]
async fn the_demo_covers_every_state_in_demo_corp_and_a_few_tokens_in_other_inc() {
    let app = spawn_app().await;
    let mut conn = app.db.connection();

    let statuses: Vec<String> = api_tokens::table
        .filter(api_tokens::account_id.eq(demo::DEMO_CORP))
        .select(api_tokens::status)
        .distinct()
        .load(&mut conn)
        .unwrap();
    let expired: i64 = api_tokens::table
        .filter(api_tokens::expires_at.lt(chrono::Utc::now()))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let never_used: i64 = api_tokens::table
        .filter(api_tokens::last_access_at.is_null())
        .count()
        .get_result(&mut conn)
        .unwrap();

    let mut statuses = statuses;
    statuses.sort();
    assert_eq!(statuses, ["active", "deleted", "disabled"]);
    assert!(expired >= 1 && never_used >= 1);
    assert_eq!(demo::token_count(demo::DEMO_CORP), 28);
    assert_eq!(demo::token_count(demo::OTHER_INC), 3);
}
