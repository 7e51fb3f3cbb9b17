//! `POST /api/v1/introspect`: OAuth 2.0 token introspection (RFC 7662) for API gateways
//! (Kong, Envoy, Apache mod_auth_openidc and others speak it). The gateway sends the
//! token form-encoded (`token=…`, optionally `token_type_hint`) and authenticates with a
//! service credential, as Bearer or HTTP Basic. An active token gets its scope, id,
//! account and times; anything else gets exactly `{"active":false}`, which tells nothing
//! of why. A use of an active token is recorded as coming through that service.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::problem::ApiError;
use super::service::ServiceCaller;
use crate::domain::token_use::Use;
use crate::domain::verification::Grant;
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct IntrospectForm {
    /// The token to introspect, `tdk_…`.
    token: String,
    /// `access_token`, if the caller says; any value is accepted and ignored, since
    /// tokendesk has one kind of token.
    #[allow(
        dead_code,
        reason = "RFC 7662 lets clients send it; it changes nothing here"
    )]
    token_type_hint: Option<String>,
    /// The address of the client that presented the token to the gateway (an extension
    /// of RFC 7662): a token with an address allowlist is active only for a client on
    /// it, and never when this is missing.
    #[schema(example = "203.0.113.7")]
    client_ip: Option<String>,
}

/// RFC 7662's answer.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum Introspection {
    Active {
        #[schema(schema_with = super::schemas::always_true)]
        active: bool,
        /// The token's scope: `read`, `write` or `admin`.
        #[schema(value_type = super::schemas::ScopeWord)]
        scope: &'static str,
        /// The token's id.
        #[schema(example = "TK-1000-0000-0002")]
        client_id: String,
        /// The account the token belongs to.
        #[schema(example = "PA-1000-0001")]
        sub: String,
        /// When the token was created, in seconds since the epoch.
        iat: i64,
        /// When the token expires, in seconds since the epoch; absent if it never does.
        #[serde(skip_serializing_if = "Option::is_none")]
        exp: Option<i64>,
        #[schema(example = "Bearer")]
        token_type: &'static str,
        #[schema(example = json!(["billing"]))]
        modules: Vec<String>,
    },
    /// Exactly `{"active": false}`.
    Inactive {
        #[schema(schema_with = super::schemas::always_false)]
        active: bool,
    },
}

impl From<&Grant> for Introspection {
    fn from(grant: &Grant) -> Self {
        Self::Active {
            active: true,
            scope: grant.scope.as_str(),
            client_id: grant.token_id.to_string(),
            sub: grant.account_id.to_string(),
            iat: grant.created_at.timestamp(),
            exp: grant.expires_at.map(|at| at.timestamp()),
            token_type: "Bearer",
            modules: grant.modules.iter().map(ToString::to_string).collect(),
        }
    }
}

#[utoipa::path(
    post,
    path = "/introspect",
    operation_id = "introspect",
    summary = "RFC 7662 token introspection, for API gateways",
    description = "Form-encoded `token=…` (and optionally `token_type_hint`), with a \
                   service credential. An active token gets its details; any other gets \
                   exactly `{\"active\": false}`.",
    security(("service" = []), ("serviceBasic" = [])),
    request_body(
        content = IntrospectForm,
        content_type = "application/x-www-form-urlencoded",
    ),
    responses(
        (status = 200, description = "The introspection", body = Introspection),
        (
            status = 400,
            description = "A body that is not a form with a `token`, or a `client_ip` that is \
                           not an IP address",
            body = super::problem::Problem,
            content_type = "application/problem+json",
        ),
        (status = 401, response = inline(super::schemas::ServiceUnauthorized)),
        (status = 429, response = inline(super::schemas::TooManyRefusals)),
    ),
)]
pub async fn introspect(
    service: ServiceCaller,
    state: web::Data<AppState>,
    form: web::Form<IntrospectForm>,
) -> Result<HttpResponse, ApiError> {
    let client_ip = super::verify::client_ip(form.client_ip.as_deref())?;
    let answer = match super::verify::check_for_service(&state, &form.token, client_ip).await? {
        Ok(grant) => {
            let used = Use::new(Utc::now(), client_ip, None).through(service.name);
            state.recorder.record(&grant.token_id, used);
            Introspection::from(grant.as_ref())
        }
        Err(_) => Introspection::Inactive { active: false },
    };
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(answer))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::ClientIp;

    fn encoded(value: &str) -> String {
        url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
    }

    /// Form bodies as a gateway or an attacker sends them.
    fn bodies() -> impl Strategy<Value = String> {
        let value = prop_oneof![
            "tdk_x|access_token|203.0.113.7| ::1 |2001:db8::7|10.0.0".prop_map(String::from),
            "\\PC{0,16}",
        ];
        let field = prop_oneof![
            ("token|token_type_hint|client_ip|other", value)
                .prop_map(|(name, value)| format!("{name}={}", encoded(&value))),
            Just("%FF%FE=%00".to_owned()),
            Just("token".to_owned()),
            Just("%".to_owned()),
        ];
        proptest::collection::vec(field, 0..5).prop_map(|fields| fields.join("&"))
    }

    proptest! {
        #[test]
        fn any_form_is_a_question_or_a_clear_400(body in bodies()) {
            // What `web::Form` reads a form body with.
            let Ok(form) = serde_urlencoded::from_str::<IntrospectForm>(&body) else {
                return Ok(());
            };
            prop_assert!(body.contains("token"), "a form without a token was read");
            match crate::api::verify::client_ip(form.client_ip.as_deref()) {
                Ok(ip) => {
                    let sent = form.client_ip.as_deref().map(|raw| raw.trim().parse().unwrap());
                    prop_assert_eq!(ip.map(ClientIp::addr), sent);
                }
                Err(ApiError::BadRequest(message)) => prop_assert!(!message.is_empty()),
                Err(other) => prop_assert!(false, "not a 400: {other:?}"),
            }
        }

        #[test]
        fn the_token_sent_is_the_token_read(token in "\\PC{0,40}") {
            let body = format!("token={}&token_type_hint=access_token", encoded(&token));
            let form = serde_urlencoded::from_str::<IntrospectForm>(&body).unwrap();
            prop_assert_eq!(form.token, token);
        }
    }
}
