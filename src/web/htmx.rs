//! What htmx tells the server about a request.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

/// Whether to answer with a fragment: an htmx request, but not htmx restoring a page
/// from history (that needs the full page).
pub fn wants_fragment(req: &HttpRequest) -> bool {
    let has = |name: &str| req.headers().contains_key(name);
    has("HX-Request") && !has("HX-History-Restore-Request")
}

/// Tells htmx which URL to put in the address bar for this response.
pub fn push_url(response: &mut HttpResponse, url: &str) {
    if let Ok(value) = HeaderValue::from_str(url) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("hx-push-url"), value);
    }
}
