//! Creating the database when it is missing, connecting a pool, and running the
//! embedded migrations.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, HandleError};
use diesel::sql_types::Text;
use diesel::{PgConnection, sql_query};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbPool;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("DATABASE_URL is not a valid postgres:// URL: {0}")]
    BadUrl(String),
    #[error("cannot reach the database at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("cannot create the database at {url}: {reason}")]
    CreateFailed { url: String, reason: String },
    #[error("migrating the database at {url} failed: {reason}")]
    MigrationFailed { url: String, reason: String },
}

/// The URL with any password removed, for messages and logs: the user's, and libpq's
/// `password` and `sslpassword` parameters.
pub fn redacted(database_url: &str) -> String {
    match url::Url::parse(database_url) {
        Ok(mut url) => {
            if url.password().is_some() {
                // Only fails for URLs that cannot have a password, which this one has.
                let _ = url.set_password(Some("***"));
            }
            let secret = |key: &str| matches!(key, "password" | "sslpassword");
            if url.query_pairs().any(|(key, _)| secret(&key)) {
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(key, value)| {
                        let value = if secret(&key) { "***".into() } else { value };
                        (key.into_owned(), value.into_owned())
                    })
                    .collect();
                url.query_pairs_mut().clear().extend_pairs(pairs);
            }
            url.to_string()
        }
        Err(_) => "<unparseable DATABASE_URL>".into(),
    }
}

/// How the pool behaves: how many connections, how long a request waits for one (then
/// the database counts as unavailable), and how long any statement may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    pub size: u32,
    pub connection_timeout: Duration,
    pub statement_timeout: Duration,
}

impl PoolSettings {
    /// The server's defaults: 10 connections, 2 s to get one, 5 s a statement.
    pub const SERVER: Self = Self {
        size: 10,
        connection_timeout: Duration::from_secs(2),
        statement_timeout: Duration::from_secs(5),
    };

    /// A one-off command's: one connection, and patience (migrations may take a while).
    pub const COMMAND: Self = Self {
        size: 1,
        connection_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(600),
    };

    /// The server's defaults with `size` connections.
    pub fn with_size(size: u32) -> Self {
        Self {
            size,
            ..Self::SERVER
        }
    }
}

/// Sets each new connection's `statement_timeout`, so no query can hold a connection
/// (and a request) longer than that.
#[derive(Debug)]
struct StatementTimeout(Duration);

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for StatementTimeout {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!("SET statement_timeout = {}", self.0.as_millis()))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// What the pool does with a connection it could not make, or found broken when handing
/// it out: a DEBUG line, no more. During an outage the pool retries each missing
/// connection about once a second in the background, and r2d2's default handler would
/// log every attempt at ERROR; the request (or writer, or probe) that needed a
/// connection says the database is unreachable instead, once per outage, through
/// `DatabaseHealth`.
#[derive(Debug)]
struct ConnectionErrors;

impl HandleError<diesel::r2d2::Error> for ConnectionErrors {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        tracing::debug!(%error, "a database connection failed");
    }
}

/// libpq's settings for noticing a database gone silent (a dead network, a host that
/// vanished) instead of waiting on it for ever: a request's statement, the token-change
/// listener and shutdown would otherwise hang until the kernel gave up (never, on an
/// idle connection). Keepalive probes start after 30 s without traffic, every 10 s;
/// with `tcp_user_timeout` (in ms), an idle connection is closed at the first probe
/// that finds 30 s gone without an answer (about 40 s after it last heard anything),
/// and one whose sent data goes unacknowledged for 30 s then (`keepalives_count` counts
/// only where that is not honoured). A busy database still answers the probes.
const SILENCE_LIMITS: [(&str, &str); 5] = [
    ("keepalives", "1"),
    ("keepalives_idle", "30"),
    ("keepalives_interval", "10"),
    ("keepalives_count", "3"),
    ("tcp_user_timeout", "30000"),
];

/// `database_url` with each of `SILENCE_LIMITS` it doesn't set itself.
fn with_silence_limits(database_url: &str) -> String {
    let Ok(mut url) = url::Url::parse(database_url) else {
        return database_url.to_owned();
    };
    let set: Vec<String> = url.query_pairs().map(|(key, _)| key.into_owned()).collect();
    for (key, value) in SILENCE_LIMITS {
        if !set.iter().any(|already| already == key) {
            url.query_pairs_mut().append_pair(key, value);
        }
    }
    url.to_string()
}

/// Creates the database if it does not exist, runs pending migrations and returns a
/// pool as `settings` say, its connections with `SILENCE_LIMITS`.
pub fn connect(database_url: &str, settings: PoolSettings) -> Result<DbPool, SetupError> {
    ensure_database_exists(database_url)?;
    let url = redacted(database_url);
    let pool = DbPool::builder()
        .max_size(settings.size)
        .connection_timeout(settings.connection_timeout)
        .connection_customizer(Box::new(StatementTimeout(settings.statement_timeout)))
        .error_handler(Box::new(ConnectionErrors))
        .event_handler(Box::new(crate::instruments::PoolEvents))
        .build(ConnectionManager::<PgConnection>::new(with_silence_limits(
            database_url,
        )))
        .map_err(|e| SetupError::Unreachable {
            url: url.clone(),
            reason: e.to_string(),
        })?;
    // A connection of their own, closed when they are done, whatever happened: the
    // migrations' lock goes with it, and no statement timeout cuts a long one short.
    let mut conn = PgConnection::establish(&with_silence_limits(database_url)).map_err(|e| {
        SetupError::Unreachable {
            url: url.clone(),
            reason: e.to_string(),
        }
    })?;
    run_migrations(&mut conn).map_err(|reason| SetupError::MigrationFailed { url, reason })?;
    Ok(pool)
}

