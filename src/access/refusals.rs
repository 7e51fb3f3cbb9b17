//! Bearer and service credentials refused per client address, to stop guessing: after
//! `MAX_REFUSED` refusals within a minute, an address gets 429 for anything that would
//! need a database read until the minute has passed (tokens already in the cache keep
//! working for it, since checking them costs nothing). Counted in memory on each
//! instance, with a GCRA limiter (governor) per address; an IPv6 address counts as its
//! /64, which one subscriber usually holds whole.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota};
use moka::sync::Cache;

/// Refusals an address may collect within `WINDOW` before it is held off.
pub const MAX_REFUSED: u32 = 100;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses tracked before the limiter forgets the quiet ones.
const TRACKED_ADDRESSES: usize = 10_000;

pub struct RefusalLimiter {
    refusals: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses held off, with when that ends.
    held_off: Cache<IpAddr, Instant>,
    /// Refusals counted, to forget quiet addresses now and then rather than each time.
    counted: AtomicU64,
}

/// What an address counts as: itself, or for IPv6 its /64.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(network))
        }
    }
}

impl RefusalLimiter {
    /// Counts one refused credential from `ip`.
    pub fn refused(&self, ip: IpAddr) {
        let key = key(ip);
        if self.refusals.check_key(&key).is_err() && !self.held_off.contains_key(&key) {
            tracing::warn!(%ip, "too many refused credentials; holding the address off");
            self.held_off.insert(key, Instant::now() + WINDOW);
        }
        let counted = self.counted.fetch_add(1, Ordering::Relaxed);
        if counted % 1_000 == 999 && self.refusals.len() > TRACKED_ADDRESSES {
            self.refusals.retain_recent();
        }
    }

    /// How long `ip` is still held off, if it is.
    pub fn held_off(&self, ip: IpAddr) -> Option<Duration> {
        let until = self.held_off.get(&key(ip))?;
        let left = until.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }
}

impl Default for RefusalLimiter {
    fn default() -> Self {
        // The refusal that fails the check is the `MAX_REFUSED`th: it holds the address
        // off, so the next attempt is answered 429.
        let allowed = NonZeroU32::new(MAX_REFUSED - 1).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(WINDOW / MAX_REFUSED)
            .unwrap_or_else(|| Quota::per_minute(allowed))
            .allow_burst(allowed);
        Self {
            refusals: DefaultKeyedRateLimiter::keyed(quota),
            held_off: Cache::builder()
                .max_capacity(TRACKED_ADDRESSES as u64)
                .time_to_live(WINDOW)
                .build(),
            counted: AtomicU64::new(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_held_off_after_too_many_refusals_and_others_are_not() {
        let limiter = RefusalLimiter::default();
        let guesser: IpAddr = "192.0.2.66".parse().unwrap();
        let neighbour: IpAddr = "192.0.2.67".parse().unwrap();
        for _ in 1..MAX_REFUSED {
            limiter.refused(guesser);
        }
        assert_eq!(limiter.held_off(guesser), None, "not yet {MAX_REFUSED}");
        limiter.refused(guesser);
        let left = limiter.held_off(guesser).unwrap();
        assert!(left > Duration::from_secs(59) && left <= WINDOW, "{left:?}");
        assert_eq!(limiter.held_off(neighbour), None);
    }

    #[test]
    fn an_ipv6_network_counts_as_one_address() {
        let limiter = RefusalLimiter::default();
        for n in 0..MAX_REFUSED {
            limiter.refused(format!("2001:db8:0:1::{n:x}").parse().unwrap());
        }
        assert!(
            limiter
                .held_off("2001:db8:0:1::ffff".parse().unwrap())
                .is_some()
        );
        assert_eq!(limiter.held_off("2001:db8:0:2::1".parse().unwrap()), None);
    }
}
