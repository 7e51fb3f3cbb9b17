//! `serve --demo` seeds the same data however often it runs, with the fixed secrets and
//! the worker tokens docs/testing.md promises.

use diesel::prelude::*;
use tokendesk::db::schema::{accounts, api_tokens, token_last_access, token_modules, users};
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
async fn the_demo_covers_every_state_in_demo_corp_and_a_few_tokens_in_other_inc_one_found_in_public()
 {
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
    let never_used: i64 = token_last_access::table
        .filter(token_last_access::at.is_null())
        .count()
        .get_result(&mut conn)
        .unwrap();

    let mut statuses = statuses;
    statuses.sort();
    assert_eq!(statuses, ["active", "deleted", "disabled"]);
    assert!(expired >= 1 && never_used >= 1);
    let found_in_public: Vec<(String, Option<bool>)> = api_tokens::table
        .filter(api_tokens::leaked_at.is_not_null())
        .select((
            api_tokens::id,
            api_tokens::leaked_at.eq(api_tokens::disabled_at),
        ))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        found_in_public,
        [(demo::OTHER_INC_DISABLED_TOKEN.to_owned(), Some(true))],
        "one token found in public, disabled then"
    );
    assert_eq!(demo::token_count(demo::DEMO_CORP), 28);
    assert_eq!(demo::token_count(demo::OTHER_INC), 3);
}

#[tokio::test]
async fn each_fixed_secret_is_answered_by_the_api_as_docs_testing_md_says() {
    let app = spawn_app().await;

    let mut answers = Vec::new();
    for (id, secret) in demo::FIXED_SECRETS {
        let answer = app.api(secret).whoami().await;
        let said = match answer.status {
            reqwest::StatusCode::OK => answer.body["account_id"].as_str().unwrap().to_owned(),
            _ => answer.body["reason"].as_str().unwrap().to_owned(),
        };
        if answer.status == reqwest::StatusCode::OK {
            assert_eq!(answer.body["token_id"], id);
        }
        answers.push((id, said));
    }
    let listed = app
        .api(demo::FIXED_SECRETS[2].1)
        .get("/tokens")
        .await
        .status;

    assert_eq!(
        answers,
        [
            (demo::ACTIVE_TOKEN, demo::DEMO_CORP.to_owned()),
            (demo::REPORTS_READ_TOKEN, demo::DEMO_CORP.to_owned()),
            (demo::TOKENS_ADMIN_TOKEN, demo::DEMO_CORP.to_owned()),
            (demo::DISABLED_TOKEN, "disabled".to_owned()),
            (demo::DELETED_TOKEN, "deleted".to_owned()),
            (demo::EXPIRED_TOKEN, "expired".to_owned()),
            (demo::OTHER_INC_TOKEN, demo::OTHER_INC.to_owned()),
        ]
    );
    assert_eq!(
        listed,
        reqwest::StatusCode::OK,
        "the Tokens admin lists tokens"
    );
}

#[tokio::test]
async fn worker_tokens_are_active_demo_corp_tokens_that_no_fixture_relies_on() {
    let app = spawn_app().await;
    let fixtures = [
        demo::ACTIVE_TOKEN,
        demo::BILLING_WRITE_TOKEN,
        demo::USAGE_WRITE_TOKEN,
        demo::REPORTS_READ_TOKEN,
        demo::TOKENS_ADMIN_TOKEN,
        demo::THREE_MODULES_TOKEN,
        demo::DISABLED_TOKEN,
        demo::DELETED_TOKEN,
        demo::EXPIRED_TOKEN,
        demo::EXPIRING_SOON_TOKEN,
        demo::RECENTLY_DISABLED_TOKEN,
        demo::NEVER_USED_TOKEN,
        demo::ALL_MODULES_TOKEN,
        demo::USAGE_REPORTS_READ_TOKEN,
        demo::DISABLED_NEVER_USED_TOKEN,
    ];
    let a_week_from_now = chrono::Utc::now() + chrono::Duration::days(7);

    let mut distinct = demo::WORKER_TOKENS.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), demo::WORKER_TOKENS.len());
    for id in demo::WORKER_TOKENS {
        let (account, status, expires): (String, String, Option<chrono::DateTime<chrono::Utc>>) =
            api_tokens::table
                .find(id)
                .select((
                    api_tokens::account_id,
                    api_tokens::status,
                    api_tokens::expires_at,
                ))
                .first(&mut app.db.connection())
                .unwrap();
        assert_eq!(
            (account.as_str(), status.as_str()),
            (demo::DEMO_CORP, "active"),
            "{id}"
        );
        assert!(
            expires.is_none_or(|at| at > a_week_from_now),
            "{id} expires soon"
        );
        assert!(!fixtures.contains(&id), "{id} is a fixture");
        assert!(
            demo::fixed_secret(id).unwrap().is_none(),
            "{id} has a fixed secret"
        );
    }
}
