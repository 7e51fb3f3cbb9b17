//! What happens around each API call and each change of a token: the cache of token
//! lookups, the one path a change takes to invalidate it, its invalidation across
//! instances, and recording each use (time, address, user agent, daily count)
//! in memory to write it in batches, and each token's rate limit.

pub mod cache;
pub mod changes;
mod expiring;
mod generation;
pub mod listener;
pub mod recorder;
pub mod refusals;
pub mod services;
pub mod token_quotas;
mod unknown;
pub mod writer;

pub use cache::TokenCache;
pub use changes::TokenChanges;
pub use recorder::AccessRecorder;
pub use refusals::RefusalLimiter;
pub use services::ServiceCache;
pub use token_quotas::TokenQuotas;
