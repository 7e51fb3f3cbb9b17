//! Sign-in that resists guessing and sessions that really end: throttling per email
//! and per address, password checks that never starve the pool, server-side sessions
//! that sign-out, idleness, age, other sessions, a disabled person or a new password
//! end at once, and the audit trail of all of it.

use chrono::{Duration, SubsecRound, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::schema::{audit_events, sessions, sign_in_failures};

use crate::cli::run;
use crate::common::{
    ACTIVE_TOKEN, DEMO_ADMIN, DEMO_ADMIN_LOGIN, DEMO_CORP, DEMO_MEMBER_LOGIN, TestApp, spawn_app,
    spawn_app_behind_a_proxy, spawn_app_with,
};
use crate::visitor::{Page, Visitor};

/// The value of the session cookie a sign-in set.
fn session_cookie(page: &Page) -> String {
    let cookie = page
        .set_cookie("tokendesk_session")
        .expect("a session cookie");
    let value = cookie.split(';').next().unwrap_or_default();
    value.trim_start_matches("tokendesk_session=").to_owned()
}

/// `GET path` with nothing but a saved copy of a session cookie.
async fn with_copied_cookie(app: &TestApp, cookie: &str, path: &str) -> StatusCode {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", app.address))
        .header("cookie", format!("tokendesk_session={cookie}"))
        .send()
        .await
        .unwrap()
        .status()
}

fn audited(app: &TestApp, action: &str) -> Vec<(Option<String>, Option<String>, String)> {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .order(audit_events::id)
        .select((
            audit_events::account_id,
            audit_events::ip,
            audit_events::details,
        ))
        .load(&mut app.db.connection())
        .unwrap()
}

#[tokio::test]
async fn five_failures_for_an_email_hold_its_sign_in_off_even_with_the_right_password() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    for _ in 0..5 {
        let wrong = visitor
            .sign_in(DEMO_ADMIN_LOGIN.0, "wrong-password", None)
            .await;
        assert_eq!(wrong.text("login-error"), "Incorrect email or password.");
    }

    let right = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    let other_email = visitor
        .sign_in(DEMO_MEMBER_LOGIN.0, DEMO_MEMBER_LOGIN.1, None)
        .await;

    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = right.header("retry-after").unwrap().parse().unwrap();
    assert!((14 * 60..=15 * 60).contains(&wait), "{wait}");
    assert_eq!(
        right.text("login-error"),
        "Too many failed sign-ins. Try again in 15 minutes."
    );
    assert_eq!(other_email.status, StatusCode::SEE_OTHER, "only that email");
    let failed = audited(&app, "user.sign_in_failed");
    assert_eq!(failed.len(), 5);
    assert_eq!(failed[0].0.as_deref(), Some(DEMO_CORP));
    assert_eq!(failed[0].1.as_deref(), Some("127.0.0.1"));
    assert_eq!(audited(&app, "user.sign_in_throttled").len(), 1);
}

#[tokio::test]
async fn a_flood_of_held_off_sign_ins_is_audited_once_not_once_each() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    for _ in 0..5 {
        visitor
            .sign_in(DEMO_ADMIN_LOGIN.0, "wrong-password", None)
            .await;
    }

    // Each costs the sender nothing (no password is checked while held off): without a
    // bound, anyone could bury the account's audit log under them. Sent all at once,
    // then one by one.
    let senders: Vec<Visitor> = (0..6).map(|_| Visitor::new(&app)).collect();
    let at_once = futures_util::future::join_all(
        senders
            .iter()
            .map(|sender| sender.sign_in(DEMO_ADMIN_LOGIN.0, "guess", None)),
    )
    .await;
    let mut held_off: Vec<StatusCode> = at_once.iter().map(|page| page.status).collect();
    for _ in 0..6 {
        held_off.push(
            visitor
                .sign_in(DEMO_ADMIN_LOGIN.0, "guess", None)
                .await
                .status,
        );
    }

    assert_eq!(held_off, [StatusCode::TOO_MANY_REQUESTS; 12]);
    let throttled = audited(&app, "user.sign_in_throttled");
    assert_eq!(
        throttled,
        [(
            Some(DEMO_CORP.to_owned()),
            Some("127.0.0.1".to_owned()),
            "Too many failed sign-ins".to_owned()
        )]
    );
}

