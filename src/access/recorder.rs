//! Accepted uses of tokens, coalesced in memory between writes: per token the latest
//! use, a request count per day, and per address its first and last use.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::TokenId;
use crate::domain::token_use::{TokenUses, Use};

#[derive(Default)]
pub struct AccessRecorder {
    pending: Mutex<HashMap<TokenId, TokenUses>>,
}

impl AccessRecorder {
    pub fn record(&self, token: &TokenId, used: Use) {
        self.pending().entry(token.clone()).or_default().add(used);
    }

    /// Everything recorded since the last call, leaving nothing behind.
    pub fn take(&self) -> HashMap<TokenId, TokenUses> {
        std::mem::take(&mut *self.pending())
    }

    /// Puts back uses whose write failed, so the next write carries them.
    pub fn restore(&self, failed: HashMap<TokenId, TokenUses>) {
        let mut pending = self.pending();
        for (token, uses) in failed {
            pending.entry(token).or_default().merge(uses);
        }
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
