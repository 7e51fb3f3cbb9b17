//! Signing in and out, redirects, CSRF on the sign-in forms, the session cookie, and
//! the role gates.

use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use tokendesk::db::schema::sign_in_failures;

use crate::common::{
    ACTIVE_TOKEN, BILLING_WRITE_TOKEN, DEMO_ADMIN_LOGIN, DEMO_MEMBER_LOGIN, OTHER_INC,
    SUPPORT_LOGIN, spawn_app, token_path,
};
use crate::visitor::{Visitor, urlencode};

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in_and_back_to_the_page_they_asked_for() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    let wanted = "/settings/api-tokens?q=billing&sort=name";

    let page = visitor.get(wanted).await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location(),
        Some(format!("/login?next={}", urlencode(wanted)).as_str())
    );
    let signed_in = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, Some(wanted))
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location(), Some(wanted));
    let list = visitor.get(wanted).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.texts("token-name")
            .iter()
            .any(|name| name == "Billing sync")
    );
}

#[tokio::test]
async fn a_next_that_leaves_the_site_is_replaced_by_the_tokens_page() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let page = visitor
        .sign_in(
            DEMO_ADMIN_LOGIN.0,
            DEMO_ADMIN_LOGIN.1,
            Some("//evil.example/phish"),
        )
        .await;

    assert_eq!(page.location(), Some("/settings/api-tokens"));
}

/// `next` values, as typed into the address bar, that browsers could follow to another
/// site: protocol-relative, backslashes, tabs and line breaks, encoded slashes, schemes.
const HOSTILE_NEXTS: [&str; 10] = [
    "//evil.example",
    "/\\evil.example",
    "/%09/evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/%0d%0aSet-Cookie:x=1",
    "%20//evil.example",
];

/// `next` values still percent-encoded once the app has decoded its query string or
/// form: decoded once more, they hold a line break, a tab or a backslash, wherever in
/// the value (path, query or fragment).
const STILL_ENCODED_NEXTS: [&str; 6] = [
    "/settings/api-tokens?x=%0d%0aSet-Cookie:x=1",
    "/settings/api-tokens#%0d%0aSet-Cookie:x=1",
    "/settings/api-tokens?q=%09//evil.example",
    "/settings/api-tokens?back=%5C%5Cevil.example",
    "/%5C%5Cevil.example",
    "/%2F%2Fevil.example",
];

#[tokio::test]
async fn every_redirect_after_sign_in_stays_on_this_site_whatever_next_says() {
    let app = spawn_app().await;
    let typed = HOSTILE_NEXTS.map(|raw| {
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned()
    });
    // Each as the app reads `next`, sent through the sign-in page's address and form.
    for raw in typed.iter().map(String::as_str).chain(STILL_ENCODED_NEXTS) {
        let page_address = format!("/login?next={}", urlencode(raw));
        let visitor = Visitor::new(&app);
        let login = visitor.get(&page_address).await;
        assert_eq!(
            login.input_value("next").as_deref(),
            Some("/settings/api-tokens"),
            "the form never carries {raw:?}"
        );
        let signed_in = visitor
            .post_form(
                "/login",
                &[
                    ("email", DEMO_ADMIN_LOGIN.0),
                    ("password", DEMO_ADMIN_LOGIN.1),
                    ("csrf_token", &login.csrf_token()),
                    ("next", raw),
                ],
            )
            .await;
        let again = visitor.get(&page_address).await;

        for page in [&signed_in, &again] {
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{raw:?}");
            assert_eq!(page.location(), Some("/settings/api-tokens"), "{raw:?}");
            assert!(
                page.headers
                    .get_all("set-cookie")
                    .iter()
                    .all(|cookie| !cookie.as_bytes().starts_with(b"x=")),
                "{raw:?} set no cookie of its own"
            );
        }
    }
}