#[tokio::test]
async fn a_sign_in_clears_the_emails_failures_and_unknown_emails_stay_out_of_the_audit_log() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    for _ in 0..4 {
        visitor
            .sign_in(DEMO_ADMIN_LOGIN.0, "wrong-password", None)
            .await;
    }
    let signed_in = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);

    let fresh = Visitor::new(&app);
    for _ in 0..4 {
        fresh
            .sign_in(DEMO_ADMIN_LOGIN.0, "wrong-password", None)
            .await;
    }
    let unknown = fresh.sign_in("nobody@demo.test", "whatever", None).await;
    let again = fresh
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;

    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "the count started over"
    );
    assert_eq!(unknown.text("login-error"), "Incorrect email or password.");
    assert_eq!(audited(&app, "user.sign_in_failed").len(), 8);
    assert_eq!(audited(&app, "user.sign_in").len(), 2);
}

#[tokio::test]
async fn twenty_failures_from_one_address_hold_off_every_email_from_it() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    for n in 0..20 {
        let guess = visitor
            .sign_in(&format!("guess{n}@demo.test"), "password1", None)
            .await;
        assert_eq!(guess.status, StatusCode::OK, "attempt {n}");
    }

    let held_off = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;

    assert_eq!(held_off.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(held_off.header("retry-after").is_some());
}

#[tokio::test]
async fn twenty_failures_from_one_ipv6_network_hold_off_its_other_addresses_too() {
    let app = spawn_app_behind_a_proxy().await;
    // One subscriber's /64: a new address for every guess.
    for n in 0..20 {
        let address = format!("2001:db8:0:1::{:x}", n + 1).parse().unwrap();
        let guess = Visitor::at_behind_a_proxy(&app.address, address)
            .sign_in(&format!("guess{n}@demo.test"), "password1", None)
            .await;
        assert_eq!(guess.status, StatusCode::OK, "attempt {n}");
    }

    let same_network =
        Visitor::at_behind_a_proxy(&app.address, "2001:db8:0:1::ffff".parse().unwrap())
            .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
            .await;
    assert_eq!(same_network.status, StatusCode::TOO_MANY_REQUESTS);

    let next_network = Visitor::at_behind_a_proxy(&app.address, "2001:db8:0:2::1".parse().unwrap())
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    assert_eq!(
        next_network.status,
        StatusCode::SEE_OTHER,
        "another network signs in"
    );
}

#[tokio::test]
async fn a_hundred_failing_sign_ins_at_once_leave_pages_and_the_api_answering() {
    let app = spawn_app_behind_a_proxy().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let api = app.api(&app.secret_of(ACTIVE_TOKEN));
    // Each from an address and for an email of its own, so none is throttled: every
    // one costs a full password check.
    let mut attempts = Vec::new();
    for n in 0..100u8 {
        let visitor =
            Visitor::at_behind_a_proxy(&app.address, format!("198.51.100.{n}").parse().unwrap());
        let email = format!("nobody{n}@demo.test");
        attempts.push(tokio::spawn(async move {
            visitor.sign_in(&email, "not-it", None).await.status
        }));
    }

    let checks = app.password_checks.clone();
    crate::common::eventually(std::time::Duration::from_secs(10), || {
        (checks.running() > 0).then_some(())
    })
    .await;

    // For as long as the burst lasts: the list and whoami, each answered normally and
    // promptly, and counted when password checks were running all through the call.
    let mut answered_during_checks = 0;
    while !attempts.iter().all(tokio::task::JoinHandle::is_finished) {
        let checking = checks.running() > 0;
        let started = std::time::Instant::now();
        let (list, whoami) = tokio::join!(admin.get("/settings/api-tokens"), api.whoami());
        let answered_in = started.elapsed();
        assert_eq!(list.status, StatusCode::OK);
        assert!(!list.texts("token-row").is_empty(), "the list itself");
        assert_eq!(whoami.status, StatusCode::OK);
        // Far below the pool's 10-second wait for a connection.
        assert!(
            answered_in < std::time::Duration::from_secs(5),
            "{answered_in:?}"
        );
        if checking && checks.running() > 0 {
            answered_during_checks += 1;
        }
    }

    assert!(
        answered_during_checks >= 3,
        "only {answered_during_checks} answers overlapped the password checks"
    );
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let most = checks.most_at_once();
    assert!(
        (1..=cores).contains(&most),
        "{most} checks at once on {cores} cores"
    );
    for attempt in attempts {
        // A plain refusal, or "too many sign-ins, try again" once the queue is too long.
        let status = attempt.await.unwrap();
        assert!(
            status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}"
        );
    }
}

