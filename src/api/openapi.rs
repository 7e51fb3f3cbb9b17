//! `GET /api/v1/openapi.json`: the API's OpenAPI document, kept in `docs/openapi.json`
//! (a test checks it against the routes).

use actix_web::HttpResponse;

const DOCUMENT: &str = include_str!("../../docs/openapi.json");

pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT)
}
