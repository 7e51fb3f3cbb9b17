//! What happens around each API call: the cache of token lookups and its invalidation
//! across instances, and recording each use (time, address, user agent, daily count)
//! in memory to write it in batches.

pub mod cache;
pub mod listener;
pub mod recorder;
pub mod writer;

pub use cache::TokenCache;
pub use recorder::AccessRecorder;
