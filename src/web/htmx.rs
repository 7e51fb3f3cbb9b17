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

/// The event an answer raises when it showed a new secret in a dialog (a token created
/// or rotated), which the person may close without the reload of its "Done", or when a
/// dialog refused a change because the token is not as the page showed it
/// (`render::dialog_or_page`): the list's results and a token's details page,
/// whichever the dialog is over, listen for it and fetch themselves again
/// (`tokens/list.html`, `tokens/detail.html`).
pub const TOKENS_CHANGED: &str = "tokendesk:tokens-changed";

/// Has htmx raise `event` on the element that made the request, from where it bubbles:
/// the answer's only `HX-Trigger` (a second call replaces the first).
pub fn raise(response: &mut HttpResponse, event: &'static str) {
    response.headers_mut().insert(
        HeaderName::from_static("hx-trigger"),
        HeaderValue::from_static(event),
    );
}

/// Whether htmx sent the request for the element with this id (its `HX-Trigger`).
pub fn triggered_by(req: &HttpRequest, id: &str) -> bool {
    req.headers()
        .get("HX-Trigger")
        .is_some_and(|value| value.as_bytes() == id.as_bytes())
}

/// Sends the browser to `location`: a `303`, or for htmx (which would swap a
/// redirect's page into this one) an `HX-Redirect`, which it follows with a page load.
pub fn navigate(req: &HttpRequest, location: &str) -> HttpResponse {
    if wants_fragment(req) {
        HttpResponse::Ok()
            .insert_header(("hx-redirect", location))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, location))
            .finish()
    }
}
