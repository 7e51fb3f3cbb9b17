//! The token list's cost does not grow with the list: on an account with 40,000 tokens
//! (and support's view over them), every page (the first, a search, each sort, a
//! module filter, and one deep in the list) reads a bounded number of rows of the tokens
//! and their last access (a sequential scan only where it stops within that bound, as
//! counting the first page of an account that is the whole table may); a search or a
//! module filter, whose matches each
//! cost a visit to their row, reads fewer still; a page sorted by last access reads only
//! its own tokens' last access, however many were used; the expiry reminder's count reads only
//! the tokens in its window, and the leak banner's only the tokens found in public.
//! PostgreSQL's own per-transaction counters
//! (`pg_stat_xact_user_tables`) say what each read.

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use tokendesk::db::tokens;
use tokendesk::domain::list_page::{COUNT_LIMIT, ListTotal, NARROWED_COUNT_LIMIT};
use tokendesk::domain::token_list_query::{PAGE_SIZE, RawTokenListQuery, TokenListQuery};
use tokendesk::domain::{AccountId, TokenId, Visibility};

use crate::common::TestDb;

const TOKENS: i64 = 40_000;
const ACCOUNT: &str = "PA-7000-0001";
/// Rows a page may read: the bounded count, the page, and slack for the planner's
/// choices; far below the list's size.
const ROWS_READ_AT_MOST: i64 = 8 * COUNT_LIMIT;
/// Rows a searched or module-filtered page may read: its count stops sooner, and the
/// search either walks an index that holds the names or (when the planner expects few
/// matches, as the 400 here) reads the matches the trigram index finds.
const NARROWED_ROWS_READ_AT_MOST: i64 = 6 * NARROWED_COUNT_LIMIT;

/// An account with `TOKENS` tokens: a spread of names (1% hold "nightly"), states,
/// expiries, last accesses and modules, as the list's filters meet them.
fn big_account(db: &TestDb) -> PgConnection {
    let mut conn = db.connection();
    conn.batch_execute(&format!(
        "INSERT INTO accounts (id, name) VALUES ('{ACCOUNT}', 'Big Corp');
         INSERT INTO users (id, account_id, email, name, role, password_hash)
           VALUES ('UR-7000-0000-0001', '{ACCOUNT}', 'big@big.test', 'Big Admin', 'admin', 'x');
         INSERT INTO api_tokens (id, account_id, name, scope, status, secret_prefix,
             secret_digest, secret_ciphertext, created_by, created_at, expires_at,
             disabled_at, deleted_at)
         SELECT format('TK-7000-%s-%s', lpad((g / 10000)::text, 4, '0'), lpad((g % 10000)::text, 4, '0')),
             '{ACCOUNT}',
             CASE WHEN g % 100 = 7 THEN 'nightly export ' || g ELSE 'integration ' || g END,
             'read',
             CASE WHEN g % 50 = 1 THEN 'deleted' WHEN g % 20 = 3 THEN 'disabled' ELSE 'active' END,
             'tdk_abcdef',
             CASE WHEN g % 50 = 1 THEN NULL ELSE sha256(g::text::bytea) END,
             CASE WHEN g % 50 = 1 THEN NULL ELSE '\\x00'::bytea END,
             'UR-7000-0000-0001',
             now() - (g % 365) * interval '1 day' - g * interval '1 second',
             CASE WHEN g % 3 = 0 THEN NULL ELSE now() + ((g % 400) - 30) * interval '1 day' END,
             CASE WHEN g % 50 <> 1 AND g % 20 = 3 THEN now() END,
             CASE WHEN g % 50 = 1 THEN now() END
         FROM generate_series(1, {TOKENS}) g;
         UPDATE token_last_access AS a SET at = now() - t.g * interval '1 minute'
           FROM (SELECT id, substr(id, 9, 4)::int * 10000 + substr(id, 14, 4)::int AS g
                   FROM api_tokens WHERE account_id = '{ACCOUNT}') AS t
          WHERE a.token_id = t.id AND t.g % 4 <> 0;
         INSERT INTO token_modules (token_id, module_id)
         SELECT id, module FROM api_tokens, unnest(ARRAY['catalog', 'billing', 'reports']) module
         WHERE account_id = '{ACCOUNT}' AND hashtext(id || module) % 3 = 0;"
    ))
    .unwrap();
    // Apart: a multi-statement string is one transaction, which VACUUM refuses.
    conn.batch_execute("VACUUM ANALYZE api_tokens").unwrap();
    conn.batch_execute("VACUUM ANALYZE token_modules").unwrap();
    conn.batch_execute("VACUUM ANALYZE token_last_access")
        .unwrap();
    conn
}

