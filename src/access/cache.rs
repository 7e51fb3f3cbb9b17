//! Lookups of presented tokens, cached so a hot token costs no database read. Entries
//! live 30 seconds at most (`TIME_TO_LIVE`; `AppOptions` may shorten it); a change to a
//! token drops its entry on this instance before the response, and on the others
//! through the listener. Well-formed tokens that are not known are remembered too (a
//! bounded negative cache, see `unknown`), so repeating one costs no database read
//! either; creating a token forgets them all on every instance, so a token created a
//! moment ago works on its first request.
//!
//! A lookup that read the database can't bring back what a change removed meanwhile:
//! it reads the cache's generation before its database read and inserts only if no
//! invalidation has happened since (`insert_if_current`, see `generation`).
//!
//! `TokenCache::off()` keeps nothing, known or unknown: every lookup is a miss and
//! reads the database (`TOKENDESK_TOKEN_CACHE=off`, for measuring that path).

use std::time::Duration;

use super::expiring::Expiring;
pub use super::generation::Generation;
use super::generation::Generations;
use super::unknown::UnknownTokens;
use crate::db::tokens::Lookup;
use crate::domain::{SecretDigest, TokenId};
use crate::instruments::{self, CacheResult};

/// How long a lookup is kept, known or unknown.
pub const TIME_TO_LIVE: Duration = Duration::from_secs(30);

/// How many known (or deleted) tokens' lookups are kept at most.
const CAPACITY: u64 = 100_000;

pub struct TokenCache {
    entries: Expiring<SecretDigest, Lookup>,
    unknown: UnknownTokens,
    generations: Generations,
    /// A signal after each invalidation.
    pub invalidated: tokio::sync::Notify,
    /// Whether lookups are kept at all.
    keeps: bool,
}

impl TokenCache {
    pub fn new(time_to_live: Duration) -> Self {
        Self {
            entries: Expiring::new(CAPACITY, time_to_live),
            unknown: UnknownTokens::new(time_to_live),
            generations: Generations::default(),
            invalidated: tokio::sync::Notify::new(),
            keeps: true,
        }
    }

    /// A cache that keeps nothing: every lookup reads the database.
    pub fn off() -> Self {
        Self {
            keeps: false,
            ..Self::default()
        }
    }

    /// Whether this cache keeps lookups (false for `off()`).
    pub fn is_on(&self) -> bool {
        self.keeps
    }

    /// Runs `dropping` as one invalidation, then signals it.
    fn invalidate(&self, dropping: impl FnOnce()) {
        self.generations.invalidate(dropping);
        self.invalidated.notify_waiters();
    }

    /// The current generation: read it before reading the database for a lookup, and
    /// hand it to `insert_if_current`.
    pub fn generation(&self) -> Generation {
        self.generations.current()
    }

    /// How many invalidations so far.
    pub fn invalidations(&self) -> u64 {
        self.generations.count()
    }

    /// What is cached for `digest`, counted as a hit, a negative hit or a miss.
    pub fn get(&self, digest: &SecretDigest) -> Option<Lookup> {
        // Known tokens first, the common case: one lookup. No digest is in both (a
        // token's creation forgets every unknown one before it can be found).
        let (found, result) = if !self.keeps {
            (None, CacheResult::Miss)
        } else if let Some(found) = self.entries.get(digest) {
            (Some(found), CacheResult::Hit)
        } else if self.unknown.contains(digest) {
            (Some(Lookup::Unknown), CacheResult::NegativeHit)
        } else {
            (None, CacheResult::Miss)
        };
        instruments::token_cache_lookup(result);
        found
    }

    /// How many tokens are cached, known and unknown.
    pub fn entry_counts(&self) -> (u64, u64) {
        (self.entries.len(), self.unknown.count())
    }

    /// Caches `lookup` whatever happened meanwhile: only under the generation's lock
    /// (`insert_if_current`), or in tests. Private, so no caller can skip that check.
    fn insert(&self, digest: SecretDigest, lookup: &Lookup) {
        if !self.keeps {
            return;
        }
        match lookup {
            Lookup::Unknown => self.unknown.remember(digest),
            found => self.entries.insert(digest, found.clone()),
        }
    }

    /// Caches `lookup`, read from the database after `seen` was taken, unless an
    /// invalidation has happened since: the read may then predate a change, and caching
    /// it would bring back what the change removed. Returns whether it was cached.
    pub fn insert_if_current(
        &self,
        digest: SecretDigest,
        lookup: &Lookup,
        seen: Generation,
    ) -> bool {
        self.keeps
            && self
                .generations
                .if_current(seen, || self.insert(digest, lookup))
    }

    /// Forgets the tokens remembered as unknown: one of them may just have been created.
    pub fn forget_unknown(&self) {
        self.invalidate(|| self.unknown.forget_all());
    }

    /// Drops whatever is cached for `token`: the next request reads the database.
    pub fn invalidate_token(&self, token: &TokenId) {
        self.invalidate_tokens(std::slice::from_ref(token));
    }

