//! A token's editable details as the create and edit forms send them, and their
//! validation into a `TokenDraft`, with one message per field that is wrong.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use super::{ModuleId, Scope, TokenName};

pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// The expiry presets the create form offers, in days.
pub const EXPIRY_PRESETS: [i64; 4] = [7, 30, 60, 90];
/// The `modules` value that stands for every module in the catalog.
pub const ALL_MODULES: &str = "all";

/// The fields as submitted (repeated `modules` fields allowed). Its `Debug` leaves the
/// CSRF token out.
#[derive(Default, Clone, serde::Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub modules: Vec<String>,
    /// The create form's choice: `none`, a preset number of days, or `custom`. The edit
    /// form has no such field: its date alone is the expiry.
    pub expires_in: Option<String>,
    /// `YYYY-MM-DD`: the custom expiry, or the edit form's expiry (empty for none).
    #[serde(default)]
    pub expires_on: String,
    pub csrf_token: Option<String>,
}

impl fmt::Debug for TokenForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let csrf_token = self.csrf_token.as_ref().map(|_| format_args!("<redacted>"));
        f.debug_struct("TokenForm")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("scope", &self.scope)
            .field("modules", &self.modules)
            .field("expires_in", &self.expires_in)
            .field("expires_on", &self.expires_on)
            .field("csrf_token", &csrf_token)
            .finish()
    }
}

/// Valid details for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDraft {
    pub name: TokenName,
    pub description: String,
    pub scope: Scope,
    pub modules: Vec<ModuleId>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What is wrong with each field; empty when nothing is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors {
    pub name: Option<String>,
    pub description: Option<String>,
    pub scope: Option<String>,
    pub modules: Option<String>,
    pub expires: Option<String>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl TokenDraft {
    /// Validates `form` against the module `catalog` at `now`. `current_expiry` is the
    /// token's expiry when editing: a date equal to its day keeps it to the second.
    pub fn parse(
        form: &TokenForm,
        catalog: &[ModuleId],
        current_expiry: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = TokenName::parse(&form.name)
            .map_err(|e| errors.name = Some(e.0))
            .ok();
        let description = form.description.trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.description = Some(format!(
                "The description can be at most {MAX_DESCRIPTION_CHARS} characters."
            ));
        }
        let scope = if form.scope.is_empty() {
            errors.scope = Some("Choose a scope.".into());
            None
        } else {
            Scope::parse(&form.scope)
                .map_err(|e| errors.scope = Some(e.0))
                .ok()
        };
        let modules = parse_modules(&form.modules, catalog)
            .map_err(|e| errors.modules = Some(e))
            .ok();
        let expires_at = parse_expiry(form, current_expiry, now)
            .map_err(|e| errors.expires = Some(e))
            .ok();
        match (name, scope, modules, expires_at) {
            (Some(name), Some(scope), Some(modules), Some(expires_at)) if errors.is_empty() => {
                Ok(Self {
                    name,
                    description,
                    scope,
                    modules,
                    expires_at,
                })
            }
            _ => Err(errors),
        }
    }
}

impl TokenDraft {
    /// The API's form: an exact expiry time instead of the forms' choices and dates.
    pub fn parse_with_exact_expiry(
        form: &TokenForm,
        expires_at: Option<DateTime<Utc>>,
        catalog: &[ModuleId],
        now: DateTime<Utc>,
    ) -> Result<Self, FieldErrors> {
        let without_expiry = TokenForm {
            expires_in: Some("none".into()),
            ..form.clone()
        };
        let future = expires_at.is_none_or(|at| at > now);
        match Self::parse(&without_expiry, catalog, None, now) {
            Ok(draft) if future => Ok(Self {
                expires_at,
                ..draft
            }),
            Ok(_) => Err(FieldErrors {
                expires: Some("The expiry must be in the future.".into()),
                ..FieldErrors::default()
            }),
            Err(mut errors) => {
                if !future {
                    errors.expires = Some("The expiry must be in the future.".into());
                }
                Err(errors)
            }
        }
    }
}

fn parse_modules(raw: &[String], catalog: &[ModuleId]) -> Result<Vec<ModuleId>, String> {
    if raw.iter().any(|m| m == ALL_MODULES) {
        return Ok(catalog.to_vec());
    }
    let mut chosen = Vec::new();
    for value in raw.iter().filter(|m| !m.is_empty()) {
        match catalog.iter().find(|m| m.as_str() == value) {
            Some(module) if !chosen.contains(module) => chosen.push(module.clone()),
            Some(_) => {}
            None => return Err(format!("“{value}” is not a module.")),
        }
    }
    if chosen.is_empty() {
        return Err("Choose at least one module.".into());
    }
    // Catalog order, whatever order the form sent them in.
    chosen.sort_by_key(|m| catalog.iter().position(|c| c == m));
    Ok(chosen)
}

