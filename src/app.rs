//! The actix application: sessions, security headers, request ids and logging, metrics
//! and routes, wired around the shared state. Tests and `serve` start it the same way,
//! through `Application::build`.

mod prometheus;
mod request_id;
mod security_headers;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::access::TokenCache;
use crate::access::listener::{Caches, Listener};
use crate::access::writer::{self, WriterStats};
use crate::config::{MasterKey, PublicUrl, Settings, TokenCacheMode};
use crate::db::DbPool;
use crate::domain::{SecretCipher, TrustedProxies};
use crate::state::{AppState, PortalSettings};
use crate::web;
use crate::web::{PasswordCheckLimits, PasswordChecks, PgSessionStore};

/// The session cookie's name: with the `__Host-` prefix over https, which browsers keep
/// only for this exact host (`Secure`, `Path=/`, no `Domain`), so no sibling subdomain
/// of the same site can plant one; plain over http, where browsers refuse the prefix.
pub fn session_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-tokendesk_session"
    } else {
        "tokendesk_session"
    }
}

/// How long requests in flight may take to finish once SIGTERM or Ctrl-C has stopped
/// the server accepting, before their connections are closed (actix's default is 30
/// seconds). With the final write of last access after it, the process is gone within
/// the 10 seconds an operator or orchestrator should have to wait.
pub const SHUTDOWN_GRACE_SECONDS: u64 = 8;

/// How the server runs, beyond where it listens.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// How often recorded token uses are written.
    pub flush_every: Duration,
    pub trusted_proxies: TrustedProxies,
    /// Where people reach the portal; `http://` and the bind address when unset.
    pub public_url: Option<PublicUrl>,
    /// How long a session may go unused.
    pub session_idle: chrono::Duration,
    /// Where to serve `GET /metrics`, if anywhere (port 0 picks a free one).
    pub metrics_bind: Option<String>,
    /// Serving the demo (`serve --demo`): routes `POST /demo/reset`, and refuses an
    /// https public address.
    pub demo: bool,
    /// Whether token lookups are cached.
    pub token_cache: TokenCacheMode,
    /// How many password checks run at once, and how long one waits for its turn.
    pub password_checks: PasswordCheckLimits,
    /// How long a cached lookup is served at most (`cache::TIME_TO_LIVE`; tests of
    /// expiry shorten it).
    pub token_cache_time_to_live: Duration,
}

impl AppOptions {
    /// What `serve` runs with: every setting from the environment that shapes the server.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            trusted_proxies: settings.trusted_proxies.clone(),
            public_url: settings.public_url.clone(),
            session_idle: settings.session_idle,
            metrics_bind: settings.metrics_bind.clone(),
            token_cache: settings.token_cache,
            ..Self::default()
        }
    }
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            flush_every: Duration::from_secs(1),
            trusted_proxies: TrustedProxies::default(),
            public_url: None,
            session_idle: crate::config::DEFAULT_SESSION_IDLE,
            metrics_bind: None,
            demo: false,
            token_cache: TokenCacheMode::On,
            password_checks: PasswordCheckLimits::default(),
            token_cache_time_to_live: crate::access::cache::TIME_TO_LIVE,
        }
    }
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: actix_web::web::Data<AppState>,
    access_stats: Arc<WriterStats>,
    flush_every: Duration,
    metrics: Option<prometheus::MetricsServer>,
}

