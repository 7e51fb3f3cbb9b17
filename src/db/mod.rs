//! PostgreSQL access: the connection pool, embedded migrations, and one module per
//! table group. This is the only place that speaks SQL.
//!
//! Error policy: query functions return diesel's `QueryResult`; setting up the database
//! (creating it, connecting, migrating) returns `SetupError`, whose messages name the
//! database without its password.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod blocking;
mod bounded_count;
mod columns;
pub mod demo;
pub mod health;
pub mod lapsed_sessions;
pub mod modules;
pub mod schema;
pub mod seed;
pub mod services;
pub mod sessions;
pub mod setup;
pub mod sign_in;
pub mod token_policy;
pub mod tokens;
pub mod usage;
pub mod users;

use diesel::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};

pub use setup::{PoolSettings, SetupError, connect, redacted};

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<PgConnection>>;
