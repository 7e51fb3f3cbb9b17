//! Headers on every response: pages, fragments, static files, the API, errors and the
//! fallback alike, and the errors a middleware raises before any handler answers (a
//! session that can't be read, say), which actix's `DefaultHeaders` passes by. A
//! header a handler set itself is left as it is. Powerful browser features are
//! switched off, and other sites may neither frame the pages, hold a window reference
//! to them, nor embed their responses; over https, browsers are told to use nothing
//! else for a year.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::state::AppState;
use crate::web::ErrorLogged;

/// What every response carries.
pub const HEADERS: [(HeaderName, &str); 7] = [
    (
        HeaderName::from_static("content-security-policy"),
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
    ),
    (HeaderName::from_static("x-content-type-options"), "nosniff"),
    (HeaderName::from_static("x-frame-options"), "DENY"),
    (HeaderName::from_static("referrer-policy"), "same-origin"),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
    (
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    ),
];

/// What every response carries when people reach the portal over https.
pub const OVER_HTTPS: (HeaderName, &str) = (
    HeaderName::from_static("strict-transport-security"),
    "max-age=31536000; includeSubDomains",
);

/// Adds the headers to whatever answers `req`: a response, or an error on its way to
/// becoming one (which keeps its status and body, and is logged when it is the
/// server's fault, as no handler logged it, unless its page says it is `ErrorLogged`).
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.portal.secure_cookies());
    match next.call(req).await {
        Ok(mut response) => {
            set(response.headers_mut(), https);
            Ok(response)
        }
        Err(error) => {
            let mut response = error.error_response();
            let logged = response.extensions().contains::<ErrorLogged>();
            if response.status().is_server_error() && !logged {
                tracing::error!(error = %error, "a request failed before a handler answered");
            }
            set(response.headers_mut(), https);
            Err(InternalError::from_response(error, response).into())
        }
    }
}

fn set(headers: &mut HeaderMap, https: bool) {
    for (name, value) in HEADERS.iter().chain(https.then_some(&OVER_HTTPS)) {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), HeaderValue::from_static(value));
        }
    }
}
