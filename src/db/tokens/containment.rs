//! Holding a token that acts through the API to what it may reach (see
//! `domain::containment`), inside the transaction of the change it asks for. The acting
//! token's reach is read there too, not taken from the cache, so a token narrowed a
//! moment ago already acts with its new reach.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::super::schema::{api_tokens, token_modules};
use crate::domain::containment::{Excess, Reach};
use crate::domain::{
    AccountId, Acting, Actor, ChangeContext, ModuleId, Scope, TokenDraft, TokenId, Transition,
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
struct ReachRow {
    scope: Scope,
    expires_at: Option<DateTime<Utc>>,
    disabled_by_person: bool,
}

/// The reach of `token` in `account`, and whether a person disabled it; `None` for a
/// token of another account, exactly as for none at all. `lock` holds the row until the
/// transaction ends.
fn reach_of(
    conn: &mut PgConnection,
    account: &AccountId,
    token: &TokenId,
    lock: bool,
) -> QueryResult<Option<(Reach, bool)>> {
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
    let reach = Reach {
        scope: row.scope,
        modules,
        expires_at: row.expires_at,
    };
    Ok(Some((reach, row.disabled_by_person)))
}

/// The token acting and its reach; `None` when a person acts.
fn acting_token(conn: &mut PgConnection, by: &Acting) -> QueryResult<Option<(TokenId, Reach)>> {
    let Actor::Token(id) = &by.actor else {
        return Ok(None);
    };
    Ok(reach_of(conn, &by.account, id, false)?.map(|(reach, _)| (id.clone(), reach)))
}

fn reach_of_draft(draft: &TokenDraft) -> Reach {
    Reach {
        scope: draft.scope,
        modules: draft.modules.clone(),
        expires_at: draft.expires_at,
    }
}

/// Why the acting token may not create a token from `draft`.
pub(super) fn check_create(
    conn: &mut PgConnection,
    by: &Acting,
    draft: &TokenDraft,
) -> QueryResult<Result<(), Excess>> {
    let Some((_, caller)) = acting_token(conn, by)? else {
        return Ok(Ok(()));
    };
    Ok(caller.covers(&reach_of_draft(draft)))
}

/// Why the acting token may not save `draft` over the token: it may not edit itself, and
/// the token must be within its reach before and after.
pub(super) fn check_edit(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    draft: &TokenDraft,
) -> QueryResult<Result<(), Excess>> {
    let Some((caller_id, caller)) = acting_token(conn, &ctx.by)? else {
        return Ok(Ok(()));
    };
    if caller_id == ctx.token {
        return Ok(Err(Excess::EditsItself));
    }
    let Some((current, _)) = reach_of(conn, &ctx.by.account, &ctx.token, true)? else {
        return Ok(Ok(()));
    };
    Ok(caller
        .covers(&current)
        .and_then(|()| caller.covers(&reach_of_draft(draft))))
}

/// Why the acting token may not apply `transition` to the token: it may disable or
/// delete itself but not enable itself; any other token must be within its reach, and
/// one a person disabled stays disabled until a person enables it.
pub(super) fn check_transition(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    transition: Transition,
) -> QueryResult<Result<(), Excess>> {
    let Some((caller_id, caller)) = acting_token(conn, &ctx.by)? else {
        return Ok(Ok(()));
    };
    if caller_id == ctx.token {
        return Ok(match transition {
            Transition::Enable => Err(Excess::EnablesItself),
            Transition::Disable | Transition::Delete => Ok(()),
        });
    }
    let Some((target, disabled_by_person)) = reach_of(conn, &ctx.by.account, &ctx.token, true)?
    else {
        return Ok(Ok(()));
    };
    if let Err(excess) = caller.covers(&target) {
        return Ok(Err(excess));
    }
    if transition == Transition::Enable && disabled_by_person {
        return Ok(Err(Excess::DisabledByPerson));
    }
    Ok(Ok(()))
}
