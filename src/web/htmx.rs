//! What htmx tells the server about a request.

use actix_web::HttpRequest;

/// Whether to answer with a fragment: an htmx request, but not htmx restoring a page
/// from history (that needs the full page).
pub fn wants_fragment(req: &HttpRequest) -> bool {
    let has = |name: &str| req.headers().contains_key(name);
    has("HX-Request") && !has("HX-History-Restore-Request")
}
