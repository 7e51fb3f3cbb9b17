//! Creating and editing tokens: the forms, each invalid field, and what is saved.

use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::schema::{api_tokens, audit_events, token_modules};
use tokendesk::domain::{TokenId, TokenSecret};

use crate::common::{
    ALL_MODULES_TOKEN, DEMO_ADMIN_LOGIN, EXPIRING_SOON_TOKEN, TestApp, spawn_app, token_path,
};
use crate::visitor::{Page, Visitor};

fn token_count(app: &TestApp) -> i64 {
    api_tokens::table
        .count()
        .get_result(&mut app.db.connection())
        .unwrap()
}

fn field_errors(page: &Page) -> Vec<(String, String)> {
    let fields = page.attrs("[data-testid=field-error]", "data-field");
    fields.into_iter().zip(page.texts("field-error")).collect()
}

async fn create(visitor: &Visitor, csrf: &str, fields: &[(&str, &str)]) -> Page {
    let mut form = vec![("csrf_token", csrf)];
    form.extend_from_slice(fields);
    visitor.post_form("/settings/api-tokens", &form).await
}

#[tokio::test]
async fn the_create_form_offers_scopes_modules_and_expiry_presets() {
    let app = spawn_app().await;
    let (visitor, _) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let dialog = visitor.get_htmx("/settings/api-tokens/new").await;

    assert!(!dialog.body.contains("<html"));
    assert_eq!(
        dialog.attrs("[data-testid=create-scope] option", "value"),
        ["read", "write", "admin"]
    );
    assert_eq!(
        dialog.select("[data-testid=create-scope] option"),
        ["Read only", "Read & write", "Admin"]
    );
    assert_eq!(
        dialog.attrs("[data-testid=create-modules] input", "value"),
        [
            "all",
            "catalog",
            "subscriptions",
            "billing",
            "usage",
            "customers",
            "reports",
            "tokens"
        ]
    );
    assert_eq!(
        dialog.attrs("[data-testid=create-module]", "data-module-id"),
        [
            "catalog",
            "subscriptions",
            "billing",
            "usage",
            "customers",
            "reports",
            "tokens"
        ],
        "each module's checkbox, by its id"
    );
    assert_eq!(
        dialog.attrs("[data-testid=create-modules-all]", "value"),
        ["all"]
    );
    assert_eq!(
        dialog.attrs("[data-testid=create-expires] option", "value"),
        ["none", "7", "30", "60", "90", "custom"]
    );
    assert_eq!(dialog.text("create-submit"), "Create token");
}

