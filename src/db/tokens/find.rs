//! One token with everything the details page shows.

use diesel::prelude::*;

use super::super::schema::api_tokens;
use super::list::modules_of;
use super::{SummaryRow, TokenDetail, into_summary, visible};
use crate::domain::{TokenId, Visibility};

type DetailRow = (
    SummaryRow,
    (
        String,
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
        Option<String>,
        Option<String>,
    ),
);

/// The token, if it exists and `visibility` allows it; `None` for both "no such token"
/// and "another account's token", so callers can't tell them apart.
pub fn find(
    conn: &mut PgConnection,
    visibility: &Visibility,
    id: &TokenId,
) -> QueryResult<Option<TokenDetail>> {
    let Some((summary, rest)) = visible(visibility)
        .filter(api_tokens::id.eq(id.as_str().to_owned()))
        .select((
            SummaryRow::as_select(),
            (
                api_tokens::description,
                api_tokens::updated_at,
                api_tokens::disabled_at,
                api_tokens::deleted_at,
                api_tokens::last_access_ip,
                api_tokens::last_access_user_agent,
            ),
        ))
        .first::<DetailRow>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let granted = modules_of(conn, &[id.as_str()])?
        .remove(id.as_str())
        .unwrap_or_default();
    let (description, updated_at, disabled_at, deleted_at, last_access_ip, last_access_user_agent) =
        rest;
    Ok(Some(TokenDetail {
        summary: into_summary(summary, granted)?,
        description,
        updated_at,
        disabled_at,
        deleted_at,
        last_access_ip,
        last_access_user_agent,
    }))
}
