//! Accepted uses of tokens, coalesced in memory between writes: per token the latest
//! use, a request count per day, and per address its first and last use. Bounded: at
//! most `MAX_PENDING_TOKENS` tokens (past it, the tokens used longest ago are dropped)
//! and `token_use::MAX_ADDRESSES_PER_TOKEN` addresses a token (past it, the address
//! seen longest ago). Drops are counted in the metrics, and said in the log: tokens as
//! they are dropped (a hundredth of the bound at a time), addresses once a write. When
//! half the bound is waiting, `crowded` wakes the writer, whatever its pace.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::domain::TokenId;
use crate::domain::token_use::{TokenUses, Use};
use crate::instruments;

/// How many tokens' uses are held between writes at most: while the database is away,
/// the tokens used longest ago are dropped past this, and counted.
pub const MAX_PENDING_TOKENS: usize = 100_000;

pub struct AccessRecorder {
    pending: Mutex<HashMap<TokenId, TokenUses>>,
    /// How many tokens' uses are held at most.
    max_tokens: usize,
    /// Addresses let go since the last `take`, to say in the log once a write.
    addresses_let_go: AtomicU64,
    /// Signalled when half of `max_tokens` are waiting: the writer should not wait
    /// for its next turn (a permit is kept if it is writing at the time).
    pub crowded: tokio::sync::Notify,
}

impl Default for AccessRecorder {
    fn default() -> Self {
        Self::holding(MAX_PENDING_TOKENS)
    }
}

impl AccessRecorder {
    /// A recorder holding at most `max_tokens` tokens' uses.
    pub fn holding(max_tokens: usize) -> Self {
        Self {
            pending: Mutex::default(),
            max_tokens,
            addresses_let_go: AtomicU64::new(0),
            crowded: tokio::sync::Notify::new(),
        }
    }

    pub fn record(&self, token: &TokenId, used: Use) {
        let mut pending = self.pending();
        // The token is usually waiting already: then its id is not copied.
        let let_go = match pending.get_mut(token) {
            Some(uses) => uses.add(used),
            None => {
                let let_go = pending.entry(token.clone()).or_default().add(used);
                if pending.len() == self.max_tokens.div_ceil(2) {
                    self.crowded.notify_one();
                }
                let_go
            }
        };
        self.count_addresses_let_go(let_go);
        self.bound(&mut pending);
    }

