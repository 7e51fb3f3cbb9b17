//! The session middleware's own failures. Storing a signed-in person's new session (at
//! sign-in) or ending one (at sign-out) happens after the handler answered, and when
//! it fails actix-session answers with an empty 500. Answered here as any other failure
//! of a page is instead: a finished page, and 503 with `Retry-After` while the database
//! is unreachable.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use super::errors::WebError;
use crate::db::health::DatabaseUnavailable;
use crate::state::AppState;

const STORING: &str = "storing or ending the session";

pub async fn finished(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let database = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.database.clone());
    // Handlers' errors are answers by now: an error here is the session's storage.
    next.call(req).await.map_err(|error| {
        let failure = if database.is_some_and(|health| !health.is_up()) {
            anyhow::Error::new(DatabaseUnavailable(error.to_string())).context(STORING)
        } else {
            anyhow::anyhow!("{error}").context(STORING)
        };
        let page = WebError::Internal(failure).error_response();
        InternalError::from_response(error, page).into()
    })
}
