//! Changing a token: status transitions and edits, each atomic and audited in the same
//! transaction. A transition's UPDATE names the states it may start from, so two
//! admins acting at once can't produce an invalid transition: the one who lost is
//! told why.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::super::audit::{self, NewEvent};
use super::super::schema::{api_tokens, token_modules};
use super::super::stored;
use crate::domain::token_action::check_edit;
use crate::domain::{
    AccountId, Actor, AuditAction, Refusal, TokenDraft, TokenId, TokenStatus, Transition,
};

/// The channel every instance listens on for changed tokens; the payload is the id.
pub const CHANGED_CHANNEL: &str = "tokendesk_token_changed";

/// Tells every instance, when this transaction commits, that `token` changed.
fn notify_changed(conn: &mut PgConnection, token: &TokenId) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<diesel::sql_types::Text, _>(CHANGED_CHANNEL)
        .bind::<diesel::sql_types::Text, _>(token.as_str())
        .execute(conn)
        .map(drop)
}

/// How a change went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    Done(T),
    Refused(Refusal),
    NotFound,
}

/// Who changes which token, from where, when.
pub struct ChangeContext {
    pub account: AccountId,
    pub token: TokenId,
    pub actor: Actor,
    pub ip: Option<String>,
    pub now: DateTime<Utc>,
}

impl ChangeContext {
    fn event(&self, action: AuditAction, details: String) -> NewEvent<'_> {
        NewEvent {
            account_id: &self.account,
            token_id: Some(&self.token),
            actor: &self.actor,
            action,
            details,
            ip: self.ip.as_deref(),
            at: self.now,
        }
    }

    /// The token's current status, for explaining a refusal.
    fn current_status(&self, conn: &mut PgConnection) -> QueryResult<Option<TokenStatus>> {
        api_tokens::table
            .filter(api_tokens::id.eq(self.token.as_str()))
            .filter(api_tokens::account_id.eq(self.account.as_str()))
            .select(api_tokens::status)
            .first::<String>(conn)
            .optional()?
            .map(|s| stored(TokenStatus::parse(&s)))
            .transpose()
    }
}

/// Applies `transition`; returns the token's name when done.
pub fn transition(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    transition: Transition,
) -> QueryResult<Outcome<String>> {
    conn.transaction(|conn| {
        let from: Vec<&str> = transition.from().iter().map(|s| s.as_str()).collect();
        let target = api_tokens::table
            .filter(api_tokens::id.eq(ctx.token.as_str()))
            .filter(api_tokens::account_id.eq(ctx.account.as_str()))
            .filter(api_tokens::status.eq_any(from));
        let now = ctx.now;
        let none: Option<DateTime<Utc>> = None;
        let changed: Option<String> = match transition {
            Transition::Enable => diesel::update(target)
                .set((
                    api_tokens::status.eq(TokenStatus::Active.as_str()),
                    api_tokens::disabled_at.eq(none),
                    api_tokens::updated_at.eq(now),
                ))
                .returning(api_tokens::name)
                .get_result(conn)
                .optional()?,
            Transition::Disable => diesel::update(target)
                .set((
                    api_tokens::status.eq(TokenStatus::Disabled.as_str()),
                    api_tokens::disabled_at.eq(Some(now)),
                    api_tokens::updated_at.eq(now),
                ))
                .returning(api_tokens::name)
                .get_result(conn)
                .optional()?,
            // Deleted is final: the secret material goes, the row stays as a tombstone.
            Transition::Delete => diesel::update(target)
                .set((
                    api_tokens::status.eq(TokenStatus::Deleted.as_str()),
                    api_tokens::disabled_at.eq(none),
                    api_tokens::deleted_at.eq(Some(now)),
                    api_tokens::deleted_digest.eq(api_tokens::secret_digest),
                    api_tokens::secret_digest.eq(None::<Vec<u8>>),
                    api_tokens::secret_ciphertext.eq(None::<Vec<u8>>),
                    api_tokens::updated_at.eq(now),
                ))
                .returning(api_tokens::name)
                .get_result(conn)
                .optional()?,
        };
        let Some(name) = changed else {
            return Ok(match ctx.current_status(conn)? {
                None => Outcome::NotFound,
                Some(current) => {
                    Outcome::Refused(transition.check(current).err().unwrap_or(Refusal::Changed))
                }
            });
        };
        let action = match transition {
            Transition::Enable => AuditAction::TokenEnable,
            Transition::Disable => AuditAction::TokenDisable,
            Transition::Delete => AuditAction::TokenDelete,
        };
        audit::record(conn, &ctx.event(action, String::new()))?;
        notify_changed(conn, &ctx.token)?;
        Ok(Outcome::Done(name))
    })
}

