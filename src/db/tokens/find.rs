//! One token with everything the details page shows, or several as the list shows them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::super::schema::{api_tokens, token_last_access};
use super::list::{modules_of, with_modules};
use super::{FoundInPublic, SummaryRow, TokenDetail, TokenSummary, into_summary, visible};
use crate::domain::leak_report::LeakLocation;
use crate::domain::{SecretDigest, TokenId, Visibility};

/// The summary's columns and the ones only the details page shows.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
struct DetailRow {
    #[diesel(embed)]
    summary: SummaryRow,
    description: String,
    updated_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
    #[diesel(select_expression = token_last_access::ip)]
    last_access_ip: Option<String>,
    #[diesel(select_expression = token_last_access::user_agent)]
    last_access_user_agent: Option<String>,
    #[diesel(select_expression = token_last_access::via)]
    last_access_via: Option<String>,
    previous_secret_ends_at: Option<DateTime<Utc>>,
    allowed_addresses: Vec<String>,
    rate_limit_per_minute: Option<i32>,
    leaked_at: Option<DateTime<Utc>>,
    leak_url: Option<String>,
    leak_source: Option<String>,
}

/// The token, if it exists and `visibility` allows it; `None` for both "no such token"
/// and "another account's token", so callers can't tell them apart.
pub fn find(
    conn: &mut PgConnection,
    visibility: &Visibility,
    id: &TokenId,
) -> QueryResult<Option<TokenDetail>> {
    let Some(row) = visible(visibility)
        .filter(api_tokens::id.eq(id.clone()))
        .select(DetailRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let granted = modules_of(conn, std::slice::from_ref(id))?
        .remove(id)
        .unwrap_or_default();
    let (allowed_addresses, rate_limit) =
        super::limits_of(&row.allowed_addresses, row.rate_limit_per_minute)?;
    Ok(Some(TokenDetail {
        summary: into_summary(row.summary, granted),
        description: row.description,
        updated_at: row.updated_at,
        disabled_at: row.disabled_at,
        deleted_at: row.deleted_at,
        last_access_ip: row.last_access_ip,
        last_access_user_agent: row.last_access_user_agent,
        last_access_via: row.last_access_via,
        old_secret_ends_at: row.previous_secret_ends_at,
        allowed_addresses,
        rate_limit,
        found_in_public: row.leaked_at.map(|at| FoundInPublic {
            at,
            location: LeakLocation::new(row.leak_url.as_deref(), row.leak_source.as_deref()),
        }),
    }))
}

/// The tokens of `ids` that `visibility` allows, as the list shows them, in no
/// particular order; an id it does not allow is left out exactly like an unknown one.
pub fn find_many(
    conn: &mut PgConnection,
    visibility: &Visibility,
    ids: &[TokenId],
) -> QueryResult<Vec<TokenSummary>> {
    let rows: Vec<SummaryRow> = visible(visibility)
        .filter(api_tokens::id.eq_any(ids.to_vec()))
        .select(SummaryRow::as_select())
        .load(conn)?;
    with_modules(conn, rows)
}

/// The id of the token whose secret, or the secret a rotation replaced, has `digest`,
/// if `visibility` allows it: for a secret pasted where a token is searched for.
pub fn id_by_secret(
    conn: &mut PgConnection,
    visibility: &Visibility,
    digest: &SecretDigest,
) -> QueryResult<Option<TokenId>> {
    visible(visibility)
        .filter(
            api_tokens::secret_digest
                .eq(digest.as_bytes())
                .or(api_tokens::previous_secret_digest.eq(digest.as_bytes())),
        )
        .select(api_tokens::id)
        .first(conn)
        .optional()
}
