//! The create and edit forms' fields, filled from defaults, a token, or what was
//! submitted (with its errors).

use chrono::Utc;

use crate::db::modules::Module;
use crate::db::tokens::TokenDetail;
use crate::domain::token_draft::{ALL_MODULES, EXPIRY_PRESETS};
use crate::domain::{ExpiryPolicy, FieldErrors, Scope, TokenForm};
use crate::web::view::Choice;

pub struct ModuleChoice {
    pub id: String,
    pub name: String,
    pub description: String,
    pub checked: bool,
}

pub struct FormView {
    /// `create` or `edit`: the prefix of the fields' ids and test ids.
    pub prefix: &'static str,
    pub name: String,
    pub description: String,
    pub scopes: Vec<Choice>,
    pub modules: Vec<ModuleChoice>,
    pub all_modules: bool,
    pub expiry_choices: Vec<Choice>,
    pub expires_on: String,
    /// One address or range a line.
    pub allowed_addresses: String,
    pub rate_limit: String,
    /// The edit form's reading of the token (`TokenForm::based_on`); empty on create.
    pub based_on: String,
    pub errors: FieldErrors,
    pub expiry_rules: ExpiryRules,
}

/// What the account's expiry policy asks of the expiry field.
pub struct ExpiryRules {
    /// The policy in a sentence, when it has any rule.
    pub hint: Option<String>,
    /// The latest date the date field accepts (`YYYY-MM-DD`), if there is one.
    pub latest_date: Option<String>,
    /// Whether the token may be set never to expire.
    pub never_allowed: bool,
}

impl ExpiryRules {
    fn of(policy: ExpiryPolicy) -> Self {
        Self {
            hint: policy.must_expire().then(|| policy.describe()),
            latest_date: policy
                .latest_expiry(Utc::now())
                .map(|at| at.format("%Y-%m-%d").to_string()),
            never_allowed: !policy.must_expire(),
        }
    }
}

impl FormView {
    pub fn for_create(catalog: &[Module], policy: ExpiryPolicy) -> Self {
        let default = policy
            .default_preset(&EXPIRY_PRESETS)
            .map_or_else(|| "custom".to_owned(), |days| days.to_string());
        Self::build(
            "create",
            "",
            "",
            Scope::Read.as_str(),
            &[],
            Some(&default),
            "",
            catalog,
            FieldErrors::default(),
            policy,
        )
        .limited("", "")
    }

    pub fn for_edit(token: &TokenDetail, catalog: &[Module], policy: ExpiryPolicy) -> Self {
        let granted: Vec<String> = token
            .summary
            .modules
            .iter()
            .map(|m| m.id.to_string())
            .collect();
        let expires_on = token
            .summary
            .expires_at
            .map(|at| at.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        Self::build(
            "edit",
            &token.summary.name,
            &token.description,
            token.summary.scope.as_str(),
            &granted,
            None,
            &expires_on,
            catalog,
            FieldErrors::default(),
            policy,
        )
        .limited(
            &token.allowed_addresses.entries().join("\n"),
            &token
                .rate_limit
                .map(|limit| limit.calls().to_string())
                .unwrap_or_default(),
        )
        .based_on(TokenForm::reading_of(token.updated_at))
    }

    /// The form as submitted, to show again beside its errors.
    pub fn resubmitted(
        prefix: &'static str,
        form: &TokenForm,
        catalog: &[Module],
        errors: FieldErrors,
        policy: ExpiryPolicy,
    ) -> Self {
        Self::build(
            prefix,
            &form.name,
            &form.description,
            &form.scope,
            &form.modules,
            form.expires_in.as_deref(),
            &form.expires_on,
            catalog,
            errors,
            policy,
        )
        .limited(&form.allowed_addresses, &form.rate_limit)
        .based_on(form.based_on.clone())
    }

    /// Made from the token as it was when `based_on` (`TokenForm::based_on`).
    pub(super) fn based_on(self, based_on: String) -> Self {
        Self { based_on, ..self }
    }

    /// The labels of the fields in which this form, as entered, differs from `current`,
    /// the same token's form as it stands now, in the form's order.
    pub fn differs_from(&self, current: &Self) -> Vec<&'static str> {
        let scope = |form: &Self| {
            form.scopes
                .iter()
                .find(|s| s.selected)
                .map(|s| s.value.clone())
        };
        // "All modules" ticks every module, so the ticked ones say it all.
        let modules = |form: &Self| -> Vec<String> {
            let checked = form.modules.iter().filter(|m| m.checked);
            checked.map(|m| m.id.clone()).collect()
        };
        // Entries as the allowlist reads them: split at commas and whitespace.
        let entries = |text: &str| -> Vec<String> {
            text.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|entry| !entry.is_empty())
                .map(str::to_owned)
                .collect()
        };
        [
            ("Name", self.name.trim() != current.name.trim()),
            (
                "Description",
                self.description.trim() != current.description.trim(),
            ),
            ("Scope", scope(self) != scope(current)),
            ("Modules", modules(self) != modules(current)),
            (
                "Expiry date",
                self.expires_on.trim() != current.expires_on.trim(),
            ),
            (
                "Allowed addresses",
                entries(&self.allowed_addresses) != entries(&current.allowed_addresses),
            ),
            (
                "Rate limit",
                self.rate_limit.trim() != current.rate_limit.trim(),
            ),
        ]
        .into_iter()
        .filter(|(_, differs)| *differs)
        .map(|(label, _)| label)
        .collect()
    }

    /// With the allowlist and rate limit fields filled in.
    fn limited(self, allowed_addresses: &str, rate_limit: &str) -> Self {
        Self {
            allowed_addresses: allowed_addresses.to_owned(),
            rate_limit: rate_limit.to_owned(),
            ..self
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "every field of the form, in order, and the policy"
    )]
    fn build(
        prefix: &'static str,
        name: &str,
        description: &str,
        scope: &str,
        modules: &[String],
        expires_in: Option<&str>,
        expires_on: &str,
        catalog: &[Module],
        errors: FieldErrors,
        policy: ExpiryPolicy,
    ) -> Self {
        let all_modules = modules.iter().any(|m| m == ALL_MODULES);
        let mut expiry_choices = Vec::new();
        if policy.allows_days(None) {
            expiry_choices.push(Choice::new("none", "Never", expires_in == Some("none")));
        }
        for days in EXPIRY_PRESETS
            .into_iter()
            .filter(|days| policy.allows_days(Some(*days)))
        {
            let value = days.to_string();
            let selected = expires_in == Some(value.as_str());
            expiry_choices.push(Choice::new(&value, &format!("In {days} days"), selected));
        }
        expiry_choices.push(Choice::new(
            "custom",
            "On a date…",
            expires_in == Some("custom"),
        ));
        Self {
            prefix,
            name: name.to_owned(),
            description: description.to_owned(),
            scopes: Scope::ALL
                .iter()
                .map(|s| Choice::new(s.as_str(), s.label(), s.as_str() == scope))
                .collect(),
            modules: catalog
                .iter()
                .map(|m| ModuleChoice {
                    id: m.id.to_string(),
                    name: m.name.clone(),
                    description: m.description.clone(),
                    checked: all_modules || modules.iter().any(|chosen| chosen == m.id.as_str()),
                })
                .collect(),
            all_modules,
            expiry_choices,
            expires_on: expires_on.to_owned(),
            allowed_addresses: String::new(),
            rate_limit: String::new(),
            based_on: String::new(),
            errors,
            expiry_rules: ExpiryRules::of(policy),
        }
    }
}
