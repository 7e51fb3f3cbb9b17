//! The portal: server-rendered pages, htmx fragments, sign-in and static files. Handlers
//! stay thin: extract, check, call `db` on the blocking pool, render a view model.

mod assets;
mod audit;
mod chrome;
mod csrf;
mod current_user;
mod errors;
mod health;
mod htmx;
mod login;
mod render;
mod session;
mod time_view;
mod tokens;
mod view;

use actix_web::web::{self, FormConfig, PayloadConfig};

pub use errors::WebError;

/// Every portal route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(login::home))
        .route("/healthz", web::get().to(health::live))
        .route("/readyz", web::get().to(health::ready))
        .route("/login", web::get().to(login::form))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(login::logout))
        .route("/static/{path:.*}", web::get().to(assets::serve))
        .route("/settings/audit", web::get().to(audit::page))
        .service(
            // Fixed paths before `{id}` and `{action}`: actix matches in this order.
            web::scope("/settings/api-tokens")
                .route("", web::get().to(tokens::list::page))
                .route("", web::post().to(tokens::create::submit))
                .route("/new", web::get().to(tokens::create::form))
                .route("/export.csv", web::get().to(tokens::export::csv))
                .route("/{id}", web::get().to(tokens::detail::page))
                .route("/{id}/menu", web::get().to(tokens::menu::menu))
                .route("/{id}/edit", web::get().to(tokens::edit::form))
                .route("/{id}/edit", web::post().to(tokens::edit::submit))
                .route("/{id}/secret", web::post().to(tokens::secret::reveal))
                .route("/{id}/{action}", web::get().to(tokens::transition::confirm))
                .route("/{id}/{action}", web::post().to(tokens::transition::apply)),
        )
        .default_service(web::to(errors::not_found));
}

/// The largest form body any form may send.
pub const MAX_FORM_BYTES: usize = crate::state::MAX_BODY_BYTES;

/// `web::Form` bodies obey `MAX_FORM_BYTES`.
pub fn form_config() -> FormConfig {
    FormConfig::default().limit(MAX_FORM_BYTES)
}

/// Raw bodies (what `CsrfForm` reads) obey `MAX_FORM_BYTES` too.
pub fn payload_config() -> PayloadConfig {
    PayloadConfig::new(MAX_FORM_BYTES)
}
