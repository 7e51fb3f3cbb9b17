//! The bearer-token extractor: a malformed token or one with a bad checksum is refused
//! without touching the database; then the digest lookup (cached, unknown tokens too,
//! but not what a read that overlapped a change found); then status, expiry and the
//! token's address allowlist, checked on every request, so an expiry passing needs no
//! cache change; then the token's rate limit, whose state every answer to the call
//! carries in `RateLimit` headers. Each refusal counts against the caller's address,
//! and an address with too many is held off before any database read.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;

use super::problem::ApiError;
use crate::access::token_quotas::QuotaState;
use crate::db::tokens::{self, Lookup};
use crate::domain::token_use::Use;
use crate::domain::verification::{Grant, Rejection};
use crate::domain::{Acting, Actor, ClientIp, SecretDigest, TokenSecret};
use crate::state::{self, AppState};

/// The token a request authenticated with.
pub struct Caller {
    pub grant: Arc<Grant>,
}

impl Caller {
    /// This token acting for its account, from `req`'s address, now.
    pub fn acting(&self, req: &HttpRequest) -> Acting {
        let actor = Actor::Token(self.grant.token_id.clone());
        Acting::now(self.grant.account_id.clone(), actor, state::client_ip(req))
    }
}

/// The address to count refusals against: never a trusted proxy's, which stands for
/// everyone behind it.
fn countable(state: &AppState, from: Option<ClientIp>) -> Option<std::net::IpAddr> {
    from.map(ClientIp::addr)
        .filter(|ip| !state.trusted_proxies.trusts(*ip))
}

/// Counts a refused credential against `from`, the address that presented it.
pub(super) fn refused(state: &AppState, from: Option<ClientIp>, error: ApiError) -> ApiError {
    if let Some(ip) = countable(state, from) {
        state.refusals.refused(ip);
    }
    error
}

/// Refuses, before any database read, an address that had too many credentials refused.
pub(super) fn not_held_off(state: &AppState, from: Option<ClientIp>) -> Result<(), ApiError> {
    match countable(state, from).and_then(|ip| state.refusals.held_off(ip)) {
        Some(left) => Err(ApiError::TooManyRefusals(left)),
        None => Ok(()),
    }
}

/// Checks a presented token: its format, then what the cache or the database knows of
/// it, then that `client` (the address the call comes from, as far as it is known) is
/// on its allowlist, then takes one call from its rate limit. `from` is the address
/// presenting it as its own credential, whose refusals are counted and which may be
/// held off; `None` when a service asks about a token. Returns the grant and, for a
/// rate-limited token, its quota.
pub async fn authenticate(
    state: &AppState,
    presented: &str,
    from: Option<ClientIp>,
    client: Option<IpAddr>,
) -> Result<(Arc<Grant>, Option<QuotaState>), ApiError> {
    let reject = |rejection| refused(state, from, ApiError::Rejected(rejection));
    let secret = TokenSecret::parse(presented).map_err(|_| reject(Rejection::Malformed))?;
    let grant = match look_up(state, secret.digest(), from).await? {
        Lookup::Found(grant) => grant,
        Lookup::Deleted => return Err(reject(Rejection::Deleted)),
        Lookup::Unknown => return Err(reject(Rejection::Unknown)),
    };
    grant.check_usable(Utc::now()).map_err(reject)?;
    grant.check_address(client).map_err(reject)?;
    let quota = grant
        .rate_limit
        .map(|limit| state.quotas.take(&grant.token_id, limit));
    match quota {
        Some(refused) if !refused.allowed() => Err(ApiError::RateLimited(refused)),
        _ => Ok((grant, quota)),
    }
}

/// What the cache, or else the database, knows of the secret whose digest is `digest`
/// (what it found is cached, unknown included); while `from` is held off, a database
/// read is refused.
pub(super) async fn look_up(
    state: &AppState,
    digest: SecretDigest,
    from: Option<ClientIp>,
) -> Result<Lookup, ApiError> {
    if let Some(cached) = state.cache.get(&digest) {
        return Ok(cached);
    }
    not_held_off(state, from)?;
    // Taken before the read: a change committed after it invalidates the cache, and
    // then what this read found is not cached.
    let generation = state.cache.generation();
    let found = state
        .db("looking up a token by its secret", move |conn| {
            tokens::by_digest(conn, &digest)
        })
        .await?;
    state.cache.insert_if_current(digest, &found, generation);
    Ok(found)
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        let from = state::client_ip(req);
        let used = Use::new(Utc::now(), from, user_agent);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let token = token.ok_or(ApiError::MissingCredentials)?;
            let state = state.ok_or_else(|| anyhow::anyhow!("AppState is not registered"))?;
            let (grant, quota) =
                authenticate(&state, &token, from, from.map(ClientIp::addr)).await?;
            if let Some(quota) = quota {
                req.extensions_mut().insert(quota);
            }
            state.recorder.record(&grant.token_id, used);
            Ok(Caller { grant })
        })
    }
}

/// Middleware for the API: an answer to a call made with a rate-limited token carries
/// its quota (`RateLimit-Policy` and `RateLimit`), whatever the answer.
pub async fn rate_limit_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let quota = response.request().extensions().get::<QuotaState>().copied();
    if let Some(quota) = quota {
        let headers = response.headers_mut();
        for (name, value) in [
            ("ratelimit-policy", quota.policy_header()),
            ("ratelimit", quota.header()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
    }
    Ok(response)
}
