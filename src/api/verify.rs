//! `POST /api/v1/verify` `{token, module?, access?}`: whether a token may use a module,
//! for the platform's other services. Always 200 for a well-formed request; the answer
//! is `{active: true, …}` or `{active: false, reason}`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::bearer::authenticate;
use super::problem::ApiError;
use crate::domain::{ModuleId, Scope};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VerifyRequest {
    /// The token to check, `tdk_…`.
    token: String,
    /// A module id the token must be granted.
    #[schema(example = "billing")]
    module: Option<String>,
    /// The scope the token must have, or one above it.
    #[schema(value_type = super::schemas::ScopeWord, required = false)]
    access: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum VerifyResponse {
    /// The token is active and may do what was asked.
    Active {
        #[schema(schema_with = super::schemas::always_true)]
        active: bool,
        #[schema(example = "TK-1000-0000-0002")]
        token_id: String,
        #[schema(example = "PA-1000-0001")]
        account_id: String,
        #[schema(value_type = super::schemas::ScopeWord)]
        scope: &'static str,
        #[schema(example = json!(["billing"]))]
        modules: Vec<String>,
        #[schema(required = true)]
        expires_at: Option<DateTime<Utc>>,
    },
    /// The token may not be used, and why.
    Inactive {
        #[schema(schema_with = super::schemas::always_false)]
        active: bool,
        #[schema(value_type = super::schemas::ReasonWord)]
        reason: &'static str,
    },
}

#[utoipa::path(
    post,
    path = "/verify",
    operation_id = "verify",
    summary = "Whether a token may use a module",
    description = "For the platform's other services. A well-formed request always gets \
                   200; the answer says whether the token is active.",
    security(()),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verdict", body = VerifyResponse),
        (
            status = 400,
            description = "A body that is not valid JSON, or an unknown module or access",
            body = super::problem::Problem,
            content_type = "application/problem+json",
        ),
    ),
)]
pub async fn verify(
    state: web::Data<AppState>,
    body: web::Json<VerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let module = request
        .module
        .as_deref()
        .map(ModuleId::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.0))?;
    let access = request
        .access
        .as_deref()
        .map(Scope::parse)
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.0))?;
    let inactive = |reason| VerifyResponse::Inactive {
        active: false,
        reason,
    };
    let answer = match authenticate(&state, &request.token).await {
        Err(ApiError::Rejected(rejection)) => inactive(rejection.reason()),
        Err(other) => return Err(other),
        Ok(grant) => match grant.check(Utc::now(), module.as_ref(), access) {
            Err(rejection) => inactive(rejection.reason()),
            Ok(()) => VerifyResponse::Active {
                active: true,
                token_id: grant.token_id.to_string(),
                account_id: grant.account_id.to_string(),
                scope: grant.scope.as_str(),
                modules: grant.modules.iter().map(ToString::to_string).collect(),
                expires_at: grant.expires_at,
            },
        },
    };
    Ok(HttpResponse::Ok().json(answer))
}