#[tokio::test]
async fn creating_a_token_shows_it_once_and_stores_only_its_digest_prefix_and_ciphertext() {
    let app = spawn_app().await;
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let page = create(
        &visitor,
        &csrf,
        &[
            ("name", "  Nightly backup  "),
            ("description", "Backs up reports"),
            ("scope", "write"),
            ("modules", "reports"),
            ("modules", "billing"),
            ("expires_in", "30"),
        ],
    )
    .await;

    assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
    let secret =
        TokenSecret::parse(&page.text("new-token-secret")).expect("a well-formed tdk_ token");
    assert_eq!(page.texts("secret-copy").len(), 1);
    assert!(page.select(".alert-warning")[0].contains("Copy the token now"));
    type Stored = (
        String,
        String,
        String,
        String,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let (id, name, scope, prefix, digest, ciphertext, expires): Stored = api_tokens::table
        .filter(api_tokens::name.eq("Nightly backup"))
        .select((
            api_tokens::id,
            api_tokens::name,
            api_tokens::scope,
            api_tokens::secret_prefix,
            api_tokens::secret_digest,
            api_tokens::secret_ciphertext,
            api_tokens::expires_at,
        ))
        .first(&mut app.db.connection())
        .unwrap();
    assert_eq!((name.as_str(), scope.as_str()), ("Nightly backup", "write"));
    assert_eq!(prefix, secret.visible_prefix());
    assert_eq!(digest.unwrap(), secret.digest().as_bytes());
    let ciphertext = ciphertext.unwrap();
    assert!(!String::from_utf8_lossy(&ciphertext).contains(secret.expose()));
    assert_eq!(
        app.cipher
            .decrypt(&TokenId::parse(&id).unwrap(), &ciphertext),
        Ok(secret.clone())
    );
    let days = (expires.unwrap() - chrono::Utc::now()).num_hours();
    assert!(
        (29 * 24..=30 * 24).contains(&days),
        "expires in 30 days: {days}h"
    );
    let modules: Vec<String> = token_modules::table
        .filter(token_modules::token_id.eq(&id))
        .select(token_modules::module_id)
        .order(token_modules::module_id)
        .load(&mut app.db.connection())
        .unwrap();
    assert_eq!(modules, ["billing", "reports"]);
    assert_eq!(
        page.text("new-token-id"),
        id,
        "the dialog names the new token"
    );
    let list = visitor.get("/settings/api-tokens").await;
    assert_eq!(list.token_ids()[0], id, "newest first");
    assert_eq!(
        list.texts("token-masked")[0],
        format!("{}…", secret.visible_prefix())
    );
    assert!(
        !list.body.contains(secret.expose()),
        "the list never shows the full secret"
    );
    let actions: Vec<String> = audit_events::table
        .filter(audit_events::token_id.eq(&id))
        .select(audit_events::action)
        .load(&mut app.db.connection())
        .unwrap();
    assert_eq!(actions, ["token.create"]);
}

#[tokio::test]
async fn all_modules_and_a_custom_date_are_understood() {
    let app = spawn_app().await;
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let date = (chrono::Utc::now() + chrono::Duration::days(10))
        .format("%Y-%m-%d")
        .to_string();

    let page = create(
        &visitor,
        &csrf,
        &[
            ("name", "Everything"),
            ("scope", "read"),
            ("modules", "all"),
            ("expires_in", "custom"),
            ("expires_on", &date),
        ],
    )
    .await;

    assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
    let token = visitor.get("/settings/api-tokens?q=Everything").await;
    assert_eq!(
        token.select("[data-testid=token-modules] summary"),
        ["7 modules"]
    );
    let expires = token.attrs("[data-testid=token-expires] time", "datetime");
    assert_eq!(expires, [format!("{date}T00:00:00Z")]);
}

#[tokio::test]
async fn each_invalid_field_is_shown_beside_it_and_nothing_is_saved() {
    let app = spawn_app().await;
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let before = token_count(&app);
    let long = "x".repeat(101);
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let valid = [
        ("name", "Fine"),
        ("scope", "read"),
        ("modules", "usage"),
        ("expires_in", "none"),
    ];
    let with = |field: &'static str, value: &'static str| -> Vec<(&'static str, &'static str)> {
        valid
            .iter()
            .filter(|(k, _)| *k != field)
            .copied()
            .chain([(field, value)])
            .collect()
    };
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (with("name", "   "), "name", "Enter a name for the token."),
        (
            valid
                .iter()
                .filter(|(k, _)| *k != "name")
                .copied()
                .chain([("name", long.as_str())])
                .collect(),
            "name",
            "The name can be at most 100 characters.",
        ),
        (
            with("scope", "owner"),
            "scope",
            "\"owner\" is not a scope: choose Read only, Read & write or Admin",
        ),
        (
            valid
                .iter()
                .filter(|(k, _)| *k != "modules")
                .copied()
                .collect(),
            "modules",
            "Choose at least one module.",
        ),
        (
            with("modules", "crypto"),
            "modules",
            "“crypto” is not a module.",
        ),
        (
            valid
                .iter()
                .filter(|(k, _)| *k != "expires_in")
                .copied()
                .chain([("expires_in", "custom"), ("expires_on", yesterday.as_str())])
                .collect(),
            "expires",
            "The expiry date must be in the future.",
        ),
    ];

    for (fields, field, message) in cases {
        let page = create(&visitor, &csrf, &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(
            field_errors(&page),
            [(field.to_owned(), message.to_owned())],
            "{field}"
        );
        assert!(page.texts("new-token-secret").is_empty());
    }
    assert_eq!(token_count(&app), before);
}

#[tokio::test]
async fn the_edit_dialog_is_prefilled_with_the_current_values() {
    let app = spawn_app().await;
    let (visitor, _) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    let dialog = visitor
        .get_htmx(&format!("{}/edit", token_path(EXPIRING_SOON_TOKEN)))
        .await;

    assert_eq!(
        dialog.text("modal").split(" Name").next(),
        Some("Edit API token")
    );
    assert_eq!(
        dialog.attrs("[data-testid=edit-name]", "value"),
        ["Partner onboarding"]
    );
    assert_eq!(
        dialog.text("edit-description"),
        "Temporary access for the partner onboarding project."
    );
    assert_eq!(
        dialog.attrs("[data-testid=edit-scope] option[selected]", "value"),
        ["write"]
    );
    assert_eq!(
        dialog.attrs("[data-testid=edit-modules] input[checked]", "value"),
        ["catalog", "customers"]
    );
    assert_eq!(
        dialog.attrs("[data-testid=edit-module][checked]", "data-module-id"),
        ["catalog", "customers"]
    );
    let in_three_days = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        dialog.attrs("[data-testid=edit-expires]", "value"),
        [in_three_days]
    );
    assert_eq!(dialog.text("edit-submit"), "Save changes");
}

