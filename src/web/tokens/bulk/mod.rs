//! `POST /settings/api-tokens/bulk` and `/bulk/apply`: disable, enable or delete the
//! tokens ticked on the list, after one confirmation. The checkboxes belong to a plain
//! form, so this works without JavaScript ("select all on this page" then sends the
//! page's ids); with htmx the confirmation and the result open in the page's dialog and
//! the changed rows are swapped in place. Each token is changed on its own, through
//! `TokenChanges`; one whose state does not allow the change is skipped, with why.

pub mod apply;
pub mod confirm;

use super::LIST_PATH;
use crate::domain::bulk::BulkIdsError;
use crate::domain::{BulkIds, LocalPath, Transition};
use crate::web::errors::WebError;

/// Why a token named but not found in the admin's account is skipped: the same for an
/// unknown id and another account's.
const NOT_FOUND: &str = "There is no such token in this account.";

/// The action the form names.
fn transition_of(raw: &str) -> Result<Transition, WebError> {
    Transition::parse(raw).ok_or_else(|| {
        WebError::BadForm("Choose disable, enable or delete for the selected tokens.".into())
    })
}

/// The list view the form was sent from (its search, filters and page) when it is one,
/// otherwise the list: where Cancel and Done lead.
fn list_view(raw: &str) -> String {
    LocalPath::parse(raw)
        .filter(|path| path.as_str().split(['?', '#']).next() == Some(LIST_PATH))
        .map_or_else(|| LIST_PATH.to_owned(), |path| path.to_string())
}

/// The tokens named, or what the dialog says when there are none or too many. An entry
/// that is not a token id can't come from the list's form: a bad form.
fn selection<'a>(
    raw: impl IntoIterator<Item = &'a str>,
) -> Result<Result<BulkIds, String>, WebError> {
    match BulkIds::parse(raw) {
        Ok(ids) => Ok(Ok(ids)),
        Err(BulkIdsError::Empty) => Ok(Err(
            "No tokens were selected. Tick the tokens to change on the list first.".into(),
        )),
        Err(too_many @ BulkIdsError::TooMany(_)) => Ok(Err(too_many.to_string())),
        Err(not_an_id @ BulkIdsError::NotAnId(_)) => Err(WebError::BadForm(format!(
            "The form is not valid: {not_an_id}"
        ))),
    }
}

/// What the confirmation warns of, and how its button looks.
struct Wording {
    warnings: &'static [&'static str],
    button_class: &'static str,
}

fn wording(transition: Transition) -> Wording {
    match transition {
        Transition::Disable => Wording {
            warnings: &[
                "Any processes using these tokens immediately lose access.",
                "CI/CD pipelines and integrations using them will fail to authenticate.",
                "You can enable them again later.",
            ],
            button_class: "button-warning",
        },
        Transition::Enable => Wording {
            warnings: &[
                "Integrations and automation using these tokens regain access.",
                "The tokens become active immediately.",
            ],
            button_class: "button-primary",
        },
        Transition::Delete => Wording {
            warnings: &[
                "This action cannot be undone.",
                "Any processes using these tokens immediately stop working.",
                "CI/CD pipelines, automation scripts and integrations using them will fail.",
            ],
            button_class: "button-danger",
        },
    }
}

/// The dialog's title: "Disable API tokens".
fn title(transition: Transition) -> String {
    format!("{} API tokens", crate::domain::bulk::verb(transition))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_view_of_the_list_is_gone_back_to() {
        assert_eq!(
            list_view("/settings/api-tokens?q=ci"),
            "/settings/api-tokens?q=ci"
        );
        assert_eq!(list_view("/settings/api-tokens"), "/settings/api-tokens");
        for elsewhere in [
            "",
            "//evil.example/settings/api-tokens",
            "https://evil.example",
            "/settings/audit",
            "/settings/api-tokens/TK-1000-0000-0001",
            "/settings/api-tokensX",
        ] {
            assert_eq!(list_view(elsewhere), LIST_PATH, "{elsewhere}");
        }
    }
}
