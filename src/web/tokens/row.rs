//! A token as the list row and the details page header show it.

use chrono::{DateTime, Utc};

use super::LIST_PATH;
use crate::db::tokens::TokenSummary;
use crate::domain::DisplayStatus;
use crate::domain::expiry_reminder;
use crate::domain::secret::masked;
use crate::web::time_view::TimeView;

/// How many modules a row names in full; more fold into a disclosure.
const MODULES_LISTED: usize = 2;

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub account_name: String,
    pub masked: String,
    /// Every module's name, in the catalogue's order.
    pub module_names: Vec<String>,
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
        Self {
            id: token.id.to_string(),
            name: token.name.clone(),
            account_id: token.account_id.to_string(),
            account_name: token.account_name.clone(),
            masked: masked(&token.secret_prefix),
            module_names: token.modules.iter().map(|m| m.name.clone()).collect(),
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

    /// The modules as the cell lists them (“Catalog, Reports”), while they are few
    /// enough to keep the row compact; `None` when the cell folds them into a
    /// disclosure that says how many.
    pub fn modules_listed(&self) -> Option<String> {
        match self.module_names.len() {
            0 => Some("None".to_owned()),
            1..=MODULES_LISTED => Some(self.module_names.join(", ")),
            _ => None,
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
