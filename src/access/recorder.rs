//! Accepted uses of tokens, coalesced in memory between writes: per token the latest
//! use, a request count per day, and per address its first and last use.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::domain::TokenId;
use crate::domain::token_use::{TokenUses, Use};

/// How many tokens' uses are held between writes at most: while the database is away,
/// the tokens used longest ago are dropped past this, and counted.
pub const MAX_PENDING_TOKENS: usize = 100_000;

#[derive(Default)]
pub struct AccessRecorder {
    pending: Mutex<HashMap<TokenId, TokenUses>>,
    /// Tokens whose uses were dropped because too many were waiting.
    pub dropped: AtomicU64,
}

impl AccessRecorder {
    pub fn record(&self, token: &TokenId, used: Use) {
        let mut pending = self.pending();
        pending.entry(token.clone()).or_default().add(used);
        self.bound(&mut pending);
    }

    /// How many tokens' uses are waiting.
    pub fn len(&self) -> usize {
        self.pending().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the tokens used longest ago while more than `MAX_PENDING_TOKENS` wait.
    fn bound(&self, pending: &mut HashMap<TokenId, TokenUses>) {
        if pending.len() <= MAX_PENDING_TOKENS {
            return;
        }
        // Down to 99%, so the next thousand uses need no sorting again.
        let over = pending.len() - (MAX_PENDING_TOKENS - MAX_PENDING_TOKENS / 100);
        let mut by_age: Vec<(Option<chrono::DateTime<chrono::Utc>>, TokenId)> = pending
            .iter()
            .map(|(token, uses)| (uses.last.as_ref().map(|u| u.at), token.clone()))
            .collect();
        by_age.sort();
        for (_, token) in by_age.into_iter().take(over) {
            pending.remove(&token);
        }
        let dropped = self.dropped.fetch_add(over as u64, Ordering::Relaxed) + over as u64;
        tracing::warn!(
            dropped,
            "too many token uses waiting for the database; dropped the oldest"
        );
    }

    /// Everything recorded since the last call, leaving nothing behind.
    pub fn take(&self) -> HashMap<TokenId, TokenUses> {
        std::mem::take(&mut *self.pending())
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
            pending.entry(token).or_default().merge(uses);
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
}
