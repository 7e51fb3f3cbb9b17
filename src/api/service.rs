//! The service-credential extractor, for the endpoints only the platform's other
//! services may call (verify, introspection): `Authorization: Bearer tds_…`, or HTTP
//! Basic with the service's name and secret (`NAME:tds_…`), as API gateways send it.
//! A `tdk_` token is no service credential, and a `tds_` secret is no bearer token.
//! Refusals count against the caller's address like refused bearer tokens.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;

use super::bearer::{not_held_off, refused};
use super::problem::ApiError;
use crate::db::services;
use crate::domain::{ClientIp, ServiceName, ServiceSecret};
use crate::state::{self, AppState};

/// The service a request authenticated as.
pub struct ServiceCaller {
    pub name: ServiceName,
}

/// What the `Authorization` header presents: a secret, and with Basic the name it
/// claims to be.
struct Presented {
    claimed: Option<String>,
    secret: String,
}

fn presented(req: &HttpRequest) -> Option<Presented> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Presented {
            claimed: None,
            secret: credentials.to_owned(),
        });
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(credentials).ok()?).ok()?;
    let (name, secret) = decoded.split_once(':')?;
    Some(Presented {
        claimed: Some(name.to_owned()),
        secret: secret.to_owned(),
    })
}

async fn authenticate(
    state: &AppState,
    presented: Presented,
    from: Option<ClientIp>,
) -> Result<ServiceCaller, ApiError> {
    let refuse = || refused(state, from, ApiError::ServiceRefused);
    let secret = ServiceSecret::parse(&presented.secret).map_err(|_| refuse())?;
    let digest = secret.digest();
    let name = match state.services.get(&digest) {
        Some(name) => Some(name),
        None => {
            not_held_off(state, from)?;
            let generation = state.services.generation();
            let found = state
                .db("checking a service credential", move |conn| {
                    services::authenticate(conn, &digest, Utc::now())
                })
                .await?;
            if let Some(name) = &found {
                state
                    .services
                    .insert_if_current(digest, name.clone(), generation);
            }
            found
        }
    };
    match name {
        Some(name)
            if presented
                .claimed
                .is_none_or(|claimed| claimed == name.as_str()) =>
        {
            Ok(ServiceCaller { name })
        }
        _ => Err(refuse()),
    }
}

impl FromRequest for ServiceCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let presented = presented(req);
        let from = state::client_ip(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let presented = presented.ok_or(ApiError::ServiceRefused)?;
            let state = state.ok_or_else(|| anyhow::anyhow!("AppState is not registered"))?;
            authenticate(&state, presented, from).await
        })
    }
}
