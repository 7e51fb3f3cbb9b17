//! The token list: search, filters, sort and one page, with a bounded total. A page is
//! found by keyset (the rows after or before a cursor token, in the sort's order), and
//! every sort has an index in that exact order (migrations 000008, 000009 and 000014),
//! so a page deep in a list of a hundred thousand costs what the first page costs.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamptz};

use super::super::bounded_count::count_up_to;
use super::super::modules::Module;
use super::super::schema::{accounts, api_tokens, modules, token_last_access, token_modules};
use super::{SummaryRow, TokenSummary, into_summary, visible};
use crate::domain::list_page::{ListTotal, PageCursor};
use crate::domain::token_list_query::{
    AccountFilter, PAGE_SIZE, SortDirection, SortKey, StatusFilter, TokenListQuery, UnusedFilter,
};
use crate::domain::{AccountId, TokenId, TokenStatus, Visibility};
use crate::domain::{expiry_reminder, leak_report};

/// The tokens that match a query, from `api_tokens` and their last access. The join is
/// an outer one, which PostgreSQL drops altogether when no filter or sort reads the last
/// access (a token has one row there at most), so counting and paging walk one index;
/// `matching` turns it into an inner one when one does, for a page (a count has no sort).
type Matching = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::LeftJoin<api_tokens::table, token_last_access::table>,
    diesel::pg::Pg,
>;

/// One page of the list, how many tokens match in all, and whether pages come before
/// and after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPage {
    pub tokens: Vec<TokenSummary>,
    pub total: ListTotal,
    /// The page is the list's first (whatever its number said).
    pub is_first: bool,
    pub has_next: bool,
}

/// One page of the list and its total, read in one snapshot.
pub fn list(
    conn: &mut PgConnection,
    visibility: &Visibility,
    query: &TokenListQuery,
    now: DateTime<Utc>,
) -> QueryResult<TokenPage> {
    in_one_snapshot(conn, |conn| page_and_total(conn, visibility, query, now))
}

fn page_and_total(
    conn: &mut PgConnection,
    visibility: &Visibility,
    query: &TokenListQuery,
    now: DateTime<Utc>,
) -> QueryResult<TokenPage> {
    let page_size = usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    let mut tokens = read_chunk(conn, visibility, query, None, now, PAGE_SIZE + 1)?;
    let more = tokens.len() > page_size;
    if more {
        let spare = tokens.len() - page_size;
        match query.cursor {
            // Walking back, the token read beyond the page is the one farthest from the
            // cursor: first in the list's order.
            Some(PageCursor::Before(_)) => drop(tokens.drain(..spare)),
            _ => tokens.truncate(page_size),
        }
    }
    let (is_first, has_next) = match query.cursor {
        None => (true, more),
        Some(PageCursor::After(_)) => (false, more),
        // Walking back: the cursor token itself comes after this page.
        Some(PageCursor::Before(_)) => (!more, true),
    };
    let total = if is_first && !has_next {
        // The whole list is on this page: nothing left to count.
        ListTotal::Exact(i64::try_from(tokens.len()).unwrap_or(i64::MAX))
    } else {
        let counted = matching(visibility, query, now, Purpose::Count).select(sql::<Integer>("1"));
        count_up_to(conn, counted, query.count_limit())?
    };
    Ok(TokenPage {
        tokens,
        total,
        is_first,
        has_next,
    })
}

/// How many of `account`'s tokens expire soon (`expiry_reminder::expiring_soon`): the
/// tokens that list shows, counted in one query that walks the account's expiry index
/// over the window alone, without visiting the tokens' rows (migration 000015).
pub fn count_expiring_soon(
    conn: &mut PgConnection,
    account: &AccountId,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    let visibility = Visibility::Account(account.clone());
    matching(
        &visibility,
        &expiry_reminder::expiring_soon(),
        now,
        Purpose::Count,
    )
    .count()
    .get_result(conn)
}

