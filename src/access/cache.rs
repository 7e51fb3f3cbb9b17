//! Lookups of presented tokens, cached so a hot token costs no database read. Entries
//! live 30 seconds at most; a change to a token drops its entry on this instance before
//! the response, and on the others through the listener. Well-formed tokens that are
//! not known are remembered too (a bounded negative cache), so repeating one costs no
//! database read either; creating a token forgets them all on every instance, so a
//! token created a moment ago works on its first request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::sync::Cache;

use crate::db::tokens::Lookup;
use crate::domain::{SecretDigest, TokenId};

pub const TIME_TO_LIVE: Duration = Duration::from_secs(30);

/// How many unknown tokens are remembered at most.
const UNKNOWN_CAPACITY: u64 = 100_000;

pub struct TokenCache {
    entries: Cache<SecretDigest, Lookup>,
    unknown: Cache<SecretDigest, ()>,
    /// How many invalidations so far, and a signal after each one.
    pub invalidations: AtomicU64,
    pub invalidated: tokio::sync::Notify,
}

impl TokenCache {
    pub fn new(time_to_live: Duration) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(time_to_live)
                .support_invalidation_closures()
                .build(),
            unknown: Cache::builder()
                .max_capacity(UNKNOWN_CAPACITY)
                .time_to_live(time_to_live)
                .build(),
            invalidations: AtomicU64::new(0),
            invalidated: tokio::sync::Notify::new(),
        }
    }

    fn announce(&self) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        self.invalidated.notify_waiters();
    }

    pub fn get(&self, digest: &SecretDigest) -> Option<Lookup> {
        if self.unknown.contains_key(digest) {
            return Some(Lookup::Unknown);
        }
        self.entries.get(digest)
    }

    pub fn insert(&self, digest: SecretDigest, lookup: &Lookup) {
        match lookup {
            Lookup::Unknown => self.unknown.insert(digest, ()),
            found => self.entries.insert(digest, found.clone()),
        }
    }

    /// Forgets the tokens remembered as unknown: one of them may just have been created.
    pub fn forget_unknown(&self) {
        self.unknown.invalidate_all();
        self.announce();
    }

    /// Drops whatever is cached for `token`: the next request reads the database.
    pub fn invalidate_token(&self, token: &TokenId) {
        let token = token.clone();
        let dropped = self.entries.invalidate_entries_if(
            move |_, lookup| matches!(lookup, Lookup::Found(grant) if grant.token_id == token),
        );
        if let Err(error) = dropped {
            // Only possible if invalidation closures were not enabled: drop everything.
            tracing::warn!(%error, "dropping the whole token cache");
            self.entries.invalidate_all();
        }
        self.announce();
    }

    /// Drops everything, when changes may have been missed.
    pub fn clear(&self) {
        self.entries.invalidate_all();
        self.unknown.invalidate_all();
        self.announce();
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new(TIME_TO_LIVE)
    }
}