#[tokio::test]
async fn editing_saves_the_changes_keeps_an_unchanged_expiry_and_records_what_changed() {
    let app = spawn_app().await;
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let path = token_path(EXPIRING_SOON_TOKEN);
    let expires_before: Option<chrono::DateTime<chrono::Utc>> = api_tokens::table
        .find(EXPIRING_SOON_TOKEN)
        .select(api_tokens::expires_at)
        .first(&mut app.db.connection())
        .unwrap();
    let date = expires_before.unwrap().format("%Y-%m-%d").to_string();

    let page = visitor
        .post_form(
            &format!("{path}/edit?from=detail"),
            &[
                ("csrf_token", &csrf),
                ("name", "Partner onboarding (EU)"),
                (
                    "description",
                    "Temporary access for the partner onboarding project.",
                ),
                ("scope", "read"),
                ("modules", "catalog"),
                ("expires_on", &date),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some(path.as_str()));
    let detail = visitor.get(&path).await;
    assert_eq!(detail.text("token-detail-name"), "Partner onboarding (EU)");
    assert_eq!(
        detail.text("flash-message"),
        "“Partner onboarding (EU)” is updated."
    );
    assert_eq!(detail.text("token-scope"), "Read only");
    let expires_after: Option<chrono::DateTime<chrono::Utc>> = api_tokens::table
        .find(EXPIRING_SOON_TOKEN)
        .select(api_tokens::expires_at)
        .first(&mut app.db.connection())
        .unwrap();
    assert_eq!(
        expires_after, expires_before,
        "an unchanged date keeps the exact expiry"
    );
    let details: Vec<String> = audit_events::table
        .filter(audit_events::token_id.eq(EXPIRING_SOON_TOKEN))
        .select(audit_events::details)
        .load(&mut app.db.connection())
        .unwrap();
    assert_eq!(details, ["Changed name, scope, modules"]);
}

#[tokio::test]
async fn an_edit_form_saved_after_the_token_changed_elsewhere_is_refused_and_undoes_nothing() {
    // And comes back with what was entered, saying which fields the token now differs
    // in, made over the token as it is now: saving it again is a choice made knowingly.
    let app = spawn_app().await;
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let path = format!("{}/edit", token_path(EXPIRING_SOON_TOKEN));
    let dialog = visitor.get(&path).await;
    let based_on = dialog.attrs("input[name=based_on]", "value");
    assert_eq!(
        based_on.len(),
        1,
        "the form carries its reading of the token"
    );
    let submit = |based_on: String| {
        let (visitor, path, csrf) = (&visitor, &path, &csrf);
        async move {
            visitor
                .post_form(
                    path,
                    &[
                        ("csrf_token", csrf.as_str()),
                        ("based_on", &based_on),
                        ("name", "Partner onboarding"),
                        ("scope", "write"),
                        ("modules", "catalog"),
                        ("expires_on", ""),
                    ],
                )
                .await
        }
    };
    // Meanwhile, in another tab or through the API, the token gets a rate limit.
    app.limit_elsewhere(EXPIRING_SOON_TOKEN);

    let stale = submit(based_on[0].clone()).await;
    let hostile = submit("yesterday".to_owned()).await;

    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(
        stale.text("edit-conflict"),
        "This token was changed elsewhere while this form was open, so nothing here is \
         saved yet. It now differs from what you entered in: Description, Modules, Expiry \
         date, Rate limit. Check them, then save again to apply what you entered."
    );
    assert_eq!(
        stale.input_value("name").as_deref(),
        Some("Partner onboarding")
    );
    assert_eq!(stale.attrs("#edit-rate-limit", "value"), [""]);
    assert_eq!(
        stale.attrs("[data-testid=edit-module][checked]", "data-module-id"),
        ["catalog"]
    );
    assert_eq!(hostile.status, StatusCode::BAD_REQUEST);
    let expires: Option<chrono::DateTime<chrono::Utc>> = api_tokens::table
        .find(EXPIRING_SOON_TOKEN)
        .select(api_tokens::expires_at)
        .first(&mut app.db.connection())
        .unwrap();
    assert_eq!(
        app.rate_limit_of(EXPIRING_SOON_TOKEN),
        Some(10),
        "the change made meanwhile stays"
    );
    assert!(expires.is_some(), "and the stale form saved nothing");
    let fresh = visitor
        .get(&path)
        .await
        .attrs("input[name=based_on]", "value");
    let kept = stale.attrs("input[name=based_on]", "value");
    assert_eq!(
        kept, fresh,
        "the form shown again reads the token as it is now"
    );
    assert_eq!(submit(kept[0].clone()).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.rate_limit_of(EXPIRING_SOON_TOKEN),
        None,
        "saved again, what was entered applies"
    );
}

#[tokio::test]
async fn an_edit_conflict_names_only_the_fields_the_token_now_differs_in() {
    let app = spawn_app().await;
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    // Every module of the catalog: the demo's leaves out Tokens.
    diesel::sql_query(
        "INSERT INTO token_modules (token_id, module_id) SELECT $1, id FROM modules \
         ON CONFLICT DO NOTHING",
    )
    .bind::<diesel::sql_types::Text, _>(ALL_MODULES_TOKEN)
    .execute(&mut app.db.connection())
    .unwrap();
    let path = format!("{}/edit", token_path(ALL_MODULES_TOKEN));
    let dialog = visitor.get(&path).await;
    let first = |values: Vec<String>| values.into_iter().next().unwrap_or_default();
    let (based_on, name, expires_on, rate_limit) = (
        first(dialog.attrs("input[name=based_on]", "value")),
        dialog.input_value("name").unwrap(),
        dialog.input_value("expires_on").unwrap_or_default(),
        dialog.input_value("rate_limit").unwrap_or_default(),
    );
    let (scope, description, allowed_addresses) = (
        first(dialog.attrs("#edit-scope option[selected]", "value")),
        first(dialog.select("#edit-description")),
        first(dialog.select("#edit-allowed-addresses")),
    );
    // Meanwhile, in another tab or through the API, the token is renamed.
    diesel::update(api_tokens::table.find(ALL_MODULES_TOKEN))
        .set((
            api_tokens::name.eq("Renamed elsewhere"),
            api_tokens::updated_at.eq(chrono::Utc::now()),
        ))
        .execute(&mut app.db.connection())
        .unwrap();

    // Saved as shown, but with "All modules" ticked, as the token has them all.
    let stale = visitor
        .post_form(
            &path,
            &[
                ("csrf_token", csrf.as_str()),
                ("based_on", &based_on),
                ("name", &name),
                ("description", &description),
                ("scope", &scope),
                ("modules", "all"),
                ("expires_on", &expires_on),
                ("allowed_addresses", &allowed_addresses),
                ("rate_limit", &rate_limit),
            ],
        )
        .await;

    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(
        stale
            .text("edit-conflict")
            .contains("It now differs from what you entered in: Name. Check them"),
        "{}",
        stale.text("edit-conflict")
    );
}

#[tokio::test]
async fn clearing_the_expiry_removes_it_and_invalid_edits_save_nothing() {
    let app = spawn_app().await;
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let path = &format!("{}/edit", token_path(EXPIRING_SOON_TOKEN));

    let invalid = visitor
        .post_form(
            path,
            &[
                ("csrf_token", &csrf),
                ("name", ""),
                ("scope", "write"),
                ("expires_on", "2001-01-01"),
            ],
        )
        .await;
    let cleared = visitor
        .post_form(
            path,
            &[
                ("csrf_token", &csrf),
                ("name", "Partner onboarding"),
                ("scope", "write"),
                ("modules", "catalog"),
                ("expires_on", ""),
            ],
        )
        .await;

    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = field_errors(&invalid).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["name", "modules", "expires"]);
    assert_eq!(
        invalid.attrs("[data-testid=edit-scope] option[selected]", "value"),
        ["write"],
        "what was typed stays"
    );
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    let expires: Option<chrono::DateTime<chrono::Utc>> = api_tokens::table
        .find(EXPIRING_SOON_TOKEN)
        .select(api_tokens::expires_at)
        .first(&mut app.db.connection())
        .unwrap();
    assert_eq!(expires, None);
}

#[tokio::test]
async fn a_form_over_the_size_limit_is_refused_as_too_large_and_saves_nothing() {
    let app = spawn_app().await;
    let (visitor, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;
    let before = token_count(&app);
    let padding = "x".repeat(tokendesk::web::MAX_FORM_BYTES);

    let page = create(
        &visitor,
        &csrf,
        &[
            ("name", "Too big"),
            ("scope", "read"),
            ("modules", "billing"),
            ("notes", &padding),
        ],
    )
    .await;

    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        page.body.contains("A form may send at most 16 KiB."),
        "{}",
        page.body
    );
    assert_eq!(token_count(&app), before);
}
