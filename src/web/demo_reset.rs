//! `POST /demo/reset`, routed only when serving with `--demo`: puts the demo back in its
//! first state for suites that can't run `tokendesk demo reset`, through the path every
//! change of a token takes (`TokenChanges::reset_demo`), so the API answers from the
//! reset state at once, here and on every other instance. It needs no session, but only
//! `Content-Type: application/json`: a plain cross-site form can't send that, and a
//! cross-site script that tries is held to a CORS preflight this server never grants.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::errors::WebError;
use crate::db::blocking;
use crate::state::AppState;

/// What the reset answers.
#[derive(Serialize)]
struct ResetAnswer {
    reset: bool,
    accounts: Vec<String>,
    people: usize,
    tokens: usize,
}

pub async fn reset(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    if !sends_json(&req) {
        return Ok(HttpResponse::UnsupportedMediaType()
            .content_type(ContentType::plaintext())
            .body("POST /demo/reset takes Content-Type: application/json (a body of {} will do)"));
    }
    let changes = state.changes.clone();
    let wait = state.pool.connection_timeout();
    let done = blocking::with_connection(
        &state.pool,
        &state.database,
        wait,
        "resetting the demo",
        move |conn| changes.reset_demo(conn, chrono::Utc::now()),
    )
    .await
    .map_err(WebError::Internal)?;
    tracing::info!(tokens = done.tokens, "the demo was reset");
    Ok(HttpResponse::Ok().json(ResetAnswer {
        reset: true,
        accounts: done.accounts.iter().map(ToString::to_string).collect(),
        people: done.people,
        tokens: done.tokens,
    }))
}

fn sends_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}