#[derive(QueryableByName)]
struct Read {
    #[diesel(sql_type = BigInt)]
    seq_scan: i64,
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

/// Lists `params`; what it read of `api_tokens` and `token_last_access`.
fn list_reading(
    conn: &mut PgConnection,
    visibility: &Visibility,
    params: &str,
) -> (tokens::TokenPage, Read) {
    let query = parsed(params);
    conn.transaction(|conn| {
        // The counters hold this backend's reads not yet reported, earlier
        // transactions' too: what the list read is the difference.
        let before = reads(conn)?;
        let page = tokens::list(conn, visibility, &query, Utc::now())?;
        let after = reads(conn)?;
        let read = Read {
            seq_scan: after.seq_scan - before.seq_scan,
            rows: after.rows - before.rows,
        };
        Ok::<_, diesel::result::Error>((page, read))
    })
    .unwrap()
}

/// This backend's sequential scans of the tokens and their last access, and rows read
/// from them, as yet unreported to the statistics.
fn reads(conn: &mut PgConnection) -> QueryResult<Read> {
    diesel::sql_query(
        "SELECT coalesce(sum(seq_scan), 0)::bigint AS seq_scan,
                coalesce(sum(coalesce(idx_tup_fetch, 0) + seq_tup_read), 0)::bigint AS rows
         FROM pg_stat_xact_user_tables WHERE relname IN ('api_tokens', 'token_last_access')",
    )
    .get_result(conn)
}

/// The query for the page `steps` pages into `params`, walking the Next links.
fn deep(conn: &mut PgConnection, visibility: &Visibility, params: &str, steps: usize) -> String {
    let mut query = parsed(params);
    for _ in 0..steps {
        let page = tokens::list(conn, visibility, &query, Utc::now()).unwrap();
        query = query.next_page(&page.tokens.last().unwrap().id);
    }
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query.to_params())
        .finish()
}

/// The tokens' ids, in their order.
fn ids(tokens: &[tokens::TokenSummary]) -> Vec<TokenId> {
    tokens.iter().map(|t| t.id.clone()).collect()
}

/// The list query a URL's parameters make.
fn parsed(params: &str) -> TokenListQuery {
    let raw = actix_web::web::Query::<RawTokenListQuery>::from_query(params).unwrap();
    TokenListQuery::from(raw.into_inner())
}

#[test]
fn every_list_page_reads_a_bounded_number_of_rows_however_long_the_list() {
    let db = TestDb::migrated();
    let mut conn = big_account(&db);
    let account = Visibility::Account(AccountId::parse(ACCOUNT).unwrap());
    let deep_page = deep(&mut conn, &account, "sort=name", 40);

    for (visibility, who) in [
        (&account, "the account's admin"),
        (&Visibility::AllAccounts, "support"),
    ] {
        for params in [
            "",
            "q=nightly",
            "sort=last_access&dir=desc",
            "sort=last_access&dir=asc",
            "sort=expires",
            "sort=expires&dir=desc",
            "sort=name",
            "sort=created&dir=asc",
            "module=reports",
            "status=disabled",
            deep_page.as_str(),
        ] {
            let (page, read) = list_reading(&mut conn, visibility, params);
            assert_eq!(page.tokens.len(), 25, "{who}, ?{params}: a full page");
            assert!(
                read.rows <= ROWS_READ_AT_MOST,
                "{who}, ?{params}: read {} rows of {TOKENS}",
                read.rows
            );
            if params.is_empty() {
                assert_eq!(page.total, ListTotal::AtLeast(COUNT_LIMIT));
            }
            if params == "q=nightly" || params == "module=reports" {
                assert_eq!(page.total, ListTotal::AtLeast(NARROWED_COUNT_LIMIT));
                assert!(
                    read.rows <= NARROWED_ROWS_READ_AT_MOST,
                    "{who}, ?{params}: read {} rows of {TOKENS}",
                    read.rows
                );
            }
        }
    }
}

/// Last-access rows a page sorted by last access may read: its own tokens', twice over
/// (the walk for its ids, then the page), with slack.
const LAST_ACCESS_ROWS_READ_AT_MOST: i64 = 4 * PAGE_SIZE;

