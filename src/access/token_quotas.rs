//! Each token's rate limit, counted in memory on this instance: a GCRA limiter
//! (governor) per token that has a limit, allowing a burst of the whole quota and then
//! one call every `60 s / quota`. The limiter is keyed by the token and its limit, so
//! an edited limit starts afresh; limiters of tokens idle for ten minutes are dropped.
//! With several instances, each counts its own calls: a token may make up to its limit
//! on each.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use moka::sync::Cache;

use crate::domain::{RateLimit, TokenId};

type Limiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;

/// The window a limit is stated over.
pub const WINDOW: Duration = Duration::from_secs(60);

/// A token's quota as a call found it: what the `RateLimit` headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaState {
    /// Calls allowed per `WINDOW`.
    pub limit: u32,
    /// Calls left now.
    pub remaining: u32,
    /// Seconds until the whole quota is available again.
    pub reset_seconds: u64,
    /// Seconds until the next call is allowed, when this one was refused.
    pub retry_after: Option<u64>,
}

impl QuotaState {
    pub fn allowed(&self) -> bool {
        self.retry_after.is_none()
    }

    /// `RateLimit-Policy`, per draft-ietf-httpapi-ratelimit-headers.
    pub fn policy_header(&self) -> String {
        format!("\"token\";q={};w={}", self.limit, WINDOW.as_secs())
    }

    /// `RateLimit`, per the same draft: `t` is always the seconds until the whole quota
    /// is back (`Retry-After` says when the next call is allowed).
    pub fn header(&self) -> String {
        format!("\"token\";r={};t={}", self.remaining, self.reset_seconds)
    }
}

pub struct TokenQuotas {
    limiters: Cache<(TokenId, RateLimit), Arc<Limiter>>,
    clock: DefaultClock,
}

impl Default for TokenQuotas {
    fn default() -> Self {
        Self {
            limiters: Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            clock: DefaultClock::default(),
        }
    }
}

fn whole_seconds_up(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

impl TokenQuotas {
    /// Counts one call of `token`, limited to `limit`.
    pub fn take(&self, token: &TokenId, limit: RateLimit) -> QuotaState {
        let calls = NonZeroU32::new(limit.calls()).unwrap_or(NonZeroU32::MIN);
        let limiter = self.limiters.get_with((token.clone(), limit), || {
            Arc::new(
                RateLimiter::direct_with_clock(Quota::per_minute(calls), self.clock.clone())
                    .with_middleware::<StateInformationMiddleware>(),
            )
        });
        let per_call = WINDOW / calls.get();
        match limiter.check() {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let used = calls.get().saturating_sub(remaining);
                QuotaState {
                    limit: calls.get(),
                    remaining,
                    reset_seconds: whole_seconds_up(per_call * used),
                    retry_after: None,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                QuotaState {
                    limit: calls.get(),
                    remaining: 0,
                    reset_seconds: whole_seconds_up(wait + per_call * (calls.get() - 1)),
                    retry_after: Some(whole_seconds_up(wait).max(1)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_quota_then_is_refused_until_a_call_is_free() {
        let quotas = TokenQuotas::default();
        let token = TokenId::parse("TK-1000-0000-0001").unwrap();
        let three = RateLimit::per_minute(3).unwrap();
        let first = quotas.take(&token, three);
        assert_eq!((first.limit, first.remaining), (3, 2));
        assert!(first.allowed());
        assert_eq!(first.policy_header(), "\"token\";q=3;w=60");
        assert_eq!(first.header(), "\"token\";r=2;t=20");
        quotas.take(&token, three);
        let last = quotas.take(&token, three);
        assert_eq!(last.remaining, 0);
        let refused = quotas.take(&token, three);
        assert!(!refused.allowed());
        let wait = refused.retry_after.unwrap();
        assert!((19..=20).contains(&wait), "{wait}");
        let reset = refused.reset_seconds;
        assert!((wait + 39..=wait + 40).contains(&reset), "{reset}");
        assert_eq!(refused.header(), format!("\"token\";r=0;t={reset}"));

        let raised = quotas.take(&token, RateLimit::per_minute(4).unwrap());
        assert!(raised.allowed(), "an edited limit starts afresh");
        let other = TokenId::parse("TK-1000-0000-0002").unwrap();
        assert!(
            quotas.take(&other, three).allowed(),
            "each token has its own"
        );
    }
}
