//! Well-formed tokens found to be unknown, remembered for a while (a bounded negative
//! cache) so that repeating one costs no database read. Each is forgotten once its time
//! is up, by `C`'s time: the monotonic clock, or in tests a
//! `governor::clock::FakeRelativeClock` moved by hand (the cache's own expiry, the same
//! time later, only frees the memory).

use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::nanos::Nanos;

use super::expiring::Expiring;
use crate::domain::SecretDigest;

/// How many unknown tokens are remembered at most.
const CAPACITY: u64 = 100_000;

pub struct UnknownTokens<C: Clock = DefaultClock> {
    /// Each token, with when it is to be forgotten.
    remembered: Expiring<SecretDigest, C::Instant>,
    time_to_live: Duration,
    clock: C,
}

impl UnknownTokens {
    /// Remembers each token for `time_to_live`.
    pub fn new(time_to_live: Duration) -> Self {
        Self::with_clock(time_to_live, DefaultClock::default())
    }
}

impl<C> UnknownTokens<C>
where
    C: Clock,
    C::Instant: 'static,
{
    /// Remembers each token for `time_to_live` by `clock`'s time.
    pub fn with_clock(time_to_live: Duration, clock: C) -> Self {
        Self {
            remembered: Expiring::new(CAPACITY, time_to_live),
            time_to_live,
            clock,
        }
    }

    pub fn remember(&self, digest: SecretDigest) {
        let until = self.clock.now() + Nanos::from(self.time_to_live);
        self.remembered.insert(digest, until);
    }

    /// Whether `digest` is remembered as unknown, and its time is not up.
    pub fn contains(&self, digest: &SecretDigest) -> bool {
        self.remembered
            .get(digest)
            .is_some_and(|until| self.clock.now() < until)
    }

    pub fn forget_all(&self) {
        self.remembered.clear();
    }

    /// How many are remembered.
    pub fn count(&self) -> u64 {
        self.remembered.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::cache::TIME_TO_LIVE;
    use crate::domain::TokenSecret;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn an_unknown_token_is_remembered_for_thirty_seconds_and_no_longer() {
        let clock = FakeRelativeClock::default();
        let unknown = UnknownTokens::with_clock(TIME_TO_LIVE, clock.clone());
        let (guessed, other) = (
            TokenSecret::generate().digest(),
            TokenSecret::generate().digest(),
        );

        unknown.remember(guessed);
        clock.advance(TIME_TO_LIVE - Duration::from_millis(1));
        assert!(unknown.contains(&guessed), "still remembered");
        assert!(!unknown.contains(&other), "only what was remembered");
        clock.advance(Duration::from_millis(1));

        assert!(!unknown.contains(&guessed), "forgotten after 30 s");
        assert_eq!(TIME_TO_LIVE, Duration::from_secs(30));
    }
}