/// A pool of a database nobody serves (nothing listens on port 1), whose connections
/// fail at once and time out after 50 ms: for tests of what an outage does.
#[cfg(test)]
pub(crate) fn unreachable_pool() -> DbPool {
    DbPool::builder()
        .connection_timeout(Duration::from_millis(50))
        .error_handler(Box::new(ConnectionErrors))
        .event_handler(Box::new(crate::instruments::PoolEvents))
        .build_unchecked(ConnectionManager::<PgConnection>::new(
            "postgres://postgres@127.0.0.1:1/nothing",
        ))
}

/// The advisory lock that lets one process at a time migrate: a key of its own (the
/// bytes of "tokendmg").
const MIGRATING: i64 = 0x746f_6b65_6e64_6d67;

/// How often a process waiting for another's migrations asks for the lock again.
const MIGRATING_ASK_EVERY: Duration = Duration::from_millis(100);

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    taken: bool,
}

/// Applies every pending migration, one process at a time: instances of a new version
/// starting together would otherwise run the same migration twice, and the one that
/// lost would fail and exit. The others wait for the lock, then find nothing pending.
/// They ask for it again and again rather than queue for it: a waiting statement is an
/// open transaction, which a `CREATE INDEX CONCURRENTLY` in the migrations waits for,
/// and the two would deadlock.
pub fn run_migrations(conn: &mut PgConnection) -> Result<(), String> {
    let lock = |conn: &mut PgConnection, sql: &str| {
        diesel::sql_query(sql)
            .bind::<diesel::sql_types::BigInt, _>(MIGRATING)
            .get_result::<Taken>(conn)
            .map(|answer| answer.taken)
            .map_err(|e| format!("the migrations' lock: {e}"))
    };
    let mut said = false;
    while !lock(conn, "SELECT pg_try_advisory_lock($1) AS taken")? {
        if !said {
            tracing::info!("waiting for another process to finish migrating the database");
            said = true;
        }
        std::thread::sleep(MIGRATING_ASK_EVERY);
    }
    let migrated = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|applied| {
            for version in applied {
                tracing::info!(%version, "applied migration");
            }
        })
        .map_err(|e| e.to_string());
    // Let go now (closing the connection would too). What the migrations did matters
    // more than whether letting go worked.
    match lock(conn, "SELECT pg_advisory_unlock($1) AS taken") {
        Ok(true) => {}
        Ok(false) => tracing::warn!("the migrations' lock was not held when letting go of it"),
        Err(error) => tracing::warn!(%error, "letting go of the migrations' lock failed"),
    }
    migrated
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

fn ensure_database_exists(database_url: &str) -> Result<(), SetupError> {
    let url = redacted(database_url);
    let mut parsed =
        url::Url::parse(database_url).map_err(|e| SetupError::BadUrl(e.to_string()))?;
    let name = parsed.path().trim_start_matches('/').to_owned();
    if name.is_empty() {
        return Err(SetupError::BadUrl(format!("{url} names no database")));
    }
    parsed.set_path("/postgres");
    let mut admin =
        PgConnection::establish(parsed.as_str()).map_err(|e| SetupError::Unreachable {
            url: url.clone(),
            reason: first_line(&e.to_string()),
        })?;
    let found = sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<Text, _>(&name)
        .get_result::<Exists>(&mut admin)
        .map_err(|e| SetupError::Unreachable {
            url: url.clone(),
            reason: e.to_string(),
        })?;
    if !found.exists {
        tracing::info!(database = %name, "creating the database");
        let create = format!("CREATE DATABASE {}", quote_identifier(&name));
        match sql_query(create).execute(&mut admin) {
            Ok(_) => {}
            // Another process created it at the same moment: that is what we wanted.
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("already exists") => {}
            Err(e) => {
                return Err(SetupError::CreateFailed {
                    url,
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Quotes a PostgreSQL identifier.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_give_up_on_a_silent_database_unless_the_url_says_otherwise() {
        assert_eq!(
            with_silence_limits("postgres://app:secret@db.internal:5432/tokendesk"),
            "postgres://app:secret@db.internal:5432/tokendesk?keepalives=1&keepalives_idle=30\
             &keepalives_interval=10&keepalives_count=3&tcp_user_timeout=30000"
        );
        assert_eq!(
            with_silence_limits(
                "postgres://db.internal/tokendesk?sslmode=require&keepalives_idle=5"
            ),
            "postgres://db.internal/tokendesk?sslmode=require&keepalives_idle=5&keepalives=1\
             &keepalives_interval=10&keepalives_count=3&tcp_user_timeout=30000",
            "what the URL sets is kept"
        );
    }

    #[test]
    fn redacts_passwords_and_keeps_the_rest() {
        assert_eq!(
            redacted("postgres://app:hunter2@db.example:5432/tokendesk"),
            "postgres://app:***@db.example:5432/tokendesk"
        );
        assert_eq!(
            redacted("postgres://postgres@127.0.0.1:5432/tokendesk"),
            "postgres://postgres@127.0.0.1:5432/tokendesk"
        );
        assert_eq!(
            redacted("postgres://app@db/tokendesk?sslmode=require&password=hunter2&sslpassword=x"),
            "postgres://app@db/tokendesk?sslmode=require&password=***&sslpassword=***"
        );
    }

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}
