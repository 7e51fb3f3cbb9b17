//! Bearer and service credentials refused per client address, to stop guessing: once
//! `MAX_REFUSED` refusals were counted within a minute, an address gets 429 for anything
//! that would need a database read for the next minute (tokens already in the cache keep
//! working for it, since checking them costs nothing). An address's minute begins with
//! its first refusal, and counting starts afresh once it has passed. Counted in memory on
//! each instance; an IPv6 address counts as its /64, which one subscriber usually holds
//! whole. Time is `C`'s: the monotonic clock, or in tests a
//! `governor::clock::FakeRelativeClock` moved by hand (the caches' own expiry only frees
//! the memory).

use std::net::IpAddr;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, Reference};
use governor::nanos::Nanos;
use moka::sync::Cache;

use crate::domain::client_ip;

/// Refusals an address may collect within `WINDOW` before it is held off.
pub const MAX_REFUSED: u32 = 100;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses tracked at most; the least recent are forgotten first.
const TRACKED_ADDRESSES: u64 = 10_000;

pub struct RefusalLimiter<C: Clock = DefaultClock> {
    /// Each address's refusals in its current minute.
    counts: Cache<IpAddr, Count<C::Instant>>,
    /// Addresses held off, with when that ends.
    held_off: Cache<IpAddr, C::Instant>,
    clock: C,
}

/// An address's refusals since its minute began.
#[derive(Clone, Copy)]
struct Count<I> {
    since: I,
    refused: u32,
}

/// A memory of addresses, each kept a minute after it was last written.
fn tracked<V: Clone + Send + Sync + 'static>() -> Cache<IpAddr, V> {
    Cache::builder()
        .max_capacity(TRACKED_ADDRESSES)
        .time_to_live(WINDOW)
        .build()
}

impl<C> RefusalLimiter<C>
where
    C: Clock,
    C::Instant: 'static,
{
    /// A limiter measuring time by `clock`.
    pub fn with_clock(clock: C) -> Self {
        Self {
            counts: tracked(),
            held_off: tracked(),
            clock,
        }
    }

    /// Counts one refused credential from `ip`.
    pub fn refused(&self, ip: IpAddr) {
        // An IPv6 address counts as its /64.
        let (key, now) = (client_ip::counted_as(ip), self.clock.now());
        let window = Nanos::from(WINDOW);
        let count = self
            .counts
            .entry(key)
            .and_upsert_with(|counted| match counted.map(|entry| entry.into_value()) {
                Some(count) if now.duration_since(count.since) < window => Count {
                    refused: count.refused.saturating_add(1),
                    ..count
                },
                _ => Count {
                    since: now,
                    refused: 1,
                },
            })
            .into_value();
        if count.refused >= MAX_REFUSED && self.held_off(ip).is_none() {
            tracing::warn!(%ip, "too many refused credentials; holding the address off");
            self.held_off.insert(key, now + window);
        }
    }

    /// How long `ip` is still held off, if it is.
    pub fn held_off(&self, ip: IpAddr) -> Option<Duration> {
        let until = self.held_off.get(&client_ip::counted_as(ip))?;
        let left = Duration::from(until.duration_since(self.clock.now()));
        (!left.is_zero()).then_some(left)
    }
}

impl Default for RefusalLimiter {
    fn default() -> Self {
        Self::with_clock(DefaultClock::default())
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
    fn the_hold_off_ends_once_the_minute_has_passed() {
        let clock = governor::clock::FakeRelativeClock::default();
        let limiter = RefusalLimiter::with_clock(clock.clone());
        let guesser: IpAddr = "192.0.2.66".parse().unwrap();
        for _ in 0..MAX_REFUSED {
            limiter.refused(guesser);
        }
        assert_eq!(limiter.held_off(guesser), Some(WINDOW));

        clock.advance(WINDOW - Duration::from_millis(1));
        assert_eq!(limiter.held_off(guesser), Some(Duration::from_millis(1)));
        clock.advance(Duration::from_millis(1));
        assert_eq!(limiter.held_off(guesser), None, "the minute has passed");

        limiter.refused(guesser);
        assert_eq!(
            limiter.held_off(guesser),
            None,
            "a refusal after a quiet minute starts counting afresh"
        );
    }

    #[test]
    fn refusals_spread_over_a_minute_count_but_those_of_different_minutes_do_not() {
        let clock = governor::clock::FakeRelativeClock::default();
        let limiter = RefusalLimiter::with_clock(clock.clone());
        let (steady, patient): (IpAddr, IpAddr) =
            ("192.0.2.70".parse().unwrap(), "192.0.2.71".parse().unwrap());
        for _ in 0..MAX_REFUSED - 1 {
            limiter.refused(steady);
            limiter.refused(patient);
            clock.advance(Duration::from_millis(500));
        }
        // 49.5 s after their first refusals: the steady one's 100th is within its minute.
        limiter.refused(steady);
        clock.advance(Duration::from_millis(10_500));
        limiter.refused(patient);

        assert!(limiter.held_off(steady).is_some(), "100 within a minute");
        assert_eq!(
            limiter.held_off(patient),
            None,
            "its 100th came a minute on"
        );
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

    #[test]
    fn an_ipv4_mapped_address_counts_as_the_ipv4_address_alone() {
        let limiter = RefusalLimiter::default();
        for _ in 0..MAX_REFUSED {
            limiter.refused("::ffff:192.0.2.66".parse().unwrap());
        }
        assert!(limiter.held_off("192.0.2.66".parse().unwrap()).is_some());
        assert_eq!(
            limiter.held_off("::ffff:192.0.2.67".parse().unwrap()),
            None,
            "its neighbours are not in the same /64"
        );
    }
}
