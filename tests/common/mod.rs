//! Shared test harness: a database per test, cloned from a migrated template, the app
//! served on a free port against it, and a client of its bearer API.

#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses a different part of the harness"
)]

pub mod forwarder;

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use diesel::prelude::*;
use diesel::{PgConnection, sql_query};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokendesk::access::TokenCache;
use tokendesk::access::writer::WriterStats;
use tokendesk::app::{AppOptions, Application};
use tokendesk::config::MasterKey;
use tokendesk::db::{self, DbPool, setup};
use tokendesk::domain::{SecretCipher, TrustedProxies};
use tokendesk::web::PasswordChecks;

/// The server tests talk to: `TEST_PG_URL` or the local default, without a database.
pub fn server_url() -> String {
    std::env::var("TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// `host:port` of the server tests talk to.
pub fn server_address() -> String {
    let url = url::Url::parse(&server_url()).expect("TEST_PG_URL is a URL");
    format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(5432)
    )
}

fn admin_connection() -> PgConnection {
    let url = format!("{}/postgres", server_url());
    PgConnection::establish(&url).unwrap_or_else(|e| panic!("tests need PostgreSQL at {url}: {e}"))
}

/// A database of its own, dropped when the test ends (even when it fails).
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// An empty database with no migrations applied.
    pub fn empty() -> Self {
        Self::create_from(None)
    }

    /// A database with every migration applied, cloned from the template.
    pub fn migrated() -> Self {
        Self::create_from(Some(template()))
    }

    fn create_from(template: Option<&str>) -> Self {
        let name = format!("tokendesk_test_{}", random_suffix());
        let from = template
            .map(|t| format!(" TEMPLATE {t}"))
            .unwrap_or_default();
        let mut admin = admin_connection();
        sql_query(format!("CREATE DATABASE {name}{from}"))
            .execute(&mut admin)
            .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
        let url = format!("{}/{name}", server_url());
        Self { name, url }
    }

    pub fn connection(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connecting to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let mut admin = admin_connection();
        if let Err(e) = sql_query(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut admin)
        {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// The name of a migrated template database for the current migrations, made once by
/// whichever test process gets there first (under an advisory lock).
fn template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("tokendesk_tpl_{}", migrations_fingerprint());
        let mut admin = admin_connection();
        sql_query("SELECT pg_advisory_lock(726354001)")
            .execute(&mut admin)
            .expect("taking the template lock");
        let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
        )))
        .get_result(&mut admin)
        .expect("looking for the template");
        if !exists {
            let building = format!("{name}_building");
            sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut admin)
                .expect("clearing a half-built template");
            sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut admin)
                .expect("creating the template");
            {
                let mut conn = PgConnection::establish(&format!("{}/{building}", server_url()))
                    .expect("connecting to the template");
                setup::run_migrations(&mut conn).expect("migrating the template");
            }
            sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut admin)
                .expect("publishing the template");
        }
        sql_query("SELECT pg_advisory_unlock(726354001)")
            .execute(&mut admin)
            .expect("releasing the template lock");
        name
    })
}

/// A short hash of every migration file, so a changed migration gets a new template.
fn migrations_fingerprint() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        // Relative paths: every checkout of the same migrations shares one template.
        let relative = file.strip_prefix(&dir).expect("a file under migrations/");
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file).expect("reading a migration"));
    }
    hasher
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("reading migrations") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn random_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..12)
        .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
        .collect()
}

/// The app, serving on a free port against its own database seeded with the demo data.
pub struct TestApp {
    pub address: String,
    pub pool: DbPool,
    pub cipher: SecretCipher,
    /// What the last-access writer has done.
    pub access_stats: Arc<WriterStats>,
    /// The instance's cache of token lookups.
    pub cache: Arc<TokenCache>,
    /// Where the instance checks passwords.
    pub password_checks: Arc<PasswordChecks>,
    /// Where `GET /metrics` is served, when the options asked for metrics.
    pub metrics_address: Option<String>,
    key: MasterKey,
    server: Instance,
    // Last: dropped after the pool has let go of its connections.
    pub db: TestDb,
}

/// One running server. It runs on a thread of its own and is stopped, and that thread
/// joined, when dropped, so no server outlives its test.
pub struct Instance {
    pub address: String,
    pub access_stats: Arc<WriterStats>,
    pub cache: Arc<TokenCache>,
    pub password_checks: Arc<PasswordChecks>,
    pub metrics_address: Option<String>,
    running: Option<(ServerHandle, std::thread::JoinHandle<std::io::Result<()>>)>,
}

