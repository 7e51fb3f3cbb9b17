//! The JSON API under `/api/v1`: bearer-token authentication, `whoami`, and `verify`
//! for the platform's other services. Errors are `application/problem+json`.

mod bearer;
mod openapi;
mod problem;
mod tokens;
mod verify;
mod whoami;

use actix_web::web;

pub use bearer::Caller;
pub use problem::ApiError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(
                web::JsonConfig::default()
                    .limit(16 * 1024)
                    .error_handler(|error, _| {
                        ApiError::BadRequest(format!(
                            "The request body is not valid JSON for this endpoint: {error}"
                        ))
                        .into()
                    }),
            )
            .route("/openapi.json", web::get().to(openapi::document))
            .route("/whoami", web::get().to(whoami::whoami))
            .route("/verify", web::post().to(verify::verify))
            .configure(tokens::routes),
    );
}
