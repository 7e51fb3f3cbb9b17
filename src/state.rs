//! The shared state every handler receives, the one way handlers reach the database
//! (on the blocking pool), and the address a request comes from.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use diesel::{PgConnection, QueryResult};

use crate::access::{
    AccessRecorder, RefusalLimiter, ServiceCache, TokenCache, TokenChanges, TokenQuotas,
};
use crate::config::PublicUrl;
use crate::db::health::DatabaseHealth;
use crate::db::{DbPool, blocking};
use crate::domain::{ClientIp, SecretCipher, TrustedProxies};
use crate::web::PasswordChecks;

/// The largest request body the portal's forms and the API accept: forms and JSON
/// bodies are small (a token's description, at most 1,000 characters, is the largest
/// field).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What every request can reach.
pub struct AppState {
    pub pool: DbPool,
    pub cipher: SecretCipher,
    /// Accepted API calls, waiting for the writer.
    pub recorder: Arc<AccessRecorder>,
    /// Token lookups, dropped when a token changes here or on another instance.
    pub cache: Arc<TokenCache>,
    /// The one path every change of a token takes.
    pub changes: Arc<TokenChanges>,
    /// Service credentials already checked, dropped when one is removed anywhere.
    pub services: Arc<ServiceCache>,
    /// Refused credentials per client address, to hold off guessing.
    pub refusals: RefusalLimiter,
    /// Each rate-limited token's calls on this instance.
    pub quotas: TokenQuotas,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// Where people reach the portal, and how long their sessions last unused.
    pub portal: PortalSettings,
    /// Where passwords are checked: a few at once, never holding a database connection.
    pub password_checks: Arc<PasswordChecks>,
    /// Whether the database answered last time, so an outage is logged once.
    pub database: Arc<DatabaseHealth>,
}

/// What the portal needs to know of its deployment.
#[derive(Debug, Clone)]
pub struct PortalSettings {
    pub public_url: PublicUrl,
    pub session_idle: chrono::Duration,
}

impl PortalSettings {
    /// Cookies are `Secure` when people reach the portal over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.is_https()
    }
}

impl AppState {
    pub fn new(
        pool: DbPool,
        cipher: SecretCipher,
        trusted_proxies: TrustedProxies,
        portal: PortalSettings,
        cache: TokenCache,
        password_checks: Arc<PasswordChecks>,
    ) -> Self {
        let cache = Arc::new(cache);
        let recorder = Arc::new(AccessRecorder::default());
        Self {
            pool,
            changes: Arc::new(TokenChanges::new(
                cache.clone(),
                recorder.clone(),
                cipher.clone(),
            )),
            cipher,
            recorder,
            services: Arc::new(ServiceCache::default()),
            refusals: RefusalLimiter::default(),
            quotas: TokenQuotas::default(),
            cache,
            trusted_proxies,
            portal,
            password_checks,
            database: Arc::new(DatabaseHealth::default()),
        }
    }

    /// Runs `work` with a pooled connection on the blocking thread pool, so diesel
    /// never blocks the async workers, inside the request's span. `doing` names the step
    /// ("listing tokens") for the error's context, so the log says which step failed.
    pub async fn db<T, F>(&self, doing: &'static str, work: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> QueryResult<T> + Send + 'static,
    {
        let wait = self.pool.connection_timeout();
        self.db_within(wait, doing, work).await
    }

    /// `db`, waiting at most `wait` for a connection rather than the pool's timeout.
    pub async fn db_within<T, F>(
        &self,
        wait: Duration,
        doing: &'static str,
        work: F,
    ) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> QueryResult<T> + Send + 'static,
    {
        blocking::with_connection(&self.pool, &self.database, wait, doing, work).await
    }
}

/// The address `req` comes from (see `ClientIp::resolve`), for audit events, last
/// access and the limits on refused credentials. Every `X-Forwarded-For` line counts,
/// in order, as one list (proxies may add a line of their own rather than extend one).
pub fn client_ip(req: &HttpRequest) -> Option<ClientIp> {
    let none = TrustedProxies::default();
    let trusted = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map_or(&none, |state| &state.trusted_proxies);
    let lines: Vec<&[u8]> = req
        .headers()
        .get_all("x-forwarded-for")
        .map(|line| line.as_bytes())
        .collect();
    let forwarded = lines.join(&b","[..]);
    let forwarded = (!lines.is_empty()).then_some(forwarded.as_slice());
    ClientIp::resolve(req.peer_addr().map(|addr| addr.ip()), forwarded, trusted)
}