impl Instance {
    fn start(pool: DbPool, key: MasterKey, options: AppOptions) -> Self {
        let (started, ready) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(pool, &key, "127.0.0.1:0", options)
                    .expect("building the app");
                started
                    .send((
                        app.port(),
                        app.metrics_port(),
                        app.handle(),
                        app.access_stats(),
                        app.token_cache(),
                        app.password_checks(),
                    ))
                    .expect("reporting the port");
                app.run_until_stopped().await
            })
        });
        let (port, metrics_port, handle, access_stats, cache, password_checks) =
            ready.recv().expect("the app started");
        Self {
            address: format!("http://127.0.0.1:{port}"),
            metrics_address: metrics_port.map(|port| format!("http://127.0.0.1:{port}")),
            access_stats,
            cache,
            password_checks,
            running: Some((handle, thread)),
        }
    }

    /// Stops the server as SIGTERM would and waits until it has finished, final
    /// last-access write included.
    pub fn stop(&mut self) {
        if let Some((handle, thread)) = self.running.take() {
            // The stop command is sent at once; the returned future only awaits it.
            drop(handle.stop(true));
            let _ = thread.join();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits (one second at most) for `cache` to drop something after `seen`
/// invalidations.
pub async fn invalidated_after(cache: &TokenCache, seen: u64) {
    invalidated_within(cache, seen, Duration::from_secs(1)).await;
}

/// Waits (`limit` at most) for `cache` to drop something after `seen` invalidations.
pub async fn invalidated_within(cache: &TokenCache, seen: u64, limit: Duration) {
    tokio::time::timeout(limit, async {
        loop {
            let signal = cache.invalidated.notified();
            if cache.invalidations() > seen {
                return;
            }
            signal.await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the cache was invalidated within {limit:?}"));
}

/// Asks `check` until it gives something, for `limit` at most: for what the app does
/// after it has answered (a write when a download was dropped, say).
pub async fn eventually<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let started = std::time::Instant::now();
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(started.elapsed() < limit, "nothing within {limit:?}");
        tokio::task::yield_now().await;
    }
}

/// Whether another backend of `conn`'s database waits for a lock (one the test holds).
fn waits_for_a_lock(conn: &mut PgConnection) -> bool {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
         AND pid <> pg_backend_pid() AND wait_event_type = 'Lock')",
    ))
    .get_result(conn)
    .expect("reading pg_stat_activity")
}

/// Waits (10 s at most) until another backend of `conn`'s database waits for a lock.
pub async fn until_a_backend_waits_for_a_lock(conn: &mut PgConnection) {
    eventually(Duration::from_secs(10), || {
        waits_for_a_lock(conn).then_some(())
    })
    .await;
}

/// The app's database, taken away (connections refused and cut, then renamed) until
/// this is dropped: whatever the app answers meanwhile needed no database read.
pub struct DatabaseAway {
    name: String,
    admin: PgConnection,
}

impl DatabaseAway {
    fn run(&mut self, sql: String) {
        sql_query(sql)
            .execute(&mut self.admin)
            .expect("moving the test database");
    }
}

