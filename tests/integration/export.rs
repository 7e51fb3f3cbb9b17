//! The CSV export: the current filter's every page, the page's columns, UTC times,
//! formula escaping, chunk boundaries, and who may export.

use std::collections::HashSet;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::StatusCode;

use crate::common::{
    DEMO_ADMIN, DEMO_ADMIN_LOGIN, DEMO_CORP, DEMO_MEMBER_LOGIN, DISABLED_TOKEN, OTHER_INC,
    SUPPORT_LOGIN, spawn_app,
};
use crate::visitor::Visitor;

fn rows(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn the_export_carries_the_filtered_list_with_the_pages_columns() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let list = admin
        .get("/settings/api-tokens?status=disabled&sort=name&page=1")
        .await;
    let link = list.attrs("[data-testid=export-csv]", "href");
    assert_eq!(
        link,
        ["/settings/api-tokens/export.csv?status=disabled&sort=name"]
    );

    let export = admin.get(&link[0]).await;

    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(
        export.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        export.header("content-disposition"),
        Some("attachment; filename=\"api-tokens.csv\"")
    );
    let rows = rows(&export.body);
    assert_eq!(
        rows[0],
        [
            "API token",
            "ID",
            "Token",
            "Modules",
            "Scope",
            "Created by",
            "Created by ID",
            "Date created",
            "Expires",
            "Last access",
            "Status"
        ]
    );
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names,
        ["Backup checker", "Legacy CRM bridge", "Subscription sync"]
    );
    let legacy = &rows[2];
    assert_eq!(legacy[1], DISABLED_TOKEN);
    assert!(legacy[2].starts_with("tdk_") && legacy[2].ends_with('…'));
    assert_eq!(
        (legacy[3].as_str(), legacy[4].as_str()),
        ("Customers", "Read & write")
    );
    assert_eq!(
        (legacy[5].as_str(), legacy[6].as_str()),
        ("Avery Admin", DEMO_ADMIN)
    );
    for time in [&legacy[7], &legacy[9]] {
        assert!(
            chrono::DateTime::parse_from_rfc3339(time).is_ok() && time.ends_with('Z'),
            "{time}"
        );
    }
    assert_eq!((legacy[8].as_str(), legacy[10].as_str()), ("", "Disabled"));
}

#[tokio::test]
async fn fields_a_spreadsheet_would_run_are_escaped() {
    let app = spawn_app().await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    for name in [
        "=HYPERLINK(\"http://evil.example\")",
        "+1+2",
        "-3",
        "@SUM(A1)",
    ] {
        let page = admin
            .post_form(
                "/settings/api-tokens",
                &[
                    ("csrf_token", &csrf),
                    ("name", name),
                    ("scope", "read"),
                    ("modules", "usage"),
                    ("expires_in", "none"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::CREATED);
    }

    let export = admin
        .get("/settings/api-tokens/export.csv?unused=never&sort=name")
        .await;

    let names: HashSet<String> = rows(&export.body)
        .into_iter()
        .skip(1)
        .map(|r| r[0].clone())
        .collect();
    for escaped in [
        "'=HYPERLINK(\"http://evil.example\")",
        "'+1+2",
        "'-3",
        "'@SUM(A1)",
    ] {
        assert!(names.contains(escaped), "{escaped} in {names:?}");
    }
}

#[tokio::test]
async fn a_long_list_is_exported_whole_across_chunks() {
    let app = spawn_app().await;
    diesel::sql_query(format!(
        "INSERT INTO api_tokens (id, account_id, name, scope, status, secret_prefix, secret_digest,
                                 secret_ciphertext, created_by, created_at, updated_at)
         SELECT 'TK-9' || lpad(i::text, 3, '0') || '-0000-0000', '{DEMO_CORP}', 'Bulk ' || i, 'read',
                'active', 'tdk_bulk00', sha256(convert_to(i::text, 'UTF8')), '\\x00'::bytea,
                '{DEMO_ADMIN}', now() - i * interval '1 minute', now()
           FROM generate_series(1, 999) AS i
         UNION ALL
         SELECT 'TK-8' || lpad(i::text, 3, '0') || '-0000-0000', '{DEMO_CORP}', 'Bulk b' || i, 'read',
                'active', 'tdk_bulk00', sha256(convert_to(('b' || i)::text, 'UTF8')), '\\x00'::bytea,
                '{DEMO_ADMIN}', now() - interval '1 day' - i * interval '1 minute', now()
           FROM generate_series(1, 201) AS i"
    ))
    .execute(&mut app.db.connection())
    .unwrap();
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    let export = admin.get("/settings/api-tokens/export.csv").await;

    let ids: Vec<String> = rows(&export.body)
        .into_iter()
        .skip(1)
        .map(|r| r[1].clone())
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 27 + 1200, "every listed token, once");
    assert_eq!(
        unique.len(),
        ids.len(),
        "no token twice across chunk boundaries"
    );
}