    /// How many tokens' uses are waiting.
    pub fn len(&self) -> usize {
        self.pending().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the tokens used longest ago while more than `max_tokens` wait.
    fn bound(&self, pending: &mut HashMap<TokenId, TokenUses>) {
        if pending.len() <= self.max_tokens {
            return;
        }
        // Down to 99%, so the next hundredth of uses needs no sorting again.
        let over = pending.len() - (self.max_tokens - self.max_tokens / 100);
        let mut by_age: Vec<(Option<chrono::DateTime<chrono::Utc>>, TokenId)> = pending
            .iter()
            .map(|(token, uses)| (uses.last.as_ref().map(|u| u.at), token.clone()))
            .collect();
        by_age.sort();
        for (_, token) in by_age.into_iter().take(over) {
            pending.remove(&token);
        }
        instruments::last_access_dropped_tokens(over);
        tracing::warn!(
            dropped = over,
            "too many token uses waiting for the database; dropped the oldest"
        );
    }

    fn count_addresses_let_go(&self, let_go: usize) {
        if let_go > 0 {
            instruments::last_access_dropped_addresses(let_go);
            self.addresses_let_go
                .fetch_add(let_go as u64, Ordering::Relaxed);
        }
    }

    /// Everything recorded since the last call, leaving nothing behind.
    pub fn take(&self) -> HashMap<TokenId, TokenUses> {
        let taken = std::mem::take(&mut *self.pending());
        let let_go = self.addresses_let_go.swap(0, Ordering::Relaxed);
        if let_go > 0 {
            tracing::warn!(
                dropped = let_go,
                max_per_token = crate::domain::token_use::MAX_ADDRESSES_PER_TOKEN,
                "tokens were used from more addresses than are kept between writes; \
                 dropped the addresses seen longest ago"
            );
        }
        taken
    }

    /// Drops what is waiting for `tokens` (replaced by a demo reset): it would write a
    /// use from before the reset over the reset's last access.
    pub fn forget(&self, tokens: &[TokenId]) {
        let mut pending = self.pending();
        for token in tokens {
            pending.remove(token);
        }
    }

    /// Puts back uses whose write failed, so the next write carries them.
    pub fn restore(&self, failed: HashMap<TokenId, TokenUses>) {
        let mut pending = self.pending();
        for (token, uses) in failed {
            let let_go = pending.entry(token).or_default().merge(uses);
            self.count_addresses_let_go(let_go);
        }
        self.bound(&mut pending);
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<TokenId, TokenUses>> {
        // A panic while holding the lock leaves whole entries behind: keep using them.
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ClientIp;
    use crate::log_capture::warnings_of;
    use chrono::{DateTime, Duration, Utc};

    fn token() -> TokenId {
        TokenId::parse("TK-1000-0000-0001").unwrap()
    }

    fn ip(raw: &str) -> ClientIp {
        ClientIp::from(raw.parse::<std::net::IpAddr>().unwrap())
    }

    fn used(at: DateTime<Utc>, from: &str) -> Use {
        Use::new(at, Some(ip(from)), Some("agent"))
    }

    #[test]
    fn coalesces_uses_keeping_the_latest_and_counting_each() {
        let recorder = AccessRecorder::default();
        let now = Utc::now();
        recorder.record(&token(), used(now, "192.0.2.1"));
        recorder.record(&token(), used(now - Duration::seconds(5), "192.0.2.2"));
        recorder.record(&token(), used(now + Duration::seconds(1), "192.0.2.1"));

        let taken = recorder.take();
        let uses = &taken[&token()];
        assert_eq!(uses.last.as_ref().unwrap().at, now + Duration::seconds(1));
        assert_eq!(uses.per_day.values().sum::<i64>(), 3);
        assert_eq!(uses.per_ip[&ip("192.0.2.1")].requests, 2);
        assert_eq!(
            uses.per_ip[&ip("192.0.2.2")].first_at,
            now - Duration::seconds(5)
        );
        assert!(recorder.take().is_empty(), "taking leaves nothing behind");
    }

    #[test]
    fn restored_uses_merge_with_newer_ones() {
        let recorder = AccessRecorder::default();
        let now = Utc::now();
        recorder.record(&token(), used(now, "192.0.2.1"));
        let failed = recorder.take();
        recorder.record(&token(), used(now + Duration::seconds(2), "192.0.2.1"));
        recorder.restore(failed);

        let uses = &recorder.take()[&token()];
        assert_eq!(uses.per_ip[&ip("192.0.2.1")].requests, 2);
        assert_eq!(uses.per_ip[&ip("192.0.2.1")].first_at, now);
        assert_eq!(uses.last.as_ref().unwrap().at, now + Duration::seconds(2));
    }

    fn token_number(n: usize) -> TokenId {
        TokenId::parse(&format!("TK-2000-0000-{n:04}")).unwrap()
    }

    #[test]
    fn past_its_bound_the_tokens_used_longest_ago_are_dropped_counted_and_said() {
        let metrics = crate::instruments::local_recorder();
        let recorder = AccessRecorder::holding(200);
        let start = Utc::now();
        let warnings = warnings_of(|| {
            metrics::with_local_recorder(&metrics, || {
                // Token n used at second n; the last one pushes the recorder over.
                for n in 0..=200 {
                    let at = start + Duration::seconds(n as i64);
                    recorder.record(&token_number(n), used(at, "192.0.2.1"));
                }
            });
        });

        // Down to 99% of the bound: 201 - 198 = 3 dropped, tokens 0, 1 and 2.
        let kept = recorder.take();
        assert_eq!(kept.len(), 198);
        for dropped in 0..3 {
            assert!(!kept.contains_key(&token_number(dropped)), "{dropped}");
        }
        assert!((3..=200).all(|n| kept.contains_key(&token_number(n))));
        assert!(
            warnings.contains("WARN")
                && warnings.contains("dropped the oldest")
                && warnings.contains("dropped=3"),
            "{warnings}"
        );
        let text = metrics.handle().render();
        assert!(
            text.contains("\ntokendesk_last_access_dropped_tokens_total 3\n"),
            "{text}"
        );
    }

    #[test]
    fn half_the_bound_waiting_wakes_the_writer_once() {
        use futures_util::FutureExt;
        let recorder = AccessRecorder::holding(10);
        let woken = || recorder.crowded.notified().now_or_never().is_some();
        let record = |n| recorder.record(&token_number(n), used(Utc::now(), "192.0.2.1"));
        for n in [0, 1, 2, 3, 0] {
            record(n);
        }
        assert!(!woken(), "4 of 10");
        record(4);
        assert!(woken(), "5 of 10");
        record(5);
        assert!(!woken(), "said once");
    }

    #[test]
    fn uses_put_back_after_a_failed_write_are_held_to_the_bound_too() {
        let recorder = AccessRecorder::holding(100);
        let start = Utc::now();
        for n in 0..100 {
            let at = start + Duration::seconds(n as i64);
            recorder.record(&token_number(n), used(at, "192.0.2.1"));
        }
        let failed = recorder.take();
        recorder.record(
            &token_number(500),
            used(start + Duration::hours(1), "192.0.2.1"),
        );

        let metrics = crate::instruments::local_recorder();
        metrics::with_local_recorder(&metrics, || recorder.restore(failed));

        // 101 over a bound of 100: down to 99, the two used longest ago dropped.
        let kept = recorder.take();
        assert_eq!(kept.len(), 99);
        assert!(kept.contains_key(&token_number(500)), "the newest stays");
        assert!(!kept.contains_key(&token_number(0)) && !kept.contains_key(&token_number(1)));
        let text = metrics.handle().render();
        assert!(
            text.contains("\ntokendesk_last_access_dropped_tokens_total 2\n"),
            "{text}"
        );
    }

    #[test]
    fn addresses_past_a_tokens_bound_are_counted_and_said_once_a_write() {
        use crate::domain::token_use::MAX_ADDRESSES_PER_TOKEN;
        let metrics = crate::instruments::local_recorder();
        let recorder = AccessRecorder::default();
        let start = Utc::now();
        metrics::with_local_recorder(&metrics, || {
            for n in 0..MAX_ADDRESSES_PER_TOKEN + 5 {
                let from = format!("198.18.{}.{}", n / 256, n % 256);
                recorder.record(&token(), used(start + Duration::seconds(n as i64), &from));
            }
        });

        let mut taken = HashMap::new();
        let warnings = warnings_of(|| taken = recorder.take());
        assert_eq!(taken[&token()].per_ip.len(), MAX_ADDRESSES_PER_TOKEN);
        assert_eq!(warnings.lines().count(), 1, "{warnings}");
        assert!(warnings.contains("dropped=5"), "{warnings}");
        assert_eq!(warnings_of(|| drop(recorder.take())), "", "said once");
        let text = metrics.handle().render();
        assert!(
            text.contains("\ntokendesk_last_access_dropped_addresses_total 5\n"),
            "{text}"
        );
    }
}