    /// Drops whatever is cached for each of `tokens`, in one pass over the cache (it
    /// holds no index by token: the pass is the cost of a change, not of a lookup).
    pub fn invalidate_tokens(&self, tokens: &[TokenId]) {
        if tokens.is_empty() {
            return;
        }
        // Sorted, so each entry costs a binary search, however many tokens a batch names.
        let mut named: Vec<&TokenId> = tokens.iter().collect();
        named.sort_unstable();
        self.invalidate(|| {
            self.entries.drop_where(|lookup| {
                matches!(lookup, Lookup::Found(grant)
                    if named.binary_search(&&grant.token_id).is_ok())
            });
        });
    }

    /// Drops everything, when changes may have been missed.
    pub fn clear(&self) {
        self.invalidate(|| {
            self.entries.clear();
            self.unknown.forget_all();
        });
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new(TIME_TO_LIVE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TokenSecret;
    use crate::domain::verification::Grant;

    /// A digest no other test shares, and the active grant it stands for.
    fn presented() -> (SecretDigest, Lookup) {
        (
            TokenSecret::generate().digest(),
            Lookup::Found(std::sync::Arc::new(Grant::example())),
        )
    }

    #[test]
    fn a_lookup_with_nothing_changed_meanwhile_is_cached() {
        let cache = TokenCache::default();
        let (digest, found) = presented();

        let seen = cache.generation();
        assert!(cache.insert_if_current(digest, &found, seen));

        assert_eq!(cache.get(&digest), Some(found));
    }

    #[test]
    fn a_lookup_that_began_before_a_change_does_not_bring_it_back() {
        let cache = TokenCache::default();
        let (digest, found) = presented();
        let Lookup::Found(grant) = &found else {
            unreachable!("presented() finds a grant")
        };

        // The lookup begins and reads the row as it was before the change...
        let seen = cache.generation();
        // ...the change commits and invalidates the token (nothing cached yet)...
        cache.invalidate_token(&grant.token_id);
        // ...then the lookup finishes with the old row.
        assert!(!cache.insert_if_current(digest, &found, seen));

        assert_eq!(cache.get(&digest), None, "the old state is not cached");
        let again = cache.generation();
        assert!(
            cache.insert_if_current(digest, &found, again),
            "the next lookup is"
        );
    }

    /// The grant of token `TK-1000-0000-000{n}`, found by a secret of its own.
    fn token(n: u8) -> (TokenId, SecretDigest, Lookup) {
        let mut grant = Grant::example();
        grant.token_id = TokenId::parse(&format!("TK-1000-0000-000{n}")).unwrap();
        let id = grant.token_id.clone();
        let found = Lookup::Found(std::sync::Arc::new(grant));
        (id, TokenSecret::generate().digest(), found)
    }

    #[test]
    fn invalidating_a_token_drops_every_secret_of_it_and_nothing_else() {
        let cache = TokenCache::default();
        let (first, current, found) = token(1);
        // The secret a rotation replaced, still in its grace period, is the same token.
        let replaced = TokenSecret::generate().digest();
        let (_, other, other_found) = token(2);
        for (digest, lookup) in [(current, &found), (replaced, &found), (other, &other_found)] {
            cache.insert(digest, lookup);
        }

        cache.invalidate_token(&first);

        assert_eq!(cache.get(&current), None);
        assert_eq!(cache.get(&replaced), None);
        assert_eq!(cache.get(&other), Some(other_found));
        assert_eq!(cache.entry_counts(), (1, 0));
    }

    #[test]
    fn a_bulk_change_drops_the_tokens_it_names_in_one_invalidation() {
        let cache = TokenCache::default();
        let tokens = [token(1), token(2), token(3)];
        for (_, digest, found) in &tokens {
            cache.insert(*digest, found);
        }
        let before = cache.invalidations();

        cache.invalidate_tokens(&[tokens[2].0.clone(), tokens[0].0.clone()]);
        cache.invalidate_tokens(&[]);

        assert_eq!(cache.invalidations(), before + 1, "naming none is none");
        let cached: Vec<bool> = tokens
            .iter()
            .map(|(_, digest, _)| cache.get(digest).is_some())
            .collect();
        assert_eq!(cached, [false, true, false]);
    }

    #[test]
    fn a_cache_that_is_off_keeps_nothing_known_or_unknown() {
        let cache = TokenCache::off();
        let (digest, found) = presented();
        let (unknown, _) = presented();

        let seen = cache.generation();
        assert!(!cache.insert_if_current(digest, &found, seen));
        cache.insert(digest, &found);
        cache.insert(unknown, &Lookup::Unknown);

        assert_eq!(cache.get(&digest), None);
        assert_eq!(cache.get(&unknown), None);
        assert!(!cache.is_on() && TokenCache::default().is_on());
    }

    #[test]
    fn clearing_or_forgetting_unknown_tokens_also_refuses_older_lookups() {
        let cache = TokenCache::default();
        let (digest, found) = presented();

        let seen = cache.generation();
        cache.clear();
        assert!(!cache.insert_if_current(digest, &found, seen));

        // A token created while its secret was being looked up is not remembered as
        // unknown.
        let seen = cache.generation();
        cache.forget_unknown();
        assert!(!cache.insert_if_current(digest, &Lookup::Unknown, seen));
        assert_eq!(cache.get(&digest), None);
    }
}
