//! The audit log: recording events (inside the transaction of the change they
//! describe) and reading them back, newest first.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{api_tokens, audit_events, users};
use crate::domain::{
    AccountId, Acting, Actor, AuditAction, ChangeContext, ClientIp, PageNumber, TokenId, UserId,
    Visibility,
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

/// A page of the events `visibility` allows, newest first, optionally for one token;
/// with the total count.
pub fn list(
    conn: &mut PgConnection,
    visibility: &Visibility,
    token: Option<&TokenId>,
    page: PageNumber,
) -> QueryResult<(Vec<AuditEntry>, i64)> {
    let filtered = || {
        let mut query = audit_events::table.into_boxed();
        if let Visibility::Account(account) = visibility {
            query = query.filter(audit_events::account_id.eq(account.clone()));
        }
        if let Some(token) = token {
            query = query.filter(audit_events::token_id.eq(token.clone()));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let ids: Vec<i64> = filtered()
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(PAGE_SIZE)
        .offset(page.offset(PAGE_SIZE))
        .select(audit_events::id)
        .load(conn)?;
    let rows: Vec<EntryRow> = audit_events::table
        .left_join(users::table.on(users::id.nullable().eq(audit_events::actor_user_id)))
        .left_join(api_tokens::table.on(api_tokens::id.nullable().eq(audit_events::token_id)))
        .filter(audit_events::id.eq_any(&ids))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(AuditEntry::from).collect(), total))
}