#[tokio::test]
async fn a_request_for_a_page_with_a_hostile_path_is_sent_to_sign_in_without_it() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let hostile = visitor.get("/settings/api-tokens/%5C%5Cevil.example").await;
    let hostile_query = visitor
        .get("/settings/api-tokens?q=%0d%0aSet-Cookie:x=1")
        .await;
    let search = visitor.get("/settings/api-tokens?q=ci+deploy").await;

    assert_eq!(hostile.location(), Some("/login"));
    assert_eq!(hostile_query.location(), Some("/login"));
    assert_eq!(
        search.location(),
        Some("/login?next=%2Fsettings%2Fapi-tokens%3Fq%3Dci%2Bdeploy")
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_generic_message() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let wrong_password = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, "not-the-password", None)
        .await;
    let unknown_email = visitor
        .sign_in("nobody@demo.test", "demo-admin", None)
        .await;

    for page in [&wrong_password, &unknown_email] {
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.text("login-error"), "Incorrect email or password.");
    }
    assert_eq!(
        visitor.get("/settings/api-tokens").await.status,
        StatusCode::SEE_OTHER
    );
}

/// How long `visitor`'s sign-in as `email` with `password` takes to be answered, from
/// the form's submission to the whole page: a refusal, `Incorrect email or password.`
async fn time_a_refused_sign_in(visitor: &Visitor, email: &str, password: &str) -> Duration {
    let csrf = visitor.get("/login").await.csrf_token();
    let started = Instant::now();
    let page = visitor
        .post_form(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    let took = started.elapsed();
    assert_eq!(page.text("login-error"), "Incorrect email or password.");
    took
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::test]
async fn an_unknown_email_takes_about_as_long_to_refuse_as_a_wrong_password() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    let forget_failures = || {
        diesel::delete(sign_in_failures::table)
            .execute(&mut app.db.connection())
            .unwrap();
    };
    // Unmeasured: the first requests set up connections and statements.
    time_a_refused_sign_in(&visitor, DEMO_ADMIN_LOGIN.0, "not-it").await;
    time_a_refused_sign_in(&visitor, "nobody@demo.test", "not-it").await;

    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for round in 0..11 {
        // Never held off, so every attempt costs what an attacker's would.
        forget_failures();
        // Interleaved, each going first in turn, so the machine's changing load falls
        // on both alike.
        let unknown_email = format!("nobody{round}@demo.test");
        let attempts = [
            (unknown_email.as_str(), &mut unknown),
            (DEMO_ADMIN_LOGIN.0, &mut wrong),
        ];
        let [first, second] = if round % 2 == 0 {
            attempts
        } else {
            let [a, b] = attempts;
            [b, a]
        };
        for (email, times) in [first, second] {
            times.push(time_a_refused_sign_in(&visitor, email, "not-the-password").await);
        }
    }

    let (unknown, wrong) = (median(unknown), median(wrong));
    // Were argon2 skipped for an unknown email, its refusal would take a tenth as long.
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown email {unknown:?}, wrong password {wrong:?}: ratio {ratio:.2}"
    );
}