impl Drop for DatabaseAway {
    fn drop(&mut self) {
        let name = self.name.clone();
        self.run(format!("ALTER DATABASE {name}_hidden RENAME TO {name}"));
        self.run(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_flushing_every(std::time::Duration::from_millis(200)).await
}

/// The app, writing recorded token uses every `flush_every`.
pub async fn spawn_app_flushing_every(flush_every: std::time::Duration) -> TestApp {
    spawn_app_with(AppOptions {
        flush_every,
        ..AppOptions::default()
    })
    .await
}

/// The app, run with `options`.
pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    spawn(options, None).await
}

/// An app that believes `X-Forwarded-For` from the test client (127.0.0.1 is its
/// trusted proxy), so a call can come from any address.
pub async fn spawn_app_behind_a_proxy() -> TestApp {
    spawn_app_with(AppOptions {
        trusted_proxies: TrustedProxies::new(["127.0.0.1".parse().unwrap()]),
        ..AppOptions::default()
    })
    .await
}

/// The app, reaching its database through `forwarder` (see `forwarder::Forwarder`), so
/// a test can take the database away and bring it back.
pub async fn spawn_app_behind(forwarder: &forwarder::Forwarder) -> TestApp {
    spawn_app_behind_with(forwarder, AppOptions::default()).await
}

/// `spawn_app_behind`, run with `options`.
pub async fn spawn_app_behind_with(
    forwarder: &forwarder::Forwarder,
    options: AppOptions,
) -> TestApp {
    spawn(options, Some(forwarder.port)).await
}

async fn spawn(options: AppOptions, through_port: Option<u16>) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_test_writer()
            .try_init();
    }
    let db = TestDb::migrated();
    let key = MasterKey::generate();
    let cipher = SecretCipher::from_master_key(key.as_bytes());
    let url = db.url.clone();
    let app_url = match through_port {
        Some(port) => db
            .url
            .replacen(&server_address(), &format!("127.0.0.1:{port}"), 1),
        None => db.url.clone(),
    };
    let seed_cipher = cipher.clone();
    let (pool, app_pool) = tokio::task::spawn_blocking(move || {
        let pool = db::connect(&url, db::PoolSettings::with_size(4))
            .expect("connecting to the test database");
        let mut conn = pool.get().expect("a connection");
        tokendesk::demo::seed(&mut conn, &seed_cipher, chrono::Utc::now())
            .expect("seeding the demo data");
        let app_pool = if app_url == url {
            pool.clone()
        } else {
            db::connect(&app_url, db::PoolSettings::with_size(4))
                .expect("connecting through the forwarder")
        };
        (pool, app_pool)
    })
    .await
    .expect("setting up the test database");
    let server = Instance::start(app_pool, key.clone(), options);
    TestApp {
        address: server.address.clone(),
        pool,
        cipher,
        access_stats: server.access_stats.clone(),
        cache: server.cache.clone(),
        password_checks: server.password_checks.clone(),
        metrics_address: server.metrics_address.clone(),
        key,
        server,
        db,
    }
}

impl TestApp {
    /// A demo token's full value, decrypted as the portal's reveal does.
    pub fn secret_of(&self, id: &str) -> String {
        use tokendesk::db::schema::api_tokens;
        let ciphertext: Option<Vec<u8>> = api_tokens::table
            .find(id)
            .select(api_tokens::secret_ciphertext)
            .first(&mut self.db.connection())
            .expect("reading the token's ciphertext");
        let token = tokendesk::domain::TokenId::parse(id).expect("a token id");
        self.cipher
            .decrypt(&token, &ciphertext.expect("a token that is not deleted"))
            .expect("decrypting with the app's key")
            .expose()
            .to_owned()
    }

    /// Gives `token` a limit of 10 calls a minute behind the app's back, as a person in
    /// another tab or a client of the API would meanwhile: its `updated_at` moves too.
    pub fn limit_elsewhere(&self, token: &str) {
        diesel::sql_query(
            "UPDATE api_tokens SET rate_limit_per_minute = 10, updated_at = now() WHERE id = $1",
        )
        .bind::<diesel::sql_types::Text, _>(token)
        .execute(&mut self.db.connection())
        .expect("limiting the token");
    }

    /// `token`'s rate limit as stored: calls a minute, or none.
    pub fn rate_limit_of(&self, token: &str) -> Option<i32> {
        use tokendesk::db::schema::api_tokens;
        api_tokens::table
            .find(token)
            .select(api_tokens::rate_limit_per_minute)
            .first(&mut self.db.connection())
            .expect("reading the token's rate limit")
    }

    /// Takes the database away from the app until the guard is dropped.
    pub fn take_database_away(&self) -> DatabaseAway {
        let mut away = DatabaseAway {
            name: self.db.name.clone(),
            admin: admin_connection(),
        };
        let name = away.name.clone();
        away.run(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
        away.run(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ));
        away.run(format!("ALTER DATABASE {name} RENAME TO {name}_hidden"));
        away
    }

    /// Adds an active token to `account` behind the app's back (no cache is told), with
    /// `secret`, `scope` and `modules`, never expiring; returns its id.
    pub fn insert_token(
        &self,
        account: &str,
        scope: tokendesk::domain::Scope,
        modules: &[&str],
        secret: &tokendesk::domain::TokenSecret,
    ) -> String {
        use tokendesk::domain::{AccountId, ModuleId, TokenId, TokenName, TokenStatus, UserId};
        let id = TokenId::generate();
        let creator = if account == tokendesk::demo::OTHER_INC {
            tokendesk::demo::OTHER_ADMIN
        } else {
            tokendesk::demo::DEMO_ADMIN
        };
        let modules: Vec<ModuleId> = modules
            .iter()
            .map(|m| ModuleId::parse(m).unwrap())
            .collect();
        let added = tokendesk::db::tokens::insert(
            &mut self.db.connection(),
            &tokendesk::db::tokens::NewToken {
                id: &id,
                account_id: &AccountId::parse(account).expect("an account id"),
                name: &TokenName::parse("Inserted by a test").unwrap(),
                description: "",
                scope,
                status: TokenStatus::Active,
                secret,
                modules: &modules,
                created_by: &UserId::parse(creator).unwrap(),
                created_at: chrono::Utc::now(),
                expires_at: None,
                disabled_at: None,
                deleted_at: None,
                last_access: None,
                allowed_addresses: tokendesk::domain::AddressAllowlist::ANYWHERE,
                rate_limit: None,
            },
            &self.cipher,
        )
        .expect("inserting the token");
        assert!(added, "a new token id");
        id.to_string()
    }

