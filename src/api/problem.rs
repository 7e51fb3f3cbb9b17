//! API errors as RFC 9457 problem details, with RFC 6750 `WWW-Authenticate` headers on
//! refused bearer tokens.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::access::token_quotas::QuotaState;
use crate::db::health::{RETRY_AFTER_SECONDS, is_temporary, temporary_failure};
use crate::domain::verification::Rejection;

/// What a service-only endpoint asks for when its credential is missing or wrong.
const SERVICE_CHALLENGE: &str =
    r#"Bearer realm="tokendesk-services", Basic realm="tokendesk-services""#;

/// The `reason` of a refusal for reaching beyond the calling token's own reach.
pub const EXCEEDS_CALLER: &str = "exceeds_caller";
/// The `reason` of a refusal for a token past its rate limit.
pub const RATE_LIMITED: &str = "rate_limited";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No `Authorization: Bearer …` header at all.
    #[error("no bearer token")]
    MissingCredentials,
    #[error("token refused: {}", .0.reason())]
    Rejected(Rejection),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A body over the endpoint's limit, in bytes (`MAX_BODY_BYTES` but for leak
    /// reports).
    #[error("the body is too large")]
    TooLarge(usize),
    #[error("not found")]
    NotFound,
    /// A path under `/api` that no endpoint serves.
    #[error("no such endpoint")]
    NoSuchEndpoint,
    /// The token's state does not allow the change.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The calling token may not reach that far: the detail names the excess.
    #[error("exceeds the caller: {0}")]
    ExceedsCaller(String),
    /// Fields that fail validation, each with its message.
    #[error("invalid fields")]
    Invalid(Vec<(&'static str, String)>),
    /// The token made more calls than its rate limit allows.
    #[error("the token's rate limit is used up")]
    RateLimited(QuotaState),
    /// Too many credentials refused from this address: wait this long.
    #[error("too many refused credentials")]
    TooManyRefusals(std::time::Duration),
    /// No service credential, or one that is not valid, for an endpoint only the
    /// platform's services may call.
    #[error("service credential refused")]
    ServiceRefused,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// An RFC 9457 problem document.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Problem<'a> {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[schema(example = "about:blank")]
    r#type: &'a str,
    /// The status's reason phrase.
    #[schema(example = "Unauthorized")]
    title: &'a str,
    #[schema(example = 401)]
    status: u16,
    /// What went wrong, for people.
    detail: &'a str,
    /// Why a token was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = super::schemas::ProblemReasonWord)]
    reason: Option<&'a str>,
    /// Each invalid field's message, by field name.
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<std::collections::BTreeMap<&'a str, &'a str>>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MissingCredentials => StatusCode::UNAUTHORIZED,
            Self::Rejected(r) if r.is_valid_token_without_permission() => StatusCode::FORBIDDEN,
            Self::Rejected(_) => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound | Self::NoSuchEndpoint => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::ExceedsCaller(_) => StatusCode::FORBIDDEN,
            Self::TooManyRefusals(_) | Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::ServiceRefused => StatusCode::UNAUTHORIZED,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal(error) if is_temporary(error) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let title = status.canonical_reason().unwrap_or("Error");
        let too_large: String;
        let rate_limited: String;
        let (detail, reason, challenge) = match self {
            Self::MissingCredentials => (
                "Send the token as `Authorization: Bearer <token>`.",
                None,
                Some(r#"Bearer realm="tokendesk""#),
            ),
            Self::Rejected(rejection) => {
                let challenge = if rejection.is_valid_token_without_permission() {
                    r#"Bearer realm="tokendesk", error="insufficient_scope""#
                } else {
                    r#"Bearer realm="tokendesk", error="invalid_token""#
                };
                (
                    rejection.detail(),
                    Some(rejection.reason()),
                    Some(challenge),
                )
            }
            Self::BadRequest(message) | Self::Conflict(message) => (message.as_str(), None, None),
            Self::TooLarge(limit) => {
                too_large = format!(
                    "The request body is over the {} KiB this endpoint accepts.",
                    limit / 1024
                );
                (too_large.as_str(), None, None)
            }
            Self::ExceedsCaller(excess) => (excess.as_str(), Some(EXCEEDS_CALLER), None),
            Self::RateLimited(quota) => {
                rate_limited = format!(
                    "This token may make {} calls a minute, and has made them: try again in {} s.",
                    quota.limit,
                    quota.retry_after.unwrap_or(1)
                );
                (rate_limited.as_str(), Some(RATE_LIMITED), None)
            }
            Self::TooManyRefusals(_) => (
                "Too many credentials were refused from this address. Try again later.",
                None,
                None,
            ),
            Self::ServiceRefused => (
                "Only the platform's services may call this: send a service credential as \
                 `Authorization: Bearer tds_…` or HTTP Basic `NAME:tds_…`.",
                None,
                Some(SERVICE_CHALLENGE),
            ),
            Self::NotFound => ("There is no such token in this account.", None, None),
            Self::NoSuchEndpoint => (
                "There is no such endpoint: the API is described at /api/v1/openapi.json.",
                None,
                None,
            ),
            Self::Invalid(_) => ("Some fields are not valid; see errors.", None, None),
            Self::Internal(error) if is_temporary(error) => {
                let message = temporary_failure(error);
                (message, None, None)
            }
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "API request failed");
                ("tokendesk could not complete the request.", None, None)
            }
        };
        let body = Problem {
            r#type: "about:blank",
            title,
            status: status.as_u16(),
            detail,
            reason,
            errors: match self {
                Self::Invalid(fields) => {
                    Some(fields.iter().map(|(k, v)| (*k, v.as_str())).collect())
                }
                _ => None,
            },
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if let Some(challenge) = challenge {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            ));
        }
        if let Self::TooManyRefusals(left) = self {
            // Whole seconds, rounded up, so a client that waits that long gets through.
            let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Self::RateLimited(quota) = self {
            rate_limit_headers(&mut response, quota);
            let wait = quota.retry_after.unwrap_or(1);
            response.insert_header((header::RETRY_AFTER, wait.to_string()));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
        }
        response.json(body)
    }
}

/// The `RateLimit-Policy` and `RateLimit` headers of a rate-limited token's answer.
pub fn rate_limit_headers(response: &mut actix_web::HttpResponseBuilder, quota: &QuotaState) {
    response.insert_header(("RateLimit-Policy", quota.policy_header()));
    response.insert_header(("RateLimit", quota.header()));
}
