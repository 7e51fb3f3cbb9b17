//! Finding the token a presented secret belongs to, by its SHA-256 digest: the lookup
//! on every authenticated API request.

use diesel::prelude::*;

use super::super::schema::{api_tokens, token_modules};
use super::super::stored;
use crate::domain::verification::Grant;
use crate::domain::{AccountId, ModuleId, Scope, SecretDigest, TokenId, TokenStatus};

/// What a digest belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Grant),
    /// A token that was deleted: it can never be used again.
    Deleted,
    Unknown,
}

type GrantRow = (
    String,
    String,
    String,
    String,
    String,
    Option<chrono::DateTime<chrono::Utc>>,
);

pub fn by_digest(conn: &mut PgConnection, digest: &SecretDigest) -> QueryResult<Lookup> {
    let row: Option<GrantRow> = api_tokens::table
        .filter(api_tokens::secret_digest.eq(digest.as_bytes()))
        .select((
            api_tokens::id,
            api_tokens::account_id,
            api_tokens::name,
            api_tokens::scope,
            api_tokens::status,
            api_tokens::expires_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, account_id, name, scope, status, expires_at)) = row else {
        let deleted = diesel::select(diesel::dsl::exists(
            api_tokens::table.filter(api_tokens::deleted_digest.eq(digest.as_bytes())),
        ))
        .get_result::<bool>(conn)?;
        return Ok(if deleted {
            Lookup::Deleted
        } else {
            Lookup::Unknown
        });
    };
    let modules = token_modules::table
        .filter(token_modules::token_id.eq(&id))
        .order(token_modules::module_id)
        .select(token_modules::module_id)
        .load::<String>(conn)?
        .iter()
        .map(|m| stored(ModuleId::parse(m)))
        .collect::<QueryResult<_>>()?;
    Ok(Lookup::Found(Grant {
        token_id: stored(TokenId::parse(&id))?,
        account_id: stored(AccountId::parse(&account_id))?,
        name,
        scope: stored(Scope::parse(&scope))?,
        modules,
        status: stored(TokenStatus::parse(&status))?,
        expires_at,
    }))
}