    /// A new token of Demo Corp with `scope` and `modules`, added as `insert_token`
    /// adds it: its secret.
    pub fn demo_corp_secret(&self, scope: tokendesk::domain::Scope, modules: &[&str]) -> String {
        let secret = tokendesk::domain::TokenSecret::generate();
        self.insert_token(tokendesk::demo::DEMO_CORP, scope, modules, &secret);
        secret.expose().to_owned()
    }

    /// A fresh token for a request to change: a read token of Demo Corp with Billing
    /// that never expires, which every caller able to change tokens may change. Its id.
    pub fn demo_corp_target(&self) -> String {
        let secret = tokendesk::domain::TokenSecret::generate();
        self.insert_token(
            tokendesk::demo::DEMO_CORP,
            tokendesk::domain::Scope::Read,
            &["billing"],
            &secret,
        )
    }

    /// A new service credential named `name`, as `tokendesk service add` makes it.
    pub fn add_service(&self, name: &str) -> String {
        let name = tokendesk::domain::ServiceName::parse(name).expect("a service name");
        let secret = tokendesk::domain::ServiceSecret::generate();
        let added = tokendesk::db::services::add(&mut self.db.connection(), &name, &secret)
            .expect("adding the service");
        assert!(added, "the service {name} is new");
        secret.expose().to_owned()
    }

    /// A client of the API calling as a new service named `name`.
    pub fn service(&self, name: &str) -> ApiClient {
        self.api(&self.add_service(name))
    }

    /// Stops the server as SIGTERM would and waits for it to finish.
    pub fn stop(&mut self) {
        self.server.stop();
    }

    /// A client of this app's API that calls with `token` as its bearer credential.
    pub fn api(&self, token: &str) -> ApiClient {
        ApiClient::new(&self.address, token)
    }

    /// Another instance on the same database, with a pool of its own, as a second
    /// process would be. Drop it before the app.
    pub fn second_instance(&self) -> Instance {
        let pool = db::connect(&self.db.url, db::PoolSettings::with_size(4))
            .expect("connecting the second instance");
        let options = AppOptions {
            flush_every: std::time::Duration::from_millis(200),
            ..AppOptions::default()
        };
        Instance::start(pool, self.key.clone(), options)
    }
}

/// The JSON API under `/api/v1` of the server at `address`, called as an integration
/// calls it: `Authorization: Bearer <token>` (none from [`ApiClient::anonymous`], HTTP
/// Basic from [`ApiClient::basic`]) and any headers added with
/// [`ApiClient::with_header`] on every request. It never follows a redirect, and its
/// connections are reused from call to call.
#[derive(Clone)]
pub struct ApiClient {
    client: reqwest::Client,
    /// The server, without a path.
    address: String,
    headers: HeaderMap,
}

/// Where the API's paths begin.
const API_PREFIX: &str = "/api/v1";

/// How long a test's HTTP client keeps an idle connection to send on again: under the
/// server's keep-alive of 5 s (actix-web's default), so a client never sends on a
/// connection at the moment the server closes it, which hyper reports as an
/// `IncompleteMessage` with no answer.
pub const IDLE_CONNECTION_REUSE: Duration = Duration::from_secs(2);

