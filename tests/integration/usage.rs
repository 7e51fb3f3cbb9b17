//! The Details tab's usage: the five most recent addresses and the 30-day chart.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use tokendesk::db::schema::{token_access_ips, token_usage_daily};
use tokendesk::domain::TrustedProxies;

use crate::common::{
    DEMO_ADMIN_LOGIN, NEVER_USED_TOKEN, SUPPORT_LOGIN, TestApp, spawn_app, token_path,
};
use crate::visitor::Visitor;

/// The Details tab of a token the demo seeds no usage for.
fn details() -> String {
    format!("{}?tab=details", token_path(NEVER_USED_TOKEN))
}

/// The day `back` days before today (UTC).
fn days_back() -> impl Fn(i64) -> NaiveDate {
    let today = Utc::now().date_naive();
    move |back| today - chrono::Duration::days(back)
}

/// Stores `(days back, requests)` as the never-used token's usage.
fn record_usage(app: &TestApp, usage: &[(i64, i64)]) {
    let day = days_back();
    let rows: Vec<_> = usage
        .iter()
        .map(|(back, requests)| {
            (
                token_usage_daily::token_id.eq(NEVER_USED_TOKEN),
                token_usage_daily::day.eq(day(*back)),
                token_usage_daily::requests.eq(*requests),
            )
        })
        .collect();
    diesel::insert_into(token_usage_daily::table)
        .values(rows)
        .execute(&mut app.db.connection())
        .unwrap();
}

#[tokio::test]
async fn the_chart_shows_known_counts_and_summarises_them() {
    let app = spawn_app().await;
    let day = days_back();
    record_usage(&app, &[(0, 5), (3, 12), (40, 99)]);
    let today = day(0);
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = admin.get(&details()).await;

    assert_eq!(
        page.attrs("[data-testid=usage-chart] rect", "data-day")
            .len(),
        30
    );
    let requests_on = |back: i64| {
        page.attrs(
            &format!("rect[data-day=\"{}\"]", day(back)),
            "data-requests",
        )
    };
    assert_eq!(requests_on(3), ["12"]);
    assert_eq!(requests_on(0), ["5"]);
    assert_eq!(requests_on(1), ["0"]);
    assert!(
        page.attrs(&format!("rect[data-day=\"{}\"]", day(40)), "data-requests")
            .is_empty()
    );
    assert_eq!(
        page.attrs(&format!("rect[data-day=\"{}\"]", day(3)), "height"),
        ["96"],
        "the busiest day, 12, reaches 12/15 of the axis"
    );
    assert_eq!(
        page.text("usage-summary"),
        format!(
            "17 requests in the last 30 days; busiest day {} (12); last used {today}.",
            day(3)
        )
    );
}

