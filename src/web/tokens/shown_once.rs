//! The dialog that shows a token's secret in full, once, with a copy button: after
//! creating a token and after rotating one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::web::chrome::Chrome;
use crate::web::{htmx, render};

#[derive(Template)]
#[template(path = "tokens/created.html", blocks = ["dialog"])]
pub(super) struct SecretShownOnce {
    pub chrome: Option<Chrome>,
    pub title: &'static str,
    pub name: String,
    pub token_id: String,
    pub secret: String,
    /// What became of the secret it replaces, after a rotation.
    pub old_secret_note: Option<String>,
    /// Where "Done" goes.
    pub done_href: String,
}

impl SecretShownOnce {
    /// As a dialog, it raises `htmx::TOKENS_CHANGED`, for the list behind it (if it is
    /// over the list) to show the token as it is now: the dialog may be closed with
    /// Escape instead of "Done", whose link reloads the page.
    pub fn respond(&self, req: &HttpRequest, status: StatusCode) -> HttpResponse {
        let mut response = render::dialog_or_page(req, status, self, &self.as_dialog());
        if htmx::wants_fragment(req) {
            htmx::raise(&mut response, htmx::TOKENS_CHANGED);
        }
        response
    }
}
