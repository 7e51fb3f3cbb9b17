//! `GET /api/v1/whoami`: the calling token's id, name, account, scope, modules, expiry.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::bearer::Caller;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = WhoAmI)]
pub struct TokenInfo {
    #[schema(example = "TK-1000-0000-0001")]
    pub token_id: String,
    #[schema(example = "CI deploy pipeline")]
    pub name: String,
    #[schema(example = "PA-1000-0001")]
    pub account_id: String,
    #[schema(value_type = super::schemas::ScopeWord)]
    pub scope: &'static str,
    /// Module ids.
    #[schema(example = json!(["catalog", "reports"]))]
    pub modules: Vec<String>,
    /// `null` for a token that never expires.
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    get,
    path = "/whoami",
    operation_id = "whoami",
    summary = "The calling token",
    responses(
        (status = 200, description = "The token", body = TokenInfo),
        (status = 401, response = inline(super::schemas::Unauthorized)),
    ),
)]
pub async fn whoami(caller: Caller) -> HttpResponse {
    let grant = caller.grant;
    HttpResponse::Ok().json(TokenInfo {
        token_id: grant.token_id.to_string(),
        name: grant.name.clone(),
        account_id: grant.account_id.to_string(),
        scope: grant.scope.as_str(),
        modules: grant.modules.iter().map(ToString::to_string).collect(),
        expires_at: grant.expires_at,
    })
}
