//! `POST /settings/api-tokens/{id}/secret`: reveals a token's value to an account admin,
//! recorded in the audit log. Scripts (show, hide, copy) ask for `text/plain`; without
//! JavaScript the details page is shown with the value in place.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, web};

use super::detail::{self, Tab};
use super::load::admins_token;
use crate::db::tokens::{self, Outcome};
use crate::domain::Visibility;
use crate::state::AppState;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;

pub async fn reveal(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    raw_id: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let (id, _) = admins_token(&state, &admin, &raw_id).await?;
    let ctx = admin.acting(&req).on(id.clone());
    let outcome = state
        .db("revealing a token's secret", move |conn| {
            tokens::reveal(conn, &ctx)
        })
        .await?;
    let wants_text = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/plain"));
    let ciphertext = match outcome {
        Outcome::Done(ciphertext) => ciphertext,
        Outcome::Refused(refusal) if wants_text => {
            return Ok(HttpResponse::Conflict()
                .content_type("text/plain; charset=utf-8")
                .body(refusal.to_string()));
        }
        Outcome::Refused(_)
        | Outcome::Exceeds(_)
        | Outcome::BreaksPolicy(_)
        | Outcome::NotFound => {
            return Err(WebError::NotFound(Some(admin.chrome())));
        }
    };
    let secret = state
        .cipher
        .decrypt(&id, &ciphertext)
        .map_err(|e| WebError::SecretUnavailable(e.to_string()))?;
    tracing::info!(token_id = %id, "token secret revealed");
    if wants_text {
        return Ok(HttpResponse::build(StatusCode::OK)
            .content_type("text/plain; charset=utf-8")
            .insert_header(CacheControl(vec![CacheDirective::NoStore]))
            .body(secret.expose().to_owned()));
    }
    let visibility = Visibility::Account(admin.account.clone());
    detail::show(
        &req,
        &state,
        admin.signed_in.chrome,
        visibility,
        true,
        id.as_str(),
        Tab::General,
        Some(secret.expose().to_owned()),
    )
    .await
}
