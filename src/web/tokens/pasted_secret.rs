//! A token's secret pasted into the list's search box, as someone holding a leaked
//! value will: it is searched for as the id of the token that has it (if the viewer
//! may see that token), or else as its visible prefix (which finds nothing, and says
//! what was searched for), never as itself. The list then redirects to that search, so
//! the secret is kept in no address bar, history entry, access log line (which drops
//! secrets from targets too, `domain::secret::without_secrets`) or export's audit event.

use crate::db::tokens;
use crate::domain::token_list_query::TokenListQuery;
use crate::domain::{TokenSecret, Visibility};
use crate::state::AppState;
use crate::web::errors::WebError;

/// `query`, searching for what the secret in its search stands for, if it holds one;
/// `None` if it holds none.
pub async fn searched_instead(
    state: &AppState,
    visibility: &Visibility,
    query: &TokenListQuery,
) -> Result<Option<TokenListQuery>, WebError> {
    let Some(secret) = query
        .search
        .as_deref()
        .and_then(|search| TokenSecret::parse(search).ok())
    else {
        return Ok(None);
    };
    let visibility = visibility.clone();
    let digest = secret.digest();
    let id = state
        .db(
            "finding the token a pasted secret belongs to",
            move |conn| tokens::id_by_secret(conn, &visibility, &digest),
        )
        .await?;
    let search = id.map_or_else(|| secret.visible_prefix().to_owned(), |id| id.to_string());
    Ok(Some(
        TokenListQuery {
            search: Some(search),
            ..query.clone()
        }
        .first_page(),
    ))
}
