//! A bounded concurrent map whose entries are kept a fixed time at most: quick_cache's
//! sharded cache (S3-FIFO eviction past its capacity), each value stored with the
//! instant it lapses. A lookup at or past that instant finds nothing and drops the
//! entry; a lapsed entry nobody looks up again stays until newer ones push it out, so
//! a map holds at most its capacity either way. A lookup is a read lock on one shard
//! and a clone of the value, with no bookkeeping queued for later: the token and
//! service caches are read on every API call, and moka's lookup with its queued
//! bookkeeping was about 4% of the machine's time under whoami (see BENCHMARKS.md).
//! Keys are hashed with the standard library's randomly keyed SipHash, not quick_cache's
//! faster default: the unknown-token map's keys come from whatever callers present.

use std::hash::Hash;
use std::time::{Duration, Instant};

use quick_cache::OptionsBuilder;
use quick_cache::sync::Cache;

pub struct Expiring<K, V> {
    entries: Cache<K, (V, Instant)>,
    time_to_live: Duration,
}

impl<K, V> Expiring<K, V>
where
    K: Eq + Hash,
    V: Clone,
{
    /// Keeps at most about `capacity` entries, each `time_to_live` at most.
    pub fn new(capacity: u64, time_to_live: Duration) -> Self {
        let options = OptionsBuilder::new()
            // Sizes the shards and the memory of keys evicted lately, as well as the
            // tables (whose untouched pages cost no memory).
            .estimated_items_capacity(usize::try_from(capacity).unwrap_or(usize::MAX))
            .weight_capacity(capacity)
            .build()
            .expect("a capacity and an item estimate are all the options need");
        Self {
            entries: Cache::with_options(
                options,
                quick_cache::UnitWeighter,
                quick_cache::DefaultHashBuilder::default(),
                quick_cache::sync::DefaultLifecycle::default(),
            ),
            time_to_live,
        }
    }

    /// The value kept for `key`, unless its time is up.
    pub fn get(&self, key: &K) -> Option<V> {
        let (value, lapses) = self.entries.get(key)?;
        if Instant::now() < lapses {
            return Some(value);
        }
        // Unless a fresh value replaced it meanwhile.
        self.entries
            .remove_if(key, |(_, lapses)| *lapses <= Instant::now());
        None
    }

    pub fn insert(&self, key: K, value: V) {
        let lapses = Instant::now() + self.time_to_live;
        self.entries.insert(key, (value, lapses));
    }

    /// Drops every entry whose value `drop` says so of, before returning.
    pub fn drop_where(&self, drop: impl Fn(&V) -> bool) {
        self.entries.retain(|_, (value, _)| !drop(value));
    }

    pub fn clear(&self) {
        self.entries.clear();
    }

    /// How many entries are held, lapsed ones not yet dropped included.
    pub fn len(&self) -> u64 {
        self.entries.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_found_until_its_time_is_up_and_not_after() {
        let kept = Expiring::new(10, Duration::from_secs(3600));
        let lapsed = Expiring::new(10, Duration::ZERO);

        kept.insert("a", 1);
        lapsed.insert("a", 1);

        assert_eq!(kept.get(&"a"), Some(1));
        assert_eq!(kept.get(&"b"), None);
        assert_eq!(lapsed.get(&"a"), None);
        assert_eq!(lapsed.len(), 0, "a lapsed entry is dropped when found so");
    }

    #[test]
    fn dropping_by_value_leaves_the_others() {
        let map = Expiring::new(10, Duration::from_secs(3600));
        for (key, value) in [("a", 1), ("b", 2), ("c", 1)] {
            map.insert(key, value);
        }

        map.drop_where(|value| *value == 1);

        assert_eq!(
            (map.get(&"a"), map.get(&"b"), map.get(&"c")),
            (None, Some(2), None)
        );
        map.clear();
        assert_eq!(map.len(), 0);
    }

    #[test]
    fn past_its_capacity_it_keeps_no_more_than_its_capacity() {
        let map = Expiring::new(100, Duration::from_secs(3600));
        for key in 0..1_000 {
            map.insert(key, key);
        }
        assert!(map.len() <= 100, "{} kept", map.len());
    }
}
