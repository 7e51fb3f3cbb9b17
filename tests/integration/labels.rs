//! Buttons and menu items read the same way everywhere, in sentence case ("Disable
//! token", "Save changes"), and the list's default status filter says what it lists.

use crate::common::{
    ACTIVE_TOKEN, DELETED_TOKEN, DEMO_ADMIN_LOGIN, DISABLED_TOKEN, EXPIRED_TOKEN, spawn_app,
    token_path,
};
use crate::visitor::{Page, Visitor};

/// Buttons, links styled as buttons, menu items and disclosure toggles.
const CONTROLS: &str = "button, .button, [role=menuitem], summary";

/// Whether `label` is in sentence case: a capital or a number first, then no capitalised
/// word but an acronym ("Export CSV", "Go to API tokens", "3 modules"). Arrows and dots
/// don't count.
fn is_sentence_case(label: &str) -> bool {
    let mut words = label
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|word| !word.is_empty());
    let Some(first) = words.next() else {
        return true;
    };
    let capitalised = |word: &str| word.chars().next().is_some_and(char::is_uppercase);
    let acronym = |word: &str| word.len() > 1 && word.chars().all(|c| c.is_ascii_uppercase());
    let number = |word: &str| word.chars().next().is_some_and(|c| c.is_ascii_digit());
    (capitalised(first) || number(first)) && words.all(|word| !capitalised(word) || acronym(word))
}

#[test]
fn sentence_case_allows_acronyms_and_nothing_else_capitalised() {
    for label in [
        "Disable token",
        "Export CSV",
        "Go to API tokens",
        "3 modules",
        "← Previous",
        "•••",
    ] {
        assert!(is_sentence_case(label), "{label}");
    }
    for label in [
        "Disable Token",
        "Update Access Token",
        "save changes",
        "3 Modules",
    ] {
        assert!(!is_sentence_case(label), "{label}");
    }
}

#[tokio::test]
async fn every_button_and_menu_item_reads_in_sentence_case() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let active = token_path(ACTIVE_TOKEN);
    let disabled = token_path(DISABLED_TOKEN);

    let mut pages: Vec<(String, Page)> = Vec::new();
    for path in [
        "/settings/api-tokens".to_owned(),
        "/settings/api-tokens/new".to_owned(),
        active.clone(),
        format!("{active}?tab=details"),
        format!("{active}/menu"),
        format!("{active}/edit"),
        format!("{active}/disable"),
        format!("{active}/delete"),
        format!("{disabled}/menu"),
        format!("{disabled}/enable"),
        "/settings/audit".to_owned(),
        "/settings/sessions".to_owned(),
    ] {
        let page = admin.get(&path).await;
        assert!(page.status.is_success(), "{path}: {}", page.status);
        pages.push((path, page));
    }

    let mut labels = Vec::new();
    for (path, page) in &pages {
        let found = page.select(CONTROLS);
        assert!(!found.is_empty(), "{path} has controls");
        labels.extend(found.into_iter().map(|label| (path.clone(), label)));
    }
    let wrong: Vec<_> = labels
        .iter()
        .filter(|(_, label)| !is_sentence_case(label))
        .collect();
    assert!(wrong.is_empty(), "not in sentence case: {wrong:?}");
}

#[tokio::test]
async fn each_action_reads_the_same_in_the_menu_and_on_its_dialogs_button() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;
    let active = token_path(ACTIVE_TOKEN);
    let disabled = token_path(DISABLED_TOKEN);

    let active_menu = admin.get_htmx(&format!("{active}/menu")).await;
    let disabled_menu = admin.get_htmx(&format!("{disabled}/menu")).await;

    assert_eq!(
        active_menu.select("[role=menuitem]"),
        [
            "Edit token",
            "Rotate token",
            "Copy token",
            "Disable token",
            "Delete token"
        ]
    );
    assert_eq!(
        disabled_menu.select("[role=menuitem]"),
        ["Enable token", "Copy token", "Delete token"]
    );
    for (menu, path, action) in [
        (&active_menu, &active, "rotate"),
        (&active_menu, &active, "disable"),
        (&active_menu, &active, "delete"),
        (&disabled_menu, &disabled, "enable"),
    ] {
        let dialog = admin.get_htmx(&format!("{path}/{action}")).await;
        assert_eq!(
            dialog.text("confirm-submit"),
            menu.text(&format!("action-{action}")),
            "{action}"
        );
    }
    let create = admin.get_htmx("/settings/api-tokens/new").await;
    let edit = admin.get_htmx(&format!("{active}/edit")).await;
    let list = admin.get("/settings/api-tokens").await;
    assert_eq!(create.text("create-submit"), "Create token");
    assert_eq!(list.text("create-token"), "Create token");
    assert_eq!(edit.text("edit-submit"), "Save changes");
}

#[tokio::test]
async fn the_default_status_filter_says_it_lists_all_but_deleted_tokens() {
    let app = spawn_app().await;
    let admin = Visitor::signed_in(&app, DEMO_ADMIN_LOGIN).await;

    // Tokens 10 to 19: 11 is disabled, 12 deleted, 13 expired.
    let page = admin.get("/settings/api-tokens?q=TK-1000-0000-001").await;

    assert_eq!(
        page.select("[data-testid=filter-status] option[selected]"),
        ["All but deleted"]
    );
    let listed = page.token_ids();
    for shown in [EXPIRED_TOKEN, DISABLED_TOKEN] {
        assert!(listed.contains(&shown.to_owned()), "{shown} is listed");
    }
    assert!(!listed.contains(&DELETED_TOKEN.to_owned()));
}
