//! A cache's generation: how many invalidations it has had. A lookup that reads the
//! database takes the generation first and caches its result only if no invalidation
//! happened meanwhile, so a read that predates a change can't bring back what the change
//! removed. Checked inserts and invalidations exclude each other, so none can land
//! between an invalidation's drop and its count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

/// How many invalidations a cache had seen when a lookup began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

#[derive(Default)]
pub struct Generations {
    /// Read-held by each checked insert, write-held by each invalidation.
    changing: RwLock<()>,
    count: AtomicU64,
}

impl Generations {
    /// The current generation: take it before reading the database.
    pub fn current(&self) -> Generation {
        Generation(self.count())
    }

    /// How many invalidations so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// Runs `dropping` as one invalidation: no checked insert runs meanwhile, and the
    /// generation moves on before any can run again.
    pub fn invalidate(&self, dropping: impl FnOnce()) {
        let _alone = self
            .changing
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        dropping();
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    /// Runs `insert` unless an invalidation happened since `seen`; whether it ran.
    pub fn if_current(&self, seen: Generation, insert: impl FnOnce()) -> bool {
        let _no_invalidation = self.changing.read().unwrap_or_else(PoisonError::into_inner);
        if self.current() != seen {
            return false;
        }
        insert();
        true
    }
}
