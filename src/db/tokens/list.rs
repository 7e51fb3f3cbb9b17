//! The token list: search, filters, sort and one page, with the total count.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::super::modules::Module;
use super::super::schema::{accounts, api_tokens, modules, token_modules};
use super::{BoxedTokens, SummaryRow, TokenSummary, into_summary, visible};
use crate::domain::token_list_query::{
    AccountFilter, PAGE_SIZE, SortDirection, SortKey, StatusFilter, TokenListQuery, UnusedFilter,
};
use crate::domain::{TokenId, TokenStatus, Visibility};

#[declare_sql_function]
extern "SQL" {
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// One page of the list and how many tokens match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPage {
    pub tokens: Vec<TokenSummary>,
    pub total: i64,
}

/// `limit` tokens of the filtered, sorted list from `offset` on, with their modules:
/// the export reads the whole list this way, a chunk at a time.
pub fn chunk(
    conn: &mut PgConnection,
    visibility: &Visibility,
    query: &TokenListQuery,
    now: DateTime<Utc>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<TokenSummary>> {
    let rows: Vec<SummaryRow> = sorted(filtered(visibility, query, now), query)
        .select(SummaryRow::as_select())
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    let ids: Vec<TokenId> = rows.iter().map(|row| row.id.clone()).collect();
    let mut modules = modules_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let granted = modules.remove(&row.id).unwrap_or_default();
            into_summary(row, granted)
        })
        .collect())
}

pub fn list(
    conn: &mut PgConnection,
    visibility: &Visibility,
    query: &TokenListQuery,
    now: DateTime<Utc>,
) -> QueryResult<TokenPage> {
    let total = filtered(visibility, query, now).count().get_result(conn)?;
    let tokens = chunk(conn, visibility, query, now, query.offset(), PAGE_SIZE)?;
    Ok(TokenPage { tokens, total })
}

/// The modules granted to each of `ids`, in catalog order, in one query.
pub(super) fn modules_of(
    conn: &mut PgConnection,
    ids: &[TokenId],
) -> QueryResult<HashMap<TokenId, Vec<Module>>> {
    let rows: Vec<(TokenId, Module)> = token_modules::table
        .inner_join(modules::table)
        .filter(token_modules::token_id.eq_any(ids))
        .order((token_modules::token_id, modules::position))
        .select((token_modules::token_id, Module::as_select()))
        .load(conn)?;
    let mut by_token: HashMap<TokenId, Vec<Module>> = HashMap::new();
    for (token_id, module) in rows {
        by_token.entry(token_id).or_default().push(module);
    }
    Ok(by_token)
}

fn filtered(
    visibility: &Visibility,
    query: &TokenListQuery,
    now: DateTime<Utc>,
) -> BoxedTokens<'static> {
    let mut tokens = visible(visibility);
    if let Some(search) = &query.search {
        let pattern = format!("%{}%", escape_like(search));
        tokens = tokens.filter(
            api_tokens::name
                .ilike(pattern.clone())
                .or(api_tokens::id.ilike(pattern)),
        );
    }
    tokens = match query.status {
        StatusFilter::Current => {
            tokens.filter(api_tokens::status.eq_any([TokenStatus::Active, TokenStatus::Disabled]))
        }
        StatusFilter::Active => tokens.filter(
            api_tokens::status.eq(TokenStatus::Active).and(
                api_tokens::expires_at
                    .is_null()
                    .or(api_tokens::expires_at.gt(now)),
            ),
        ),
        StatusFilter::Expired => tokens.filter(
            api_tokens::status
                .eq(TokenStatus::Active)
                .and(api_tokens::expires_at.le(now)),
        ),
        StatusFilter::Disabled => tokens.filter(api_tokens::status.eq(TokenStatus::Disabled)),
        StatusFilter::Deleted => tokens.filter(api_tokens::status.eq(TokenStatus::Deleted)),
        StatusFilter::All => tokens,
    };
    if let Some(module) = &query.module {
        tokens = tokens.filter(
            api_tokens::id.eq_any(
                token_modules::table
                    .filter(token_modules::module_id.eq(module.clone()))
                    .select(token_modules::token_id),
            ),
        );
    }
    tokens = match query.unused {
        Some(UnusedFilter::Days(days)) => {
            let cutoff = now - Duration::days(i64::from(days));
            tokens.filter(
                api_tokens::last_access_at
                    .is_null()
                    .or(api_tokens::last_access_at.lt(cutoff)),
            )
        }
        Some(UnusedFilter::Never) => tokens.filter(api_tokens::last_access_at.is_null()),
        None => tokens,
    };
    if let Some(days) = query.expiring_within_days {
        let until = now + Duration::days(i64::from(days));
        tokens = tokens.filter(
            api_tokens::expires_at
                .gt(now)
                .and(api_tokens::expires_at.le(until)),
        );
    }
    tokens = match &query.account {
        Some(AccountFilter::Id(account)) => {
            tokens.filter(api_tokens::account_id.eq(account.clone()))
        }
        Some(AccountFilter::NameContains(name)) => {
            tokens.filter(accounts::name.ilike(format!("%{}%", escape_like(name))))
        }
        None => tokens,
    };
    tokens
}

fn sorted(tokens: BoxedTokens<'static>, query: &TokenListQuery) -> BoxedTokens<'static> {
    use SortDirection::{Asc, Desc};
    let tokens = match (query.sort, query.effective_direction()) {
        (SortKey::Created, Asc) => tokens.order(api_tokens::created_at.asc()),
        (SortKey::Created, Desc) => tokens.order(api_tokens::created_at.desc()),
        (SortKey::Name, Asc) => tokens.order(lower(api_tokens::name).asc()),
        (SortKey::Name, Desc) => tokens.order(lower(api_tokens::name).desc()),
        // Tokens that never expire come after every expiry, in both directions.
        (SortKey::Expires, Asc) => tokens.order(api_tokens::expires_at.asc().nulls_last()),
        (SortKey::Expires, Desc) => tokens.order(api_tokens::expires_at.desc().nulls_last()),
        // Never used counts as the oldest use: last when newest first.
        (SortKey::LastAccess, Asc) => tokens.order(api_tokens::last_access_at.asc().nulls_first()),
        (SortKey::LastAccess, Desc) => tokens.order(api_tokens::last_access_at.desc().nulls_last()),
    };
    tokens.then_order_by(api_tokens::id.asc())
}

/// Escapes `%`, `_` and `\` so a search matches them literally.
fn escape_like(search: &str) -> String {
    let mut escaped = String::with_capacity(search.len());
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_are_matched_literally() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
