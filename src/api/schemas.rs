//! What the handlers' `#[utoipa::path]` attributes and their types' `ToSchema` derives
//! share: the `application/problem+json` error responses, and the closed sets of words
//! (scopes, statuses, refusal reasons) that the API's types carry as plain strings. The
//! words are taken from the domain's own lists, so the document cannot offer one the
//! code does not use.

use utoipa::ToResponse;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Content, Ref, RefOr};

use crate::domain::verification::Rejection;
use crate::domain::{DisplayStatus, Scope};

/// The content type of every error the API answers with.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every refusal, in the order the API documents them.
const REJECTIONS: [Rejection; 9] = [
    Rejection::Malformed,
    Rejection::Unknown,
    Rejection::Disabled,
    Rejection::Expired,
    Rejection::Deleted,
    Rejection::Rotated,
    Rejection::AddressNotAllowed,
    Rejection::ModuleNotGranted,
    Rejection::InsufficientScope,
];

/// Every status a token is shown with.
const STATUSES: [DisplayStatus; 4] = [
    DisplayStatus::Active,
    DisplayStatus::Disabled,
    DisplayStatus::Expired,
    DisplayStatus::Deleted,
];

/// Fails to compile when a refusal or a status is added without being listed above.
#[cfg(test)]
fn listed(rejection: Rejection, status: DisplayStatus) {
    use DisplayStatus as S;
    use Rejection as R;
    match rejection {
        R::Malformed
        | R::Unknown
        | R::Disabled
        | R::Expired
        | R::Deleted
        | R::Rotated
        | R::AddressNotAllowed
        | R::ModuleNotGranted
        | R::InsufficientScope => {}
    }
    match status {
        S::Active | S::Disabled | S::Expired | S::Deleted => {}
    }
}

/// A string schema that holds one of `words`.
pub fn words<I, S>(description: &str, words: I) -> Schema
where
    I: IntoIterator<Item = S>,
    S: Into<serde_json::Value>,
{
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(words))
        .build()
        .into()
}

/// Declares `$type`, a schema named `$name` for a string that holds one of `$words`,
/// which fields and parameters name in `value_type`.
macro_rules! word_schema {
    ($type:ident = $name:literal, $description:literal, $words:expr) => {
        #[doc = $description]
        pub struct $type;

        impl utoipa::PartialSchema for $type {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::api::schemas::words($description, $words).into()
            }
        }

        impl utoipa::ToSchema for $type {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
        }
    };
}
pub(crate) use word_schema;

word_schema!(
    ScopeWord = "Scope",
    "What a token may do: `read`, `write` (read included) or `admin` (both included).",
    Scope::ALL.map(Scope::as_str)
);

word_schema!(
    StatusWord = "TokenStatus",
    "A token's status as people see it: an active token past its expiry is `expired`.",
    STATUSES.map(DisplayStatus::slug)
);

word_schema!(
    ReasonWord = "Reason",
    "Why a token was refused: its state or grants, or `rate_limited` when it made more \
     calls than its rate limit allows.",
    REJECTIONS
        .map(Rejection::reason)
        .into_iter()
        .chain([super::problem::RATE_LIMITED])
);

word_schema!(
    ProblemReasonWord = "ProblemReason",
    "Why a call was refused: the token's refusal, `rate_limited` when it made more calls \
     than its rate limit allows, or `exceeds_caller` when the calling token asked for more \
     than it holds itself.",
    REJECTIONS
        .map(Rejection::reason)
        .into_iter()
        .chain([super::problem::RATE_LIMITED, super::problem::EXCEEDS_CALLER])
);

/// `true`, always: the `active` of an active answer from `verify`.
pub fn always_true() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
        .build()
        .into()
}

/// `false`, always: the `active` of an inactive answer from `verify`.
pub fn always_false() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([false]))
        .build()
        .into()
}

/// A problem document, with a `WWW-Authenticate` header when `challenge` says what it
/// holds.
fn problem(description: &str, challenge: Option<&str>) -> RefOr<Response> {
    let mut response = ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        Content::new(Some(Ref::from_schema_name("Problem"))),
    );
    if let Some(challenge) = challenge {
        response = response.header(
            "WWW-Authenticate",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some(challenge))
                .build(),
        );
    }
    response.build().into()
}

/// 400 for a body that is not valid JSON for the endpoint.
pub struct BadRequest;

