//! What tokendesk measures: every metric's name in one place, the small functions the
//! rest of the code records through, and the Prometheus recorder they record into.
//! The recorder is process-global: `prometheus()` installs it once, when metrics are
//! enabled; until then the `metrics` facade drops every measurement at next to no cost.
//! docs/operations.md lists every metric with its meaning and labels.

use std::sync::OnceLock;
use std::time::Duration;

use diesel::r2d2;
use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{BuildError, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "tokendesk_http_requests_total";
pub const HTTP_REQUEST_DURATION: &str = "tokendesk_http_request_duration_seconds";
pub const TOKEN_CACHE_LOOKUPS: &str = "tokendesk_token_cache_lookups_total";
pub const TOKEN_CACHE_ENTRIES: &str = "tokendesk_token_cache_entries";
pub const DB_POOL_CONNECTIONS: &str = "tokendesk_db_pool_connections";
pub const DB_POOL_WAIT: &str = "tokendesk_db_pool_wait_seconds";
pub const DB_POOL_TIMEOUTS: &str = "tokendesk_db_pool_timeouts_total";
pub const DATABASE_UP: &str = "tokendesk_database_up";
pub const LAST_ACCESS_PENDING: &str = "tokendesk_last_access_pending_tokens";
pub const LAST_ACCESS_FLUSHES: &str = "tokendesk_last_access_flushes_total";
pub const LAST_ACCESS_FLUSH_FAILURES: &str = "tokendesk_last_access_flush_failures_total";
pub const LAST_ACCESS_WRITE_INTERVAL: &str = "tokendesk_last_access_write_interval_seconds";
pub const LAST_ACCESS_DROPPED: &str = "tokendesk_last_access_dropped_tokens_total";
pub const LAST_ACCESS_DROPPED_ADDRESSES: &str = "tokendesk_last_access_dropped_addresses_total";
pub const SIGN_IN_FAILURES: &str = "tokendesk_sign_in_failures_total";
pub const SIGN_IN_THROTTLED: &str = "tokendesk_sign_in_throttled_total";

/// Histogram buckets, in seconds: Prometheus's defaults, which span a cached API call
/// to the pool's 10-second connection timeout.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded in when nobody scrapes, so they can't pile up.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's Prometheus recorder, installed on first call, with a thread that keeps
/// it tidy. Fails if another recorder was installed first.
pub fn prometheus() -> anyhow::Result<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    let installed = HANDLE.get_or_init(|| {
        let handle = builder()
            .and_then(PrometheusBuilder::install_recorder)
            .map_err(|e| format!("installing the metrics recorder: {e}"))?;
        describe();
        let upkept = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkept.run_upkeep();
                }
            })
            .map_err(|e| format!("starting the metrics upkeep thread: {e}"))?;
        Ok(handle)
    });
    installed.as_ref().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The recorder's settings: histograms with `BUCKETS`.
fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new().set_buckets(&BUCKETS)
}

/// A recorder of the test's own, to install on its thread only (the process's is
/// shared with every other test): what the thread records, rendered.
#[cfg(test)]
pub(crate) fn local_recorder() -> metrics_exporter_prometheus::PrometheusRecorder {
    let recorder = builder().expect("valid buckets").build_recorder();
    metrics::with_local_recorder(&recorder, describe);
    recorder
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route pattern and status"
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route pattern"
    );
    describe_counter!(
        TOKEN_CACHE_LOOKUPS,
        "Bearer token lookups, by result: hit, negative_hit (known unknown) or miss"
    );
    describe_gauge!(
        TOKEN_CACHE_ENTRIES,
        "Tokens in the lookup cache, by kind: known or unknown"
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database pool connections, by state: in_use or idle"
    );
    describe_histogram!(
        DB_POOL_WAIT,
        Unit::Seconds,
        "Time taken to get a database connection from the pool"
    );
    describe_counter!(
        DB_POOL_TIMEOUTS,
        "Database connections not had within the pool's timeout"
    );
    describe_gauge!(
        DATABASE_UP,
        "1 while this instance last reached the database, 0 once it failed to"
    );
    describe_gauge!(
        LAST_ACCESS_PENDING,
        "Tokens whose recorded uses wait for the last-access writer"
    );
    describe_counter!(
        LAST_ACCESS_FLUSHES,
        "Successful writes of recorded token uses"
    );
    describe_counter!(
        LAST_ACCESS_FLUSH_FAILURES,
        "Failed writes of recorded token uses (kept for the next write)"
    );
    describe_gauge!(
        LAST_ACCESS_WRITE_INTERVAL,
        Unit::Seconds,
        "How long the last-access writer waits before its next write (longer while writes are slow)"
    );
    describe_counter!(
        LAST_ACCESS_DROPPED,
        "Tokens whose waiting uses were dropped because too many tokens waited"
    );
    describe_counter!(
        LAST_ACCESS_DROPPED_ADDRESSES,
        "Addresses of a token let go because it was used from too many between writes"
    );
    describe_counter!(
        SIGN_IN_FAILURES,
        "Sign-ins refused for a wrong email or password"
    );
    describe_counter!(
        SIGN_IN_THROTTLED,
        "Sign-ins held off after too many failures"
    );
}

