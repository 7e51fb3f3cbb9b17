//! Finding the token a presented secret belongs to, by its SHA-256 digest: the lookup
//! on every authenticated API request. A secret a rotation replaced still finds its
//! token, with the end of its grace period, which is checked on every request.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::super::schema::{api_tokens, token_modules};
use crate::domain::verification::Grant;
use crate::domain::{AccountId, ModuleId, Scope, SecretDigest, TokenId, TokenStatus, UserId};

/// What a digest belongs to. The grant is shared: the cache hands out the one it holds
/// on every request, not a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Arc<Grant>),
    /// A token that was deleted: it can never be used again.
    Deleted,
    Unknown,
}

/// The columns a grant is made of, besides its modules.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
struct GrantRow {
    id: TokenId,
    account_id: AccountId,
    name: String,
    scope: Scope,
    status: TokenStatus,
    created_by: UserId,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    previous_secret_digest: Option<Vec<u8>>,
    previous_secret_ends_at: Option<DateTime<Utc>>,
    allowed_addresses: Vec<String>,
    rate_limit_per_minute: Option<i32>,
}

pub fn by_digest(conn: &mut PgConnection, digest: &SecretDigest) -> QueryResult<Lookup> {
    let row: Option<GrantRow> = api_tokens::table
        .filter(
            api_tokens::secret_digest
                .eq(digest.as_bytes())
                .or(api_tokens::previous_secret_digest.eq(digest.as_bytes())),
        )
        .select(GrantRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else {
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
    let modules: Vec<ModuleId> = token_modules::table
        .filter(token_modules::token_id.eq(&row.id))
        .order(token_modules::module_id)
        .select(token_modules::module_id)
        .load(conn)?;
    let replaced = row.previous_secret_digest.as_deref() == Some(digest.as_bytes());
    let (allowed_addresses, rate_limit) =
        super::limits_of(&row.allowed_addresses, row.rate_limit_per_minute)?;
    Ok(Lookup::Found(Arc::new(Grant {
        token_id: row.id,
        account_id: row.account_id,
        name: row.name,
        scope: row.scope,
        modules,
        status: row.status,
        created_by: row.created_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        secret_ends_at: row.previous_secret_ends_at.filter(|_| replaced),
        allowed_addresses,
        rate_limit,
    })))
}
