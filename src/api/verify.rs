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

#[derive(Deserialize)]
pub struct VerifyRequest {
    token: String,
    module: Option<String>,
    access: Option<String>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum VerifyResponse {
    Active {
        active: bool,
        token_id: String,
        account_id: String,
        scope: &'static str,
        modules: Vec<String>,
        expires_at: Option<DateTime<Utc>>,
    },
    Inactive {
        active: bool,
        reason: &'static str,
    },
}

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