/// One HTTP request answered: `route` is the matched pattern (never the raw path, so
/// the series stay few), `method` one of the standard methods or `OTHER`.
pub fn http_request(method: &'static str, route: String, status: u16, took: Duration) {
    let status = status.to_string();
    counter!(HTTP_REQUESTS, "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    histogram!(HTTP_REQUEST_DURATION, "method" => method, "route" => route).record(took);
}

/// What the token cache held for a presented token.
#[derive(Debug, Clone, Copy)]
pub enum CacheResult {
    /// A token it knows.
    Hit,
    /// A token it remembers as unknown.
    NegativeHit,
    /// Nothing: the database is read.
    Miss,
}

pub fn token_cache_lookup(result: CacheResult) {
    let result = match result {
        CacheResult::Hit => "hit",
        CacheResult::NegativeHit => "negative_hit",
        CacheResult::Miss => "miss",
    };
    counter!(TOKEN_CACHE_LOOKUPS, "result" => result).increment(1);
}

pub fn token_cache_entries(known: u64, unknown: u64) {
    gauge!(TOKEN_CACHE_ENTRIES, "kind" => "known").set(known as f64);
    gauge!(TOKEN_CACHE_ENTRIES, "kind" => "unknown").set(unknown as f64);
}

pub fn pool_connections(state: &r2d2::State) {
    let in_use = state.connections.saturating_sub(state.idle_connections);
    gauge!(DB_POOL_CONNECTIONS, "state" => "in_use").set(in_use);
    gauge!(DB_POOL_CONNECTIONS, "state" => "idle").set(state.idle_connections);
}

pub fn database_up(up: bool) {
    gauge!(DATABASE_UP).set(if up { 1.0 } else { 0.0 });
}

pub fn last_access_pending(tokens: usize) {
    gauge!(LAST_ACCESS_PENDING).set(tokens as f64);
}

/// One write of recorded uses, successful or not.
pub fn last_access_flushed(ok: bool) {
    let name = if ok {
        LAST_ACCESS_FLUSHES
    } else {
        LAST_ACCESS_FLUSH_FAILURES
    };
    counter!(name).increment(1);
}

/// The last-access writer will wait `wait` before its next write.
pub fn last_access_write_interval(wait: Duration) {
    gauge!(LAST_ACCESS_WRITE_INTERVAL).set(wait.as_secs_f64());
}

/// `tokens` tokens' waiting uses were dropped.
pub fn last_access_dropped_tokens(tokens: usize) {
    counter!(LAST_ACCESS_DROPPED).increment(tokens as u64);
}

/// `addresses` addresses of a token's waiting uses were let go.
pub fn last_access_dropped_addresses(addresses: usize) {
    counter!(LAST_ACCESS_DROPPED_ADDRESSES).increment(addresses as u64);
}

pub fn sign_in_failed() {
    counter!(SIGN_IN_FAILURES).increment(1);
}

pub fn sign_in_throttled() {
    counter!(SIGN_IN_THROTTLED).increment(1);
}

/// Hears the pool: how long each connection took to get, and each timeout.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolEvents;

impl r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        histogram!(DB_POOL_WAIT).record(event.duration());
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        counter!(DB_POOL_TIMEOUTS).increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_that_cannot_connect_counts_a_timeout() {
        let recorder = local_recorder();
        let pool = crate::db::setup::unreachable_pool();

        metrics::with_local_recorder(&recorder, || assert!(pool.get().is_err()));

        let text = recorder.handle().render();
        assert!(
            text.contains("\ntokendesk_db_pool_timeouts_total 1\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE tokendesk_db_pool_timeouts_total counter"));
    }
}