#[tokio::test]
async fn a_sign_in_that_waits_too_long_for_a_password_check_is_told_to_retry_and_not_counted() {
    // No password check can ever start, and none waits.
    let app = spawn_app_with(tokendesk::app::AppOptions {
        password_checks: tokendesk::web::PasswordCheckLimits {
            at_once: 0,
            longest_wait: std::time::Duration::ZERO,
        },
        ..tokendesk::app::AppOptions::default()
    })
    .await;
    let visitor = Visitor::new(&app);

    let mut answers = Vec::new();
    for _ in 0..6 {
        answers.push(
            visitor
                .sign_in(DEMO_ADMIN_LOGIN.0, "wrong-password", None)
                .await,
        );
    }

    for busy in &answers {
        assert_eq!(
            busy.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "never held off"
        );
        assert_eq!(busy.header("retry-after"), Some("5"));
        assert_eq!(
            busy.text("login-error"),
            "Too many sign-ins are being checked just now. Try again in a moment."
        );
        assert!(!busy.body.contains("database"), "{}", busy.body);
    }
    let counted: i64 = sign_in_failures::table
        .count()
        .get_result(&mut app.db.connection())
        .unwrap();
    assert_eq!(counted, 0, "no attempt counts as a failure");
    assert!(audited(&app, "user.sign_in_failed").is_empty());
}

#[tokio::test]
async fn a_copy_of_the_cookie_is_refused_once_its_session_is_signed_out() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    let signed_in = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    let copy = session_cookie(&signed_in);
    assert_eq!(
        with_copied_cookie(&app, &copy, "/settings/api-tokens").await,
        StatusCode::OK
    );

    let csrf = visitor.csrf_token().await;
    visitor.post_form("/logout", &[("csrf_token", &csrf)]).await;

    assert_eq!(
        with_copied_cookie(&app, &copy, "/settings/api-tokens").await,
        StatusCode::SEE_OTHER
    );
    let stored: i64 = sessions::table
        .count()
        .get_result(&mut app.db.connection())
        .unwrap();
    assert_eq!(stored, 0, "nothing is left of it");
    assert_eq!(audited(&app, "user.sign_out").len(), 1);
}

#[tokio::test]
async fn a_session_ends_when_idle_too_long_or_twelve_hours_old_and_last_seen_moves_once_a_minute() {
    let app = spawn_app().await;
    let first = Visitor::new(&app);
    let second = Visitor::new(&app);
    let idle = session_cookie(
        &first
            .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
            .await,
    );
    let old = session_cookie(
        &second
            .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
            .await,
    );
    let mut conn = app.db.connection();
    let last_seen = |conn: &mut PgConnection| -> Vec<chrono::DateTime<Utc>> {
        sessions::table
            .order(sessions::created_at)
            .select(sessions::last_seen_at)
            .load(conn)
            .unwrap()
    };
    // As PostgreSQL keeps it: to the microsecond.
    let half_a_minute_ago = (Utc::now() - Duration::seconds(30)).trunc_subsecs(6);
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(half_a_minute_ago))
        .execute(&mut conn)
        .unwrap();
    with_copied_cookie(&app, &idle, "/settings/api-tokens").await;
    assert_eq!(
        last_seen(&mut conn)[0],
        half_a_minute_ago,
        "not written yet"
    );
    let two_minutes_ago = Utc::now() - Duration::minutes(2);
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(two_minutes_ago))
        .execute(&mut conn)
        .unwrap();
    with_copied_cookie(&app, &idle, "/settings/api-tokens").await;
    assert!(
        last_seen(&mut conn)[0] > two_minutes_ago,
        "written a minute on"
    );

    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(Utc::now() - Duration::minutes(31)))
        .execute(&mut conn)
        .unwrap();
    let idle_answer = with_copied_cookie(&app, &idle, "/settings/api-tokens").await;
    diesel::update(sessions::table)
        .set((
            sessions::last_seen_at.eq(Utc::now()),
            sessions::expires_at.eq(Utc::now() - Duration::seconds(1)),
        ))
        .execute(&mut conn)
        .unwrap();
    let old_answer = with_copied_cookie(&app, &old, "/settings/api-tokens").await;

    assert_eq!(idle_answer, StatusCode::SEE_OTHER, "30 minutes idle");
    assert_eq!(old_answer, StatusCode::SEE_OTHER, "past its 12 hours");
    let ended = audited(&app, "user.session_ended");
    let why: Vec<&str> = ended
        .iter()
        .map(|(_, _, details)| details.as_str())
        .collect();
    assert_eq!(
        why,
        [
            "Ended after 30 minutes unused",
            "Ended 12 hours after sign-in"
        ]
    );
    for (account, ip, _) in &ended {
        assert_eq!(account.as_deref(), Some("PA-1000-0001"));
        assert_eq!(
            ip.as_deref(),
            Some("127.0.0.1"),
            "where it was started from"
        );
    }
    let left: i64 = sessions::table.count().get_result(&mut conn).unwrap();
    assert_eq!(left, 0, "both ended");
}

