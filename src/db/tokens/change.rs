//! Changing a token: status transitions and edits, each atomic and audited in the same
//! transaction. A transition's UPDATE names the states it may start from, so two
//! admins acting at once can't produce an invalid transition: the one who lost is
//! told why.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamptz};

use super::super::audit::{self, NewEvent};
use super::super::schema::{api_tokens, token_modules};
use super::containment;
use crate::domain::containment::Excess;
use crate::domain::token_action::check_edit;
use crate::domain::{
    AccountId, Actor, AuditAction, ChangeContext, ModuleId, PolicyBreach, Refusal, Scope,
    TokenDraft, TokenId, TokenStatus, Transition,
};

/// The channel every instance listens on for changed tokens; the payload is the id,
/// `CREATED_PAYLOAD` when a token was created, or `EVERYTHING_PAYLOAD`.
pub const CHANGED_CHANNEL: &str = "tokendesk_token_changed";
/// Tells the listeners a token was created, so they forget tokens they knew as unknown.
pub const CREATED_PAYLOAD: &str = "created";
/// Tells the listeners that any token may have changed, been removed or been added (a
/// demo reset), so they drop everything they cached.
pub const EVERYTHING_PAYLOAD: &str = "everything";

/// Tells every instance, when this transaction commits, that `token` changed.
pub(super) fn notify_changed(conn: &mut PgConnection, token: &TokenId) -> QueryResult<()> {
    notify(conn, token.as_str())
}

/// Tells every instance, when this transaction commits, that a token was created.
pub fn notify_created(conn: &mut PgConnection) -> QueryResult<()> {
    notify(conn, CREATED_PAYLOAD)
}

/// Tells every instance, when this transaction commits, that any token may have
/// changed.
pub fn notify_everything(conn: &mut PgConnection) -> QueryResult<()> {
    notify(conn, EVERYTHING_PAYLOAD)
}

fn notify(conn: &mut PgConnection, payload: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<diesel::sql_types::Text, _>(CHANGED_CHANNEL)
        .bind::<diesel::sql_types::Text, _>(payload)
        .execute(conn)
        .map(drop)
}

/// The replaced secret's end, brought forward to `now` (and still none when there is no
/// replaced secret).
pub(super) fn ended_by(
    now: DateTime<Utc>,
) -> impl diesel::AppearsOnTable<api_tokens::table, SqlType = Nullable<Timestamptz>>
+ diesel::query_builder::QueryFragment<diesel::pg::Pg>
+ diesel::query_builder::QueryId
+ diesel::expression::ValidGrouping<()> {
    sql::<Nullable<Timestamptz>>(
        "CASE WHEN previous_secret_ends_at IS NULL THEN NULL \
         ELSE LEAST(previous_secret_ends_at, ",
    )
    .bind::<Timestamptz, _>(now)
    .sql(") END")
}

/// How a change went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    Done(T),
    /// The token's state does not allow it.
    Refused(Refusal),
    /// The token acting may not reach that far (see `domain::containment`).
    Exceeds(Excess),
    /// The expiry breaks the account's expiry policy.
    BreaksPolicy(PolicyBreach),
    NotFound,
}

impl<T> From<Excess> for Outcome<T> {
    fn from(excess: Excess) -> Self {
        Self::Exceeds(excess)
    }
}

type ById<'a> =
    diesel::dsl::Filter<api_tokens::table, diesel::dsl::Eq<api_tokens::id, &'a TokenId>>;
type Target<'a> =
    diesel::dsl::Filter<ById<'a>, diesel::dsl::Eq<api_tokens::account_id, &'a AccountId>>;

/// The token `ctx` names, in `ctx`'s account.
pub(super) fn target(ctx: &ChangeContext) -> Target<'_> {
    api_tokens::table
        .filter(api_tokens::id.eq(&ctx.token))
        .filter(api_tokens::account_id.eq(&ctx.by.account))
}

/// The token's current status, for explaining a refusal.
pub(super) fn current_status(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
) -> QueryResult<Option<TokenStatus>> {
    target(ctx)
        .select(api_tokens::status)
        .first(conn)
        .optional()
}

