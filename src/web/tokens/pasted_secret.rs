//! A token's secret pasted into the list's search box, as someone holding a leaked
//! value will (bare, or as an `Authorization` header's `Bearer …`): it is searched for
//! as the id of the token that has it (if the viewer may see that token), or else as
//! its visible prefix (which finds nothing, and says what was searched for), never as
//! itself. A service's `tds_` secret, or a mistyped one, is cut to its prefix too. The
//! list then redirects to that search, so the secret is kept in no address bar, history
//! entry, access log line (which drops secrets from targets too,
//! `domain::secret::without_secrets`) or export's audit event.

use crate::db::tokens;
use crate::domain::Visibility;
use crate::domain::secret::PastedSecrets;
use crate::domain::token_list_query::TokenListQuery;
use crate::state::AppState;
use crate::web::errors::WebError;

/// `query`, searching for what the secrets in `typed` stand for, if it holds any;
/// `None` if it holds none. `typed` is the search as it came, before it was cut to the
/// length a search may have: a secret pasted after a long text may lie beyond the cut.
pub async fn searched_instead(
    state: &AppState,
    visibility: &Visibility,
    typed: Option<&str>,
    query: &TokenListQuery,
) -> Result<Option<TokenListQuery>, WebError> {
    let Some(pasted) = typed.and_then(PastedSecrets::find) else {
        return Ok(None);
    };
    let id = match pasted.token_secret() {
        Some(secret) => {
            let visibility = visibility.clone();
            let digest = secret.digest();
            state
                .db(
                    "finding the token a pasted secret belongs to",
                    move |conn| tokens::id_by_secret(conn, &visibility, &digest),
                )
                .await?
        }
        None => None,
    };
    let search = id.map_or_else(|| pasted.cut_to_visible_prefixes(), |id| id.to_string());
    Ok(Some(query.searching_for(&search)))
}
