//! The portal: server-rendered pages, htmx fragments, sign-in and static files. Handlers
//! stay thin: extract, check, call `db` on the blocking pool, render a view model.

mod assets;
mod audit;
mod chrome;
mod csrf;
mod current_user;
mod demo_reset;
mod errors;
mod health;
mod htmx;
mod login;
mod login_csrf;
pub mod password_checks;
mod render;
mod session;
pub(crate) mod session_failures;
mod session_store;
mod sessions;
mod time_view;
mod token_policy;
mod tokens;
mod view;

use actix_web::error::UrlencodedError;
use actix_web::web::{self, FormConfig, PayloadConfig, QueryConfig};

pub(crate) use errors::ErrorLogged;
pub use errors::WebError;
pub use password_checks::{PasswordCheckLimits, PasswordChecks};
pub use session_store::PgSessionStore;

/// Declares the portal's routes once: `public_routes` and `session_routes` register
/// them in this order (fixed paths before `{id}` and `{action}`, as actix matches in
/// order) and `ROUTES` lists them all, so a test can hold every route to an access
/// table. Public routes are served without reading a session, so a request for a
/// static file or a probe never costs a database read for a cookie it carries.
macro_rules! portal_routes {
    (
        public: { $($pm:ident $pp:literal => $ph:path,)* }
        signed_in: { $($sm:ident $sp:literal => $sh:path,)* }
    ) => {
        /// Method and path of every portal route, in the order they are matched.
        pub const ROUTES: &[(&str, &str)] = &[
            $((stringify!($pm), $pp),)*
            $((stringify!($sm), $sp),)*
        ];

        /// The routes that need no session: probes and static files.
        pub fn public_routes(cfg: &mut web::ServiceConfig) {
            $(cfg.route($pp, web::$pm().to($ph));)*
        }

        /// The routes that read people's sessions, and the fallback for unknown paths.
        pub fn session_routes(cfg: &mut web::ServiceConfig) {
            $(cfg.route($sp, web::$sm().to($sh));)*
            cfg.app_data(query_config());
            cfg.default_service(web::to(errors::not_found));
        }
    };
}

portal_routes! {
    public: {
        get "/healthz" => health::live,
        get "/readyz" => health::ready,
        get "/static/{path:.*}" => assets::serve,
        get "/favicon.ico" => assets::favicon,
    }
    signed_in: {
        get "/" => login::home,
        get "/login" => login::form,
        post "/login" => login::submit,
        post "/logout" => login::logout,
        get "/settings/audit" => audit::page,
        get "/settings/sessions" => sessions::page,
        get "/settings/token-policy" => token_policy::page,
        post "/settings/token-policy" => token_policy::save,
        post "/settings/sessions/end-others" => sessions::end_others,
        post "/settings/sessions/{id}/end" => sessions::end_one,
        get "/settings/api-tokens" => tokens::list::page,
        post "/settings/api-tokens" => tokens::create::submit,
        get "/settings/api-tokens/new" => tokens::create::form,
        get "/settings/api-tokens/export.csv" => tokens::export::csv,
        post "/settings/api-tokens/bulk" => tokens::bulk::confirm::confirm,
        post "/settings/api-tokens/bulk/apply" => tokens::bulk::apply::apply,
        get "/settings/api-tokens/{id}" => tokens::detail::page,
        get "/settings/api-tokens/{id}/menu" => tokens::menu::menu,
        get "/settings/api-tokens/{id}/edit" => tokens::edit::form,
        post "/settings/api-tokens/{id}/edit" => tokens::edit::submit,
        post "/settings/api-tokens/{id}/secret" => tokens::secret::reveal,
        get "/settings/api-tokens/{id}/rotate" => tokens::rotate::confirm,
        post "/settings/api-tokens/{id}/rotate" => tokens::rotate::apply,
        get "/settings/api-tokens/{id}/{action}" => tokens::transition::confirm,
        post "/settings/api-tokens/{id}/{action}" => tokens::transition::apply,
    }
}

/// Method and path of the routes served only with `serve --demo`.
pub const DEMO_ROUTES: &[(&str, &str)] = &[("post", "/demo/reset")];

/// The routes served only with `serve --demo`: no session, like the public ones.
pub fn demo_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/demo/reset", web::post().to(demo_reset::reset));
}

/// The largest form body any form may send.
pub const MAX_FORM_BYTES: usize = crate::state::MAX_BODY_BYTES;

/// `web::Form` bodies obey `MAX_FORM_BYTES` (413 past it); a form that does not fit
/// its fields gets the portal's error page.
pub fn form_config() -> FormConfig {
    FormConfig::default()
        .limit(MAX_FORM_BYTES)
        .error_handler(|error, _| match error {
            UrlencodedError::Overflow { .. } => WebError::TooLarge.into(),
            other => WebError::BadForm(format!("The form is not valid: {other}")).into(),
        })
}

/// A query string that does not fit a page's parameters (a repeated one, say) gets the
/// portal's error page.
fn query_config() -> QueryConfig {
    QueryConfig::default().error_handler(|error, _| {
        WebError::BadForm(format!("The address is not valid: {error}")).into()
    })
}

/// Raw bodies (what `CsrfForm` reads) obey `MAX_FORM_BYTES` too.
pub fn payload_config() -> PayloadConfig {
    PayloadConfig::new(MAX_FORM_BYTES)
}
