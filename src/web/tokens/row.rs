//! A token as the list row and the details page header show it.

use chrono::{DateTime, Utc};

use super::LIST_PATH;
use crate::db::tokens::TokenSummary;
use crate::domain::DisplayStatus;
use crate::domain::expiry_reminder;
use crate::domain::secret::masked;
use crate::web::time_view::TimeView;

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub account_name: String,
    pub masked: String,
    /// The module's name when there is one, otherwise how many.
    pub modules_label: String,
    /// Every module's name, for the cell's title.
    pub modules_title: String,
    pub scope_label: &'static str,
    pub created_by_name: String,
    pub created_by_id: String,
    pub created_at: TimeView,
    pub expires_at: Option<TimeView>,
    /// "Expires in 3 days", on tokens an expiry reminder is about.
    pub expiry_hint: Option<String>,
    pub last_access: Option<TimeView>,
    pub status: DisplayStatus,
}

impl TokenRow {
    pub fn new(token: &TokenSummary, now: DateTime<Utc>) -> Self {
        let names: Vec<&str> = token.modules.iter().map(|m| m.name.as_str()).collect();
        let modules_label = match names.as_slice() {
            [] => "None".to_owned(),
            [only] => (*only).to_owned(),
            many => format!("{} modules", many.len()),
        };
        Self {
            id: token.id.to_string(),
            name: token.name.clone(),
            account_id: token.account_id.to_string(),
            account_name: token.account_name.clone(),
            masked: masked(&token.secret_prefix),
            modules_label,
            modules_title: names.join(", "),
            scope_label: token.scope.label(),
            created_by_name: token.created_by_name.clone(),
            created_by_id: token.created_by_id.to_string(),
            created_at: TimeView::new(token.created_at, now),
            expires_at: TimeView::optional(token.expires_at, now),
            expiry_hint: expiry_reminder::hint(token.status, token.expires_at, now),
            last_access: TimeView::optional(token.last_access_at, now),
            status: token.status.display(token.expires_at, now),
        }
    }

    /// Whether anything can still be done to the token (deleted is final).
    pub fn is_manageable(&self) -> bool {
        self.status != DisplayStatus::Deleted
    }

    pub fn href(&self) -> String {
        format!("{LIST_PATH}/{}", self.id)
    }
}