/// Applies `transition`; returns the token's name when done.
pub fn transition(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    transition: Transition,
) -> QueryResult<Outcome<String>> {
    conn.transaction(|conn| {
        if let Err(excess) = containment::check_transition(conn, ctx, transition)? {
            return Ok(excess.into());
        }
        let by_person = matches!(ctx.by.actor, Actor::User(_));
        let target = target(ctx).filter(api_tokens::status.eq_any(transition.from()));
        let now = ctx.by.at;
        let none: Option<DateTime<Utc>> = None;
        let changed: Option<String> = match transition {
            Transition::Enable => diesel::update(target)
                .set((
                    api_tokens::status.eq(TokenStatus::Active),
                    api_tokens::disabled_at.eq(none),
                    api_tokens::disabled_by_person.eq(false),
                    api_tokens::updated_at.eq(now),
                ))
                .returning(api_tokens::name)
                .get_result(conn)
                .optional()?,
            // A secret a rotation replaced ends here for good: enabling the token again
            // (after a leak, say) brings back only its current secret.
            Transition::Disable => diesel::update(target)
                .set((
                    api_tokens::status.eq(TokenStatus::Disabled),
                    api_tokens::disabled_at.eq(Some(now)),
                    api_tokens::disabled_by_person.eq(by_person),
                    api_tokens::previous_secret_ends_at.eq(ended_by(now)),
                    api_tokens::updated_at.eq(now),
                ))
                .returning(api_tokens::name)
                .get_result(conn)
                .optional()?,
            // Deleted is final: the secret material goes, the row stays as a tombstone.
            Transition::Delete => diesel::update(target)
                .set((
                    api_tokens::status.eq(TokenStatus::Deleted),
                    api_tokens::disabled_at.eq(none),
                    api_tokens::disabled_by_person.eq(false),
                    api_tokens::deleted_at.eq(Some(now)),
                    api_tokens::deleted_digest.eq(api_tokens::secret_digest),
                    api_tokens::secret_digest.eq(None::<Vec<u8>>),
                    api_tokens::secret_ciphertext.eq(None::<Vec<u8>>),
                    api_tokens::previous_secret_digest.eq(None::<Vec<u8>>),
                    api_tokens::previous_secret_ends_at.eq(none),
                    api_tokens::updated_at.eq(now),
                ))
                .returning(api_tokens::name)
                .get_result(conn)
                .optional()?,
        };
        let Some(name) = changed else {
            return Ok(match current_status(conn, ctx)? {
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
        audit::record(conn, &NewEvent::on_token(ctx, action, String::new()))?;
        notify_changed(conn, &ctx.token)?;
        Ok(Outcome::Done(name))
    })
}

/// What an edit may change, and the status that decides whether it may.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
struct Editable {
    name: String,
    description: String,
    scope: Scope,
    status: TokenStatus,
    expires_at: Option<DateTime<Utc>>,
    allowed_addresses: Vec<String>,
    rate_limit_per_minute: Option<i32>,
    updated_at: DateTime<Utc>,
}

/// Saves `draft` over an active token; returns the names of the fields that changed
/// (empty when nothing did, and then nothing is written). A draft made from the token
/// as it was at `based_on` (its `updated_at`) is refused as `Refusal::Changed` if the
/// token changed since, rather than undo that change.
pub fn edit(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    draft: &TokenDraft,
    based_on: Option<DateTime<Utc>>,
) -> QueryResult<Outcome<Vec<&'static str>>> {
    conn.transaction(|conn| {
        if let Err(excess) = containment::check_edit(conn, ctx, draft)? {
            return Ok(excess.into());
        }
        let Some(current) = target(ctx)
            .select(Editable::as_select())
            .for_update()
            .first(conn)
            .optional()?
        else {
            return Ok(Outcome::NotFound);
        };
        if let Err(refusal) = check_edit(current.status) {
            return Ok(Outcome::Refused(refusal));
        }
        if based_on.is_some_and(|seen| seen != current.updated_at) {
            return Ok(Outcome::Refused(Refusal::Changed));
        }
        // An expiry left as it was is not set again: a token made before the policy
        // can still be renamed.
        if current.expires_at != draft.expires_at {
            let policy = super::super::token_policy::policy(conn, &ctx.by.account)?;
            if let Err(breach) = policy.check(draft.expires_at, ctx.by.at) {
                return Ok(Outcome::BreaksPolicy(breach));
            }
        }
        let mut modules: Vec<ModuleId> = token_modules::table
            .filter(token_modules::token_id.eq(&ctx.token))
            .select(token_modules::module_id)
            .load(conn)?;
        modules.sort();
        let mut wanted: Vec<ModuleId> = draft.modules.clone();
        wanted.sort();

        let mut changed = Vec::new();
        if current.name != draft.name.as_str() {
            changed.push("name");
        }
        if current.description != draft.description {
            changed.push("description");
        }
        if current.scope != draft.scope {
            changed.push("scope");
        }
        if current.expires_at != draft.expires_at {
            changed.push("expiry");
        }
        if modules != wanted {
            changed.push("modules");
        }
        let (allowlist, rate_limit) =
            super::limits_of(&current.allowed_addresses, current.rate_limit_per_minute)?;
        if allowlist != draft.allowed_addresses {
            changed.push("allowed addresses");
        }
        if rate_limit != draft.rate_limit {
            changed.push("rate limit");
        }
        if changed.is_empty() {
            return Ok(Outcome::Done(changed));
        }
        diesel::update(api_tokens::table.find(&ctx.token))
            .set((
                api_tokens::name.eq(draft.name.as_str()),
                api_tokens::description.eq(&draft.description),
                api_tokens::scope.eq(draft.scope),
                api_tokens::expires_at.eq(draft.expires_at),
                api_tokens::allowed_addresses.eq(draft.allowed_addresses.entries()),
                api_tokens::rate_limit_per_minute
                    .eq(draft.rate_limit.map(super::insert::stored_rate_limit)),
                api_tokens::updated_at.eq(ctx.by.at),
            ))
            .execute(conn)?;
        if modules != wanted {
            diesel::delete(token_modules::table.filter(token_modules::token_id.eq(&ctx.token)))
                .execute(conn)?;
            super::insert::grant_modules(conn, &ctx.token, &wanted)?;
        }
        let details = format!("Changed {}", changed.join(", "));
        audit::record(
            conn,
            &NewEvent::on_token(ctx, AuditAction::TokenEdit, details),
        )?;
        notify_changed(conn, &ctx.token)?;
        Ok(Outcome::Done(changed))
    })
}

/// The stored ciphertext of a token's secret, recording the reveal. Deleted tokens
/// have none.
pub fn reveal(conn: &mut PgConnection, ctx: &ChangeContext) -> QueryResult<Outcome<Vec<u8>>> {
    conn.transaction(|conn| {
        let found: Option<Option<Vec<u8>>> = target(ctx)
            .select(api_tokens::secret_ciphertext)
            .first(conn)
            .optional()?;
        match found {
            None => Ok(Outcome::NotFound),
            Some(None) => Ok(Outcome::Refused(Refusal::Deleted)),
            Some(Some(ciphertext)) => {
                let event = NewEvent::on_token(ctx, AuditAction::TokenReveal, String::new());
                audit::record(conn, &event)?;
                Ok(Outcome::Done(ciphertext))
            }
        }
    })
}