#[tokio::test]
async fn the_chart_has_a_requests_axis_dates_and_a_total() {
    let app = spawn_app().await;
    let day = days_back();
    record_usage(&app, &[(0, 5), (3, 1200), (29, 34), (40, 99)]);
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = admin.get(&details()).await;

    assert_eq!(
        page.select("[data-testid=usage-y-axis] span"),
        ["1,500", "1,000", "500", "0"],
        "round steps up past the busiest day, 1,200"
    );
    assert_eq!(
        page.attrs(&format!("rect[data-day=\"{}\"]", day(3)), "height"),
        ["96"],
        "1,200 of 1,500 is four fifths of the height"
    );
    let dated: Vec<NaiveDate> = [28, 21, 14, 7, 0].map(&day).to_vec();
    assert_eq!(
        page.attrs("[data-testid=usage-x-axis] time", "datetime"),
        dated.iter().map(NaiveDate::to_string).collect::<Vec<_>>()
    );
    assert_eq!(
        page.select("[data-testid=usage-x-axis] time"),
        dated
            .iter()
            .map(|d| d.format("%b %-d").to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        page.text("usage-total"),
        "1,239",
        "days outside the 30 don't count"
    );
}

#[tokio::test]
async fn the_charts_numbers_are_a_table_too() {
    let app = spawn_app().await;
    record_usage(&app, &[(0, 5), (3, 1200), (29, 34)]);
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = admin.get(&details()).await;

    let charted: Vec<(String, String)> = page
        .attrs("[data-testid=usage-chart] rect", "data-day")
        .into_iter()
        .zip(page.attrs("[data-testid=usage-chart] rect", "data-requests"))
        .collect();
    let tabled: Vec<(String, String)> = page
        .attrs("[data-testid=usage-table] tbody tr", "data-day")
        .into_iter()
        .zip(
            page.select("[data-testid=usage-table] tbody tr td")
                .iter()
                .map(|number| number.replace(',', "")),
        )
        .collect();
    assert_eq!(charted.len(), 30);
    assert_eq!(
        tabled, charted,
        "a row per bar, with the same day and number"
    );
    assert_eq!(
        page.select(&format!(
            "[data-testid=usage-table] tr[data-day=\"{}\"] td",
            days_back()(3)
        )),
        ["1,200"]
    );
    assert_eq!(
        page.select("[data-testid=usage-table] tbody tr th"),
        charted
            .iter()
            .map(|(day, _)| day.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(page.text("usage-table-total"), "1,239");
    assert_eq!(page.text("usage-table-total"), page.text("usage-total"));
    assert_eq!(
        page.select("[data-testid=usage-table] thead th"),
        ["Day (UTC)", "Requests"]
    );
    assert_eq!(
        page.select("details [data-testid=usage-table]").len(),
        1,
        "the table is in a <details>, for anyone to open"
    );
    assert_eq!(
        page.text("usage-table-toggle"),
        "Requests per day as a table"
    );
}

#[tokio::test]
async fn the_five_most_recent_addresses_are_listed_newest_first() {
    let app = spawn_app().await;
    let now = Utc::now();
    let rows: Vec<_> = (1..=6)
        .map(|n| {
            (
                token_access_ips::token_id.eq(NEVER_USED_TOKEN),
                token_access_ips::ip.eq(format!("192.0.2.{n}")),
                token_access_ips::first_seen_at.eq(now - chrono::Duration::days(10)),
                token_access_ips::last_seen_at.eq(now - chrono::Duration::hours(7 - n)),
                token_access_ips::user_agent.eq(format!("agent-{n}")),
                token_access_ips::requests.eq(n),
            )
        })
        .collect();
    diesel::insert_into(token_access_ips::table)
        .values(rows)
        .execute(&mut app.db.connection())
        .unwrap();
    let support = Visitor::signed_in(&app, SUPPORT_LOGIN).await;

    let page = support.get(&details()).await;

    assert_eq!(
        page.attrs("[data-testid=recent-ip]", "data-ip"),
        [
            "192.0.2.6",
            "192.0.2.5",
            "192.0.2.4",
            "192.0.2.3",
            "192.0.2.2"
        ]
    );
    assert_eq!(
        page.select("[data-testid=recent-ip] td")[3..5],
        ["6".to_owned(), "agent-6".to_owned()]
    );
}

#[tokio::test]
async fn calls_show_up_in_the_chart_and_the_addresses() {
    let app = spawn_app().await;
    let api = app.api(&app.secret_of(NEVER_USED_TOKEN));
    for _ in 0..3 {
        assert_eq!(api.whoami().await.status, StatusCode::OK);
    }
    // The three calls may straddle two writes: wait until all three are stored.
    let stored = || -> i64 {
        token_usage_daily::table
            .filter(token_usage_daily::token_id.eq(NEVER_USED_TOKEN))
            .select(token_usage_daily::requests)
            .load::<i64>(&mut app.db.connection())
            .unwrap()
            .iter()
            .sum()
    };
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let next_write = app.access_stats.written.notified();
            if stored() == 3 {
                return;
            }
            next_write.await;
        }
    })
    .await
    .expect("all three calls written");
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = admin.get(&details()).await;

    let today = Utc::now().date_naive();
    assert_eq!(
        page.attrs(&format!("rect[data-day=\"{today}\"]"), "data-requests"),
        ["3"]
    );
    assert_eq!(
        page.attrs("[data-testid=recent-ip]", "data-ip"),
        ["127.0.0.1"]
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let trusting = crate::common::spawn_app_with(tokendesk::app::AppOptions {
        flush_every: Duration::from_millis(200),
        trusted_proxies: TrustedProxies::new(["127.0.0.1".parse().unwrap()]),
        ..tokendesk::app::AppOptions::default()
    })
    .await;
    let untrusting = spawn_app().await;

    let calls = [
        (&trusting, "192.0.2.250, 198.51.100.23"),
        (&trusting, "198.51.100.24"),
        (&untrusting, "192.0.2.250, 198.51.100.23"),
    ];
    for (app, forwarded) in calls {
        let api = app
            .api(&app.secret_of(NEVER_USED_TOKEN))
            .with_header("X-Forwarded-For", forwarded);
        assert_eq!(api.whoami().await.status, StatusCode::OK);
    }
    for (app, addresses) in [(&trusting, 2), (&untrusting, 1)] {
        // Wait until every address is written (the calls may straddle two writes).
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let next_write = app.access_stats.written.notified();
                let stored: i64 = token_access_ips::table
                    .filter(token_access_ips::token_id.eq(NEVER_USED_TOKEN))
                    .count()
                    .get_result(&mut app.db.connection())
                    .unwrap();
                if stored == addresses {
                    return;
                }
                next_write.await;
            }
        })
        .await
        .expect("written");
    }

    let recorded = |app: &crate::common::TestApp| -> Vec<String> {
        token_access_ips::table
            .filter(token_access_ips::token_id.eq(NEVER_USED_TOKEN))
            .select(token_access_ips::ip)
            .load(&mut app.db.connection())
            .unwrap()
    };
    let mut through_proxy = recorded(&trusting);
    through_proxy.sort();
    assert_eq!(
        through_proxy,
        ["198.51.100.23", "198.51.100.24"],
        "the proxy's clients, not a spoofed left entry"
    );
    assert_eq!(
        recorded(&untrusting),
        ["127.0.0.1"],
        "an untrusted peer can't choose its address"
    );
}