#[tokio::test]
async fn support_exports_every_account_with_its_column_and_members_cannot_export() {
    let app = spawn_app().await;
    let support = Visitor::signed_in(&app, SUPPORT_LOGIN).await;
    let member = Visitor::signed_in(&app, DEMO_MEMBER_LOGIN).await;

    let export = support
        .get(&format!(
            "/settings/api-tokens/export.csv?account={OTHER_INC}&status=all"
        ))
        .await;
    let refused = member.get("/settings/api-tokens/export.csv").await;

    let rows = rows(&export.body);
    assert_eq!(
        rows[0][2..4],
        ["Account".to_owned(), "Account ID".to_owned()]
    );
    assert_eq!(rows.len(), 1 + 3);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[2] == "Other Inc" && r[3] == OTHER_INC)
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn names_starting_with_a_tab_or_a_carriage_return_are_escaped_too() {
    let app = spawn_app().await;
    // A token's name can't hold either, but people's and accounts' names come from the
    // command line.
    app.db
        .connection()
        .batch_execute(&format!(
            "UPDATE users SET name = E'\\t=1+2' WHERE id = '{DEMO_ADMIN}';
             UPDATE accounts SET name = E'\\r=3+4' WHERE id = '{DEMO_CORP}'"
        ))
        .unwrap();
    let support = Visitor::signed_in(&app, SUPPORT_LOGIN).await;

    let export = support
        .get(&format!(
            "/settings/api-tokens/export.csv?account={DEMO_CORP}"
        ))
        .await;

    let rows = rows(&export.body);
    let column = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let (account, created_by) = (column("Account"), column("Created by"));
    assert!(rows.len() > 1);
    for row in &rows[1..] {
        assert_eq!(row[account], "'\r=3+4");
        assert_eq!(row[created_by], "'\t=1+2");
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {row:?}"
            );
        }
    }
}

/// The `tokens.export` audit entries' details, oldest first.
fn export_entries(app: &crate::common::TestApp) -> Vec<String> {
    use tokendesk::db::schema::audit_events;
    audit_events::table
        .filter(audit_events::action.eq("tokens.export"))
        .order(audit_events::id)
        .select(audit_events::details)
        .load(&mut app.db.connection())
        .unwrap()
}

#[tokio::test]
async fn an_export_whose_client_goes_away_part_way_is_audited_with_the_rows_sent() {
    let app = spawn_app().await;
    diesel::sql_query(format!(
        "INSERT INTO api_tokens (id, account_id, name, scope, status, secret_prefix, secret_digest,
                                 secret_ciphertext, created_by, created_at, updated_at)
         SELECT 'TK-9' || lpad(i::text, 3, '0') || '-' || lpad(j::text, 4, '0') || '-0000',
                '{DEMO_CORP}', 'Bulk ' || i || '-' || j, 'read', 'active', 'tdk_bulk00',
                sha256(convert_to(i || '-' || j, 'UTF8')), '\\x00'::bytea, '{DEMO_ADMIN}',
                now() - i * interval '1 minute', now()
           FROM generate_series(1, 500) AS i, generate_series(1, 10) AS j"
    ))
    .execute(&mut app.db.connection())
    .unwrap();
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    // Held until the client has gone: the export can send its header row, but no token.
    let mut held = app.db.connection();
    held.batch_execute("BEGIN; LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE")
        .unwrap();

    let mut download = admin
        .request(
            reqwest::Method::GET,
            "/settings/api-tokens/export.csv?status=active",
        )
        .send()
        .await
        .unwrap();
    let first = download.chunk().await.unwrap().unwrap();
    assert!(first.starts_with(b"API token,ID,"), "the header row");
    drop(download);
    held.batch_execute("COMMIT").unwrap();

    let entries = crate::common::eventually(std::time::Duration::from_secs(10), || {
        let entries = export_entries(&app);
        (!entries.is_empty()).then_some(entries)
    })
    .await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    let sent: usize = entry
        .strip_prefix("Stopped part-way: ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a stopped export: {entry}"));
    assert!(sent < 5000, "{entry}");
    assert!(
        entry.ends_with(" tokens sent; filters: status=active"),
        "{entry}"
    );
}

#[tokio::test]
async fn another_site_can_not_start_an_export_in_a_signed_in_persons_name() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let from = |site: &str| {
        admin
            .request(reqwest::Method::GET, "/settings/api-tokens/export.csv")
            .header("Sec-Fetch-Site", site)
    };

    for site in ["cross-site", "same-site"] {
        let refused = admin.send(from(site)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{site}");
        assert!(
            refused.text("from-another-site").contains("Export CSV"),
            "{site}: {}",
            refused.body
        );
    }
    assert!(export_entries(&app).is_empty(), "nothing audited");

    for site in ["same-origin", "none"] {
        let export = admin.send(from(site)).await;
        assert_eq!(export.status, StatusCode::OK, "{site}: {}", export.body);
    }
    assert_eq!(export_entries(&app).len(), 2);
}
