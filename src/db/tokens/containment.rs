//! Holding a token that acts through the API to what it may reach (see
//! `domain::containment`), inside the transaction of the change it asks for. The acting
//! token's reach is read there too, not taken from the cache, so a token narrowed a
//! moment ago already acts with its new reach.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::super::schema::{api_tokens, token_modules};
use crate::domain::containment::{Excess, Reach};
use crate::domain::{
    AccountId, Acting, Actor, ChangeContext, ModuleId, Scope, TokenDraft, TokenId, TokenStatus,
    Transition,
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
struct ReachRow {
    scope: Scope,
    status: TokenStatus,
    expires_at: Option<DateTime<Utc>>,
    disabled_by_person: bool,
    allowed_addresses: Vec<String>,
    rate_limit_per_minute: Option<i32>,
}

/// A token as containment sees it.
struct Held {
    reach: Reach,
    status: TokenStatus,
    disabled_by_person: bool,
}

impl Held {
    fn usable(&self, now: DateTime<Utc>) -> bool {
        self.status == TokenStatus::Active && !self.expired(now)
    }

    fn expired(&self, now: DateTime<Utc>) -> bool {
        self.reach.expires_at.is_some_and(|at| at <= now)
    }
}

/// `token` in `account`; `None` for a token of another account, exactly as for none at
/// all. `lock` holds the row until the transaction ends.
fn held(
    conn: &mut PgConnection,
    account: &AccountId,
    token: &TokenId,
    lock: bool,
) -> QueryResult<Option<Held>> {
    let query = api_tokens::table
        .find(token)
        .filter(api_tokens::account_id.eq(account))
        .select(ReachRow::as_select());
    let row = if lock {
        query.for_update().first(conn).optional()?
    } else {
        query.first(conn).optional()?
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let modules: Vec<ModuleId> = token_modules::table
        .filter(token_modules::token_id.eq(token))
        .select(token_modules::module_id)
        .load(conn)?;
    let (allowed_addresses, rate_limit) =
        super::limits_of(&row.allowed_addresses, row.rate_limit_per_minute)?;
    let reach = Reach {
        scope: row.scope,
        modules,
        expires_at: row.expires_at,
        allowed_addresses,
        rate_limit,
    };
    Ok(Some(Held {
        reach,
        status: row.status,
        disabled_by_person: row.disabled_by_person,
    }))
}

/// The token acting on tokens and its reach, `Ok(None)` when a person acts; refused
/// when the token is no longer usable, or no longer holds the write scope and the
/// Tokens module that every change to tokens through the API asks of it.
fn acting_token(
    conn: &mut PgConnection,
    by: &Acting,
) -> QueryResult<Result<Option<(TokenId, Reach)>, Excess>> {
    acting_token_holding(conn, by, Scope::Write, &ModuleId::tokens())
}

/// The token acting and its reach, read from its row rather than the cache, refused
/// unless it is still usable and holds `scope` and `module`, so a token revoked or
/// narrowed a moment ago, still in some instance's cache, can't act; `Ok(None)` when a
/// person acts. (Its row is read, not locked: a revocation committing just after this
/// read is ordered after this change, and two tokens changing each other can't
/// deadlock.)
fn acting_token_holding(
    conn: &mut PgConnection,
    by: &Acting,
    scope: Scope,
    module: &ModuleId,
) -> QueryResult<Result<Option<(TokenId, Reach)>, Excess>> {
    let Actor::Token(id) = &by.actor else {
        return Ok(Ok(None));
    };
    Ok(match held(conn, &by.account, id, false)? {
        Some(caller) if caller.usable(by.at) => {
            holds(&caller.reach, scope, module).map(|()| Some((id.clone(), caller.reach)))
        }
        _ => Err(Excess::CallerInactive),
    })
}

/// Whether `reach` holds `scope` (or more) and `module`.
fn holds(reach: &Reach, scope: Scope, module: &ModuleId) -> Result<(), Excess> {
    if reach.scope < scope {
        return Err(Excess::Scope {
            asked: scope,
            held: reach.scope,
        });
    }
    if !reach.modules.contains(module) {
        return Err(Excess::Modules(vec![module.clone()]));
    }
    Ok(())
}

/// Whether the token acting, read from its row rather than the cache, still holds
/// `scope` and `module`: what a change outside the token tables (the account's expiry
/// policy) asks of it. `Ok(Ok(()))` when a person acts.
pub fn check_caller_holds(
    conn: &mut PgConnection,
    by: &Acting,
    scope: Scope,
    module: &ModuleId,
) -> QueryResult<Result<(), Excess>> {
    Ok(acting_token_holding(conn, by, scope, module)?.map(drop))
}

fn caller_is(by: &Acting, token: &TokenId) -> bool {
    matches!(&by.actor, Actor::Token(id) if id == token)
}

/// The acting token's reach and the token `ctx` names (locked), when a token acts on
/// another; `Ok(None)` when a person acts or there is no such token (the change then
/// finds none); refused with `on_itself` when the token names itself.
fn caller_and_target(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    on_itself: Excess,
) -> QueryResult<Result<Option<(Reach, Held)>, Excess>> {
    let (caller_id, caller) = match acting_token(conn, &ctx.by)? {
        Ok(Some(acting)) => acting,
        Ok(None) => return Ok(Ok(None)),
        Err(excess) => return Ok(Err(excess)),
    };
    if caller_id == ctx.token {
        return Ok(Err(on_itself));
    }
    let target = held(conn, &ctx.by.account, &ctx.token, true)?;
    Ok(Ok(target.map(|target| (caller, target))))
}

fn reach_of_draft(draft: &TokenDraft) -> Reach {
    Reach {
        scope: draft.scope,
        modules: draft.modules.clone(),
        expires_at: draft.expires_at,
        allowed_addresses: draft.allowed_addresses.clone(),
        rate_limit: draft.rate_limit,
    }
}

/// Why the acting token may not create a token from `draft`.
pub(super) fn check_create(
    conn: &mut PgConnection,
    by: &Acting,
    draft: &TokenDraft,
) -> QueryResult<Result<(), Excess>> {
    let (_, caller) = match acting_token(conn, by)? {
        Ok(Some(acting)) => acting,
        Ok(None) => return Ok(Ok(())),
        Err(excess) => return Ok(Err(excess)),
    };
    Ok(caller.grants(&reach_of_draft(draft)))
}

/// Why the acting token may not save `draft` over the token: it may not edit itself, and
/// the token must be within its reach before and after, and after strictly less than
/// it, unless it was its equal already (a peer a person made, which it may rename).
pub(super) fn check_edit(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    draft: &TokenDraft,
) -> QueryResult<Result<(), Excess>> {
    let (caller, current) = match caller_and_target(conn, ctx, Excess::EditsItself)? {
        Ok(Some(pair)) => pair,
        Ok(None) => return Ok(Ok(())),
        Err(excess) => return Ok(Err(excess)),
    };
    if current.expired(ctx.by.at) {
        return Ok(Err(Excess::EditsExpired));
    }
    if let Err(excess) = caller.covers(&current.reach) {
        return Ok(Err(excess));
    }
    let draft = reach_of_draft(draft);
    Ok(if current.reach.covers(&caller).is_ok() {
        caller.covers(&draft)
    } else {
        caller.grants(&draft)
    })
}

/// Why the acting token may not apply `transition` to the token: it may disable or
/// delete itself but not enable itself; any other token must be within its reach, and
/// one a person disabled stays disabled until a person enables it.
pub(super) fn check_transition(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    transition: Transition,
) -> QueryResult<Result<(), Excess>> {
    let (caller_id, caller) = match acting_token(conn, &ctx.by)? {
        Ok(Some(acting)) => acting,
        Ok(None) => return Ok(Ok(())),
        // A token revoking itself may do so whatever its state.
        Err(_) if caller_is(&ctx.by, &ctx.token) && transition != Transition::Enable => {
            return Ok(Ok(()));
        }
        Err(excess) => return Ok(Err(excess)),
    };
    if caller_id == ctx.token {
        return Ok(match transition {
            Transition::Enable => Err(Excess::EnablesItself),
            Transition::Disable | Transition::Delete => Ok(()),
        });
    }
    let Some(target) = held(conn, &ctx.by.account, &ctx.token, true)? else {
        return Ok(Ok(()));
    };
    if let Err(excess) = caller.covers(&target.reach) {
        return Ok(Err(excess));
    }
    if transition == Transition::Enable && target.disabled_by_person {
        return Ok(Err(Excess::DisabledByPerson));
    }
    Ok(Ok(()))
}

/// Why the acting token may not rotate the token: never itself (a leaked token would
/// trade its secret for one only its thief knows), nor its equal (whose new secret
/// would reach it), any other only within its reach.
pub(super) fn check_rotate(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
) -> QueryResult<Result<(), Excess>> {
    Ok(match caller_and_target(conn, ctx, Excess::RotatesItself)? {
        Ok(Some((caller, target))) => caller.may_rotate(&target.reach),
        Ok(None) => Ok(()),
        Err(excess) => Err(excess),
    })
}
