//! `GET /api/v1/openapi.json`: the API's OpenAPI document, derived from the handlers'
//! `#[utoipa::path]` attributes and their types' `ToSchema` derives as the routes are
//! built (see `documented`), with what belongs to the whole API added here: the info,
//! the server, the bearer security scheme and the schemas every error shares.
//! `docs/openapi.json` is a copy that a test keeps equal to it.

use actix_web::HttpResponse;
use actix_web::web::Data;
use utoipa::openapi::path::{Operation, PathItem, Paths};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Ref, RefOr, Server};
use utoipa::{Modify, OpenApi, ToResponse};

use super::problem::Problem;
use super::schemas::Unavailable;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tokendesk API",
        version = "1.0.0",
        description = "Bearer-token API of tokendesk. Send tokens as \
                       `Authorization: Bearer tdk_…`. Errors are RFC 9457 problem documents."
    ),
    security(("bearer" = [])),
    components(schemas(Problem)),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

/// The `bearer` scheme every operation uses unless it says otherwise, and the `service`
/// and `serviceBasic` schemes of the endpoints only the platform's services may call.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tdk_ + 30 base62 + 6 base62 CRC32")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "service",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tds_ + 30 base62 + 6 base62 CRC32 (a service credential)")
                    .description(Some(
                        "A service credential from `tokendesk service add --name NAME`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "serviceBasic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "The service's name as user name and its tds_ secret as password.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The whole document: the operations routed under `prefix` and the schemas they
/// refer to, with what `ApiDoc` says of the API; each operation that may need the
/// database (all but this document's) may answer 503.
pub fn build(prefix: &str, paths: Paths, schemas: Vec<(String, RefOr<Schema>)>) -> Document {
    let mut document = ApiDoc::openapi();
    document.servers = Some(vec![Server::new(prefix)]);
    document.paths = paths;
    let (name, unavailable) = Unavailable::response();
    for item in document.paths.paths.values_mut() {
        for operation in operations(item) {
            if operation.operation_id.as_deref() != Some(DOCUMENT_OPERATION) {
                operation
                    .responses
                    .responses
                    .insert("503".to_owned(), Ref::from_response_name(name).into());
            }
        }
    }
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.extend(schemas);
    components.responses.insert(name.to_owned(), unavailable);
    document
}

/// The operation id of `document` (its `#[utoipa::path]`), which answers from memory.
const DOCUMENT_OPERATION: &str = "openapi";

/// Each operation of a path, whatever its method.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    summary = "This document",
    security(()),
    responses(
        (status = 200, description = "The OpenAPI document", body = Object),
    ),
)]
pub async fn document(document: Data<Document>) -> HttpResponse {
    HttpResponse::Ok().json(&**document)
}