#[derive(Queryable)]
struct Editable {
    name: String,
    description: String,
    scope: String,
    status: String,
    expires_at: Option<DateTime<Utc>>,
}

/// Saves `draft` over an active token; returns the names of the fields that changed
/// (empty when nothing did, and then nothing is written).
pub fn edit(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    draft: &TokenDraft,
) -> QueryResult<Outcome<Vec<&'static str>>> {
    conn.transaction(|conn| {
        let Some(current) = api_tokens::table
            .filter(api_tokens::id.eq(ctx.token.as_str()))
            .filter(api_tokens::account_id.eq(ctx.account.as_str()))
            .select((
                api_tokens::name,
                api_tokens::description,
                api_tokens::scope,
                api_tokens::status,
                api_tokens::expires_at,
            ))
            .for_update()
            .first::<Editable>(conn)
            .optional()?
        else {
            return Ok(Outcome::NotFound);
        };
        if let Err(refusal) = check_edit(stored(TokenStatus::parse(&current.status))?) {
            return Ok(Outcome::Refused(refusal));
        }
        let mut modules: Vec<String> = token_modules::table
            .filter(token_modules::token_id.eq(ctx.token.as_str()))
            .select(token_modules::module_id)
            .load(conn)?;
        modules.sort();
        let mut wanted: Vec<String> = draft.modules.iter().map(ToString::to_string).collect();
        wanted.sort();

        let mut changed = Vec::new();
        if current.name != draft.name.as_str() {
            changed.push("name");
        }
        if current.description != draft.description {
            changed.push("description");
        }
        if current.scope != draft.scope.as_str() {
            changed.push("scope");
        }
        if current.expires_at != draft.expires_at {
            changed.push("expiry");
        }
        if modules != wanted {
            changed.push("modules");
        }
        if changed.is_empty() {
            return Ok(Outcome::Done(changed));
        }
        diesel::update(api_tokens::table.find(ctx.token.as_str()))
            .set((
                api_tokens::name.eq(draft.name.as_str()),
                api_tokens::description.eq(&draft.description),
                api_tokens::scope.eq(draft.scope.as_str()),
                api_tokens::expires_at.eq(draft.expires_at),
                api_tokens::updated_at.eq(ctx.now),
            ))
            .execute(conn)?;
        if modules != wanted {
            diesel::delete(
                token_modules::table.filter(token_modules::token_id.eq(ctx.token.as_str())),
            )
            .execute(conn)?;
            let grants: Vec<_> = wanted
                .iter()
                .map(|m| {
                    (
                        token_modules::token_id.eq(ctx.token.as_str()),
                        token_modules::module_id.eq(m),
                    )
                })
                .collect();
            diesel::insert_into(token_modules::table)
                .values(grants)
                .execute(conn)?;
        }
        audit::record(
            conn,
            &ctx.event(
                AuditAction::TokenEdit,
                format!("Changed {}", changed.join(", ")),
            ),
        )?;
        notify_changed(conn, &ctx.token)?;
        Ok(Outcome::Done(changed))
    })
}

/// The stored ciphertext of a token's secret, recording the reveal. Deleted tokens
/// have none.
pub fn reveal(conn: &mut PgConnection, ctx: &ChangeContext) -> QueryResult<Outcome<Vec<u8>>> {
    conn.transaction(|conn| {
        let found: Option<(String, Option<Vec<u8>>)> = api_tokens::table
            .filter(api_tokens::id.eq(ctx.token.as_str()))
            .filter(api_tokens::account_id.eq(ctx.account.as_str()))
            .select((api_tokens::status, api_tokens::secret_ciphertext))
            .first(conn)
            .optional()?;
        match found {
            None => Ok(Outcome::NotFound),
            Some((_, None)) => Ok(Outcome::Refused(Refusal::Deleted)),
            Some((_, Some(ciphertext))) => {
                audit::record(conn, &ctx.event(AuditAction::TokenReveal, String::new()))?;
                Ok(Outcome::Done(ciphertext))
            }
        }
    })
}
