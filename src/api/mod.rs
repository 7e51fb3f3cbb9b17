//! The JSON API under `/api/v1`: bearer-token authentication, `whoami`, and `verify`,
//! introspection and leak reports for the platform's other services. Errors are
//! `application/problem+json`, and no answer under `/api` may be cached. Each route is
//! registered from its handler's `#[utoipa::path]`, and the OpenAPI document served at
//! `/api/v1/openapi.json` is made from the same attributes as the routes are added.

mod bearer;
mod documented;
mod introspect;
mod leaks;
mod openapi;
mod problem;
mod schemas;
mod service;
mod tokens;
mod verify;
mod whoami;

use actix_web::error::{JsonPayloadError, UrlencodedError};
use actix_web::http::{Method, header};
use actix_web::middleware::DefaultHeaders;
use actix_web::web;

pub use bearer::Caller;
pub use problem::ApiError;

use documented::{Built, Documented};

use crate::domain::secret;

/// The prefix of every API path, and the document's one server.
const PREFIX: &str = "/api/v1";

/// The API's routes, and a problem+json 404 for any other path under `/api`. Nothing
/// the API answers may be kept by a cache: not a token's details, nor a refusal.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let api = build();
    cfg.service(
        api.scope
            .app_data(web::Data::new(api.document))
            .default_service(web::to(no_such_endpoint))
            .wrap(actix_web::middleware::from_fn(bearer::rate_limit_headers))
            .wrap(no_store()),
    );
    cfg.service(
        web::scope("/api")
            .default_service(web::to(no_such_endpoint))
            .wrap(no_store()),
    );
}

fn no_store() -> DefaultHeaders {
    DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store"))
}

async fn no_such_endpoint() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NoSuchEndpoint)
}

/// The API's OpenAPI document: what `GET /api/v1/openapi.json` serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    build().document
}

/// Method and full path of every API route, as given to the router.
pub fn routed_operations() -> Vec<(Method, String)> {
    build().routed
}

/// The API's scope, the routes in it, and the document they make.
struct Api {
    scope: actix_web::Scope,
    routed: Vec<(Method, String)>,
    document: utoipa::openapi::OpenApi,
}

/// JSON bodies up to `limit` bytes (413 past it); a body that is not the JSON the
/// endpoint takes is a 400 problem, which `explain` words.
fn json_config(limit: usize, explain: fn(JsonPayloadError) -> String) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |error, _| match error {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                ApiError::TooLarge(limit).into()
            }
            other => ApiError::BadRequest(explain(other)).into(),
        })
}

/// Why a body is not the JSON an endpoint takes, in serde's words, with any secret
/// those words quote (a token sent as a bare string, say) cut to its prefix: the
/// message reaches the answer and the request's log line.
fn not_valid_json(error: JsonPayloadError) -> String {
    secret::without_secrets(&format!(
        "The request body is not valid JSON for this endpoint: {error}"
    ))
}

fn build() -> Api {
    let json = json_config(crate::state::MAX_BODY_BYTES, not_valid_json);
    let form = web::FormConfig::default()
        .limit(crate::state::MAX_BODY_BYTES)
        .error_handler(|error, _| match error {
            UrlencodedError::Overflow { .. } => {
                ApiError::TooLarge(crate::state::MAX_BODY_BYTES).into()
            }
            other => ApiError::BadRequest(secret::without_secrets(&format!(
                "The request body is not a valid form: {other}"
            )))
            .into(),
        });
    let query = web::QueryConfig::default().error_handler(|error, _| {
        ApiError::BadRequest(secret::without_secrets(&format!(
            "The query string is not valid: {error}"
        )))
        .into()
    });
    let Built {
        scope,
        routed,
        paths,
        schemas,
    } = Documented::new(PREFIX)
        .app_data(json)
        .app_data(form)
        .app_data(query)
        .route(openapi::__path_document, openapi::document)
        .route(whoami::__path_whoami, whoami::whoami)
        .route(verify::__path_verify, verify::verify)
        .route(introspect::__path_introspect, introspect::introspect)
        .route_with(
            leaks::__path_report,
            leaks::report,
            json_config(leaks::MAX_REPORT_BYTES, leaks::not_a_report),
        )
        .configure(tokens::routes)
        .finish();
    Api {
        scope,
        routed,
        document: openapi::build(PREFIX, paths, schemas),
    }
}