#[tokio::test]
async fn a_proxys_own_forwarded_line_and_garbage_to_its_left_do_not_hide_the_client() {
    let app = crate::common::spawn_app_with(tokendesk::app::AppOptions {
        flush_every: Duration::from_millis(200),
        trusted_proxies: TrustedProxies::new(["127.0.0.1".parse().unwrap()]),
        ..tokendesk::app::AppOptions::default()
    })
    .await;
    let api = app.api(&app.secret_of(NEVER_USED_TOKEN));
    // The client's own line first, then the one its proxy added.
    let two_lines = api
        .clone()
        .with_header_line("x-forwarded-for", HeaderValue::from_static("192.0.2.250"))
        .with_header_line("x-forwarded-for", HeaderValue::from_static("198.51.100.30"));
    // Bytes that are no text, which the proxy extended with the real client.
    let not_text = api.with_header_line(
        "x-forwarded-for",
        HeaderValue::from_bytes(b"\xff\xfe, 198.51.100.31").unwrap(),
    );
    for client in [two_lines, not_text] {
        assert_eq!(client.whoami().await.status, StatusCode::OK);
    }
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let next_write = app.access_stats.written.notified();
            let mut stored: Vec<String> = token_access_ips::table
                .filter(token_access_ips::token_id.eq(NEVER_USED_TOKEN))
                .select(token_access_ips::ip)
                .load(&mut app.db.connection())
                .unwrap();
            stored.sort();
            if stored.len() == 2 {
                assert_eq!(stored, ["198.51.100.30", "198.51.100.31"]);
                return;
            }
            next_write.await;
        }
    })
    .await
    .expect("both uses written");
}
