//! Turning askama templates into responses.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::htmx;

/// A full page or fragment with this status. A render failure is logged and becomes a
/// plain 500, since the error page itself is a template.
pub fn page_with_status(status: StatusCode, template: &impl Template) -> HttpResponse {
    respond(status, template.render())
}

/// What a dialog's template is told when it is rendered for the page's `<dialog>`
/// (`"in_dialog"`): its title is then an h2, under the h1 of the page behind it; on a
/// page of its own, the title is the page's h1.
const IN_DIALOG: (&str, &dyn std::any::Any) = ("in_dialog", &true);

/// A dialog's content for htmx to swap into the page's `<dialog>`.
pub fn dialog(status: StatusCode, template: &impl Template) -> HttpResponse {
    respond(status, template.render_with_values(&IN_DIALOG))
}

/// A dialog for htmx, or the same dialog as a page of its own otherwise. A dialog that
/// refuses a change (409) found its token, or its tokens, in another state than the
/// page behind it shows: it raises `htmx::TOKENS_CHANGED`, for that page to show them
/// as they are now, and recount its banners.
pub fn dialog_or_page(
    req: &HttpRequest,
    status: StatusCode,
    page: &impl Template,
    dialog_only: &impl Template,
) -> HttpResponse {
    if !htmx::wants_fragment(req) {
        return page_with_status(status, page);
    }
    let mut response = dialog(status, dialog_only);
    if status == StatusCode::CONFLICT {
        htmx::raise(&mut response, htmx::TOKENS_CHANGED);
    }
    response
}

fn respond(status: StatusCode, rendered: askama::Result<String>) -> HttpResponse {
    match rendered {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            // Pages show account data: keep them out of shared and back-forward caches.
            .insert_header(CacheControl(vec![CacheDirective::NoStore]))
            // A list or a details page answers an htmx request, and one from its
            // refresh behind a dialog, with different bodies.
            .insert_header((header::VARY, "HX-Request, HX-Trigger"))
            .body(body),
        Err(error) => {
            tracing::error!(%error, "rendering a template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong.")
        }
    }
}

pub fn page(template: &impl Template) -> HttpResponse {
    page_with_status(StatusCode::OK, template)
}

/// The fragment for htmx, the full page otherwise (both from one template).
pub fn full_or_fragment(
    req: &HttpRequest,
    status: StatusCode,
    full: &impl Template,
    fragment: &impl Template,
) -> HttpResponse {
    if super::htmx::wants_fragment(req) {
        page_with_status(status, fragment)
    } else {
        page_with_status(status, full)
    }
}
