//! `/api/v1/tokens`: the token-management API for tokens holding the Tokens module,
//! `read` scope to read and `write` to change. The same rules, atomic transitions and
//! audit events as the portal, with the calling token as the actor.

mod change;
mod read;
mod view;

use actix_web::web;
use chrono::Utc;

use super::{ApiError, Caller};
use crate::domain::{FieldErrors, ModuleId, Scope, Visibility};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tokens", web::get().to(read::list))
        .route("/tokens", web::post().to(change::create))
        .route("/tokens/{id}", web::get().to(read::get))
        .route("/tokens/{id}", web::patch().to(change::update))
        .route("/tokens/{id}", web::delete().to(change::delete))
        .route("/tokens/{id}/{action}", web::post().to(change::transition));
}

/// The caller may use the Tokens module with `access`; returns what it may see.
fn require(caller: &Caller, access: Scope) -> Result<Visibility, ApiError> {
    let tokens = ModuleId::parse("tokens").map_err(|e| anyhow::anyhow!(e))?;
    caller
        .grant
        .check(Utc::now(), Some(&tokens), Some(access))
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
    ];
    ApiError::Invalid(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect(),
    )
}
