//! Whether the database can be reached, as requests find out: a connection that can't be
//! had within the pool's timeout (unless every one is at work and the database answered
//! lately), or one that broke mid-query, means "unavailable", which the portal and the
//! API answer with 503 and `Retry-After` instead of 500. The log says once that the
//! database is unreachable and once that it is back, not a line per request. A
//! statement the database gave up on (past its timeout, ending a deadlock, or cancelled
//! by an operator), or every connection at work while the database still answers,
//! means "busy": answered the same way, but logged where it happens, since the database
//! itself is there.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::result::{DatabaseErrorKind, Error};

/// How long clients are asked to wait before trying again.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// The database could not be reached; carried inside an `anyhow::Error` (find it with
/// `is_unavailable`).
#[derive(Debug, thiserror::Error)]
#[error("the database is unreachable: {0}")]
pub struct DatabaseUnavailable(pub String);

/// The database is there but too busy: it gave up on a statement that ran past its
/// timeout (the database overloaded, or waiting on a lock), that was chosen to end a
/// deadlock, or that an operator cancelled (`pg_cancel_backend`), and the statement's
/// transaction is rolled back; or every connection of the pool was at work. Either way
/// trying again shortly is the right move. Carried inside an `anyhow::Error` (find it
/// with `is_temporary`).
#[derive(Debug, thiserror::Error)]
#[error("the database was too busy: {0}")]
pub struct DatabaseBusy(pub String);

/// PostgreSQL's messages for a statement cancelled by `statement_timeout` or by an
/// operator's `pg_cancel_backend` (both SQLSTATE 57014) and for one ended to break a
/// deadlock (40P01), in the English of its default `lc_messages`: diesel does not
/// expose the SQLSTATE.
const GAVE_UP_MESSAGES: [&str; 3] = [
    "canceling statement due to statement timeout",
    "canceling statement due to user request",
    "deadlock detected",
];

/// Whether `error` is a statement the database gave up on (`DatabaseBusy`), also when
/// it ended a transaction's `COMMIT`.
pub fn is_given_up(error: &Error) -> bool {
    match error {
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            GAVE_UP_MESSAGES.contains(&info.message())
        }
        Error::RollbackErrorOnCommit { commit_error, .. } => is_given_up(commit_error),
        _ => false,
    }
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

/// Whether `error` is, or was caused by, the database being unreachable or busy:
/// a failure worth trying again shortly, answered with 503 and `Retry-After`.
pub fn is_temporary(error: &anyhow::Error) -> bool {
    is_unavailable(error) || error.downcast_ref::<DatabaseBusy>().is_some()
}

/// Logs a failure that `is_temporary` says is one, as it deserves: an outage is said
/// once by the database's health, so only at DEBUG here; a busy database (a statement
/// given up on, every connection at work) at WARN, each time, since nothing else says
/// it.
pub fn log_temporary(error: &anyhow::Error) {
    if is_unavailable(error) {
        tracing::debug!(error = format!("{error:#}"), "the database is unreachable");
    } else {
        tracing::warn!(
            error = format!("{error:#}"),
            "the database was too busy to answer"
        );
    }
}

/// What to tell the person or the client whose request failed for a while
/// (`is_temporary`); logged by `log_temporary`.
pub fn temporary_failure(error: &anyhow::Error) -> &'static str {
    log_temporary(error);
    if is_unavailable(error) {
        "tokendesk can't reach its database just now. Try again in a moment."
    } else {
        "tokendesk's database is too busy to answer just now. Try again in a moment."
    }
}

/// The database's state as this instance last saw it.
pub struct DatabaseHealth {
    up: AtomicBool,
    /// When this was made, which `answered` counts from.
    since: Instant,
    /// When the database last answered, in milliseconds after `since`.
    answered: AtomicU64,
}

impl Default for DatabaseHealth {
    fn default() -> Self {
        Self {
            up: AtomicBool::new(true),
            since: Instant::now(),
            answered: AtomicU64::new(0),
        }
    }
}

impl DatabaseHealth {
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    /// Whether the database answered within `lately` (or this was made within it): a
    /// pool whose every connection is at work is busy while it does, and stuck (a
    /// database that stopped answering, a network that swallows every packet) after.
    pub fn answered_within(&self, lately: Duration) -> bool {
        let answered = Duration::from_millis(self.answered.load(Ordering::Relaxed));
        self.since.elapsed().saturating_sub(answered) <= lately
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
        let now = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.answered.fetch_max(now, Ordering::Relaxed);
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
    fn a_database_that_answered_lately_is_busy_and_one_that_stopped_answering_is_stuck() {
        let health = DatabaseHealth {
            since: Instant::now() - Duration::from_secs(60),
            ..DatabaseHealth::default()
        };
        assert!(
            !health.answered_within(Duration::from_secs(15)),
            "not since a minute"
        );
        health.up();
        assert!(health.answered_within(Duration::from_secs(15)));
        assert!(
            DatabaseHealth::default().answered_within(Duration::from_secs(15)),
            "just made"
        );
    }

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
    fn statements_given_up_on_are_known_by_their_message_also_at_commit() {
        let error = |message: &str| {
            Error::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned()))
        };
        assert!(is_given_up(&error(
            "canceling statement due to statement timeout"
        )));
        assert!(is_given_up(&error("deadlock detected")));
        assert!(is_given_up(&Error::RollbackErrorOnCommit {
            rollback_error: Box::new(Error::BrokenTransactionManager),
            commit_error: Box::new(error("deadlock detected")),
        }));
        assert!(is_given_up(&error(
            "canceling statement due to user request"
        )));
        assert!(!is_given_up(&error("relation \"tokens\" does not exist")));
        assert!(!is_given_up(&Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("deadlock detected".to_owned())
        )));
    }

    #[test]
    fn a_statement_given_up_on_is_temporary_but_no_outage() {
        let slow = anyhow::Error::new(DatabaseBusy("timed out".into())).context("listing tokens");
        assert!(is_temporary(&slow));
        assert!(!is_unavailable(&slow));
        assert!(temporary_failure(&slow).contains("too busy"));
        let away = anyhow::Error::new(DatabaseUnavailable("refused".into()));
        assert!(is_temporary(&away));
        assert!(temporary_failure(&away).contains("can't reach"));
        assert!(!is_temporary(&anyhow::anyhow!("a bad query")));
    }
}
