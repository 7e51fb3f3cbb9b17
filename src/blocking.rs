//! Work that must not hold up the async workers (diesel queries, password checks) runs
//! on actix's blocking threads through `in_current_span`, inside the span of whatever
//! asked for it: a line logged there on behalf of a request carries the request's id,
//! as the lines the request logs itself do.

use actix_web::error::BlockingError;

/// Runs `work` on the blocking thread pool inside the current span, and waits for it.
pub async fn in_current_span<T, F>(work: F) -> Result<T, BlockingError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let span = tracing::Span::current();
    actix_web::web::block(move || span.in_scope(work)).await
}
