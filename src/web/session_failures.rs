//! The session middleware's own failures. Reading a session, storing a signed-in
//! person's new one (at sign-in) or ending one (at sign-out) is actix-session's work,
//! and when the store fails it answers with an empty 500 and keeps only its own words
//! for why. Here such a failure is answered as any other failure of a page is: a
//! finished page, 503 with `Retry-After` while the database is unreachable or too busy,
//! and one log line with the store's cause, which the store leaves with the request
//! (`keep`).

use std::cell::RefCell;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};

use super::errors::{ErrorLogged, WebError};

tokio::task_local! {
    /// Why the session store failed while this request was served.
    static CAUSE: RefCell<Option<anyhow::Error>>;
}

const STORE: &str = "the session store";

/// Leaves `error` with the request being served, for its page to say and its log line
/// to carry; actix-session gets a stand-in. Outside a request (no `finished` around
/// the store) it is `error` itself.
pub fn keep(error: anyhow::Error) -> anyhow::Error {
    let mut error = Some(error);
    if CAUSE
        .try_with(|cause| *cause.borrow_mut() = error.take())
        .is_ok()
    {
        return anyhow::anyhow!("the session store failed (its cause is with the request)");
    }
    error.unwrap_or_else(|| anyhow::anyhow!("the session store failed"))
}

pub async fn finished(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let served = CAUSE.scope(RefCell::new(None), async {
        let served = next.call(req).await;
        (served, CAUSE.with(|cause| cause.borrow_mut().take()))
    });
    let (served, cause) = served.await;
    // Handlers' errors are answers by now: an error here is the session store's.
    served.map_err(|error| {
        let cause = cause.unwrap_or_else(|| anyhow::anyhow!("{error}"));
        let mut page = WebError::Internal(cause.context(STORE)).error_response();
        page.extensions_mut().insert(ErrorLogged);
        InternalError::from_response(error, page).into()
    })
}
