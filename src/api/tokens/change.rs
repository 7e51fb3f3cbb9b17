//! Creating, updating, rotating, enabling, disabling and deleting tokens through the
//! API.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::view::TokenJson;
use super::{invalid, require};
use crate::api::{ApiError, Caller};
use crate::db::tokens::{Outcome, TokenDetail};
use crate::db::{modules, tokens};
use crate::domain::{
    Grace, Refusal, Scope, TokenDraft, TokenForm, TokenId, Transition, Visibility,
};
use crate::state::AppState;

/// A token's details as JSON.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = TokenInput)]
pub struct TokenBody {
    #[schema(min_length = 1, max_length = 100, example = "Nightly export")]
    name: String,
    /// Empty or null for none. Absent: none on create, unchanged on update.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    description: Option<Option<String>>,
    #[schema(value_type = crate::api::schemas::ScopeWord)]
    scope: String,
    /// Module ids, or `all` for every module.
    #[schema(min_items = 1, example = json!(["reports"]))]
    modules: Vec<String>,
    /// In the future; null for none. Absent: none on create, unchanged on update, so a
    /// change that leaves it out never takes a token's expiry away.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    expires_at: Option<Option<DateTime<Utc>>>,
    /// Addresses and CIDR ranges (IPv4 or IPv6, at most 50) the token may be used from;
    /// empty for anywhere (null is refused: it could mean either). Absent: anywhere on
    /// create, unchanged on update.
    #[serde(default, deserialize_with = "addresses")]
    #[schema(value_type = Vec<String>, max_items = 50, example = json!(["203.0.113.0/24", "2001:db8::/32"]))]
    allowed_addresses: Option<Vec<String>>,
    /// At most this many calls a minute (1 to 100000), counted on each instance; null
    /// for no limit. Absent: no limit on create, unchanged on update.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100000, example = 600)]
    rate_limit_per_minute: Option<Option<i64>>,
}

/// `allowed_addresses` when it is there: a list, and not `null`, which could mean
/// "anywhere" as much as "as it is".
fn addresses<'de, D>(deserializer: D) -> Result<Option<Vec<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match Option::<Vec<String>>::deserialize(deserializer)? {
        Some(listed) => Ok(Some(listed)),
        None => Err(serde::de::Error::custom(
            "allowed_addresses may not be null: send a list (empty for anywhere), or leave \
             it out to keep it",
        )),
    }
}

/// A field that is there, even as `null` (`Some(None)`), as opposed to absent (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl TokenBody {
    /// The draft the body asks for; fields it leaves out are `kept`'s (the token being
    /// updated), or a new token's defaults.
    async fn draft(
        &self,
        state: &AppState,
        kept: Option<&TokenDetail>,
    ) -> Result<TokenDraft, ApiError> {
        let catalog = state.db("loading the modules", modules::all).await?;
        let ids: Vec<_> = catalog.iter().map(|m| m.id.clone()).collect();
        let allowed_addresses = given_or_kept(
            self.allowed_addresses
                .as_ref()
                .map(|listed| listed.join("\n")),
            kept,
            |token| token.allowed_addresses.entries().join("\n"),
        );
        let rate_limit = given_or_kept(self.rate_limit_per_minute, kept, |token| {
            token.rate_limit.map(|limit| i64::from(limit.calls()))
        });
        let given_description = self.description.clone().map(Option::unwrap_or_default);
        let description = given_or_kept(given_description, kept, |token| token.description.clone());
        let form = TokenForm {
            name: self.name.clone(),
            description,
            scope: self.scope.clone(),
            modules: self.modules.clone(),
            allowed_addresses,
            rate_limit: rate_limit
                .map(|calls| calls.to_string())
                .unwrap_or_default(),
            ..TokenForm::default()
        };
        let now = Utc::now();
        match (self.expires_at, kept) {
            // Kept as it is, even once passed: only a new expiry must lie ahead.
            (None, Some(token)) => {
                TokenDraft::parse_with_exact_expiry(&form, None, &ids, now).map(|draft| {
                    TokenDraft {
                        expires_at: token.summary.expires_at,
                        ..draft
                    }
                })
            }
            (asked, _) => TokenDraft::parse_with_exact_expiry(&form, asked.flatten(), &ids, now),
        }
        .map_err(invalid)
    }
}

/// A field the body gives; else, on an update, the token's own (`kept`); else a new
/// token's default.
fn given_or_kept<T: Default>(
    given: Option<T>,
    kept: Option<&TokenDetail>,
    of: impl FnOnce(&TokenDetail) -> T,
) -> T {
    given.or_else(|| kept.map(of)).unwrap_or_default()
}