#[test]
fn a_page_sorted_by_last_access_reads_only_its_own_tokens_last_access() {
    let db = TestDb::migrated();
    let mut conn = big_account(&db);
    // Every token was used since the last vacuum, as on a busy day: no page of the
    // last-access table is all-visible, so an index-only walk of it reads its rows.
    // Autovacuum, off for the table, can't make them all-visible again before the lists.
    conn.batch_execute(
        "ALTER TABLE token_last_access SET (autovacuum_enabled = off);
         UPDATE token_last_access SET at = at;",
    )
    .unwrap();
    let account = Visibility::Account(AccountId::parse(ACCOUNT).unwrap());

    for (visibility, who) in [
        (&account, "the account's admin"),
        (&Visibility::AllAccounts, "support"),
    ] {
        for params in ["sort=last_access&dir=desc", "sort=last_access&dir=asc"] {
            let query = parsed(params);
            let (page, last_access_read) = conn
                .transaction(|conn| {
                    let before = last_access_rows_read(conn)?;
                    let page = tokens::list(conn, visibility, &query, Utc::now())?;
                    let after = last_access_rows_read(conn)?;
                    Ok::<_, diesel::result::Error>((page, after - before))
                })
                .unwrap();
            assert_eq!(page.tokens.len(), 25, "{who}, ?{params}: a full page");
            assert_eq!(
                page.total,
                ListTotal::AtLeast(COUNT_LIMIT),
                "{who}, ?{params}"
            );
            // The count has no order, so it has no need of the last access: a count that
            // joined it would read a thousand of its rows.
            assert!(
                last_access_read <= LAST_ACCESS_ROWS_READ_AT_MOST,
                "{who}, ?{params}: read {last_access_read} last-access rows for a page of {PAGE_SIZE}"
            );
        }
    }
}

/// Rows this backend read from `token_last_access`, as yet unreported.
fn last_access_rows_read(conn: &mut PgConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = BigInt)]
        rows: i64,
    }
    let read: Rows = diesel::sql_query(
        "SELECT coalesce(sum(coalesce(idx_tup_fetch, 0) + seq_tup_read), 0)::bigint AS rows
         FROM pg_stat_xact_user_tables WHERE relname = 'token_last_access'",
    )
    .get_result(conn)?;
    Ok(read.rows)
}

#[test]
fn a_deep_page_holds_the_tokens_that_follow_the_page_before_it() {
    let db = TestDb::migrated();
    let mut conn = big_account(&db);
    let account = Visibility::Account(AccountId::parse(ACCOUNT).unwrap());

    for sort in [
        "sort=name",
        "sort=last_access&dir=desc",
        "sort=expires&dir=desc",
        "",
    ] {
        let forty = deep(&mut conn, &account, sort, 40);
        let forty_one = deep(&mut conn, &account, sort, 41);
        let (page_41, _) = list_reading(&mut conn, &account, &forty);
        let (page_42, _) = list_reading(&mut conn, &account, &forty_one);
        let everything = tokens::chunk(
            &mut conn,
            &account,
            &parsed(sort),
            None,
            Utc::now(),
            42 * 25,
        )
        .unwrap();
        assert_eq!(
            [ids(&page_41.tokens), ids(&page_42.tokens)].concat(),
            ids(&everything[40 * 25..]),
            "?{sort}: pages 41 and 42 continue the list"
        );
    }
}

#[test]
fn a_page_walked_back_to_holds_the_tokens_the_walk_forward_showed() {
    let db = TestDb::migrated();
    let mut conn = big_account(&db);
    let account = Visibility::Account(AccountId::parse(ACCOUNT).unwrap());

    for sort in ["sort=name", "sort=last_access&dir=desc", ""] {
        let forty = parsed(&deep(&mut conn, &account, sort, 40));
        let page_41 = tokens::list(&mut conn, &account, &forty, Utc::now()).unwrap();
        let page_42_query = forty.next_page(&page_41.tokens.last().unwrap().id);
        let page_42 = tokens::list(&mut conn, &account, &page_42_query, Utc::now()).unwrap();

        // Previous, from page 42: the 25 tokens just before its first, page 41 again.
        let back_query = page_42_query.previous_page(&page_42.tokens[0].id);
        let back = tokens::list(&mut conn, &account, &back_query, Utc::now()).unwrap();

        assert_eq!(
            ids(&back.tokens),
            ids(&page_41.tokens),
            "?{sort}: back from page 42 is page 41"
        );
        assert!(
            !back.is_first && back.has_next,
            "?{sort}: page 41 has pages on both sides"
        );
    }
}