impl Application {
    /// Binds `bind` (port 0 picks a free one) and builds the server; recorded token
    /// uses are written every `flush_every`.
    pub fn build(
        pool: DbPool,
        key: &MasterKey,
        bind: &str,
        options: AppOptions,
    ) -> anyhow::Result<Self> {
        let listener =
            TcpListener::bind(bind).with_context(|| format!("cannot listen on {bind}"))?;
        let bound = listener.local_addr().context("reading the bound address")?;
        let port = bound.port();
        let public_url = match options.public_url.clone() {
            Some(url) => url,
            None => PublicUrl::of_bind(&bound.to_string())?,
        };
        if options.demo {
            crate::demo::refuse_https(Some(&public_url))?;
        }
        if public_url.is_plain_http_on_a_network() {
            tracing::warn!(
                %public_url,
                "serving people over plain http on a network address: passwords and session \
                 cookies cross the network unencrypted; put the portal behind https and set \
                 TOKENDESK_PUBLIC_URL=https://…"
            );
        }
        let portal = PortalSettings {
            public_url,
            session_idle: options.session_idle,
        };
        let https = portal.secure_cookies();
        let cache = match options.token_cache {
            TokenCacheMode::On => TokenCache::new(options.token_cache_time_to_live),
            TokenCacheMode::Off => {
                tracing::warn!("TOKENDESK_TOKEN_CACHE=off: every token lookup reads the database");
                TokenCache::off()
            }
        };
        let state = actix_web::web::Data::new(AppState::new(
            pool,
            SecretCipher::from_master_key(key.as_bytes()),
            options.trusted_proxies.clone(),
            portal,
            cache,
            Arc::new(PasswordChecks::new(options.password_checks)),
        ));
        let store = PgSessionStore::new(
            state.pool.clone(),
            state.database.clone(),
            state.portal.session_idle,
        );
        let metrics = options
            .metrics_bind
            .as_deref()
            .map(|bind| prometheus::MetricsServer::bind(bind, state.clone()))
            .transpose()?;
        let measured = metrics.is_some();
        let server_state = state.clone();
        // Derived, so the session key and the token-secret key are never the same bytes.
        let session_key = Key::derive_from(key.as_bytes());
        let demo = options.demo;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::<request_id::RequestSpan>::new())
                .wrap(Condition::new(measured, from_fn(prometheus::measure)))
                .wrap(from_fn(request_id::assign))
                // Outermost, so whatever answers, errors of the others included, has them.
                .wrap(from_fn(security_headers::add))
                .app_data(server_state.clone())
                .app_data(web::form_config())
                .app_data(web::payload_config())
                .configure(crate::api::routes)
                .configure(web::public_routes)
                .configure(|cfg| {
                    if demo {
                        web::demo_routes(cfg);
                    }
                })
                .service(
                    // Only the routes of people's pages read a session.
                    actix_web::web::scope("")
                        .wrap(sessions(store.clone(), session_key.clone(), https))
                        .wrap(from_fn(web::session_failures::finished))
                        .configure(web::session_routes),
                )
        })
        .shutdown_timeout(SHUTDOWN_GRACE_SECONDS)
        .shutdown_signal(stop_signal())
        .listen(listener)
        .context("starting the server")?
        .run();
        Ok(Self {
            port,
            server,
            state,
            access_stats: Arc::new(WriterStats::default()),
            flush_every: options.flush_every,
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where `GET /metrics` is served, when metrics are on.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(prometheus::MetricsServer::port)
    }

    /// Lets another thread stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// What the last-access writer has done.
    pub fn access_stats(&self) -> Arc<WriterStats> {
        self.access_stats.clone()
    }

    /// Where this instance checks passwords: how many run, and the most that ran at once.
    pub fn password_checks(&self) -> Arc<PasswordChecks> {
        self.state.password_checks.clone()
    }

    /// This instance's cache of token lookups.
    pub fn token_cache(&self) -> Arc<TokenCache> {
        self.state.cache.clone()
    }

    /// Serves until SIGTERM or Ctrl-C (or a stop through `handle`): then stops
    /// accepting, lets the requests in flight finish (for `SHUTDOWN_GRACE_SECONDS` at
    /// most), and writes the token uses still in memory.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (pool, recorder) = (self.state.pool.clone(), self.state.recorder.clone());
        let caches = Caches {
            tokens: self.state.cache.clone(),
            services: self.state.services.clone(),
        };
        let listener = Listener::start(pool.clone(), caches);
        let stop_writing = Arc::new(tokio::sync::Notify::new());
        let writer = actix_web::rt::spawn(writer::run(
            pool.clone(),
            recorder.clone(),
            self.access_stats.clone(),
            self.state.database.clone(),
            self.flush_every,
            stop_writing.clone(),
        ));
        let metrics = self.metrics.map(prometheus::MetricsServer::spawn);
        let served = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop().await;
        }
        listener.stop();
        // A write under way finishes (within the pool's connection and statement
        // timeouts), putting its uses back if it fails, before the final write.
        stop_writing.notify_one();
        if let Err(error) = writer.await {
            tracing::error!(error = %error, "the last-access writer failed");
        }
        if writer::flush(&pool, &recorder, &self.access_stats, &self.state.database)
            .await
            .is_some()
        {
            tracing::info!("stopped; last access written");
        } else {
            tracing::error!(
                tokens = recorder.len(),
                "stopped, but the last access of these tokens could not be written and is lost"
            );
        }
        served
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C), each a graceful stop: actix's own handling
/// would drop the requests in flight on Ctrl-C.
async fn stop_signal() {
    use actix_web::rt::signal;
    let terminate = async {
        match signal::unix::signal(signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => drop(terminate.recv().await),
            Err(error) => {
                tracing::warn!(%error, "can't listen for SIGTERM; stop with Ctrl-C");
                std::future::pending::<()>().await;
            }
        }
        "SIGTERM"
    };
    let interrupt = async {
        if let Err(error) = signal::ctrl_c().await {
            tracing::warn!(%error, "can't listen for Ctrl-C; stop with SIGTERM");
            std::future::pending::<()>().await;
        }
        "SIGINT"
    };
    let (terminate, interrupt) = (std::pin::pin!(terminate), std::pin::pin!(interrupt));
    let (signal, _) = futures_util::future::select(terminate, interrupt)
        .await
        .factor_first();
    tracing::info!(
        signal,
        grace_seconds = SHUTDOWN_GRACE_SECONDS,
        "stopping: no new connections; finishing the requests in flight"
    );
}

/// Sessions kept server-side; the cookie (which ends with the browser: no Max-Age)
/// carries only the session's key, encrypted, and is `Secure` over https.
fn sessions(store: PgSessionStore, key: Key, secure: bool) -> SessionMiddleware<PgSessionStore> {
    SessionMiddleware::builder(store, key)
        .cookie_name(session_cookie(secure).to_owned())
        .cookie_http_only(true)
        .cookie_secure(secure)
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            BrowserSession::default().state_ttl(actix_web::cookie::time::Duration::hours(12)),
        )
        .build()
}
