//! Turning askama templates into responses.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

/// A full page or fragment with this status. A render failure is logged and becomes a
/// plain 500, since the error page itself is a template.
pub fn page_with_status(status: StatusCode, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            // Pages show account data: keep them out of shared and back-forward caches.
            .insert_header(CacheControl(vec![CacheDirective::NoStore]))
            .insert_header((header::VARY, "HX-Request"))
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
