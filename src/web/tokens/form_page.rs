//! The create and edit dialogs: one template, as a modal for htmx or a page without.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::form_view::FormView;
use crate::web::chrome::Chrome;
use crate::web::render;

#[derive(Template)]
#[template(path = "tokens/form.html", blocks = ["dialog"])]
pub struct FormPage {
    pub chrome: Option<Chrome>,
    pub title: &'static str,
    pub action_url: String,
    pub cancel_url: String,
    pub csrf_token: String,
    pub submit_label: &'static str,
    pub form: FormView,
    /// Why the form can't be saved at all: shown instead of it.
    pub refusal: Option<String>,
    /// Why the form, shown again as entered, was not saved yet: the token changed
    /// elsewhere meanwhile (edit only).
    pub conflict: Option<String>,
}

impl FormPage {
    pub fn respond(&self, req: &HttpRequest, status: StatusCode) -> HttpResponse {
        render::dialog_or_page(req, status, self, &self.as_dialog())
    }
}