/// The token as JSON, as `visibility` sees it after a change.
async fn current(
    state: &AppState,
    visibility: Visibility,
    id: TokenId,
) -> Result<TokenJson, ApiError> {
    let found = state
        .db("loading the changed token", move |conn| {
            tokens::find(conn, &visibility, &id)
        })
        .await?;
    found
        .map(|t| TokenJson::detail(&t))
        .ok_or(ApiError::NotFound)
}

fn parse_id(raw: &str) -> Result<TokenId, ApiError> {
    TokenId::parse(raw).map_err(|_| ApiError::NotFound)
}

/// What a change's outcome means for the API: done, or the error to answer with.
fn settled<T>(outcome: Outcome<T>) -> Result<T, ApiError> {
    match outcome {
        Outcome::Done(done) => Ok(done),
        Outcome::Refused(refusal) => Err(ApiError::Conflict(refusal.to_string())),
        Outcome::Exceeds(excess) => Err(ApiError::ExceedsCaller(excess.to_string())),
        Outcome::BreaksPolicy(breach) => {
            Err(ApiError::Invalid(vec![("expires_at", breach.to_string())]))
        }
        Outcome::NotFound => Err(ApiError::NotFound),
    }
}

#[utoipa::path(
    post,
    path = "/tokens",
    operation_id = "createToken",
    summary = "Create a token; its secret is returned once",
    request_body = TokenBody,
    responses(
        (status = 201, description = "Created", body = inline(super::schemas::CreatedToken)),
        (status = 400, response = inline(crate::api::schemas::BadRequest)),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (status = 403, response = inline(crate::api::schemas::Forbidden)),
        (status = 422, response = inline(crate::api::schemas::Invalid)),
    ),
)]
pub async fn create(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let visibility = require(&caller, Scope::Write)?;
    let draft = body.draft(&state, None).await?;
    // A token acting for its account creates tokens in the name of its own creator.
    let (by, creator) = (caller.acting(&req), caller.grant.created_by.clone());
    let changes = state.changes.clone();
    let outcome = state
        .db("creating a token", move |conn| {
            changes.create(conn, &by, &creator, &draft)
        })
        .await?;
    let (id, secret) = settled(outcome)?;
    tracing::info!(token_id = %id, by = %caller.grant.token_id, "token created through the API");
    let token = current(&state, visibility, id).await?;
    Ok(HttpResponse::Created().json(json!({ "token": token, "secret": secret.expose() })))
}

#[utoipa::path(
    patch,
    path = "/tokens/{id}",
    operation_id = "updateToken",
    summary = "Replace a token's name, scope and modules, and its description, expiry, allowlist and rate limit when given (active tokens only)",
    params(super::schemas::TokenPath),
    request_body = TokenBody,
    responses(
        (status = 200, description = "The token", body = TokenJson),
        (status = 400, response = inline(crate::api::schemas::BadRequest)),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (status = 403, response = inline(crate::api::schemas::Forbidden)),
        (status = 404, response = inline(crate::api::schemas::NotFound)),
        (
            status = 409,
            description = "The token is disabled or deleted, or kept changing while the update was being made",
            body = crate::api::problem::Problem,
            content_type = "application/problem+json",
        ),
        (status = 422, response = inline(crate::api::schemas::Invalid)),
    ),
)]
pub async fn update(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let visibility = require(&caller, Scope::Write)?;
    let id = parse_id(&id)?;
    // The fields the body leaves out are the token's own as read here; should another
    // change come between the read and the edit, the edit is made again on top of it,
    // not over it.
    for attempt in 1..=EDIT_ATTEMPTS {
        let (lookup, seen_by) = (id.clone(), visibility.clone());
        let kept = state
            .db("loading the token to update", move |conn| {
                tokens::find(conn, &seen_by, &lookup)
            })
            .await?
            .ok_or(ApiError::NotFound)?;
        let draft = body.draft(&state, Some(&kept)).await?;
        let ctx = caller.acting(&req).on(id.clone());
        let changes = state.changes.clone();
        let outcome = state
            .db("editing a token", move |conn| {
                changes.edit(conn, &ctx, &draft, Some(kept.updated_at))
            })
            .await?;
        match outcome {
            Outcome::Refused(Refusal::Changed) if attempt < EDIT_ATTEMPTS => continue,
            Outcome::Refused(Refusal::Changed) => {
                return Err(ApiError::Conflict(KEPT_CHANGING.to_owned()));
            }
            outcome => settled(outcome)?,
        };
        break;
    }
    Ok(HttpResponse::Ok().json(current(&state, visibility, id).await?))
}

/// How many times an update is tried while the token keeps changing under it.
const EDIT_ATTEMPTS: u32 = 3;
/// What an update that the token kept changing under is answered with (409).
const KEPT_CHANGING: &str =
    "The token kept changing while this update was being made: read it again and retry.";

