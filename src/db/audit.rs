//! The audit log: recording events (inside the transaction of the change they
//! describe) and reading them back, newest first.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use super::bounded_count::count_up_to;
use super::schema::{api_tokens, audit_events, users};
use crate::domain::list_page::ListTotal;
use crate::domain::{
    AccountId, Acting, Actor, AuditAction, ChangeContext, ClientIp, TokenId, UserId, Visibility,
};

pub const PAGE_SIZE: i64 = 50;

/// One event to record, in the account of the person or token concerned (none for
/// support staff).
pub struct NewEvent<'a> {
    pub account_id: Option<&'a AccountId>,
    pub actor: &'a Actor,
    pub ip: Option<ClientIp>,
    pub at: DateTime<Utc>,
    pub token_id: Option<&'a TokenId>,
    pub action: AuditAction,
    pub details: String,
}

impl<'a> NewEvent<'a> {
    /// `action` by whom `by` names, on `token` if any.
    pub fn by(
        by: &'a Acting,
        token: Option<&'a TokenId>,
        action: AuditAction,
        details: String,
    ) -> Self {
        Self {
            account_id: Some(&by.account),
            actor: &by.actor,
            ip: by.ip,
            at: by.at,
            token_id: token,
            action,
            details,
        }
    }

    /// `action` on the token `ctx` names, by whom `ctx` names.
    pub fn on_token(ctx: &'a ChangeContext, action: AuditAction, details: String) -> Self {
        Self::by(&ctx.by, Some(&ctx.token), action, details)
    }
}

pub fn record(conn: &mut PgConnection, event: &NewEvent<'_>) -> QueryResult<()> {
    let (actor_user, actor_token, actor_service) = match event.actor {
        Actor::User(id) => (Some(id), None, None),
        Actor::Token(id) => (None, Some(id), None),
        Actor::Service(name) => (None, None, Some(name)),
    };
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::account_id.eq(event.account_id),
            audit_events::token_id.eq(event.token_id),
            audit_events::actor_user_id.eq(actor_user),
            audit_events::actor_token_id.eq(actor_token),
            audit_events::actor_service.eq(actor_service),
            audit_events::action.eq(event.action),
            audit_events::details.eq(&event.details),
            audit_events::ip.eq(event.ip.map(|ip| ip.to_string())),
            audit_events::occurred_at.eq(event.at),
        ))
        .execute(conn)
        .map(drop)
}

/// Whether a person's own event `action` was recorded at `since` or later, in their
/// account's log (or, for support staff, with no account).
pub fn person_recorded_since(
    conn: &mut PgConnection,
    account: Option<&AccountId>,
    user: &UserId,
    action: AuditAction,
    since: DateTime<Utc>,
) -> QueryResult<bool> {
    let recent = audit_events::table
        .filter(audit_events::occurred_at.ge(since))
        .filter(audit_events::actor_user_id.eq(user))
        .filter(audit_events::action.eq(action))
        .into_boxed();
    let in_log = match account {
        Some(account) => recent.filter(audit_events::account_id.eq(account)),
        None => recent.filter(audit_events::account_id.is_null()),
    };
    diesel::select(diesel::dsl::exists(in_log)).get_result(conn)
}

/// An event as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub action: AuditAction,
    /// The person's name and id, the acting token's id, or the service's name.
    pub actor_name: String,
    pub actor_id: String,
    pub token_id: Option<String>,
    pub token_name: Option<String>,
    pub details: String,
    pub ip: Option<String>,
}

/// An event joined with the acting person's and the token's names.
#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
struct EntryRow {
    id: i64,
    occurred_at: DateTime<Utc>,
    action: AuditAction,
    #[diesel(select_expression = users::name.nullable())]
    user_name: Option<String>,
    #[diesel(column_name = actor_user_id)]
    user_id: Option<String>,
    #[diesel(column_name = actor_token_id)]
    actor_token: Option<String>,
    actor_service: Option<String>,
    token_id: Option<String>,
    #[diesel(select_expression = api_tokens::name.nullable())]
    token_name: Option<String>,
    details: String,
    ip: Option<String>,
}

impl From<EntryRow> for AuditEntry {
    fn from(row: EntryRow) -> Self {
        let (actor_name, actor_id) = match (row.user_id, row.actor_token, row.actor_service) {
            (Some(id), _, _) => (row.user_name.unwrap_or_default(), id),
            (None, Some(token), _) => ("API token".to_owned(), token),
            (None, None, Some(service)) => ("Service".to_owned(), service),
            (None, None, None) => (String::new(), String::new()),
        };
        Self {
            id: row.id,
            occurred_at: row.occurred_at,
            action: row.action,
            actor_name,
            actor_id,
            token_id: row.token_id,
            token_name: row.token_name,
            details: row.details,
            ip: row.ip,
        }
    }
}

/// How far the log's total is counted: "1,000+ events" past it.
const COUNT_LIMIT: i64 = 1000;

/// A page of the log: its events, newest first, and whether older ones follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub has_next: bool,
}

/// The events `visibility` allows, optionally for one token.
fn matching(
    visibility: &Visibility,
    token: Option<&TokenId>,
) -> audit_events::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = audit_events::table.into_boxed();
    if let Visibility::Account(account) = visibility {
        query = query.filter(audit_events::account_id.eq(account.clone()));
    }
    if let Some(token) = token {
        query = query.filter(audit_events::token_id.eq(token.clone()));
    }
    query
}

/// How many events `visibility` allows, optionally for one token, counted up to
/// `COUNT_LIMIT`.
pub fn count(
    conn: &mut PgConnection,
    visibility: &Visibility,
    token: Option<&TokenId>,
) -> QueryResult<ListTotal> {
    count_up_to(
        conn,
        matching(visibility, token).select(audit_events::id),
        COUNT_LIMIT,
    )
}

/// The page of the events `visibility` allows, optionally for one token, that follows
/// the event `after` (from the newest without it). A page is found by keyset, walking an
/// index in the log's order from the cursor (migrations 000004 and 000018), so a page
/// far back costs what the first costs; an event `visibility` doesn't allow is no
/// cursor, and the page is empty.
pub fn page(
    conn: &mut PgConnection,
    visibility: &Visibility,
    token: Option<&TokenId>,
    after: Option<i64>,
) -> QueryResult<AuditPage> {
    let mut page = matching(visibility, token);
    if let Some(after) = after {
        let cursor = sql::<Bool>(
            "(audit_events.occurred_at, audit_events.id) < (SELECT cursor_row.occurred_at, \
             cursor_row.id FROM audit_events cursor_row WHERE cursor_row.id = ",
        )
        .bind::<BigInt, _>(after);
        page = match visibility {
            Visibility::Account(account) => page.filter(
                cursor
                    .sql(" AND cursor_row.account_id = ")
                    .bind::<Text, _>(account.to_string())
                    .sql(")"),
            ),
            Visibility::AllAccounts => page.filter(cursor.sql(")")),
        };
    }
    let mut ids: Vec<i64> = page
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(PAGE_SIZE + 1)
        .select(audit_events::id)
        .load(conn)?;
    let has_next = ids.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    ids.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let rows: Vec<EntryRow> = audit_events::table
        .left_join(users::table.on(users::id.nullable().eq(audit_events::actor_user_id)))
        .left_join(api_tokens::table.on(api_tokens::id.nullable().eq(audit_events::token_id)))
        .filter(audit_events::id.eq_any(&ids))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok(AuditPage {
        entries: rows.into_iter().map(AuditEntry::from).collect(),
        has_next,
    })
}
