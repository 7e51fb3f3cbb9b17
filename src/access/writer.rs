//! The background task that writes recorded uses at most once per interval, and the
//! final write on shutdown. A failed write keeps its uses for the next one (the recorder
//! holds at most `recorder::MAX_PENDING_TOKENS` tokens' uses meanwhile), and an outage
//! is logged once, through the database's health, not at every attempt. Writes and
//! failed writes are counted in the metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::AccessRecorder;
use crate::db::health::{DatabaseHealth, is_unavailable};
use crate::db::{DbPool, access, blocking};
use crate::instruments;

/// Counts what the writer did, and signals each write, for tests and logs.
#[derive(Default)]
pub struct WriterStats {
    pub flushes: AtomicUsize,
    pub statements: AtomicUsize,
    /// Notified after each successful write (a permit waits if nobody is listening).
    pub written: tokio::sync::Notify,
}

/// Writes everything recorded so far, off the async threads; whether nothing is left
/// waiting (a failed write keeps its uses for the next).
pub async fn flush(
    pool: &DbPool,
    recorder: &AccessRecorder,
    stats: &WriterStats,
    health: &Arc<DatabaseHealth>,
) -> bool {
    let batch = Arc::new(recorder.take());
    if batch.is_empty() {
        return true;
    }
    let writing = batch.clone();
    let written = blocking::with_connection(
        pool,
        health,
        pool.connection_timeout(),
        "writing last access",
        move |conn| access::write_uses(conn, &writing),
    )
    .await;
    instruments::last_access_flushed(written.is_ok());
    match written {
        Ok(statements) => {
            stats.flushes.fetch_add(1, Ordering::Relaxed);
            stats.statements.fetch_add(statements, Ordering::Relaxed);
            stats.written.notify_one();
            return true;
        }
        // Said once per outage by the database's health.
        Err(error) if is_unavailable(&error) => {}
        Err(error) => tracing::warn!(
            error = format!("{error:#}"),
            "writing last access failed; will retry"
        ),
    }
    // The write is over, so the batch is ours alone again.
    recorder.restore(Arc::try_unwrap(batch).unwrap_or_else(|shared| (*shared).clone()));
    false
}

/// Writes every `interval` until the task is dropped.
pub async fn run(
    pool: DbPool,
    recorder: Arc<AccessRecorder>,
    stats: Arc<WriterStats>,
    health: Arc<DatabaseHealth>,
    interval: Duration,
) {
    let mut ticks = actix_web::rt::time::interval(interval);
    loop {
        ticks.tick().await;
        let _ = flush(&pool, &recorder, &stats, &health).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TokenId;
    use crate::domain::token_use::Use;

    #[actix_web::test]
    async fn a_failed_write_is_counted_and_keeps_its_uses() {
        let metrics = crate::instruments::local_recorder();
        let _local = metrics::set_default_local_recorder(&metrics);
        let recorder = Arc::new(AccessRecorder::default());
        let token = TokenId::parse("TK-1000-0000-0001").unwrap();
        recorder.record(&token, Use::new(chrono::Utc::now(), None, None));

        flush(
            &crate::db::setup::unreachable_pool(),
            &recorder,
            &WriterStats::default(),
            &Arc::new(DatabaseHealth::default()),
        )
        .await;

        assert_eq!(recorder.len(), 1, "kept for the next write");
        let text = metrics.handle().render();
        assert!(
            text.contains("\ntokendesk_last_access_flush_failures_total 1\n"),
            "{text}"
        );
        assert!(
            !text.contains("tokendesk_last_access_flushes_total"),
            "{text}"
        );
    }
}
