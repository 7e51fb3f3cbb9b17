//! Loading what the admin's token pages need: a token the signed-in admin may change
//! (anything else is the same 404), and the module catalog with the account's expiry
//! policy for the create and edit forms.

use crate::db::modules::{self, Module};
use crate::db::token_policy;
use crate::db::tokens::{self, TokenDetail};
use crate::domain::{ExpiryPolicy, TokenId, Visibility};
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

/// The module catalog and the admin's account's expiry policy, for the token forms.
pub async fn catalog_and_policy(
    state: &AppState,
    admin: &AccountAdmin,
) -> Result<(Vec<Module>, ExpiryPolicy), WebError> {
    let account = admin.account.clone();
    Ok(state
        .db("loading the modules and the expiry policy", move |conn| {
            Ok((modules::all(conn)?, token_policy::policy(conn, &account)?))
        })
        .await?)
}
