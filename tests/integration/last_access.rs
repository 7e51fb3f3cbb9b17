//! Last access: recorded for each accepted call, written in batches (never moving a
//! time backwards), shown on the pages, and written on shutdown.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::access::write_uses;
use tokendesk::db::schema::{token_access_ips, token_last_access, token_usage_daily};
use tokendesk::domain::TokenId;
use tokendesk::domain::token_use::{TokenUses, Use};

use crate::common::{
    ACTIVE_TOKEN, ApiClient, DEMO_ADMIN_LOGIN, NEVER_USED_TOKEN, TestApp, spawn_app,
    spawn_app_flushing_every, token_path,
};
use crate::visitor::Visitor;

/// The never-used token's client, calling as a deploy bot.
fn deploy_bot(app: &TestApp) -> ApiClient {
    app.api(&app.secret_of(NEVER_USED_TOKEN))
        .with_header("User-Agent", "deploy-bot/2.1")
}

/// One call, which must be accepted.
async fn call(bot: &ApiClient) {
    assert_eq!(bot.whoami().await.status, StatusCode::OK);
}

type LastAccess = (Option<DateTime<Utc>>, Option<String>, Option<String>);

fn last_access(app: &TestApp, id: &str) -> LastAccess {
    token_last_access::table
        .find(id)
        .select((
            token_last_access::at,
            token_last_access::ip,
            token_last_access::user_agent,
        ))
        .first(&mut app.db.connection())
        .unwrap()
}

#[tokio::test]
async fn a_call_shows_as_last_access_on_the_list_and_details_pages() {
    let app = spawn_app().await;
    let before = Utc::now();

    call(&deploy_bot(&app)).await;
    tokio::time::timeout(Duration::from_secs(5), app.access_stats.written.notified())
        .await
        .expect("the writer wrote within its interval");

    let (at, ip, agent) = last_access(&app, NEVER_USED_TOKEN);
    assert!(at.unwrap() >= before - chrono::Duration::seconds(1));
    assert_eq!(
        (ip.as_deref(), agent.as_deref()),
        (Some("127.0.0.1"), Some("deploy-bot/2.1"))
    );
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let list = admin
        .get(&format!("/settings/api-tokens?q={NEVER_USED_TOKEN}"))
        .await;
    assert_eq!(list.text("token-last-access"), "just now");
    let details = admin
        .get(&format!("{}?tab=details", token_path(NEVER_USED_TOKEN)))
        .await;
    assert_eq!(details.text("detail-last-ip"), "127.0.0.1");
    assert_eq!(details.text("detail-last-user-agent"), "deploy-bot/2.1");
}

#[tokio::test]
async fn a_thousand_calls_cost_a_handful_of_writes_and_count_every_request() {
    let app = spawn_app_flushing_every(Duration::from_secs(1)).await;
    let bot = deploy_bot(&app);
    let started = Instant::now();

    for _ in 0..1000 {
        call(&bot).await;
    }
    let elapsed = started.elapsed();
    let mut app = app;
    app.stop();

    let flushes = app.access_stats.flushes.load(Ordering::Relaxed);
    let statements = app.access_stats.statements.load(Ordering::Relaxed);
    let most = elapsed.as_secs() as usize + 2;
    assert!(
        flushes >= 1 && flushes <= most,
        "{flushes} writes in {elapsed:?} (at most one a second, and one at shutdown)"
    );
    assert_eq!(
        statements,
        flushes * 3 + 1,
        "one statement per kind per write, however many calls, and one to keep the \
         token's most recent addresses after its first"
    );
    let requests: i64 = token_usage_daily::table
        .filter(token_usage_daily::token_id.eq(NEVER_USED_TOKEN))
        .select(token_usage_daily::requests)
        .load::<i64>(&mut app.db.connection())
        .unwrap()
        .iter()
        .sum();
    assert_eq!(requests, 1000);
    let (ip, seen): (String, i64) = token_access_ips::table
        .filter(token_access_ips::token_id.eq(NEVER_USED_TOKEN))
        .select((token_access_ips::ip, token_access_ips::requests))
        .first(&mut app.db.connection())
        .unwrap();
    assert_eq!((ip.as_str(), seen), ("127.0.0.1", 1000));
}

