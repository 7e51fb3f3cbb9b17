//! `GET /api/v1/tokens` (the list, with the portal's filters) and
//! `GET /api/v1/tokens/{id}`.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Serialize;

use super::require;
use super::view::TokenJson;
use crate::api::{ApiError, Caller};
use crate::db::tokens;
use crate::domain::token_list_query::{PAGE_SIZE, RawTokenListQuery, TokenListQuery};
use crate::domain::{Scope, TokenId};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
struct Page {
    tokens: Vec<TokenJson>,
    /// How many tokens match, on every page.
    total: i64,
    page: i64,
    #[schema(example = 25)]
    page_size: i64,
}

#[utoipa::path(
    get,
    path = "/tokens",
    operation_id = "listTokens",
    summary = "The account's tokens, with the portal's filters",
    params(super::schemas::ListQuery),
    responses(
        (status = 200, description = "One page", body = inline(Page)),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (status = 403, response = inline(crate::api::schemas::Forbidden)),
    ),
)]
pub async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    raw: web::Query<RawTokenListQuery>,
) -> Result<HttpResponse, ApiError> {
    let visibility = require(&caller, Scope::Read)?;
    let query = TokenListQuery::from(raw.into_inner());
    let page = query.page.get();
    let found = state
        .db("listing tokens", move |conn| {
            tokens::list(conn, &visibility, &query, Utc::now())
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        tokens: found.tokens.iter().map(TokenJson::summary).collect(),
        total: found.total,
        page,
        page_size: PAGE_SIZE,
    }))
}

#[utoipa::path(
    get,
    path = "/tokens/{id}",
    operation_id = "getToken",
    summary = "One token",
    params(super::schemas::TokenPath),
    responses(
        (status = 200, description = "The token", body = TokenJson),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (status = 403, response = inline(crate::api::schemas::Forbidden)),
        (status = 404, response = inline(crate::api::schemas::NotFound)),
    ),
)]
pub async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let visibility = require(&caller, Scope::Read)?;
    let id = TokenId::parse(&id).map_err(|_| ApiError::NotFound)?;
    let found = state
        .db("loading a token", move |conn| {
            tokens::find(conn, &visibility, &id)
        })
        .await?;
    let token = found.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(TokenJson::detail(&token)))
}
