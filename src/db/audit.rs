//! The audit log: recording events (inside the transaction of the change they
//! describe) and reading them back, newest first.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{api_tokens, audit_events, users};
use super::stored;
use crate::domain::{AccountId, Actor, AuditAction, TokenId, Visibility};

pub const PAGE_SIZE: i64 = 50;

/// One event to record.
pub struct NewEvent<'a> {
    pub account_id: &'a AccountId,
    pub token_id: Option<&'a TokenId>,
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub details: String,
    pub ip: Option<&'a str>,
    pub at: DateTime<Utc>,
}

pub fn record(conn: &mut PgConnection, event: &NewEvent<'_>) -> QueryResult<()> {
    let (actor_user, actor_token) = match event.actor {
        Actor::User(id) => (Some(id.as_str()), None),
        Actor::Token(id) => (None, Some(id.as_str())),
    };
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::account_id.eq(event.account_id.as_str()),
            audit_events::token_id.eq(event.token_id.map(TokenId::as_str)),
            audit_events::actor_user_id.eq(actor_user),
            audit_events::actor_token_id.eq(actor_token),
            audit_events::action.eq(event.action.as_str()),
            audit_events::details.eq(&event.details),
            audit_events::ip.eq(event.ip),
            audit_events::occurred_at.eq(event.at),
        ))
        .execute(conn)
        .map(drop)
}

/// An event as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub occurred_at: DateTime<Utc>,
    pub action: AuditAction,
    /// The person's name and id, or the acting token's id.
    pub actor_name: String,
    pub actor_id: String,
    pub token_id: Option<String>,
    pub token_name: Option<String>,
    pub details: String,
    pub ip: Option<String>,
}

type EntryRow = (
    DateTime<Utc>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

/// A page of the events `visibility` allows, newest first, optionally for one token;
/// with the total count.
pub fn list(
    conn: &mut PgConnection,
    visibility: &Visibility,
    token: Option<&TokenId>,
    page: i64,
) -> QueryResult<(Vec<AuditEntry>, i64)> {
    let filtered = || {
        let mut query = audit_events::table.into_boxed();
        if let Visibility::Account(account) = visibility {
            query = query.filter(audit_events::account_id.eq(account.as_str().to_owned()));
        }
        if let Some(token) = token {
            query = query.filter(audit_events::token_id.eq(token.as_str().to_owned()));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let ids: Vec<i64> = filtered()
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(PAGE_SIZE)
        .offset((page.max(1) - 1) * PAGE_SIZE)
        .select(audit_events::id)
        .load(conn)?;
    let rows: Vec<EntryRow> = audit_events::table
        .left_join(users::table.on(users::id.nullable().eq(audit_events::actor_user_id)))
        .left_join(api_tokens::table.on(api_tokens::id.nullable().eq(audit_events::token_id)))
        .filter(audit_events::id.eq_any(&ids))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .select((
            audit_events::occurred_at,
            audit_events::action,
            users::name.nullable(),
            audit_events::actor_user_id,
            audit_events::actor_token_id,
            audit_events::token_id,
            api_tokens::name.nullable(),
            audit_events::details,
            audit_events::ip,
        ))
        .load(conn)?;
    let entries = rows
        .into_iter()
        .map(
            |(
                occurred_at,
                action,
                user_name,
                user_id,
                actor_token,
                token_id,
                token_name,
                details,
                ip,
            )| {
                let action = stored(AuditAction::parse(&action).ok_or_else(|| {
                    crate::domain::ParseError(format!("unknown audit action {action}"))
                }))?;
                let (actor_name, actor_id) = match (user_id, actor_token) {
                    (Some(id), _) => (user_name.unwrap_or_default(), id),
                    (None, Some(token)) => ("API token".to_owned(), token),
                    (None, None) => (String::new(), String::new()),
                };
                Ok(AuditEntry {
                    occurred_at,
                    action,
                    actor_name,
                    actor_id,
                    token_id,
                    token_name,
                    details,
                    ip,
                })
            },
        )
        .collect::<QueryResult<_>>()?;
    Ok((entries, total))
}