#[tokio::test]
async fn sessions_that_lapsed_unseen_are_ended_and_audited_at_the_next_sign_in() {
    let app = spawn_app().await;
    Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    Visitor::signed_in(&app, DEMO_MEMBER_LOGIN).await;
    let mut conn = app.db.connection();
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(Utc::now() - Duration::hours(1)))
        .execute(&mut conn)
        .unwrap();

    Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let ended = audited(&app, "user.session_ended");
    assert_eq!(ended.len(), 2, "{ended:?}");
    assert!(
        ended
            .iter()
            .all(|(_, _, why)| why == "Ended after 30 minutes unused"),
        "{ended:?}"
    );
    let left: i64 = sessions::table.count().get_result(&mut conn).unwrap();
    assert_eq!(left, 1, "only the new one");
}

#[tokio::test]
async fn the_sessions_page_shows_each_browser_and_signs_this_one_out_like_the_sign_out_link() {
    let app = spawn_app().await;
    let here = Visitor::with_user_agent(&app, "Firefox/140.0 (the laptop)");
    let phone = Visitor::with_user_agent(&app, "Mobile Safari/18.0 (the phone)");
    for visitor in [&here, &phone] {
        let signed_in = visitor
            .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
            .await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    }

    let page = here.get("/settings/sessions").await;
    let mut browsers = page.texts("session-user-agent");
    browsers.sort();
    assert_eq!(
        browsers,
        [
            "Firefox/140.0 (the laptop)",
            "Mobile Safari/18.0 (the phone)"
        ]
    );
    let this_one = "[data-testid=session-row]:has([data-testid=session-current])";
    assert_eq!(
        page.select(&format!("{this_one} [data-testid=session-user-agent]")),
        ["Firefox/140.0 (the laptop)"]
    );
    assert_eq!(
        page.select(&format!("{this_one} [data-testid=session-sign-out-here]")),
        ["Sign out"]
    );
    assert!(
        page.select(&format!("{this_one} [data-testid=session-end]"))
            .is_empty()
    );
    let form = "form:has([data-testid=session-sign-out-here])";
    assert_eq!(page.attrs(form, "action"), ["/logout"]);
    assert_eq!(page.attrs(form, "method"), ["post"]);
    let csrf = page.attrs(&format!("{form} input[name=csrf_token]"), "value");

    let signed_out = here.post_form("/logout", &[("csrf_token", &csrf[0])]).await;

    assert_eq!(signed_out.location(), Some("/login"));
    assert_eq!(
        here.get("/settings/sessions").await.status,
        StatusCode::SEE_OTHER,
        "this browser is signed out"
    );
    let elsewhere = phone.get("/settings/sessions").await;
    assert_eq!(elsewhere.status, StatusCode::OK, "the phone is not");
    assert_eq!(elsewhere.texts("session-row").len(), 1);
    assert_eq!(audited(&app, "user.sign_out").len(), 1);
}