#[test]
fn an_export_chunk_follows_the_row_sent_last_though_its_key_moved_since() {
    let db = TestDb::migrated();
    let mut conn = big_account(&db);
    let account = Visibility::Account(AccountId::parse(ACCOUNT).unwrap());
    let now = Utc::now();

    for (sort, moved) in [
        // Used again: it goes to the top of the list.
        (
            "sort=last_access&dir=desc",
            "UPDATE token_last_access SET at = now() + interval '1 minute' WHERE token_id = $1",
        ),
        // Renamed: it goes to the end of the list.
        (
            "sort=name",
            "UPDATE api_tokens SET name = 'zzz renamed' WHERE id = $1",
        ),
    ] {
        let query = parsed(sort);
        let whole = tokens::chunk(&mut conn, &account, &query, None, now, 200).unwrap();
        let first = tokens::chunk(&mut conn, &account, &query, None, now, 100).unwrap();
        let last = first.last().unwrap();
        diesel::sql_query(moved)
            .bind::<diesel::sql_types::Text, _>(last.id.to_string())
            .execute(&mut conn)
            .unwrap();

        let second = tokens::chunk(&mut conn, &account, &query, Some(last), now, 100).unwrap();

        assert_eq!(
            [ids(&first), ids(&second)].concat(),
            ids(&whole),
            "?{sort}: the second chunk starts where the first ended"
        );
    }
}

#[test]
fn the_expiry_reminder_counts_from_the_accounts_expiry_index_alone() {
    let db = TestDb::migrated();
    let mut conn = big_account(&db);
    let account = AccountId::parse(ACCOUNT).unwrap();

    let (counted, read) = conn
        .transaction(|conn| {
            let before = reads(conn)?;
            let counted = tokens::count_expiring_soon(conn, &account, Utc::now())?;
            let after = reads(conn)?;
            let read = Read {
                seq_scan: after.seq_scan - before.seq_scan,
                rows: after.rows - before.rows,
            };
            Ok::<_, diesel::result::Error>((counted, read))
        })
        .unwrap();

    #[derive(QueryableByName)]
    struct Expected {
        #[diesel(sql_type = BigInt)]
        due: i64,
        #[diesel(sql_type = BigInt)]
        in_window: i64,
    }
    let expected: Expected = diesel::sql_query(format!(
        "SELECT count(*) FILTER (WHERE status = 'active') AS due, count(*) AS in_window
         FROM api_tokens WHERE account_id = '{ACCOUNT}'
           AND expires_at > now() AND expires_at <= now() + interval '7 days'"
    ))
    .get_result(&mut conn)
    .unwrap();
    assert!(expected.due > 0, "the account has tokens expiring soon");
    assert_eq!(counted, expected.due);
    assert_eq!(read.seq_scan, 0, "no sequential scan");
    assert_eq!(
        read.rows, 0,
        "the index holds each token's status and expiry: no row of the {} in the window is visited",
        expected.in_window
    );
}

#[test]
fn the_leak_banner_counts_from_the_index_of_tokens_found_in_public_alone() {
    let db = TestDb::migrated();
    let mut conn = big_account(&db);
    let account = AccountId::parse(ACCOUNT).unwrap();
    // Five of the account's tokens were found in public: three still disabled, one
    // enabled again, one deleted since.
    conn.batch_execute(
        "UPDATE api_tokens SET leaked_at = now(), leak_url = 'https://example.test/',
             status = CASE WHEN id LIKE '%-0011' THEN 'active' ELSE 'disabled' END,
             disabled_at = CASE WHEN id LIKE '%-0011' THEN NULL ELSE now() END
         WHERE id IN ('TK-7000-0000-0003', 'TK-7000-0000-0023', 'TK-7000-0000-0043',
                      'TK-7000-0000-0011');
         UPDATE api_tokens SET leaked_at = now() WHERE id = 'TK-7000-0000-0001'
           AND status = 'deleted';",
    )
    .unwrap();
    conn.batch_execute("VACUUM ANALYZE api_tokens").unwrap();

    for _ in 0..8 {
        // Past the first five runs of a prepared statement, when PostgreSQL may plan it
        // for any parameters: the index must still serve.
        let (counted, read) = conn
            .transaction(|conn| {
                let before = reads(conn)?;
                let counted = tokens::count_found_in_public(conn, &account)?;
                let after = reads(conn)?;
                let read = Read {
                    seq_scan: after.seq_scan - before.seq_scan,
                    rows: after.rows - before.rows,
                };
                Ok::<_, diesel::result::Error>((counted, read))
            })
            .unwrap();
        assert_eq!(counted, 3, "the disabled ones");
        assert_eq!(read.seq_scan, 0, "no sequential scan");
        assert!(read.rows <= 5, "read {} rows of {TOKENS}", read.rows);
    }
    let (page, read) = list_reading(
        &mut conn,
        &Visibility::Account(account),
        "status=disabled&leaked=1",
    );
    assert_eq!(page.tokens.len(), 3);
    assert_eq!(read.seq_scan, 0);
    // Each of the three found by the index, then read for the page with its last access.
    assert!(read.rows <= 12, "read {} rows of {TOKENS}", read.rows);
}
