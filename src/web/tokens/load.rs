//! Loading a token the signed-in admin may change: anything else is the same 404.

use actix_web::HttpRequest;

use crate::app::AppState;
use chrono::Utc;

use crate::db::tokens::{self, ChangeContext, TokenDetail};
use crate::domain::{Actor, TokenId, Visibility};
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;

pub async fn admins_token(
    state: &AppState,
    admin: &AccountAdmin,
    raw_id: &str,
) -> Result<(TokenId, TokenDetail), WebError> {
    let not_found = || WebError::NotFound(Some(admin.chrome()));
    let id = TokenId::parse(raw_id).map_err(|_| not_found())?;
    let visibility = Visibility::Account(admin.account.clone());
    let lookup = id.clone();
    let detail = state
        .db(move |conn| tokens::find(conn, &visibility, &lookup))
        .await?
        .ok_or_else(not_found)?;
    Ok((id, detail))
}

/// The change `admin` asks for on token `id`, from this request's address, now.
pub fn change_context(req: &HttpRequest, admin: &AccountAdmin, id: &TokenId) -> ChangeContext {
    ChangeContext {
        account: admin.account.clone(),
        token: id.clone(),
        actor: Actor::User(admin.signed_in.user.id.clone()),
        ip: client_ip(req),
        now: Utc::now(),
    }
}

/// The address the request came from, for the audit log.
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    crate::app::request_ip(req)
}