/// What an API call answered. `body` is `Value::Null` when the body is empty or not
/// JSON; `text` is the body as received.
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl ApiClient {
    /// Calls the server at `address` with `token` as the bearer credential.
    pub fn new(address: &str, token: &str) -> Self {
        Self::anonymous(address).with_header(AUTHORIZATION.as_str(), &format!("Bearer {token}"))
    }

    /// Calls the server at `address` as the service `name` with HTTP Basic
    /// (`name:secret`), as API gateways send it.
    pub fn basic(address: &str, name: &str, secret: &str) -> Self {
        use base64::Engine;
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("{name}:{secret}"));
        Self::anonymous(address).with_header(AUTHORIZATION.as_str(), &format!("Basic {pair}"))
    }

    /// Calls the server at `address` without an `Authorization` header.
    pub fn anonymous(address: &str) -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(IDLE_CONNECTION_REUSE)
                .build()
                .expect("building the HTTP client"),
            address: address.to_owned(),
            headers: HeaderMap::new(),
        }
    }

    /// Sends `name: value` with every call too (replacing what the client would send).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
            HeaderValue::from_str(value).expect("a header value"),
        );
        self
    }

    /// Sends `name: value` with every call as one more line of that header, after the
    /// lines already added (a proxy's own `X-Forwarded-For` line, say).
    pub fn with_header_line(mut self, name: &str, value: HeaderValue) -> Self {
        self.headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
            value,
        );
        self
    }

    /// `GET /api/v1/whoami`: the calling token, or why it is refused.
    pub async fn whoami(&self) -> ApiResponse {
        self.get("/whoami").await
    }

    pub async fn get(&self, path: &str) -> ApiResponse {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> ApiResponse {
        self.send(Method::POST, path, Some(body)).await
    }

    /// A POST without a body, as the enable and disable actions take.
    pub async fn post_empty(&self, path: &str) -> ApiResponse {
        self.send(Method::POST, path, None).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> ApiResponse {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> ApiResponse {
        self.send(Method::DELETE, path, None).await
    }

    /// `method` on `/api/v1{path}`, with `body` as JSON when there is one.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> ApiResponse {
        let mut request = self.site_request(method, &format!("{API_PREFIX}{path}"));
        if let Some(body) = body {
            request = request.json(body);
        }
        Self::answer(request).await
    }

    /// POST `form`, form-encoded, to `/api/v1{path}`.
    pub async fn post_form(&self, path: &str, form: &[(&str, String)]) -> ApiResponse {
        let request = self
            .site_request(Method::POST, &format!("{API_PREFIX}{path}"))
            .form(form);
        Self::answer(request).await
    }

    /// POST `body` to `/api/v1{path}` byte for byte, as `content_type`: for bodies
    /// the other methods would not send (not JSON, cut short, oversized).
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> ApiResponse {
        let request = self
            .site_request(Method::POST, &format!("{API_PREFIX}{path}"))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        Self::answer(request).await
    }

    /// `method` on `path` of the server (any path, the portal's too) with this client's
    /// headers, to finish as the test needs and send with [`ApiClient::answer`].
    pub fn site_request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
            .headers(self.headers.clone())
    }

    /// Sends `request` and reads what it answered.
    pub async fn answer(request: reqwest::RequestBuilder) -> ApiResponse {
        let response = request.send().await.expect("sending the API request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("reading the API response");
        ApiResponse {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }
}

impl ApiResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the process's one subscriber wrote, line after line: a log writer for the test
/// binaries that install a subscriber of their own.
#[derive(Clone, Default)]
pub struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

impl Captured {
    pub fn lines(&self) -> Vec<String> {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// The demo's fixed ids the tests use, by what they are (see `src/demo.rs`).
pub use tokendesk::demo::{
    ACTIVE_TOKEN, ALL_MODULES_TOKEN, BILLING_WRITE_TOKEN, DELETED_TOKEN, DEMO_ADMIN, DEMO_CORP,
    DISABLED_NEVER_USED_TOKEN, DISABLED_TOKEN, EXPIRED_TOKEN, EXPIRING_SOON_TOKEN,
    NEVER_USED_TOKEN, OTHER_INC, OTHER_INC_DISABLED_TOKEN, OTHER_INC_STALE_TOKEN, OTHER_INC_TOKEN,
    RECENTLY_DISABLED_TOKEN, REPORTS_READ_TOKEN, THREE_MODULES_TOKEN, USAGE_REPORTS_READ_TOKEN,
    USAGE_WRITE_TOKEN,
};

/// The path of the portal page for the token `id`.
pub fn token_path(id: &str) -> String {
    format!("/settings/api-tokens/{id}")
}

/// The demo's sign-ins, as (email, password): what a person types on the sign-in page.
/// (`DEMO_ADMIN` above is the demo admin's user id.)
pub const DEMO_ADMIN_LOGIN: (&str, &str) = ("admin@demo.test", "demo-admin");
pub const DEMO_MEMBER_LOGIN: (&str, &str) = ("member@demo.test", "demo-member");
pub const OTHER_ADMIN_LOGIN: (&str, &str) = ("admin@other.test", "demo-other");
pub const SUPPORT_LOGIN: (&str, &str) = ("support@demo.test", "demo-support");
