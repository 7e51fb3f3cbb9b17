//! PostgreSQL access: the connection pool, embedded migrations, and one module per
//! table group. This is the only place that speaks SQL.
//!
//! Error policy: query functions return diesel's `QueryResult`; setting up the database
//! (creating it, connecting, migrating) returns `SetupError`, whose messages name the
//! database without its password.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod modules;
pub mod schema;
pub mod setup;
pub mod tokens;
pub mod usage;
pub mod users;

use diesel::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};

pub use setup::{SetupError, connect, redacted};

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<PgConnection>>;

/// Turns a value the database stored into a domain type, reporting a stored value
/// that breaks the domain's rules as a deserialization error rather than a panic.
pub(crate) fn stored<T, E>(parsed: Result<T, E>) -> diesel::QueryResult<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    parsed.map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}
