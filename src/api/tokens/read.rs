//! `GET /api/v1/tokens` (the list, with the portal's filters) and
//! `GET /api/v1/tokens/{id}`.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Serialize;

use super::require;
use super::view::TokenJson;
use crate::api::{ApiError, Caller};
use crate::db::tokens;
use crate::domain::list_page::ListTotal;
use crate::domain::token_list_query::{PAGE_SIZE, RawTokenListQuery, TokenListQuery};
use crate::domain::{PageNumber, Scope, TokenId};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
struct Page {
    tokens: Vec<TokenJson>,
    /// How many tokens match, on every page, counted up to 1,000 (up to 100 when `q`
    /// or `module` narrows the list).
    total: i64,
    /// Whether `total` is exact; `false` when the count stopped at its limit.
    total_is_exact: bool,
    #[schema(example = 25)]
    page_size: i64,
    /// The next page: pass it as `after`, with the same filters. `null` on the last page.
    #[schema(value_type = Option<String>, example = "TK-1000-0000-0025")]
    next_after: Option<String>,
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
    let raw = raw.into_inner();
    let numbered_only = raw.after.is_none()
        && raw.before.is_none()
        && raw
            .page
            .as_deref()
            .is_some_and(|page| !PageNumber::parse(page).is_first());
    if numbered_only {
        return Err(ApiError::BadRequest(
            "Pages are found by cursor: pass the previous page's next_after as after.".into(),
        ));
    }
    let query = TokenListQuery::from(raw);
    let found = state
        .db("listing tokens", move |conn| {
            tokens::list(conn, &visibility, &query, Utc::now())
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        tokens: found.tokens.iter().map(TokenJson::summary).collect(),
        total: match found.total {
            ListTotal::Exact(count) | ListTotal::AtLeast(count) => count,
        },
        total_is_exact: matches!(found.total, ListTotal::Exact(_)),
        page_size: PAGE_SIZE,
        next_after: found
            .tokens
            .last()
            .filter(|_| found.has_next)
            .map(|last| last.id.to_string()),
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
