//! `POST /demo/reset`, routed only when serving with `--demo`: puts the demo back in its
//! first state (see `demo::reset`) for suites that can't run `tokendesk demo reset`,
//! then drops this instance's cached tokens and the uses it still holds of the tokens
//! replaced, so the API answers from the reset state at once (other instances hear of
//! it through NOTIFY). It needs no session, but only `Content-Type: application/json`:
//! a plain cross-site form can't send that, and a cross-site script that tries is held
//! to a CORS preflight this server never grants.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::errors::WebError;
use crate::db::blocking;
use crate::demo;
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
    let cipher = state.cipher.clone();
    let wait = state.pool.connection_timeout();
    let done = blocking::with_connection(
        &state.pool,
        &state.database,
        wait,
        "resetting the demo",
        move |conn| demo::reset(conn, &cipher, chrono::Utc::now()),
    )
    .await
    .map_err(WebError::Internal)?;
    state.cache.clear();
    state.recorder.forget(&done.replaced);
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
