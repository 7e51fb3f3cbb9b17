//! Whether the database can be reached, as requests find out: a connection that can't be
//! had within the pool's timeout, or one that broke mid-query, means "unavailable",
//! which the portal and the API answer with 503 and `Retry-After` instead of 500. The
//! log says once that the database is unreachable and once that it is back, not a line
//! per request. A statement that ran past its timeout means "too slow": answered the
//! same way, but logged where it happens, since the database itself is there.

use std::sync::atomic::{AtomicBool, Ordering};

use diesel::result::{DatabaseErrorKind, Error};

/// How long clients are asked to wait before trying again.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// The database could not be reached; carried inside an `anyhow::Error` (find it with
/// `is_unavailable`).
#[derive(Debug, thiserror::Error)]
#[error("the database is unreachable: {0}")]
pub struct DatabaseUnavailable(pub String);

/// The database is there but did not answer within the statement timeout (too busy, or
/// waiting on a lock); carried inside an `anyhow::Error` (find it with `is_temporary`).
#[derive(Debug, thiserror::Error)]
#[error("the database did not answer in time: {0}")]
pub struct DatabaseTooSlow(pub String);

/// PostgreSQL's message for a statement cancelled by `statement_timeout` (SQLSTATE
/// 57014, which diesel does not expose), in the English of its default `lc_messages`.
const STATEMENT_TIMEOUT_MESSAGE: &str = "canceling statement due to statement timeout";

/// Whether `error` is a statement cancelled by its `statement_timeout`.
pub fn is_statement_timeout(error: &Error) -> bool {
    matches!(
        error,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info)
            if info.message() == STATEMENT_TIMEOUT_MESSAGE
    )
}

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

/// Whether `error` is, or was caused by, the database being unreachable or too slow:
/// a failure worth trying again shortly, answered with 503 and `Retry-After`.
pub fn is_temporary(error: &anyhow::Error) -> bool {
    is_unavailable(error) || error.downcast_ref::<DatabaseTooSlow>().is_some()
}

/// What to tell the person or the client whose request failed for a while
/// (`is_temporary`), logged as it deserves.
pub fn temporary_failure(error: &anyhow::Error) -> &'static str {
    if is_unavailable(error) {
        // Said once in the log by the database's health, not per request.
        tracing::debug!(error = format!("{error:#}"), "the database is unreachable");
        "tokendesk can't reach its database just now. Try again in a moment."
    } else {
        tracing::warn!(
            error = format!("{error:#}"),
            "the database did not answer in time"
        );
        "tokendesk's database is too busy to answer just now. Try again in a moment."
    }
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

    #[test]
    fn a_statement_too_slow_is_temporary_but_no_outage() {
        let slow =
            anyhow::Error::new(DatabaseTooSlow("timed out".into())).context("listing tokens");
        assert!(is_temporary(&slow));
        assert!(!is_unavailable(&slow));
        assert!(temporary_failure(&slow).contains("too busy"));
        let away = anyhow::Error::new(DatabaseUnavailable("refused".into()));
        assert!(is_temporary(&away));
        assert!(temporary_failure(&away).contains("can't reach"));
        assert!(!is_temporary(&anyhow::anyhow!("a bad query")));
    }
}
