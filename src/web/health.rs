//! Liveness and readiness probes. Liveness needs nothing; readiness asks the database,
//! waiting at most `READY_WITHIN` for a connection so a probe answers within a second
//! during an outage. A database too busy to answer is still there: an instance whose
//! every connection is at work is ready (taking every loaded instance out of service at
//! once would be the outage).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use diesel::RunQueryDsl;

use crate::db::health::{is_temporary, is_unavailable};
use crate::state::AppState;

/// How long readiness waits for a database connection.
const READY_WITHIN: Duration = Duration::from_millis(800);

/// The process is up.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The process can reach its database.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let probe = state
        .db_within(READY_WITHIN, "checking readiness", |conn| {
            diesel::sql_query("SELECT 1").execute(conn).map(drop)
        })
        .await;
    match probe {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(error) if !is_unavailable(&error) && is_temporary(&error) => {
            tracing::debug!(error = format!("{error:#}"), "ready, and busy");
            HttpResponse::Ok()
                .content_type("text/plain")
                .body("ready (busy)")
        }
        Err(error) => {
            tracing::debug!(error = format!("{error:#}"), "not ready");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .insert_header((
                    "Retry-After",
                    crate::db::health::RETRY_AFTER_SECONDS.to_string(),
                ))
                .body("database unavailable")
        }
    }
}