/// How many of `account`'s tokens were found in public and are still disabled
/// (`leak_report::found_in_public`): the tokens that list shows, counted from the index
/// of tokens found in public alone.
pub fn count_found_in_public(conn: &mut PgConnection, account: &AccountId) -> QueryResult<i64> {
    let visibility = Visibility::Account(account.clone());
    matching(
        &visibility,
        &leak_report::found_in_public(),
        Utc::now(),
        Purpose::Count,
    )
    .count()
    .get_result(conn)
}

/// Up to `limit` tokens of the filtered, sorted list, with their modules, for the
/// export: from the first, or those after `after`, the row its previous chunk ended
/// with. That row's sort key is taken as it was read, not as it is now: a token used or
/// renamed since would otherwise move the next chunk's start and repeat or skip rows.
pub fn chunk(
    conn: &mut PgConnection,
    visibility: &Visibility,
    query: &TokenListQuery,
    after: Option<&TokenSummary>,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<TokenSummary>> {
    let query = &query.first_page();
    in_one_snapshot(conn, |conn| {
        read_chunk(conn, visibility, query, after, now, limit)
    })
}

/// Runs `read` in a read-only transaction that sees one snapshot: the page's ids, its
/// rows, their modules and its total are read by separate statements, and a token
/// changed or removed between them must not make a page short (which would end a walk
/// early) or disagree with itself. Inside a caller's transaction, which diesel refuses
/// to open another in before sending anything, the caller's isolation holds.
fn in_one_snapshot<T>(
    conn: &mut PgConnection,
    read: impl Fn(&mut PgConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    match conn
        .build_transaction()
        .read_only()
        .repeatable_read()
        .run(|conn| read(conn))
    {
        Err(diesel::result::Error::AlreadyInTransaction) => read(conn),
        result => result,
    }
}

/// Up to `limit` tokens from the query's cursor on, or after the row `after`.
fn read_chunk(
    conn: &mut PgConnection,
    visibility: &Visibility,
    query: &TokenListQuery,
    after: Option<&TokenSummary>,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<TokenSummary>> {
    let order = Order::of(query);
    let walk = match &query.cursor {
        Some(PageCursor::Before(_)) => order.reversed(),
        _ => order,
    };
    let mut page = matching(visibility, query, now, Purpose::Page);
    if let Some(cursor) = &query.cursor {
        page = walk.past(page, cursor, visibility);
    }
    if let Some(row) = after {
        page = walk.past_row(page, row);
    }
    let mut page_ids: Vec<TokenId> = page
        .order(walk.order_by())
        .select(api_tokens::id)
        .limit(limit)
        .load(conn)?;
    if walk != order {
        page_ids.reverse();
    }
    let rows = rows_in_order(conn, visibility, &page_ids)?;
    with_modules(conn, rows)
}

/// The rows of `ids` that `visibility` allows, in the order of `ids`. Read apart from
/// the page's ids, in a statement of one shape whatever the list's search, filters and
/// sort, so each connection prepares it once: planning the page and its four-table
/// join as one statement took PostgreSQL longer than running it (BENCHMARKS.md,
/// session 14).
fn rows_in_order(
    conn: &mut PgConnection,
    visibility: &Visibility,
    ids: &[TokenId],
) -> QueryResult<Vec<SummaryRow>> {
    let mut rows: Vec<SummaryRow> = visible(visibility)
        .filter(api_tokens::id.eq_any(ids))
        .select(SummaryRow::as_select())
        .load(conn)?;
    let position: HashMap<&TokenId, usize> =
        ids.iter().enumerate().map(|(at, id)| (id, at)).collect();
    rows.sort_by_key(|row| position.get(&row.id).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// `rows` as the list shows them, each with its modules, read in one query.
pub(super) fn with_modules(
    conn: &mut PgConnection,
    rows: Vec<SummaryRow>,
) -> QueryResult<Vec<TokenSummary>> {
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

/// The expiry as the ascending expiry indexes hold it (migration 000008), with `{t}`
/// for the table's name: no expiry is the end of time.
const EXPIRES_KEY: &str = "coalesce({t}.expires_at, 'infinity'::timestamptz)";

/// Where a sort key is kept: the token's own row, or its last access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyTable {
    Tokens,
    LastAccess,
}

impl KeyTable {
    fn name(self) -> &'static str {
        match self {
            Self::Tokens => "api_tokens",
            Self::LastAccess => "token_last_access",
        }
    }

    /// The column holding the token's id.
    fn id_column(self) -> &'static str {
        match self {
            Self::Tokens => "id",
            Self::LastAccess => "token_id",
        }
    }
}

/// A sort as PostgreSQL walks it: the key expression and the direction, the token id
/// breaking ties in the same direction. Each key is written exactly as its index is
/// (migrations 000008 and 000014), with the id of the same table, so the planner reads
/// the index in order and stops at the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Order {
    /// The key, with `{t}` for the name of the table holding it.
    key: &'static str,
    table: KeyTable,
    descending: bool,
}

impl Order {
    fn of(query: &TokenListQuery) -> Self {
        let descending = query.effective_direction() == SortDirection::Desc;
        let (key, table) = match (query.sort, descending) {
            (SortKey::Created, _) => ("{t}.created_at", KeyTable::Tokens),
            (SortKey::Name, _) => ("lower({t}.name)", KeyTable::Tokens),
            // Tokens that never expire come after every expiry, in both directions.
            (SortKey::Expires, false) => (EXPIRES_KEY, KeyTable::Tokens),
            (SortKey::Expires, true) => (
                "coalesce({t}.expires_at, '-infinity'::timestamptz)",
                KeyTable::Tokens,
            ),
            // Never used counts as the oldest use: first oldest first, last newest first.
            (SortKey::LastAccess, _) => (
                "coalesce({t}.at, '-infinity'::timestamptz)",
                KeyTable::LastAccess,
            ),
        };
        Self {
            key,
            table,
            descending,
        }
    }

    fn reversed(self) -> Self {
        Self {
            descending: !self.descending,
            ..self
        }
    }

    fn key_of(self, table: &str) -> String {
        self.key.replace("{t}", table)
    }

    /// The key and the id, as the index holds them.
    fn columns(self) -> (String, String) {
        let table = self.table.name();
        (
            self.key_of(table),
            format!("{table}.{}", self.table.id_column()),
        )
    }

    fn order_by(self) -> SqlLiteral<Text> {
        let direction = if self.descending { "DESC" } else { "ASC" };
        let (key, id) = self.columns();
        sql(&format!("{key} {direction}, {id} {direction}"))
    }

    /// `tokens` narrowed to those that come after `cursor` in this order. The cursor's
    /// key is read from its row, which must be one `visibility` allows: a token of
    /// another account is no cursor, and the page is empty.
    fn past(self, tokens: Matching, cursor: &PageCursor, visibility: &Visibility) -> Matching {
        let id = match cursor {
            PageCursor::After(id) | PageCursor::Before(id) => id.to_string(),
        };
        let comparison = if self.descending { "<" } else { ">" };
        let (key, id_column) = self.columns();
        let head = sql::<Bool>(&format!(
            "({key}, {id_column}) {comparison} ((SELECT {cursor_key} FROM {table} cursor_row \
             WHERE cursor_row.{cursor_id} = ",
            cursor_key = self.key_of("cursor_row"),
            table = self.table.name(),
            cursor_id = self.table.id_column(),
        ))
        .bind::<Text, _>(id.clone());
        match visibility {
            Visibility::Account(account) => tokens.filter(
                head.sql(" AND cursor_row.account_id = ")
                    .bind::<Text, _>(account.to_string())
                    .sql("), ")
                    .bind::<Text, _>(id)
                    .sql(")"),
            ),
            Visibility::AllAccounts => tokens.filter(head.sql("), ").bind::<Text, _>(id).sql(")")),
        }
    }

    /// `tokens` narrowed to those that come after `row` in this order, by the key `row`
    /// had when it was read: the key's expression is applied to `row`'s own values.
    fn past_row(self, tokens: Matching, row: &TokenSummary) -> Matching {
        let comparison = if self.descending { "<" } else { ">" };
        let (key, id_column) = self.columns();
        tokens.filter(
            sql::<Bool>(&format!(
                "({key}, {id_column}) {comparison} ((SELECT {row_key} FROM (SELECT ",
                row_key = self.key_of("read_row"),
            ))
            .bind::<Timestamptz, _>(row.created_at)
            .sql(" AS created_at, ")
            .bind::<Text, _>(row.name.clone())
            .sql(" AS name, ")
            .bind::<Nullable<Timestamptz>, _>(row.expires_at)
            .sql(" AS expires_at, ")
            .bind::<Nullable<Timestamptz>, _>(row.last_access_at)
            .sql(" AS at) read_row), ")
            .bind::<Text, _>(row.id.to_string())
            .sql(")"),
        )
    }
}

diesel::define_sql_function! {
    /// PostgreSQL's `lower`, the function that keeps `api_tokens.name_folded`.
    fn lower(text: Text) -> Text;
}

/// What the tokens that match a query are read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// A page, in the query's order.
    Page,
    /// Their number, in no order: the sort is left out.
    Count,
}

/// The tokens `visibility` allows that match the query's search and filters.
fn matching(
    visibility: &Visibility,
    query: &TokenListQuery,
    now: DateTime<Utc>,
    purpose: Purpose,
) -> Matching {
    let mut tokens = api_tokens::table
        .left_join(token_last_access::table)
        .into_boxed();
    let reads_last_access = match purpose {
        Purpose::Page => sorts_by_last_access(query) || filters_by_last_access(query),
        // A count that joined the last access for the sort alone would walk both
        // tables' keys to count what one index of `api_tokens` holds.
        Purpose::Count => filters_by_last_access(query),
    };
    if reads_last_access {
        // Every token has its row (migration 000014): saying so lets PostgreSQL join
        // the other way round, and walk the last-access index for its order.
        tokens = tokens.filter(token_last_access::token_id.is_not_null());
    }
    if let Visibility::Account(account) = visibility {
        tokens = tokens.filter(api_tokens::account_id.eq(account.clone()));
    }
    if let Some(search) = &query.search {
        let pattern = format!("%{}%", escape_like(search));
        // `ILIKE` on the name, as PostgreSQL runs it (both sides lowered by `lower`),
        // without lowering each name the walk tests: the lowered copy is kept with the
        // row and in the created-at indexes (migration 000016).
        let in_name = api_tokens::name_folded.like(lower(pattern.clone()));
        tokens = if TokenId::could_contain(search) {
            tokens.filter(in_name.or(api_tokens::id.ilike(pattern)))
        } else {
            // Only the name can match: its trigram index finds it.
            tokens.filter(in_name)
        };
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
                token_last_access::at
                    .is_null()
                    .or(token_last_access::at.lt(cutoff)),
            )
        }
        Some(UnusedFilter::Never) => tokens.filter(token_last_access::at.is_null()),
        None => tokens,
    };
    if let Some(days) = query.expiring_within_days {
        let until = now + Duration::days(i64::from(days));
        // Written as the expiry index's key, so an account's window is one range of it.
        let expires = || sql::<Timestamptz>(&EXPIRES_KEY.replace("{t}", "api_tokens"));
        tokens = tokens.filter(expires().gt(now).and(expires().le(until)));
    }
    if query.leaked {
        tokens = tokens.filter(api_tokens::leaked_at.is_not_null());
    }
    match &query.account {
        Some(AccountFilter::Id(account)) => {
            tokens.filter(api_tokens::account_id.eq(account.clone()))
        }
        Some(AccountFilter::NameContains(name)) => tokens.filter(
            api_tokens::account_id.eq_any(
                accounts::table
                    .filter(accounts::name.ilike(format!("%{}%", escape_like(name))))
                    .select(accounts::id),
            ),
        ),
        None => tokens,
    }
}

fn sorts_by_last_access(query: &TokenListQuery) -> bool {
    query.sort == SortKey::LastAccess
}

fn filters_by_last_access(query: &TokenListQuery) -> bool {
    query.unused.is_some()
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
