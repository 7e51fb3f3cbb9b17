//! Unit tests' view of what the code logs: [`warnings_of`] runs a closure under a
//! capturing subscriber on the calling thread and returns the lines it wrote.
//!
//! tracing caches each callsite's interest process-wide, while a test's subscriber is
//! only this thread's. A sibling test that reaches the same `warn!` first, with no
//! subscriber of its own, could cache it as "never", and the capture would come back
//! empty (it did, once, in CI). So a global subscriber that is interested in every
//! callsite, and enables none, is installed first: no callsite can be cached as
//! "never" again, and each event is still checked against its own thread's subscriber.

use std::sync::{Arc, Mutex, Once};

use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// The lines `during` logs on this thread at WARN and above.
pub fn warnings_of(during: impl FnOnce()) -> String {
    keep_every_callsite_open();
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, during);
    let bytes = lines.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn keep_every_callsite_open() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Nothing else in the unit tests sets a global subscriber; if something did,
        // the captures would still work whenever it is interested itself.
        let _ = tracing::subscriber::set_global_default(InterestKeeper);
    });
}

/// Interested in every callsite ("sometimes", so each event asks its thread's own
/// subscriber), enabling nothing itself.
struct InterestKeeper;

impl Subscriber for InterestKeeper {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_captured_and_an_info_line_is_not() {
        let lines = warnings_of(|| {
            tracing::info!("routine");
            tracing::warn!(count = 3, "something to look at");
        });
        assert!(
            lines.contains("WARN") && lines.contains("count=3"),
            "{lines}"
        );
        assert!(!lines.contains("routine"), "{lines}");
    }
}
