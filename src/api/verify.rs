//! `POST /api/v1/verify` `{token, module?, access?, client_ip?, user_agent?}`: whether
//! a token may use a module, for the platform's other services, which authenticate with
//! a service credential. Always 200 for a well-formed request from a service; the answer
//! is `{active: true, …}` or `{active: false, reason}`. A use of a valid token is
//! recorded as if its holder had called directly, from the end client's address and
//! user agent the service passes on, and marked with the service it came through.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::bearer::authenticate;
use super::problem::ApiError;
use super::service::ServiceCaller;
use crate::domain::token_use::Use;
use crate::domain::verification::Grant;
use crate::domain::{ClientIp, ModuleId, Scope};
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
    /// The address of the client that presented the token to the service, recorded as
    /// the token's last access (IPv4 or IPv6).
    #[schema(example = "203.0.113.7")]
    client_ip: Option<String>,
    /// That client's user agent, recorded with the use.
    #[schema(example = "deploy-bot/1.4")]
    user_agent: Option<String>,
}

/// What a verify request asks, read from its body: where the end client is, and what
/// the token must be allowed.
#[derive(Debug, PartialEq, Eq)]
struct Asked {
    client_ip: Option<ClientIp>,
    module: Option<ModuleId>,
    access: Option<Scope>,
}

impl VerifyRequest {
    /// The request's fields read as what they name; a field that names nothing is a
    /// 400 that says which.
    fn asked(&self) -> Result<Asked, ApiError> {
        let bad = |e: crate::domain::ParseError| ApiError::BadRequest(e.0);
        Ok(Asked {
            client_ip: client_ip(self.client_ip.as_deref())?,
            module: self
                .module
                .as_deref()
                .map(ModuleId::parse)
                .transpose()
                .map_err(bad)?,
            access: self
                .access
                .as_deref()
                .map(Scope::parse)
                .transpose()
                .map_err(bad)?,
        })
    }
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
    security(("service" = []), ("serviceBasic" = [])),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verdict", body = VerifyResponse),
        (
            status = 400,
            description = "A body that is not valid JSON, an unknown module or access, or a \
                           `client_ip` that is not an IP address",
            body = super::problem::Problem,
            content_type = "application/problem+json",
        ),
        (status = 401, response = inline(super::schemas::ServiceUnauthorized)),
        (status = 429, response = inline(super::schemas::TooManyRefusals)),
    ),
)]
pub async fn verify(
    service: ServiceCaller,
    state: web::Data<AppState>,
    body: web::Json<VerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let Asked {
        client_ip,
        module,
        access,
    } = request.asked()?;
    let answer = match check_for_service(&state, &request.token, client_ip).await? {
        Err(reason) => VerifyResponse::Inactive {
            active: false,
            reason,
        },
        Ok(grant) => {
            let used = Use::new(Utc::now(), client_ip, request.user_agent.as_deref());
            state
                .recorder
                .record(&grant.token_id, used.through(service.name));
            verdict(&grant, module.as_ref(), access)
        }
    };
    Ok(HttpResponse::Ok().json(answer))
}

/// Checks `token` for a service asking on behalf of the end client at `client_ip`: its
/// grant, or why it is inactive (`Ok(Err(reason))`), as verify and introspection both
/// answer; an error only for what the service must hear as one (the database away).
/// The end client's refusals count against its address, as its own calls' would: one
/// sending guesses through the service is held off lookups the cache can't answer.
pub(super) async fn check_for_service(
    state: &AppState,
    token: &str,
    client_ip: Option<ClientIp>,
) -> Result<Result<Arc<Grant>, &'static str>, ApiError> {
    match authenticate(state, token, client_ip, client_ip.map(ClientIp::addr)).await {
        Ok((grant, _)) => Ok(Ok(grant)),
        Err(ApiError::Rejected(rejection)) => Ok(Err(rejection.reason())),
        Err(ApiError::RateLimited(_) | ApiError::TooManyRefusals(_)) => {
            Ok(Err(super::problem::RATE_LIMITED))
        }
        Err(other) => Err(other),
    }
}

