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
//! machine's CPU to it. So `WritePace` spaces out writes of many tokens, to keep them
//! to about a tenth of the writer's time: last access is then a few seconds behind
//! under such a load, the wait never passing `WritePace::SLOWEST`. Half the recorder's
//! bound waiting wakes the writer at once (`AccessRecorder::crowded`), so a longer wait
//! can't make it drop uses.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

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

/// Writes everything recorded so far, off the async threads. Returns what was written:
/// how many tokens, and how long the database took (not counting the wait for a
/// connection); or `None` if the write failed, which keeps its uses for the next.
pub async fn flush(
    pool: &DbPool,
    recorder: &AccessRecorder,
    stats: &WriterStats,
    health: &Arc<DatabaseHealth>,
) -> Option<Written> {
    let batch = Arc::new(recorder.take());
    if batch.is_empty() {
        return Some(Written::default());
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
            return Some(Written {
                tokens: batch.len(),
                took,
            });
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

/// A successful write: how many tokens' uses, and how long the database took.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    pub tokens: usize,
    pub took: Duration,
}

/// How long the writer waits after a write: the configured interval, unless the write
/// was of `PACED_FROM` tokens or more; then nine times as long as it took (so writing
/// takes about a tenth of the time), at least the interval and at most `SLOWEST`.
/// Smaller writes are never paced: they cost little, and a write slowed by something
/// else (a busy disk) should not delay the next.
#[derive(Debug, Clone, Copy)]
pub struct WritePace {
    every: Duration,
}

impl WritePace {
    /// The longest wait between writes, however long a write takes.
    pub const SLOWEST: Duration = Duration::from_secs(15);
    /// The fewest tokens in a write that may space out the next.
    pub const PACED_FROM: usize = 1_000;
    /// The wait, as a multiple of how long the write took.
    const WAIT_PER_WRITE: u32 = 9;

    /// Writes every `every`, or less often while writes of many tokens are slow.
    pub fn new(every: Duration) -> Self {
        Self { every }
    }

    /// The wait after `written`: `None` for a failed write, which is retried after the
    /// configured interval (the database's health says why).
    pub fn wait_after(&self, written: Option<Written>) -> Duration {
        match written {
            Some(Written { tokens, took }) if tokens >= Self::PACED_FROM => (took
                * Self::WAIT_PER_WRITE)
                .min(Self::SLOWEST)
                .max(self.every),
            _ => self.every,
        }
    }
}

/// Writes, paced by `WritePace`, until `stop` is notified. A write under way then
/// finishes first, and a failed one puts its uses back, so the final write on shutdown
/// takes them: dropping the task instead would drop a write in flight, uses and all,
/// if it failed.
pub async fn run(
    pool: DbPool,
    recorder: Arc<AccessRecorder>,
    stats: Arc<WriterStats>,
    health: Arc<DatabaseHealth>,
    every: Duration,
    stop: Arc<Notify>,
) {
    use futures_util::future::{Either, select};
    let pace = WritePace::new(every);
    let mut wait = every;
    loop {
        instruments::last_access_write_interval(wait);
        let turn = std::pin::pin!(actix_web::rt::time::sleep(wait));
        let crowded = std::pin::pin!(recorder.crowded.notified());
        // A stop notified during a write is kept as a permit and ends this wait at once.
        let stopped = std::pin::pin!(stop.notified());
        if let Either::Right(_) = select(select(turn, crowded), stopped).await {
            return;
        }
        let written = flush(&pool, &recorder, &stats, &health).await;
        wait = pace.wait_after(written);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TokenId;
    use crate::domain::token_use::Use;

    #[test]
    fn writes_of_many_tokens_space_out_the_next_by_how_long_they_took_up_to_a_bound() {
        let pace = WritePace::new(Duration::from_secs(1));
        let ms = Duration::from_millis;
        let many = |took| {
            Some(Written {
                tokens: WritePace::PACED_FROM,
                took,
            })
        };
        assert_eq!(pace.wait_after(many(ms(5))), Duration::from_secs(1));
        assert_eq!(pace.wait_after(many(ms(111))), Duration::from_secs(1));
        assert_eq!(pace.wait_after(many(ms(300))), ms(2_700));
        assert_eq!(pace.wait_after(many(ms(2_000))), WritePace::SLOWEST);
        assert_eq!(
            pace.wait_after(None),
            Duration::from_secs(1),
            "a failure retries"
        );
        let few = Written {
            tokens: WritePace::PACED_FROM - 1,
            took: ms(2_000),
        };
        assert_eq!(
            pace.wait_after(Some(few)),
            Duration::from_secs(1),
            "few tokens"
        );
        let quick = WritePace::new(ms(200));
        assert_eq!(quick.wait_after(many(ms(10))), ms(200));
        assert_eq!(quick.wait_after(many(ms(50))), ms(450));
    }

    #[actix_web::test]
    async fn half_the_recorders_bound_waiting_wakes_the_writer_before_its_turn() {
        let metrics = crate::instruments::local_recorder();
        let _local = metrics::set_default_local_recorder(&metrics);
        let recorder = Arc::new(AccessRecorder::holding(2));
        let token = TokenId::parse("TK-1000-0000-0001").unwrap();
        recorder.record(&token, Use::new(chrono::Utc::now(), None, None));
        let an_hour = Duration::from_secs(3600);
        let stop = Arc::new(Notify::new());
        let writer = actix_web::rt::spawn(run(
            crate::db::setup::unreachable_pool(),
            recorder.clone(),
            Arc::new(WriterStats::default()),
            Arc::new(DatabaseHealth::default()),
            an_hour,
            stop.clone(),
        ));

        // Its turn is an hour away; the write is tried (and fails: no database) now.
        let tried = "\ntokendesk_last_access_flush_failures_total 1\n";
        let deadline = Instant::now() + Duration::from_secs(5);
        while !metrics.handle().render().contains(tried) && Instant::now() < deadline {
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        stop.notify_one();
        writer.await.expect("the writer stops when told");
        let text = metrics.handle().render();
        assert!(text.contains(tried), "{text}");
        assert!(
            text.contains("\ntokendesk_last_access_write_interval_seconds 3600\n"),
            "{text}"
        );
        assert_eq!(recorder.len(), 1, "kept for the next write");
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
