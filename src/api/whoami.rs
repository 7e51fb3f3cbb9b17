//! `GET /api/v1/whoami`: the calling token's id, name, account, scope, modules, expiry.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::bearer::Caller;

#[derive(Serialize)]
pub struct TokenInfo {
    pub token_id: String,
    pub name: String,
    pub account_id: String,
    pub scope: &'static str,
    pub modules: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn whoami(caller: Caller) -> HttpResponse {
    let grant = caller.grant;
    HttpResponse::Ok().json(TokenInfo {
        token_id: grant.token_id.to_string(),
        name: grant.name,
        account_id: grant.account_id.to_string(),
        scope: grant.scope.as_str(),
        modules: grant.modules.iter().map(ToString::to_string).collect(),
        expires_at: grant.expires_at,
    })
}