/// The end client's address a service passes on, if it does.
pub(super) fn client_ip(raw: Option<&str>) -> Result<Option<ClientIp>, ApiError> {
    raw.map(|raw| raw.trim().parse::<IpAddr>().map(ClientIp::from))
        .transpose()
        .map_err(|_| ApiError::BadRequest("client_ip is not an IPv4 or IPv6 address.".into()))
}

fn verdict(grant: &Grant, module: Option<&ModuleId>, access: Option<Scope>) -> VerifyResponse {
    match grant.check(Utc::now(), module, access) {
        Err(rejection) => VerifyResponse::Inactive {
            active: false,
            reason: rejection.reason(),
        },
        Ok(()) => VerifyResponse::Active {
            active: true,
            token_id: grant.token_id.to_string(),
            account_id: grant.account_id.to_string(),
            scope: grant.scope.as_str(),
            modules: grant.modules.iter().map(ToString::to_string).collect(),
            expires_at: grant.expires_at,
        },
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// What a field of a verify body may be: the right kind of value or not.
    fn field() -> impl Strategy<Value = Value> {
        prop_oneof![
            "billing|tokens|read|write|admin|203.0.113.7| ::1 |2001:db8::7|tdk_x"
                .prop_map(Value::from),
            "\\PC{0,16}".prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
            Just(json!(["billing"])),
        ]
    }

    /// Bodies: objects with any of the fields, anything else JSON, or any bytes.
    fn bodies() -> impl Strategy<Value = Vec<u8>> {
        let names = "token|module|access|client_ip|user_agent|other";
        prop_oneof![
            proptest::collection::btree_map(names, field(), 0..6)
                .prop_map(|fields| serde_json::to_vec(&fields).unwrap_or_default()),
            field().prop_map(|value| value.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..40),
        ]
    }

    proptest! {
        #[test]
        fn any_body_is_a_question_or_a_clear_400(body in bodies()) {
            let Ok(request) = serde_json::from_slice::<VerifyRequest>(&body) else {
                return Ok(());
            };
            match request.asked() {
                Ok(asked) => {
                    let ip = asked.client_ip.map(|ip| ip.addr());
                    let sent_ip = request.client_ip.as_deref().map(|raw| raw.trim().parse().unwrap());
                    prop_assert_eq!(ip, sent_ip);
                    prop_assert_eq!(asked.module.as_ref().map(ModuleId::as_str), request.module.as_deref());
                    prop_assert_eq!(asked.access.map(Scope::as_str), request.access.as_deref());
                }
                Err(ApiError::BadRequest(message)) => prop_assert!(!message.is_empty()),
                Err(other) => prop_assert!(false, "not a 400: {other:?}"),
            }
        }
    }

    #[test]
    fn a_well_formed_question_reads_as_it_was_asked() {
        let body = br#"{"token": "tdk_x", "module": "billing", "access": "write", "client_ip": " 2001:db8::7 "}"#;
        let request: VerifyRequest = serde_json::from_slice(body).unwrap();

        let asked = request.asked().unwrap();

        assert_eq!(asked.module.unwrap().as_str(), "billing");
        assert_eq!(asked.access, Some(Scope::Write));
        assert_eq!(asked.client_ip.unwrap().to_string(), "2001:db8::7");
        for (field, bad) in [
            ("module", "Billing"),
            ("access", "root"),
            ("client_ip", "10.0.0"),
        ] {
            let body = json!({"token": "tdk_x", field: bad});
            let request: VerifyRequest = serde_json::from_value(body).unwrap();
            assert!(
                matches!(request.asked(), Err(ApiError::BadRequest(_))),
                "{field}"
            );
        }
    }
}
