//! Tokens as the JSON API shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::tokens::{TokenDetail, TokenSummary};

#[derive(Serialize)]
pub struct TokenJson {
    pub id: String,
    pub name: String,
    /// The first ten characters and an ellipsis.
    pub masked: String,
    pub scope: &'static str,
    /// `active`, `disabled`, `expired` or `deleted`.
    pub status: &'static str,
    pub modules: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_access_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl TokenJson {
    pub fn summary(token: &TokenSummary) -> Self {
        Self {
            id: token.id.to_string(),
            name: token.name.clone(),
            masked: crate::domain::secret::masked(&token.secret_prefix),
            scope: token.scope.as_str(),
            status: token.status.display(token.expires_at, Utc::now()).slug(),
            modules: token.modules.iter().map(|m| m.id.to_string()).collect(),
            created_by: token.created_by_id.to_string(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            last_access_at: token.last_access_at,
            description: None,
        }
    }

    pub fn detail(token: &TokenDetail) -> Self {
        Self {
            description: Some(token.description.clone()),
            ..Self::summary(&token.summary)
        }
    }
}
