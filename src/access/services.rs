//! Service credentials already checked, so a gateway asking about every request costs
//! no database read for its own credential. Entries live 30 seconds at most; removing a
//! credential clears this cache on every instance through the listener, and a check
//! that read the database before a removal can't put the credential back
//! (`insert_if_current`, see `generation`).

use std::time::Duration;

use super::expiring::Expiring;
use super::generation::{Generation, Generations};
use crate::domain::{SecretDigest, ServiceName};

pub const TIME_TO_LIVE: Duration = Duration::from_secs(30);

pub struct ServiceCache {
    entries: Expiring<SecretDigest, ServiceName>,
    generations: Generations,
}

impl ServiceCache {
    pub fn get(&self, digest: &SecretDigest) -> Option<ServiceName> {
        self.entries.get(digest)
    }

    /// Take it before reading the database, for `insert_if_current`.
    pub fn generation(&self) -> Generation {
        self.generations.current()
    }

    /// Caches `name` for `digest` unless the cache was cleared since `seen`.
    pub fn insert_if_current(&self, digest: SecretDigest, name: ServiceName, seen: Generation) {
        self.generations
            .if_current(seen, || self.entries.insert(digest, name));
    }

    /// Drops everything: a credential was removed, or removals may have been missed.
    pub fn clear(&self) {
        self.generations.invalidate(|| self.entries.clear());
    }
}

impl Default for ServiceCache {
    fn default() -> Self {
        Self {
            entries: Expiring::new(1_000, TIME_TO_LIVE),
            generations: Generations::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ServiceSecret;

    #[test]
    fn a_check_that_began_before_a_removal_does_not_cache_the_credential() {
        let cache = ServiceCache::default();
        let digest = ServiceSecret::generate().digest();
        let name = ServiceName::parse("kong").unwrap();

        let began = cache.generation();
        cache.clear();
        cache.insert_if_current(digest, name.clone(), began);
        assert_eq!(cache.get(&digest), None);

        let now = cache.generation();
        cache.insert_if_current(digest, name.clone(), now);
        assert_eq!(cache.get(&digest), Some(name));
    }
}