#[tokio::test]
async fn tokendesk_session_idle_sets_how_long_a_session_may_go_unused() {
    let db = crate::common::TestDb::migrated();
    let (server, port, log) =
        crate::cli::serve(&db, &["--demo"], &[("TOKENDESK_SESSION_IDLE", "5m")]);
    let visitor = Visitor::at(&format!("http://127.0.0.1:{port}"));
    let signed_in = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let mut conn = db.connection();
    let unused_for = |minutes: i64, conn: &mut PgConnection| {
        diesel::update(sessions::table)
            .set(sessions::last_seen_at.eq(Utc::now() - Duration::minutes(minutes)))
            .execute(conn)
            .unwrap();
    };

    let page = visitor.get("/settings/sessions").await;
    unused_for(4, &mut conn);
    let after_four_minutes = visitor.get("/settings/api-tokens").await.status;
    unused_for(6, &mut conn);
    let after_six_minutes = visitor.get("/settings/api-tokens").await.status;
    let log = crate::cli::stop(server, log);

    assert!(
        page.body.contains("after 5 minutes unused"),
        "{}\n{log}",
        page.body
    );
    assert_eq!(after_four_minutes, StatusCode::OK);
    assert_eq!(
        after_six_minutes,
        StatusCode::SEE_OTHER,
        "30 minutes by default, 5 here"
    );
    let why: Vec<String> = audit_events::table
        .filter(audit_events::action.eq("user.session_ended"))
        .select(audit_events::details)
        .load(&mut conn)
        .unwrap();
    assert_eq!(why, ["Ended after 5 minutes unused"]);
}

