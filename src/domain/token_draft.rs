//! A token's editable details as the create and edit forms send them, and their
//! validation into a `TokenDraft`, with one message per field that is wrong.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};

use super::{AddressAllowlist, ModuleId, RateLimit, Scope, TokenName};

pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// The expiry presets the create form offers, in days.
pub const EXPIRY_PRESETS: [i64; 4] = [7, 30, 60, 90];
/// The `modules` value that stands for every module in the catalog.
pub const ALL_MODULES: &str = "all";
/// The last year an expiry may fall in: dates have four-digit years in RFC 3339 and in
/// browsers' date fields, and an expiry further off is no expiry at all.
pub const LAST_EXPIRY_YEAR: i32 = 9999;
const TOO_LATE: &str = "Choose an expiry before the year 10000, or no expiry.";
const IN_THE_PAST: &str = "The expiry must be in the future.";

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
    /// Addresses and CIDR ranges, separated by lines, commas or spaces; empty for
    /// anywhere.
    #[serde(default)]
    pub allowed_addresses: String,
    /// Calls a minute; empty for no limit.
    #[serde(default)]
    pub rate_limit: String,
    /// The edit form's reading of the token: its `updated_at` when the form was made
    /// (`reading_of`), so that saving over a change made since is refused rather than
    /// undo it. Empty on create, and from a client that does not send it.
    #[serde(default)]
    pub based_on: String,
    pub csrf_token: Option<String>,
}

impl TokenForm {
    /// `based_on` for a token last changed at `updated_at`: exact to the microsecond,
    /// as the database keeps it.
    pub fn reading_of(updated_at: DateTime<Utc>) -> String {
        updated_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    /// The reading `based_on` holds: `None` when empty, `Err` when it is no time.
    pub fn reading(&self) -> Result<Option<DateTime<Utc>>, chrono::ParseError> {
        if self.based_on.is_empty() {
            return Ok(None);
        }
        DateTime::parse_from_rfc3339(&self.based_on).map(|at| Some(at.with_timezone(&Utc)))
    }
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
            .field("allowed_addresses", &self.allowed_addresses)
            .field("rate_limit", &self.rate_limit)
            .field("based_on", &self.based_on)
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
    pub allowed_addresses: AddressAllowlist,
    pub rate_limit: Option<RateLimit>,
}

/// What is wrong with each field; empty when nothing is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors {
    pub name: Option<String>,
    pub description: Option<String>,
    pub scope: Option<String>,
    pub modules: Option<String>,
    pub expires: Option<String>,
    pub allowed_addresses: Option<String>,
    pub rate_limit: Option<String>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Only the expiry is wrong, for this reason.
    pub fn on_expiry(reason: String) -> Self {
        Self {
            expires: Some(reason),
            ..Self::default()
        }
    }
}

impl TokenDraft {
    /// Validates `form` against the module `catalog` at `now`. `current_expiry` is the
    /// token's expiry when editing: a date equal to its day keeps it to the second.
    #[expect(
        clippy::result_large_err,
        reason = "one message per field, made once per submitted form: boxing buys nothing"
    )]
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
        } else if description
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            errors.description = Some(
                "The description cannot contain control characters other than line breaks and tabs."
                    .into(),
            );
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
        let allowed_addresses = AddressAllowlist::parse_text(&form.allowed_addresses)
            .map_err(|e| errors.allowed_addresses = Some(e))
            .ok();
        let rate_limit = RateLimit::parse_text(&form.rate_limit)
            .map_err(|e| errors.rate_limit = Some(e.0))
            .ok();
        match (
            name,
            scope,
            modules,
            expires_at,
            allowed_addresses,
            rate_limit,
        ) {
            (
                Some(name),
                Some(scope),
                Some(modules),
                Some(expires_at),
                Some(allowed_addresses),
                Some(rate_limit),
            ) if errors.is_empty() => Ok(Self {
                name,
                description,
                scope,
                modules,
                expires_at,
                allowed_addresses,
                rate_limit,
            }),
            _ => Err(errors),
        }
    }
}

