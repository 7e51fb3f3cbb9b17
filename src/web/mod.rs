//! The portal: server-rendered pages, htmx fragments, sign-in and static files. Handlers
//! stay thin: extract, check, call `db` on the blocking pool, render a view model.

mod assets;
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

use actix_web::web::{self, FormConfig};

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
        .service(
            web::scope("/settings/api-tokens")
                .route("", web::get().to(tokens::list::page))
                .route("/{id}", web::get().to(tokens::detail::page)),
        )
        .default_service(web::to(errors::not_found));
}

/// Forms are small: refuse anything larger than 16 KiB.
pub fn form_config() -> FormConfig {
    FormConfig::default().limit(16 * 1024)
}