#[tokio::test]
async fn the_sessions_page_signs_out_one_session_or_every_other() {
    let app = spawn_app().await;
    let (here, _) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let laptop = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let phone = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = here.get("/settings/sessions").await;
    assert_eq!(page.texts("session-row").len(), 3);
    assert_eq!(page.texts("session-current").len(), 1);
    assert_eq!(page.texts("session-ip"), ["127.0.0.1"; 3]);
    let csrf = page.csrf_token();
    let others = page.attrs(
        "[data-testid=session-row]:has([data-testid=session-end])",
        "data-session-id",
    );
    assert_eq!(others.len(), 2);

    let ended = here
        .post_form(
            &format!("/settings/sessions/{}/end", others[0]),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    let still: Vec<StatusCode> = [&laptop, &phone]
        .iter()
        .map(|v| v.get("/settings/api-tokens"))
        .collect::<futures_util::future::JoinAll<_>>()
        .await
        .iter()
        .map(|p| p.status)
        .collect();
    assert_eq!(
        still.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "one of the two was signed out: {still:?}"
    );

    let everywhere = here
        .post_form("/settings/sessions/end-others", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(everywhere.status, StatusCode::SEE_OTHER);
    for other in [&laptop, &phone] {
        assert_eq!(
            other.get("/settings/api-tokens").await.status,
            StatusCode::SEE_OTHER
        );
    }
    let after = here.get("/settings/sessions").await;
    assert_eq!(after.status, StatusCode::OK, "this one goes on");
    assert_eq!(after.texts("session-row").len(), 1);
    assert_eq!(
        after.text("flash-message"),
        "1 other session is signed out."
    );
    assert_eq!(audited(&app, "user.session_ended").len(), 2);
    for without_csrf in [
        "/settings/sessions/end-others",
        &format!("/settings/sessions/{}/end", others[1]),
    ] {
        let refused = here.post_form(without_csrf, &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{without_csrf}");
    }
    let someone_elses = here
        .post_form(
            "/settings/sessions/AAAAAAAAAAAAAAAAAAAAAA/end",
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(someone_elses.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn disabling_a_person_or_setting_their_password_ends_their_sessions_at_once() {
    let app = spawn_app().await;
    let member = Visitor::signed_in(&app, DEMO_MEMBER_LOGIN).await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let changed = run(
        &app.db.url,
        &["user", "password", "--email", DEMO_ADMIN_LOGIN.0],
        "a-brand-new-password\n",
    );
    assert!(changed.status.success(), "{changed:?}");
    let disabled = run(
        &app.db.url,
        &["user", "disable", "--email", DEMO_MEMBER_LOGIN.0],
        "",
    );
    assert!(disabled.status.success(), "{disabled:?}");

    assert_eq!(
        admin.get("/settings/api-tokens").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        member.get("/settings/api-tokens").await.status,
        StatusCode::SEE_OTHER
    );
    let fresh = Visitor::new(&app);
    let old_password = fresh
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    assert_eq!(
        old_password.text("login-error"),
        "Incorrect email or password."
    );
    let new_password = fresh
        .sign_in(DEMO_ADMIN_LOGIN.0, "a-brand-new-password", None)
        .await;
    assert_eq!(new_password.status, StatusCode::SEE_OTHER);
    let member_again = Visitor::new(&app)
        .sign_in(DEMO_MEMBER_LOGIN.0, DEMO_MEMBER_LOGIN.1, None)
        .await;
    assert_eq!(
        member_again.text("login-error"),
        "Incorrect email or password."
    );
    assert_eq!(audited(&app, "user.password_changed").len(), 1);
    assert_eq!(audited(&app, "user.disabled").len(), 1);
}

/// What a sign-in stores once the person's password checked out: a session of theirs,
/// as read with that password (`users::credentials_by_email`).
fn store_session(app: &TestApp, read: &tokendesk::db::users::Credentials) -> bool {
    let digest: [u8; 32] = rand::random();
    let public_id: String = (0..22)
        .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
        .collect();
    let now = Utc::now();
    tokendesk::db::sessions::insert(
        &mut app.db.connection(),
        &tokendesk::db::sessions::NewSession {
            key_digest: &digest,
            public_id: &public_id,
            user_id: &read.user.id,
            state: "{}",
            now,
            expires_at: now + Duration::hours(12),
            ip: None,
            user_agent: None,
            sign_in_epoch: read.sign_in_epoch,
        },
    )
    .unwrap()
}

#[tokio::test]
async fn a_sign_in_checked_against_a_password_changed_or_disabled_meanwhile_keeps_no_session() {
    let app = spawn_app().await;
    let read = |email: &str| {
        tokendesk::db::users::credentials_by_email(&mut app.db.connection(), email)
            .unwrap()
            .unwrap()
    };
    // Each sign-in has read the password it checks, when the person's sessions are
    // ended by a new password or by disabling them, before its session is stored.
    let (admin, member) = (read(DEMO_ADMIN_LOGIN.0), read(DEMO_MEMBER_LOGIN.0));
    let changed = run(
        &app.db.url,
        &["user", "password", "--email", DEMO_ADMIN_LOGIN.0],
        "a-brand-new-password\n",
    );
    assert!(changed.status.success(), "{changed:?}");
    let disabled = run(
        &app.db.url,
        &["user", "disable", "--email", DEMO_MEMBER_LOGIN.0],
        "",
    );
    assert!(disabled.status.success(), "{disabled:?}");

    assert!(!store_session(&app, &admin), "the old password's sign-in");
    assert!(
        !store_session(&app, &member),
        "the disabled person's sign-in"
    );
    let kept: i64 = sessions::table
        .count()
        .get_result(&mut app.db.connection())
        .unwrap();
    assert_eq!(kept, 0);
    assert!(
        store_session(&app, &read(DEMO_ADMIN_LOGIN.0)),
        "a sign-in with the new password keeps its session"
    );
}

#[tokio::test]
async fn a_browser_that_keeps_no_cookies_is_told_so_and_never_fills_the_sessions_table() {
    let app = spawn_app().await;
    let no_cookies = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for _ in 0..3 {
        no_cookies
            .get(format!("{}/login", app.address))
            .send()
            .await
            .unwrap();
    }
    let answer = no_cookies
        .post(format!("{}/login", app.address))
        .form(&[
            ("email", DEMO_ADMIN_LOGIN.0),
            ("password", DEMO_ADMIN_LOGIN.1),
            ("csrf_token", "whatever-the-form-said"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body = answer.text().await.unwrap();
    assert!(body.contains("signing in needs cookies"), "{body}");
    assert!(body.contains(&app.address), "names the address: {body}");
    let stored: i64 = sessions::table
        .count()
        .get_result(&mut app.db.connection())
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_csv_export_read_to_the_end_is_audited_as_complete_with_its_filters_and_row_count() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let csv = admin
        .get("/settings/api-tokens/export.csv?status=disabled")
        .await;

    let rows = csv.body.lines().count() - 1;
    let exported = audited(&app, "tokens.export");
    assert_eq!(exported.len(), 1);
    assert_eq!(
        exported[0].2,
        format!("Complete: {rows} tokens sent; filters: status=disabled")
    );
    let actor: Option<String> = audit_events::table
        .filter(audit_events::action.eq("tokens.export"))
        .select(audit_events::actor_user_id)
        .first(&mut app.db.connection())
        .unwrap();
    assert_eq!(actor.as_deref(), Some(DEMO_ADMIN));
}

#[tokio::test]
async fn attempts_sent_all_at_once_are_held_off_as_attempts_sent_one_by_one() {
    let app = spawn_app().await;
    let mut attempts = Vec::new();
    for _ in 0..12 {
        let visitor = Visitor::new(&app);
        attempts.push(tokio::spawn(async move {
            visitor
                .sign_in(DEMO_ADMIN_LOGIN.0, "wrong-password", None)
                .await
                .status
        }));
    }
    let mut checked = 0;
    for attempt in attempts {
        if attempt.await.unwrap() == StatusCode::OK {
            checked += 1;
        }
    }

    assert_eq!(checked, 5, "only five passwords were checked");
    let right = Visitor::new(&app)
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn static_files_probes_and_the_api_never_read_the_session_their_cookie_names() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    let cookie = session_cookie(
        &visitor
            .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
            .await,
    );
    let mut conn = app.db.connection();
    // Reading a session marks it seen once it was last seen over a minute ago.
    let two_minutes_ago = (Utc::now() - Duration::minutes(2)).trunc_subsecs(6);
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(two_minutes_ago))
        .execute(&mut conn)
        .unwrap();
    let last_seen = |conn: &mut PgConnection| -> chrono::DateTime<Utc> {
        sessions::table
            .select(sessions::last_seen_at)
            .first(conn)
            .unwrap()
    };

    for path in [
        "/static/app.css",
        "/favicon.ico",
        "/healthz",
        "/readyz",
        "/api/v1/openapi.json",
    ] {
        assert_eq!(
            with_copied_cookie(&app, &cookie, path).await,
            StatusCode::OK,
            "{path}"
        );
    }
    assert_eq!(last_seen(&mut conn), two_minutes_ago, "no session was read");

    with_copied_cookie(&app, &cookie, "/settings/api-tokens").await;
    assert!(last_seen(&mut conn) > two_minutes_ago, "a page reads it");
}

#[tokio::test]
async fn viewing_pages_writes_the_session_only_when_it_changes() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;
    let mut conn = app.db.connection();
    // The row's version: any UPDATE of it, even to the same values, gives a new one.
    let version = |conn: &mut PgConnection| -> String {
        sessions::table
            .select(diesel::dsl::sql::<diesel::sql_types::Text>("xmin::text"))
            .get_result(conn)
            .unwrap()
    };
    visitor.get("/settings/api-tokens").await;
    // Marked seen just now, so the once-a-minute mark of its use (`sessions::load`) is
    // not due during the views below, however slow the machine.
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(Utc::now()))
        .execute(&mut conn)
        .unwrap();
    let before = version(&mut conn);

    for path in [
        "/settings/api-tokens",
        "/settings/api-tokens?q=sync",
        "/settings/sessions",
    ] {
        let page = visitor.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(
            version(&mut conn),
            before,
            "{path}: nothing in the session changed, so nothing is written"
        );
    }

    // A flash is still shown once, and taking it is a change that is written.
    let csrf = visitor.csrf_token().await;
    let disabled = visitor
        .post_form(
            &format!("/settings/api-tokens/{ACTIVE_TOKEN}/disable"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    let shown = visitor.get("/settings/api-tokens").await;
    assert_eq!(shown.texts("flash-message").len(), 1, "shown once");
    let again = visitor.get("/settings/api-tokens").await;
    assert!(again.texts("flash-message").is_empty(), "and then gone");
}
