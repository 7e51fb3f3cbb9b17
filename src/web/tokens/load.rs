//! Loading a token the signed-in admin may change: anything else is the same 404.

use crate::db::tokens::{self, TokenDetail};
use crate::domain::{TokenId, Visibility};
use crate::state::AppState;
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
        .db("loading the token to change", move |conn| {
            tokens::find(conn, &visibility, &lookup)
        })
        .await?
        .ok_or_else(not_found)?;
    Ok((id, detail))
}