fn parse_expiry(
    form: &TokenForm,
    current: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, String> {
    match form.expires_in.as_deref() {
        None | Some("custom") => {
            parse_date(&form.expires_on, form.expires_in.is_some(), current, now)
        }
        Some("none") | Some("") => Ok(None),
        Some(days) => match days.parse::<i64>() {
            Ok(days) if EXPIRY_PRESETS.contains(&days) => Ok(Some(now + Duration::days(days))),
            _ => Err("Choose when the token expires.".into()),
        },
    }
}

/// A date expires at its start, 00:00 UTC, and must be after today.
fn parse_date(
    raw: &str,
    required: bool,
    current: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return if required {
            Err("Enter the expiry date.".into())
        } else {
            Ok(None)
        };
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| "Enter the date as YYYY-MM-DD.".to_owned())?;
    if let Some(current) = current.filter(|c| c.date_naive() == date) {
        return Ok(Some(current));
    }
    let at = date.and_time(NaiveTime::MIN).and_utc();
    if at <= now {
        return Err("The expiry date must be in the future.".into());
    }
    Ok(Some(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Vec<ModuleId> {
        ["catalog", "billing", "tokens"]
            .iter()
            .map(|m| ModuleId::parse(m).unwrap())
            .collect()
    }

    fn form() -> TokenForm {
        TokenForm {
            name: "  CI deploy ".into(),
            description: "Deploys".into(),
            scope: "write".into(),
            modules: vec!["billing".into(), "catalog".into()],
            expires_in: Some("30".into()),
            ..TokenForm::default()
        }
    }

    #[test]
    fn debug_shows_the_fields_but_never_the_csrf_token() {
        let submitted = TokenForm {
            csrf_token: Some("bQy8DM0CzttgkxiLjxks5q6Uu27P0BZk".into()),
            ..form()
        };

        let shown = format!("{submitted:?}");

        assert!(shown.contains("CI deploy"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(
            !shown.contains("bQy8DM0CzttgkxiLjxks5q6Uu27P0BZk"),
            "{shown}"
        );
    }

    fn now() -> DateTime<Utc> {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_valid_form_becomes_a_draft() {
        let draft = TokenDraft::parse(&form(), &catalog(), None, now()).unwrap();
        assert_eq!(draft.name.as_str(), "CI deploy");
        assert_eq!(draft.scope, Scope::Write);
        assert_eq!(
            draft.modules,
            vec![catalog()[0].clone(), catalog()[1].clone()],
            "catalog order"
        );
        assert_eq!(draft.expires_at, Some(now() + Duration::days(30)));
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let bad = TokenForm {
            name: "x".repeat(101),
            description: "d".repeat(1001),
            scope: "owner".into(),
            modules: vec![],
            expires_in: Some("custom".into()),
            expires_on: "2026-11-01".into(),
            csrf_token: None,
        };
        let errors = TokenDraft::parse(&bad, &catalog(), None, now()).unwrap_err();
        assert_eq!(
            errors.name.as_deref(),
            Some("The name can be at most 100 characters.")
        );
        assert!(errors.description.is_some());
        assert!(errors.scope.as_deref().unwrap().contains("is not a scope"));
        assert_eq!(
            errors.modules.as_deref(),
            Some("Choose at least one module.")
        );
        assert_eq!(
            errors.expires.as_deref(),
            Some("The expiry date must be in the future.")
        );
    }

    #[test]
    fn unknown_modules_and_empty_names_are_refused() {
        let errors = TokenDraft::parse(
            &TokenForm {
                name: " ".into(),
                modules: vec!["crypto".into()],
                ..form()
            },
            &catalog(),
            None,
            now(),
        )
        .unwrap_err();
        assert_eq!(errors.name.as_deref(), Some("Enter a name for the token."));
        assert_eq!(errors.modules.as_deref(), Some("“crypto” is not a module."));
    }

    #[test]
    fn all_modules_grants_the_whole_catalog() {
        let draft = TokenDraft::parse(
            &TokenForm {
                modules: vec![ALL_MODULES.into()],
                ..form()
            },
            &catalog(),
            None,
            now(),
        );
        assert_eq!(draft.unwrap().modules, catalog());
    }

    #[test]
    fn expiry_choices() {
        let with = |expires_in: Option<&str>, on: &str| TokenForm {
            expires_in: expires_in.map(str::to_owned),
            expires_on: on.into(),
            ..form()
        };
        let parse =
            |f: TokenForm| TokenDraft::parse(&f, &catalog(), None, now()).map(|d| d.expires_at);
        assert_eq!(parse(with(Some("none"), "")), Ok(None));
        assert_eq!(
            parse(with(None, "")),
            Ok(None),
            "a cleared edit date removes the expiry"
        );
        assert_eq!(
            parse(with(Some("custom"), "2027-01-31")),
            Ok(Some("2027-01-31T00:00:00Z".parse().unwrap()))
        );
        assert!(
            parse(with(Some("custom"), "2026-11-23")).is_err(),
            "today has begun"
        );
        assert!(parse(with(Some("custom"), "")).is_err());
        assert!(parse(with(Some("45"), "")).is_err());
        assert!(parse(with(None, "31/01/2027")).is_err());
    }

    #[test]
    fn an_unchanged_date_keeps_the_exact_expiry() {
        let current: DateTime<Utc> = "2026-12-01T13:45:00Z".parse().unwrap();
        let unchanged = TokenForm {
            expires_in: None,
            expires_on: "2026-12-01".into(),
            ..form()
        };
        let draft = TokenDraft::parse(&unchanged, &catalog(), Some(current), now()).unwrap();
        assert_eq!(draft.expires_at, Some(current));
    }
}