impl TokenDraft {
    /// The API's form: an exact expiry time instead of the forms' choices and dates.
    #[expect(
        clippy::result_large_err,
        reason = "one message per field, made once per submitted form: boxing buys nothing"
    )]
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
        let expiry_error = match expires_at {
            Some(at) if at <= now => Some(IN_THE_PAST),
            Some(at) if at.year() > LAST_EXPIRY_YEAR => Some(TOO_LATE),
            _ => None,
        };
        match (
            Self::parse(&without_expiry, catalog, None, now),
            expiry_error,
        ) {
            (Ok(draft), None) => Ok(Self {
                expires_at,
                ..draft
            }),
            (Ok(_), Some(error)) => Err(FieldErrors {
                expires: Some(error.into()),
                ..FieldErrors::default()
            }),
            (Err(mut errors), error) => {
                if let Some(error) = error {
                    errors.expires = Some(error.into());
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
    if date.year() > LAST_EXPIRY_YEAR {
        return Err(TOO_LATE.into());
    }
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
#[expect(
    clippy::result_large_err,
    reason = "closures that return what parse returns"
)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
    fn an_edit_forms_reading_of_its_token_round_trips_to_the_microsecond() {
        let at = DateTime::parse_from_rfc3339("2026-11-29T08:30:01.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let form = TokenForm {
            based_on: TokenForm::reading_of(at),
            ..TokenForm::default()
        };
        assert_eq!(form.based_on, "2026-11-29T08:30:01.123456Z");
        assert_eq!(form.reading(), Ok(Some(at)));
        assert_eq!(TokenForm::default().reading(), Ok(None));
        let hostile = TokenForm {
            based_on: "yesterday".into(),
            ..TokenForm::default()
        };
        assert!(hostile.reading().is_err());
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
            allowed_addresses: "10.0.0.5/24".into(),
            rate_limit: "0".into(),
            based_on: String::new(),
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
        assert!(
            errors
                .allowed_addresses
                .as_deref()
                .unwrap()
                .contains("did you mean 10.0.0.0/24?")
        );
        assert!(errors.rate_limit.as_deref().unwrap().contains("from 1 to"));
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
    fn descriptions_keep_line_breaks_but_no_other_control_characters() {
        let with = |description: &str| TokenForm {
            description: description.into(),
            ..form()
        };
        let parse = |f: TokenForm| TokenDraft::parse(&f, &catalog(), None, now());
        assert_eq!(
            parse(with("line one\r\nline two\tend"))
                .unwrap()
                .description,
            "line one\r\nline two\tend"
        );
        for hostile in ["a\u{0}b", "\u{1b}[31mred", "bell\u{7}"] {
            let errors = parse(with(hostile)).unwrap_err();
            assert!(
                errors.description.unwrap().contains("control characters"),
                "{hostile:?}"
            );
        }
    }

    #[test]
    fn expiries_past_the_year_9999_are_refused() {
        for date in ["99999-01-01", "+99999-01-01", "10000-01-01"] {
            let far = TokenForm {
                expires_in: None,
                expires_on: date.into(),
                ..form()
            };
            let errors = TokenDraft::parse(&far, &catalog(), None, now()).unwrap_err();
            assert!(errors.expires.is_some(), "{date}");
        }
        let last_day = TokenForm {
            expires_in: Some("custom".into()),
            expires_on: "9999-12-31".into(),
            ..form()
        };
        assert!(TokenDraft::parse(&last_day, &catalog(), None, now()).is_ok());

        let exact = |at: &str| {
            TokenDraft::parse_with_exact_expiry(
                &form(),
                Some(at.parse().unwrap()),
                &catalog(),
                now(),
            )
            .map(|d| d.expires_at)
        };
        assert_eq!(
            exact("+99999-01-01T00:00:00Z")
                .unwrap_err()
                .expires
                .as_deref(),
            Some(TOO_LATE)
        );
        assert_eq!(
            exact("9999-12-31T23:59:59Z"),
            Ok(Some("9999-12-31T23:59:59Z".parse().unwrap()))
        );
        assert_eq!(
            exact("2020-01-01T00:00:00Z")
                .unwrap_err()
                .expires
                .as_deref(),
            Some(IN_THE_PAST)
        );
    }

    /// Any text, or text shaped like what the field takes.
    fn field(shaped: &'static str) -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), shaped]
    }

    fn any_form() -> impl Strategy<Value = TokenForm> {
        (
            field("[ a-zA-Z<>\"&]{0,110}"),
            field("[ a-z\\r\\n]{0,20}"),
            field("read|write|admin|owner"),
            proptest::collection::vec(field("catalog|billing|tokens|all|crypto"), 0..4),
            proptest::option::of(field("none|custom|7|30|45|-1|99999999999999999999")),
            field("[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}"),
            field("|10\\.0\\.0\\.[0-9]{1,3}(/[0-9]{1,2})?|2001:db8::/[0-9]{1,3}|[a-z:./ ,]{0,12}"),
            field("|[0-9]{1,7}|-1|x"),
        )
            .prop_map(
                |(
                    name,
                    description,
                    scope,
                    modules,
                    expires_in,
                    expires_on,
                    allowed_addresses,
                    rate_limit,
                )| {
                    TokenForm {
                        name,
                        description,
                        scope,
                        modules,
                        expires_in,
                        expires_on,
                        allowed_addresses,
                        rate_limit,
                        based_on: String::new(),
                        csrf_token: None,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn any_form_is_a_valid_draft_or_field_errors(form in any_form()) {
            match TokenDraft::parse(&form, &catalog(), None, now()) {
                Ok(draft) => {
                    prop_assert!(draft.description.chars().count() <= MAX_DESCRIPTION_CHARS);
                    prop_assert!(!draft.description.contains('\0'));
                    prop_assert!(!draft.modules.is_empty());
                    if let Some(at) = draft.expires_at {
                        prop_assert!(at > now() && at.year() <= LAST_EXPIRY_YEAR);
                    }
                }
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }

        #[test]
        fn a_draft_shown_in_the_edit_form_parses_back_unchanged(form in any_form()) {
            let Ok(draft) = TokenDraft::parse(&form, &catalog(), None, now()) else {
                return Ok(());
            };
            let shown = TokenForm {
                name: draft.name.to_string(),
                description: draft.description.clone(),
                scope: draft.scope.as_str().into(),
                modules: draft.modules.iter().map(ToString::to_string).collect(),
                expires_in: None,
                expires_on: draft
                    .expires_at
                    .map(|at| at.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                allowed_addresses: draft.allowed_addresses.entries().join("\n"),
                rate_limit: draft
                    .rate_limit
                    .map(|limit| limit.calls().to_string())
                    .unwrap_or_default(),
                based_on: String::new(),
                csrf_token: None,
            };
            prop_assert_eq!(
                TokenDraft::parse(&shown, &catalog(), draft.expires_at, now()),
                Ok(draft)
            );
        }

        #[test]
        fn any_exact_expiry_is_in_range_or_refused(
            form in any_form(),
            seconds in proptest::option::of(any::<i64>()),
        ) {
            let at = seconds.and_then(|s| DateTime::from_timestamp(s, 0));
            if let Ok(draft) = TokenDraft::parse_with_exact_expiry(&form, at, &catalog(), now()) {
                prop_assert_eq!(draft.expires_at, at);
                if let Some(at) = at {
                    prop_assert!(at > now() && at.year() <= LAST_EXPIRY_YEAR);
                }
            }
        }
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