#[tokio::test]
async fn emails_are_matched_without_regard_to_case_or_spaces() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let page = visitor
        .sign_in("  Admin@Demo.TEST ", DEMO_ADMIN_LOGIN.1, None)
        .await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_without_the_forms_csrf_token_is_refused() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);
    visitor.get("/login").await;

    let page = visitor
        .post_form(
            "/login",
            &[
                ("email", DEMO_ADMIN_LOGIN.0),
                ("password", DEMO_ADMIN_LOGIN.1),
                ("csrf_token", "forged"),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.text("login-error").contains("expired"));
    assert_eq!(
        visitor.get("/settings/api-tokens").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_and_ends_with_the_browser() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let page = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;

    let cookie = page
        .set_cookie("tokendesk_session")
        .expect("a session cookie")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
    for absent in ["Max-Age", "Expires", "Secure"] {
        assert!(!cookie.contains(absent), "{absent} in {cookie} over http");
    }
    assert!(
        !cookie.contains(DEMO_ADMIN_LOGIN.0),
        "the cookie is encrypted: {cookie}"
    );
    assert_eq!(page.header("strict-transport-security"), None);
}

#[tokio::test]
async fn over_https_cookies_are_secure_and_browsers_are_told_to_stay_on_https() {
    let app = crate::common::spawn_app_with(tokendesk::app::AppOptions {
        public_url: Some(
            tokendesk::config::PublicUrl::parse("https://tokens.example.com").unwrap(),
        ),
        ..tokendesk::app::AppOptions::default()
    })
    .await;
    let visitor = Visitor::new(&app);

    let login = visitor.get("/login").await;
    let page = visitor
        .sign_in(DEMO_ADMIN_LOGIN.0, DEMO_ADMIN_LOGIN.1, None)
        .await;

    // `__Host-`: browsers keep them for this exact host only (Secure, `Path=/`, no
    // `Domain`), so a sibling subdomain of the same site can't plant one to sign a
    // person in as someone else.
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    for (answer, cookie) in [
        (&page, "__Host-tokendesk_session"),
        (&login, "__Host-tokendesk_login"),
    ] {
        let set = answer.set_cookie(cookie).expect(cookie);
        for attribute in ["Secure", "Path=/;", "HttpOnly"] {
            assert!(
                set.contains(attribute) || set.ends_with(attribute.trim_end_matches(';')),
                "{attribute} missing from {set}"
            );
        }
        assert!(!set.contains("Domain"), "{set}");
    }
    for answer in [&login, &page] {
        assert_eq!(
            answer.header("strict-transport-security"),
            Some("max-age=31536000; includeSubDomains")
        );
    }
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let csrf = visitor.csrf_token().await;

    let page = visitor.post_form("/logout", &[("csrf_token", &csrf)]).await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/login"));
    assert_eq!(
        visitor.get("/settings/api-tokens").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn signing_out_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let page = visitor.post_form("/logout", &[]).await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(page.texts("csrf-error").len(), 1);
    assert_eq!(
        visitor.get("/settings/api-tokens").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_member_is_told_the_api_access_privilege_is_needed_and_sees_no_tokens() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, DEMO_MEMBER_LOGIN).await;

    for path in ["/settings/api-tokens".to_owned(), token_path(ACTIVE_TOKEN)] {
        let page = visitor.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.text("no-api-access").contains("API Access privilege"));
        assert!(page.token_ids().is_empty());
        assert!(
            !page.body.contains("Billing sync"),
            "{path} leaks token names"
        );
    }
}

#[tokio::test]
async fn support_staff_see_every_accounts_tokens_with_the_account_column() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, SUPPORT_LOGIN).await;

    let page = visitor.get("/settings/api-tokens?q=Other+Inc").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.token_ids().len(), 3);
    assert!(
        page.texts("token-account")
            .iter()
            .all(|a| a.starts_with(&format!("Other Inc {OTHER_INC}")))
    );
}

#[tokio::test]
async fn support_staff_filter_by_account_name_or_id() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, SUPPORT_LOGIN).await;

    let by_name = visitor
        .get("/settings/api-tokens?account=other&status=all")
        .await;
    let by_id = visitor
        .get(&format!(
            "/settings/api-tokens?account={OTHER_INC}&status=all"
        ))
        .await;
    let nobody = visitor.get("/settings/api-tokens?account=Nobody+Ltd").await;

    assert_eq!(by_name.token_ids(), by_id.token_ids());
    assert_eq!(by_name.token_ids().len(), 3);
    assert_eq!(by_name.input_value("account").as_deref(), Some("other"));
    assert!(nobody.token_ids().is_empty());
}

#[tokio::test]
async fn an_htmx_request_without_a_session_is_told_to_navigate_to_sign_in() {
    let app = spawn_app().await;
    let visitor = Visitor::new(&app);

    let page = visitor.get_htmx("/settings/api-tokens?page=2").await;

    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        page.header("hx-redirect"),
        Some(format!("/login?next={}", urlencode("/settings/api-tokens?page=2")).as_str())
    );
}

#[tokio::test]
async fn a_signed_in_visitor_opening_sign_in_goes_straight_on() {
    let app = spawn_app().await;
    let visitor = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let wanted = token_path(BILLING_WRITE_TOKEN);

    let page = visitor.get(&format!("/login?next={wanted}")).await;

    assert_eq!(page.location(), Some(wanted.as_str()));
}
