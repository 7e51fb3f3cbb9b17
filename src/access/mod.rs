//! What happens around each accepted API call: recording its use (time, address, user
//! agent, daily count) in memory and writing it in batches.

pub mod recorder;
pub mod writer;

pub use recorder::AccessRecorder;
