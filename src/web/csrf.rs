//! CSRF protection: every POST carries the session's token, in a hidden form field
//! (`csrf_token`) or, from htmx and fetch, in the `X-CSRF-Token` header. `CsrfForm`
//! parses a form body and refuses it unless the token matches, so a handler that takes
//! one can't forget the check.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use super::errors::WebError;
use super::session::TypedSession;

pub const HEADER: &str = "X-CSRF-Token";
const FIELD: &str = "csrf_token";

/// Accepts the request if the header or `submitted` form field matches the session's
/// token.
pub fn verify(
    req: &HttpRequest,
    session: &TypedSession,
    submitted: Option<&str>,
) -> Result<(), WebError> {
    if session.database_unavailable() {
        let unavailable = crate::db::health::DatabaseUnavailable("reading the session".into());
        return Err(WebError::Internal(anyhow::Error::new(unavailable)));
    }
    let expected = session.existing_csrf_token().ok_or(WebError::Csrf)?;
    let header = req.headers().get(HEADER).and_then(|v| v.to_str().ok());
    let presented = header.or(submitted).ok_or(WebError::Csrf)?;
    if constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// A form with nothing but its CSRF token.
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A form body (repeated fields allowed) whose CSRF token checked out.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            // The app's `PayloadConfig` (`super::MAX_FORM_BYTES`) stops a larger body.
            let body = body.await.map_err(|error| {
                match error.as_error::<actix_web::error::PayloadError>() {
                    Some(actix_web::error::PayloadError::Overflow) => WebError::TooLarge,
                    _ => WebError::BadForm("The form could not be read.".into()),
                }
            })?;
            let submitted = serde_html_form::from_bytes::<Vec<(String, String)>>(&body)
                .ok()
                .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
            let session = TypedSession::from_request(&req, &mut Payload::None)
                .await
                .map_err(|e| anyhow::anyhow!("reading the session: {e}"))?;
            verify(&req, &session, submitted.as_deref())?;
            let form = serde_html_form::from_bytes::<T>(&body)
                .map_err(|e| WebError::BadForm(format!("The form is not valid: {e}")))?;
            Ok(CsrfForm(form))
        })
    }
}

pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