#[tokio::test]
async fn uses_still_in_memory_are_written_when_the_server_stops() {
    let mut app = spawn_app_flushing_every(Duration::from_secs(3600)).await;

    call(&deploy_bot(&app)).await;
    assert_eq!(
        last_access(&app, NEVER_USED_TOKEN).0,
        None,
        "nothing is written before the interval"
    );
    app.stop();

    assert!(
        last_access(&app, NEVER_USED_TOKEN).0.is_some(),
        "the shutdown wrote it"
    );
    assert_eq!(app.access_stats.flushes.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_late_write_never_moves_last_access_backwards() {
    let app = spawn_app().await;
    let token = TokenId::parse(ACTIVE_TOKEN).unwrap();
    let (recorded, _, _) = last_access(&app, token.as_str());
    let older = recorded.unwrap() - chrono::Duration::hours(1);
    let uses = TokenUses {
        last: Some(Use::new(
            older,
            Some("198.51.100.99".parse::<std::net::IpAddr>().unwrap().into()),
            None,
        )),
        per_day: HashMap::from([(older.date_naive(), 1)]),
        per_ip: HashMap::new(),
    };

    write_uses(
        &mut app.db.connection(),
        &HashMap::from([(token.clone(), uses)]),
    )
    .unwrap();

    assert_eq!(last_access(&app, token.as_str()).0, recorded);
}

#[tokio::test]
async fn uses_of_a_token_that_is_gone_are_dropped_and_the_others_written() {
    let app = spawn_app().await;
    let gone = TokenId::parse("TK-9999-0000-0001").unwrap();
    let used = TokenId::parse(NEVER_USED_TOKEN).unwrap();
    let now = Utc::now();
    let ip: tokendesk::domain::ClientIp =
        "198.51.100.99".parse::<std::net::IpAddr>().unwrap().into();
    let uses = || {
        let mut uses = TokenUses::default();
        uses.add(Use::new(now, Some(ip), Some("suite/1.0")));
        uses
    };

    let written = write_uses(
        &mut app.db.connection(),
        &HashMap::from([(gone, uses()), (used.clone(), uses())]),
    );

    assert!(written.is_ok(), "{written:?}");
    assert_eq!(
        last_access(&app, used.as_str()).0,
        Some(now.trunc_subsecs(6))
    );
    let days: i64 = token_usage_daily::table
        .filter(token_usage_daily::token_id.eq(used.as_str()))
        .count()
        .get_result(&mut app.db.connection())
        .unwrap();
    let addresses: i64 = token_access_ips::table
        .filter(token_access_ips::token_id.eq(used.as_str()))
        .count()
        .get_result(&mut app.db.connection())
        .unwrap();
    assert_eq!((days, addresses), (1, 1));
}

/// The version of `id`'s row in `api_tokens`: a new one for every update of it.
fn row_version(app: &TestApp, id: &str) -> String {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    diesel::sql_query(
        "SELECT xmin::text || ':' || ctid::text AS version FROM api_tokens WHERE id = $1",
    )
    .bind::<diesel::sql_types::Text, _>(id)
    .get_result::<Version>(&mut app.db.connection())
    .unwrap()
    .version
}

/// Uses are written apart from the tokens: a token's row is not rewritten by its uses,
/// so the list's index-only walks over `api_tokens` stay index-only however busy the
/// tokens are, and a write of uses touches none of the tokens' many indexes.
#[tokio::test]
async fn writing_uses_leaves_the_tokens_own_row_as_it_was() {
    let app = spawn_app().await;
    let token = TokenId::parse(NEVER_USED_TOKEN).unwrap();
    let before = row_version(&app, token.as_str());
    let mut uses = TokenUses::default();
    uses.add(Use::new(Utc::now(), None, Some("suite/1.0")));

    write_uses(
        &mut app.db.connection(),
        &HashMap::from([(token.clone(), uses)]),
    )
    .unwrap();

    assert!(last_access(&app, token.as_str()).0.is_some(), "written");
    assert_eq!(row_version(&app, token.as_str()), before);
}

#[tokio::test]
async fn a_token_keeps_only_its_most_recent_addresses_however_many_it_is_called_from() {
    use tokendesk::domain::token_use::MAX_ADDRESSES_PER_TOKEN;

    let app = spawn_app().await;
    let token = TokenId::parse(NEVER_USED_TOKEN).unwrap();
    let start = Utc::now().trunc_subsecs(6) - chrono::Duration::hours(1);
    let address = |n: u16| format!("2001:db8::{:x}", 0x1000 + n);
    // Each write brings 60 addresses never seen before, as a client with a whole IPv6
    // network to call from could, every second: the first all at one instant, the
    // second a minute apart, so the bound falls among addresses seen at the same time.
    let write = |numbers: std::ops::Range<u16>, at: &dyn Fn(u16) -> DateTime<Utc>| {
        let mut uses = TokenUses::default();
        for n in numbers {
            let ip: std::net::IpAddr = address(n).parse().unwrap();
            uses.add(Use::new(at(n), Some(ip.into()), Some("suite/1.0")));
        }
        write_uses(
            &mut app.db.connection(),
            &HashMap::from([(token.clone(), uses)]),
        )
        .unwrap();
    };

    write(0..60, &|_| start);
    write(60..120, &|n| {
        start + chrono::Duration::minutes(i64::from(n))
    });

    let kept: Vec<String> = token_access_ips::table
        .filter(token_access_ips::token_id.eq(token.as_str()))
        .order((token_access_ips::last_seen_at.desc(), token_access_ips::ip))
        .select(token_access_ips::ip)
        .load(&mut app.db.connection())
        .unwrap();
    // The newest first; among those seen at once, in the order the details page lists.
    let most_recent: Vec<String> = (60..120u16)
        .rev()
        .chain(0..60)
        .take(MAX_ADDRESSES_PER_TOKEN)
        .map(address)
        .collect();
    assert_eq!(kept, most_recent);
}
