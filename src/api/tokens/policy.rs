//! `GET|PUT /api/v1/token-policy`: the caller's account's token expiry policy and the
//! tokens that break it. Reading needs `read` scope with the Tokens module; setting it,
//! a rule for every token of the account, needs `admin` scope, and a token may only
//! tighten it.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::require;
use crate::api::{ApiError, Caller};
use crate::db::token_policy::{self, PolicySaved};
use crate::domain::{AccountId, ExpiryPolicy, Scope, Visibility};
use crate::state::AppState;

/// Breaking tokens listed at most.
const BREAKING_LISTED: i64 = 100;

/// The policy, as read and as set.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = TokenPolicyInput)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// How far ahead an expiry may be set, in days: 30, 90, 180 or 365; `null` for no
    /// maximum. A maximum means tokens must expire.
    #[serde(deserialize_with = "nullable")]
    #[schema(required = true, example = 90)]
    max_lifetime_days: Option<i32>,
    /// Whether every token must expire.
    expiry_required: bool,
}

/// A field that must be there, though it may be `null`.
fn nullable<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i32>, D::Error> {
    Option::<i32>::deserialize(deserializer)
}

#[derive(Serialize, utoipa::ToSchema)]
struct BreakingToken {
    #[schema(example = "TK-1000-0000-0001")]
    id: String,
    name: String,
    /// `null` for a token that never expires.
    #[schema(required = true)]
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = TokenPolicy)]
struct PolicyJson {
    #[schema(required = true, example = 90)]
    max_lifetime_days: Option<i32>,
    expiry_required: bool,
    /// Whether a token may be set never to expire under this policy.
    must_expire: bool,
    /// Tokens (not deleted) whose expiry breaks the policy, newest first, at most 100.
    /// They keep working as they are.
    breaking_tokens: Vec<BreakingToken>,
    /// Whether more tokens break it than are listed.
    breaking_tokens_truncated: bool,
}

fn account_of(visibility: Visibility) -> Result<AccountId, ApiError> {
    match visibility {
        Visibility::Account(account) => Ok(account),
        Visibility::AllAccounts => Err(anyhow::anyhow!("a token sees one account").into()),
    }
}

async fn answer(state: &AppState, account: AccountId) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let (policy, mut breaking) = state
        .db("reading the expiry policy", move |conn| {
            let policy = token_policy::policy(conn, &account)?;
            let breaking =
                token_policy::breaking(conn, &account, policy, now, BREAKING_LISTED + 1)?;
            Ok((policy, breaking))
        })
        .await?;
    let truncated = breaking.len() > usize::try_from(BREAKING_LISTED).unwrap_or(usize::MAX);
    breaking.truncate(usize::try_from(BREAKING_LISTED).unwrap_or(usize::MAX));
    Ok(HttpResponse::Ok().json(PolicyJson {
        max_lifetime_days: policy.max_lifetime_days(),
        expiry_required: policy.expiry_required(),
        must_expire: policy.must_expire(),
        breaking_tokens: breaking
            .into_iter()
            .map(|token| BreakingToken {
                id: token.id.to_string(),
                name: token.name,
                expires_at: token.expires_at,
            })
            .collect(),
        breaking_tokens_truncated: truncated,
    }))
}

#[utoipa::path(
    get,
    path = "/token-policy",
    operation_id = "getTokenPolicy",
    summary = "The account's token expiry policy, and the tokens that break it",
    responses(
        (status = 200, description = "The policy", body = PolicyJson),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (status = 403, response = inline(crate::api::schemas::Forbidden)),
    ),
)]
pub async fn get(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let account = account_of(require(&caller, Scope::Read)?)?;
    answer(&state, account).await
}

#[utoipa::path(
    put,
    path = "/token-policy",
    operation_id = "setTokenPolicy",
    summary = "Tighten the account's token expiry policy (admin scope; only a person can loosen it); tokens that break it are listed, not changed",
    request_body = PolicyBody,
    responses(
        (status = 200, description = "The policy now", body = PolicyJson),
        (status = 400, response = inline(crate::api::schemas::BadRequest)),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (status = 403, response = inline(crate::api::schemas::Forbidden)),
        (status = 422, response = inline(crate::api::schemas::Invalid)),
    ),
)]
pub async fn set(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<PolicyBody>,
) -> Result<HttpResponse, ApiError> {
    let account = account_of(require(&caller, Scope::Admin)?)?;
    let policy = ExpiryPolicy::new(body.max_lifetime_days, body.expiry_required)
        .map_err(|error| ApiError::Invalid(vec![("max_lifetime_days", error.to_string())]))?;
    let by = caller.acting(&req);
    let saved = state
        .db("saving the expiry policy", move |conn| {
            token_policy::set_policy(conn, &by, policy)
        })
        .await?;
    match saved {
        PolicySaved::LooserThanATokenMay => {
            return Err(ApiError::ExceedsCaller(
                "a token may only tighten the expiry policy: a person can loosen it in the portal"
                    .into(),
            ));
        }
        PolicySaved::Exceeds(excess) => return Err(ApiError::ExceedsCaller(excess.to_string())),
        PolicySaved::Changed => {
            tracing::info!(by = %caller.grant.token_id, policy = %policy.describe(), "expiry policy changed through the API");
        }
        PolicySaved::Unchanged => {}
    }
    answer(&state, account).await
}
