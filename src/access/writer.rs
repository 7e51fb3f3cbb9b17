//! The background task that writes recorded uses, and the final write on shutdown. A
//! failed write keeps its uses for the next one (the recorder holds at most
//! `recorder::MAX_PENDING_TOKENS` tokens' uses meanwhile), and an outage is logged once,
//! through the database's health, not at every attempt. Writes and failed writes are
//! counted in the metrics.
//!
//! The writer writes every `flush_every` (a second by default) while a write is quick.
//! A write's cost grows with the tokens used since the one before, and it runs on the
//! same database the API and the portal read: with 10,000 tokens in use a write takes
//! about a third of a second, and writing every second would give a fifth of a small
//! machine's CPU to it. So `WritePace` spaces writes out to keep them to a tenth of the
//! writer's time at most: last access is then a few seconds behind under such a load,
//! and never more than `WritePace::SLOWEST` behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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

/// Writes everything recorded so far, off the async threads. Returns how long the
/// database took to write it (not counting the wait for a connection), or `None` if the
/// write failed, which keeps its uses for the next.
pub async fn flush(
    pool: &DbPool,
    recorder: &AccessRecorder,
    stats: &WriterStats,
    health: &Arc<DatabaseHealth>,
) -> Option<Duration> {
    let batch = Arc::new(recorder.take());
    if batch.is_empty() {
        return Some(Duration::ZERO);
    }
    let writing = batch.clone();
    let written = blocking::with_connection(
        pool,
        health,
        pool.connection_timeout(),
        "writing last access",
        move |conn| {
            let started = Instant::now();
            access::write_uses(conn, &writing).map(|statements| (statements, started.elapsed()))
        },
    )
    .await;
    instruments::last_access_flushed(written.is_ok());
    match written {
        Ok((statements, took)) => {
            stats.flushes.fetch_add(1, Ordering::Relaxed);
            stats.statements.fetch_add(statements, Ordering::Relaxed);
            stats.written.notify_one();
            return Some(took);
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
    None
}

/// How long the writer waits after a write: at least the configured interval, and nine
/// times as long as the write took (so writing takes a tenth of the time at most), up
/// to `SLOWEST`.
#[derive(Debug, Clone, Copy)]
pub struct WritePace {
    every: Duration,
}

impl WritePace {
    /// The longest wait between writes, however long a write takes.
    pub const SLOWEST: Duration = Duration::from_secs(15);
    /// The wait, as a multiple of how long the write took.
    const WAIT_PER_WRITE: u32 = 9;

    /// Writes every `every`, or less often while writes are slow.
    pub fn new(every: Duration) -> Self {
        Self { every }
    }

    /// The wait after a write that kept the database busy for `took`: `None` for a
    /// failed write, which is retried after the configured interval (the database's
    /// health says why).
    pub fn wait_after(&self, took: Option<Duration>) -> Duration {
        let paced = took.map_or(Duration::ZERO, |took| took * Self::WAIT_PER_WRITE);
        paced.min(Self::SLOWEST).max(self.every)
    }
}

/// Writes, paced by `WritePace`, until the task is dropped.
pub async fn run(
    pool: DbPool,
    recorder: Arc<AccessRecorder>,
    stats: Arc<WriterStats>,
    health: Arc<DatabaseHealth>,
    every: Duration,
) {
    let pace = WritePace::new(every);
    let mut wait = every;
    loop {
        actix_web::rt::time::sleep(wait).await;
        let took = flush(&pool, &recorder, &stats, &health).await;
        wait = pace.wait_after(took);
        instruments::last_access_write_interval(wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TokenId;
    use crate::domain::token_use::Use;

    #[test]
    fn quick_writes_come_every_interval_and_slow_ones_less_often_up_to_a_bound() {
        let pace = WritePace::new(Duration::from_secs(1));
        let ms = Duration::from_millis;
        assert_eq!(pace.wait_after(Some(ms(5))), Duration::from_secs(1));
        assert_eq!(pace.wait_after(Some(ms(111))), Duration::from_secs(1));
        assert_eq!(pace.wait_after(Some(ms(300))), ms(2_700));
        assert_eq!(pace.wait_after(Some(ms(2_000))), ms(15_000));
        assert_eq!(
            pace.wait_after(Some(Duration::from_secs(60))),
            WritePace::SLOWEST
        );
        assert_eq!(
            pace.wait_after(None),
            Duration::from_secs(1),
            "a failure retries"
        );
        let quick = WritePace::new(ms(200));
        assert_eq!(quick.wait_after(Some(ms(10))), ms(200));
        assert_eq!(quick.wait_after(Some(ms(50))), ms(450));
    }

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
