//! Tokens as the JSON API shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::tokens::{FoundInPublic, TokenDetail, TokenSummary};
use crate::domain::RateLimit;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Token)]
pub struct TokenJson {
    #[schema(example = "TK-1000-0000-0001")]
    pub id: String,
    #[schema(example = "CI deploy pipeline")]
    pub name: String,
    /// The first ten characters and an ellipsis.
    #[schema(example = "tdk_AbC123…")]
    pub masked: String,
    #[schema(value_type = crate::api::schemas::ScopeWord)]
    pub scope: &'static str,
    /// `active`, `disabled`, `expired` or `deleted`.
    #[schema(value_type = crate::api::schemas::StatusWord)]
    pub status: &'static str,
    /// Module ids.
    #[schema(example = json!(["catalog", "reports"]))]
    pub modules: Vec<String>,
    /// The user the token was made by; through the API, the calling token's creator.
    #[schema(example = "UR-1000-0000-0001")]
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// `null` for a token that never expires.
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
    /// `null` for a token never used.
    #[schema(required = true)]
    pub last_access_at: Option<DateTime<Utc>>,
    /// Only in a single token's answer, not in the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub description: Option<String>,
    /// Only in a single token's answer: the addresses and ranges it may be used from
    /// (empty for anywhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<String>, example = json!(["203.0.113.0/24"]))]
    pub allowed_addresses: Option<Vec<String>>,
    /// Only in a single token's answer: its rate limit in calls a minute, `null` for none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>, example = 600)]
    pub rate_limit_per_minute: Option<Option<u32>>,
    /// Only in a single token's answer, while a secret that a rotation replaced still
    /// works: when it stops.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_secret_ends_at: Option<DateTime<Utc>>,
    /// Only in a single token's answer, once its secret was found in public (see
    /// `POST /leaks`): when and where. Kept after the token is enabled again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found_in_public: Option<FoundInPublicJson>,
}

/// When and where a token's secret was last found in public, as the report said.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = FoundInPublic)]
pub struct FoundInPublicJson {
    /// When the report came, and the token was disabled.
    pub at: DateTime<Utc>,
    /// Where it was found, if the report said.
    #[schema(
        required = true,
        example = "https://github.com/octo-org/octo-repo/blob/1234560/.env"
    )]
    pub url: Option<String>,
    /// What it was found in, if the report said (`content`, `commit`, …).
    #[schema(required = true, example = "content")]
    pub source: Option<String>,
}

impl From<&FoundInPublic> for FoundInPublicJson {
    fn from(found: &FoundInPublic) -> Self {
        Self {
            at: found.at,
            url: found.location.url().map(str::to_owned),
            source: found.location.source().map(str::to_owned),
        }
    }
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
            allowed_addresses: None,
            rate_limit_per_minute: None,
            old_secret_ends_at: None,
            found_in_public: None,
        }
    }

    pub fn detail(token: &TokenDetail) -> Self {
        Self {
            description: Some(token.description.clone()),
            allowed_addresses: Some(token.allowed_addresses.entries()),
            rate_limit_per_minute: Some(token.rate_limit.map(RateLimit::calls)),
            old_secret_ends_at: token.old_secret_working_until(Utc::now()),
            found_in_public: token.found_in_public.as_ref().map(FoundInPublicJson::from),
            ..Self::summary(&token.summary)
        }
    }
}
