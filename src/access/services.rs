//! Service credentials already checked, so a gateway asking about every request costs
//! no database read for its own credential. Entries live 30 seconds at most; removing a
//! credential clears this cache on every instance through the listener.

use std::time::Duration;

use moka::sync::Cache;

use crate::domain::{SecretDigest, ServiceName};

pub const TIME_TO_LIVE: Duration = Duration::from_secs(30);

pub struct ServiceCache {
    entries: Cache<SecretDigest, ServiceName>,
}

impl ServiceCache {
    pub fn get(&self, digest: &SecretDigest) -> Option<ServiceName> {
        self.entries.get(digest)
    }

    pub fn insert(&self, digest: SecretDigest, name: ServiceName) {
        self.entries.insert(digest, name);
    }

    /// Drops everything: a credential was removed, or removals may have been missed.
    pub fn clear(&self) {
        self.entries.invalidate_all();
    }
}

impl Default for ServiceCache {
    fn default() -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(1_000)
                .time_to_live(TIME_TO_LIVE)
                .build(),
        }
    }
}
