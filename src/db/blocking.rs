//! The one way the server runs diesel work: on the blocking threads, inside the caller's
//! span (`crate::blocking`), with a pooled connection waited for at most a given time.
//! Losing the database (no connection in time while the pool can't open its
//! connections, or one that broke mid-query) comes back as `DatabaseUnavailable`, which
//! the portal and the API answer with 503, and is noted in the database's health, which
//! logs it once per outage; a success notes it is back. A statement the database gave
//! up on (past its timeout, ending a deadlock, or cancelled by an operator), or no
//! connection in time while every one is open and at work, comes back as
//! `DatabaseBusy`, also answered with 503, and no outage.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use diesel::PgConnection;

use super::DbPool;
use super::health::{
    DatabaseBusy, DatabaseHealth, DatabaseUnavailable, is_connection_lost, is_given_up,
};

/// How long every connection may be at work with no statement answered before the
/// database counts as stuck rather than busy: three times the default statement
/// timeout, within which a busy database answers, or cancels, each statement.
const BUSY_AT_MOST: Duration = Duration::from_secs(15);

/// Runs `work` with a connection from `pool`, waiting `wait` for one at most. `doing`
/// names the step ("listing tokens") for the error's context, so the log says which
/// step failed.
pub async fn with_connection<T, E, F>(
    pool: &DbPool,
    health: &Arc<DatabaseHealth>,
    wait: Duration,
    doing: &'static str,
    work: F,
) -> anyhow::Result<T>
where
    T: Send + 'static,
    E: Into<anyhow::Error>,
    F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
{
    let (pool, health) = (pool.clone(), health.clone());
    crate::blocking::in_current_span(move || -> anyhow::Result<T> {
        let mut conn = pool.get_timeout(wait).map_err(|error| {
            let context = format!("getting a database connection for {doing}");
            // Every connection open and at work while the database still answers: it is
            // there, and busy. A pool that can't open its connections, or whose
            // connections all hang, is an outage.
            let state = pool.state();
            let all_at_work = state.connections >= pool.max_size() && state.idle_connections == 0;
            if all_at_work && health.answered_within(BUSY_AT_MOST) {
                let busy = format!("all {} connections were in use: {error}", pool.max_size());
                return anyhow::Error::new(DatabaseBusy(busy)).context(context);
            }
            health.down(&error.to_string());
            anyhow::Error::new(DatabaseUnavailable(error.to_string())).context(context)
        })?;
        match work(&mut conn).map_err(Into::into) {
            Ok(done) => {
                health.up();
                Ok(done)
            }
            Err(error) if lost_the_connection(&error) => {
                health.down(&error.to_string());
                Err(anyhow::Error::new(DatabaseUnavailable(error.to_string())).context(doing))
            }
            Err(error) if given_up(&error) => {
                Err(anyhow::Error::new(DatabaseBusy(error.to_string())).context(doing))
            }
            Err(error) => Err(error.context(doing)),
        }
    })
    .await
    .context("the blocking pool is shut down")?
}

/// Whether `error` is diesel's way of saying the connection broke.
fn lost_the_connection(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<diesel::result::Error>()
        .is_some_and(is_connection_lost)
}

/// Whether `error` is a statement the database gave up on.
fn given_up(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<diesel::result::Error>()
        .is_some_and(is_given_up)
}