async fn apply(
    req: &HttpRequest,
    caller: &Caller,
    state: &AppState,
    id: TokenId,
    transition: Transition,
) -> Result<(), ApiError> {
    let ctx = caller.acting(req).on(id);
    let changes = state.changes.clone();
    let outcome = state
        .db("changing a token's status", move |conn| {
            changes.transition(conn, &ctx, transition)
        })
        .await?;
    settled(outcome).map(drop)
}

/// `POST /api/v1/tokens/{id}/enable` and `/disable`.
#[utoipa::path(
    post,
    path = "/tokens/{id}/{action}",
    operation_id = "enableOrDisableToken",
    summary = "Enable a disabled token, or disable an active one",
    params(super::schemas::TransitionPath),
    responses(
        (status = 200, description = "The token", body = TokenJson),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (status = 403, response = inline(crate::api::schemas::Forbidden)),
        (
            status = 404,
            description = "No such token in this account, or an action other than `enable` or `disable`",
            body = crate::api::problem::Problem,
            content_type = "application/problem+json",
        ),
        (
            status = 409,
            description = "`enable`: already active, or deleted; `disable`: already disabled, or deleted",
            body = crate::api::problem::Problem,
            content_type = "application/problem+json",
        ),
    ),
)]
pub async fn transition(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let visibility = require(&caller, Scope::Write)?;
    let (raw_id, action) = path.into_inner();
    let transition = match Transition::parse(&action) {
        Some(t @ (Transition::Enable | Transition::Disable)) => t,
        _ => return Err(ApiError::NotFound),
    };
    let id = parse_id(&raw_id)?;
    apply(&req, &caller, &state, id.clone(), transition).await?;
    Ok(HttpResponse::Ok().json(current(&state, visibility, id).await?))
}

#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    operation_id = "deleteToken",
    summary = "Delete a token for good",
    params(super::schemas::TokenPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (status = 403, response = inline(crate::api::schemas::Forbidden)),
        (status = 404, response = inline(crate::api::schemas::NotFound)),
        (
            status = 409,
            description = "Already deleted",
            body = crate::api::problem::Problem,
            content_type = "application/problem+json",
        ),
    ),
)]
pub async fn delete(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require(&caller, Scope::Write)?;
    apply(&req, &caller, &state, parse_id(&id)?, Transition::Delete).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How long the secret a rotation replaces keeps working.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = RotateInput)]
#[serde(deny_unknown_fields)]
pub struct RotateBody {
    /// Seconds the old secret keeps working: 0 (it stops at once) to 604800 (7 days).
    #[schema(minimum = 0, maximum = 604800, example = 86400)]
    grace_seconds: i64,
}

#[utoipa::path(
    post,
    path = "/tokens/{id}/rotate",
    operation_id = "rotateToken",
    summary = "Give an active token a new secret, returned once; the old one works for the grace period",
    params(super::schemas::TokenPath),
    request_body = RotateBody,
    responses(
        (status = 200, description = "Rotated", body = inline(super::schemas::RotatedToken)),
        (status = 400, response = inline(crate::api::schemas::BadRequest)),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (status = 403, response = inline(crate::api::schemas::Forbidden)),
        (status = 404, response = inline(crate::api::schemas::NotFound)),
        (
            status = 409,
            description = "The token is disabled, expired or deleted, or its expiry breaks the account's expiry policy",
            body = crate::api::problem::Problem,
            content_type = "application/problem+json",
        ),
        (status = 422, response = inline(crate::api::schemas::Invalid)),
    ),
)]
pub async fn rotate(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<RotateBody>,
) -> Result<HttpResponse, ApiError> {
    let visibility = require(&caller, Scope::Write)?;
    let id = parse_id(&id)?;
    let grace = Grace::from_seconds(body.grace_seconds)
        .map_err(|error| ApiError::Invalid(vec![("grace_seconds", error.to_string())]))?;
    let ctx = caller.acting(&req).on(id.clone());
    let changes = state.changes.clone();
    let outcome = state
        .db("rotating a token", move |conn| {
            changes.rotate(conn, &ctx, grace, None)
        })
        .await?;
    let rotated = match outcome {
        // The token's own expiry breaks the policy: not a field of this request.
        Outcome::BreaksPolicy(breach) => return Err(ApiError::Conflict(breach.to_string())),
        outcome => settled(outcome)?,
    };
    tracing::info!(
        token_id = %id,
        by = %caller.grant.token_id,
        grace_seconds = grace.seconds(),
        "token rotated through the API"
    );
    let token = current(&state, visibility, id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "token": token,
        "secret": rotated.secret.expose(),
        "old_secret_ends_at": rotated.old_secret_ends_at,
    })))
}
