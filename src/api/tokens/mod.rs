//! `/api/v1/tokens`: the token-management API for tokens holding the Tokens module,
//! `read` scope to read and `write` to change. The same rules, atomic transitions and
//! audit events as the portal, with the calling token as the actor.

mod bulk;
mod change;
mod policy;
mod read;
mod schemas;
mod view;

use chrono::Utc;

use super::documented::Documented;
use super::{ApiError, Caller};
use crate::domain::{FieldErrors, ModuleId, Scope, Visibility};

/// Each route at the path and method of its handler's `#[utoipa::path]`.
pub fn routes(api: Documented) -> Documented {
    api.route(read::__path_list, read::list)
        .route(change::__path_create, change::create)
        // Before `/tokens/{id}` and `/tokens/{id}/{action}`: "bulk" is no token id, and
        // another method on this path is answered as no endpoint, not as a token.
        .route_alone(bulk::__path_change, bulk::change)
        .route(read::__path_get, read::get)
        .route(change::__path_update, change::update)
        .route(change::__path_delete, change::delete)
        // Before `/tokens/{id}/{action}`, which would take "rotate" for an action.
        .route(change::__path_rotate, change::rotate)
        .route(change::__path_transition, change::transition)
        .route(policy::__path_get, policy::get)
        .route(policy::__path_set, policy::set)
}

/// The caller may use the Tokens module with `access`; returns what it may see.
fn require(caller: &Caller, access: Scope) -> Result<Visibility, ApiError> {
    caller
        .grant
        .check(Utc::now(), Some(&ModuleId::tokens()), Some(access))
        .map_err(ApiError::Rejected)?;
    Ok(Visibility::Account(caller.grant.account_id.clone()))
}

fn invalid(errors: FieldErrors) -> ApiError {
    let fields = [
        ("name", errors.name),
        ("description", errors.description),
        ("scope", errors.scope),
        ("modules", errors.modules),
        ("expires_at", errors.expires),
        ("allowed_addresses", errors.allowed_addresses),
        ("rate_limit_per_minute", errors.rate_limit),
    ];
    ApiError::Invalid(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect(),
    )
}
