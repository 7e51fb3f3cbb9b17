//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use diesel::RunQueryDsl;

use crate::state::AppState;

/// The process is up.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The process can reach its database.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let probe = state
        .db("checking the database", |conn| {
            diesel::sql_query("SELECT 1").execute(conn)
        })
        .await;
    match probe {
        Ok(_) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(error) => {
            tracing::warn!(error = format!("{error:#}"), "readiness probe failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unavailable")
        }
    }
}
