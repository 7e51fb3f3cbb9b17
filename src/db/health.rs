//! Whether the database can be reached, as requests find out: a connection that can't be
//! had within the pool's timeout, or one that broke mid-query, means "unavailable",
//! which the portal and the API answer with 503 and `Retry-After` instead of 500. The
//! log says once that the database is unreachable and once that it is back, not a line
//! per request.

use std::sync::atomic::{AtomicBool, Ordering};

use diesel::result::{DatabaseErrorKind, Error};

/// How long clients are asked to wait before trying again.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// The database could not be reached; carried inside an `anyhow::Error` (find it with
/// `is_unavailable`).
#[derive(Debug, thiserror::Error)]
#[error("the database is unreachable: {0}")]
pub struct DatabaseUnavailable(pub String);

/// Whether `error` means the database could not be reached (rather than a query that
/// is wrong or refused).
pub fn is_connection_lost(error: &Error) -> bool {
    matches!(
        error,
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        ) | Error::BrokenTransactionManager
    )
}

/// Whether `error` is, or was caused by, the database being unreachable.
pub fn is_unavailable(error: &anyhow::Error) -> bool {
    error.downcast_ref::<DatabaseUnavailable>().is_some()
}

/// The database's state as this instance last saw it.
pub struct DatabaseHealth {
    up: AtomicBool,
}

impl Default for DatabaseHealth {
    fn default() -> Self {
        Self {
            up: AtomicBool::new(true),
        }
    }
}

impl DatabaseHealth {
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    /// Notes a failure to reach it; says so in the log the first time. Returns whether
    /// this was the first.
    pub fn down(&self, why: &str) -> bool {
        let was_up = self.up.swap(false, Ordering::SeqCst);
        if was_up {
            tracing::error!(reason = why, "the database is unreachable");
        }
        was_up
    }

    /// Notes a success; says the database is back if it was down. Returns whether it was.
    pub fn up(&self) -> bool {
        let was_down = !self.up.swap(true, Ordering::SeqCst);
        if was_down {
            tracing::info!("the database is reachable again");
        }
        was_down
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_reported_once_going_down_and_once_coming_back() {
        let health = DatabaseHealth::default();
        assert!(health.is_up());
        assert!(health.down("refused"));
        assert!(!health.down("refused"), "said once");
        assert!(!health.is_up());
        assert!(health.up());
        assert!(!health.up(), "said once");
    }

    #[test]
    fn unavailability_is_found_through_the_context_around_it() {
        let error =
            anyhow::Error::new(DatabaseUnavailable("timed out".into())).context("listing tokens");
        assert!(is_unavailable(&error));
        assert!(!is_unavailable(&anyhow::anyhow!("a bad query")));
    }
}