impl<'r> ToResponse<'r> for BadRequest {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            "BadRequest",
            problem(
                &format!(
                    "A body that is not valid JSON for this endpoint, or larger than {} KiB",
                    crate::state::MAX_BODY_BYTES / 1024
                ),
                None,
            ),
        )
    }
}

/// 401 for a missing or unusable bearer token.
pub struct Unauthorized;

impl<'r> ToResponse<'r> for Unauthorized {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            "Unauthorized",
            problem(
                "No token, or a malformed, unknown, disabled, expired or deleted one \
                 (WWW-Authenticate: Bearer error=\"invalid_token\")",
                Some(
                    "`Bearer realm=\"tokendesk\"` without a token, \
                     `Bearer realm=\"tokendesk\", error=\"invalid_token\"` with one",
                ),
            ),
        )
    }
}

/// 401 for a missing or refused service credential.
pub struct ServiceUnauthorized;

impl<'r> ToResponse<'r> for ServiceUnauthorized {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            "ServiceUnauthorized",
            problem(
                "No service credential, or one that is not valid (a tdk_ token is none); \
                 the answer says nothing of the token asked about",
                Some("`Bearer realm=\"tokendesk-services\", Basic realm=\"tokendesk-services\"`"),
            ),
        )
    }
}

/// 429 for an address that had too many credentials refused.
pub struct TooManyRefusals;

impl<'r> ToResponse<'r> for TooManyRefusals {
    fn response() -> (&'r str, RefOr<Response>) {
        let response = retry_later(
            "More than 100 credentials were refused from this address within a minute; \
             calls that would need a database read are refused until it has passed",
        );
        ("TooManyRefusals", response)
    }
}

/// 503 while the database can't be reached or gives up on a statement; every operation
/// but the document itself may answer it (`openapi::build` adds it to each).
pub struct Unavailable;

impl<'r> ToResponse<'r> for Unavailable {
    fn response() -> (&'r str, RefOr<Response>) {
        let response = retry_later(
            "The database can't be reached just now, or is too busy to answer (a statement \
             past its timeout, ended to break a deadlock, or cancelled by an operator, or \
             every connection at work): try again after `Retry-After`",
        );
        ("Unavailable", response)
    }
}

/// A problem+json answer (429 or 503) with `Retry-After`, in whole seconds.
fn retry_later(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                .description(Some("Seconds to wait"))
                .build(),
        )
        .build()
        .into()
}

/// 403 for a valid token that lacks the module or the scope.
pub struct Forbidden;

impl<'r> ToResponse<'r> for Forbidden {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            "Forbidden",
            problem(
                "A valid token without the Tokens module or the scope needed \
                 (error=\"insufficient_scope\"), or a change beyond the calling token's own \
                 reach (reason `exceeds_caller`: a higher scope, other modules, a later or no \
                 expiry, a token no less than itself, editing, rotating or enabling itself, \
                 rotating its equal, or enabling a token a person disabled)",
                Some("`Bearer realm=\"tokendesk\", error=\"insufficient_scope\"`"),
            ),
        )
    }
}

/// 404 for a token that is not in the caller's account.
pub struct NotFound;

impl<'r> ToResponse<'r> for NotFound {
    fn response() -> (&'r str, RefOr<Response>) {
        ("NotFound", problem("No such token in this account", None))
    }
}

/// 422 for fields that fail validation.
pub struct Invalid;

impl<'r> ToResponse<'r> for Invalid {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            "Invalid",
            problem("Invalid fields, listed in `errors`", None),
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn values<T: utoipa::PartialSchema>() -> Value {
        serde_json::to_value(T::schema()).unwrap()["enum"].clone()
    }

    #[test]
    fn the_words_are_the_domains() {
        listed(Rejection::Malformed, DisplayStatus::Active);
        assert_eq!(values::<ScopeWord>(), json!(["read", "write", "admin"]));
        assert_eq!(
            values::<StatusWord>(),
            json!(["active", "disabled", "expired", "deleted"])
        );
        assert_eq!(
            values::<ReasonWord>(),
            json!([
                "malformed",
                "unknown",
                "disabled",
                "expired",
                "deleted",
                "rotated",
                "address_not_allowed",
                "module_not_granted",
                "insufficient_scope",
                "rate_limited"
            ])
        );
    }
}
