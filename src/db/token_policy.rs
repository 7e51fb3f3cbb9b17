//! Each account's token expiry policy: reading it (inside the transaction of a change
//! it governs), setting it (audited), and the tokens that break it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::audit::{self, NewEvent};
use super::schema::{accounts, api_tokens};
use super::tokens;
use crate::domain::containment::Excess;
use crate::domain::{
    AccountId, Acting, Actor, AuditAction, ExpiryPolicy, ModuleId, Scope, TokenId, TokenStatus,
};

/// The account's policy (none for an account that does not exist). Read inside a
/// change's transaction, it is shared-locked until the change commits, so a policy
/// saved meanwhile waits for the change and then sees it among the breaking tokens.
pub fn policy(conn: &mut PgConnection, account: &AccountId) -> QueryResult<ExpiryPolicy> {
    read(conn, account, Lock::Share)
}

/// How `read` locks the account's row.
enum Lock {
    /// Against a change of the policy, while a token change that follows it commits.
    Share,
    /// To change the policy: two saves at once wait for each other instead of
    /// deadlocking on shared locks.
    Change,
}

fn read(conn: &mut PgConnection, account: &AccountId, lock: Lock) -> QueryResult<ExpiryPolicy> {
    let query = accounts::table.find(account).select((
        accounts::token_max_lifetime_days,
        accounts::token_expiry_required,
    ));
    let found: Option<(Option<i32>, bool)> = match lock {
        Lock::Share => query.for_share().first(conn).optional()?,
        Lock::Change => query.for_no_key_update().first(conn).optional()?,
    };
    match found {
        None => Ok(ExpiryPolicy::NONE),
        // A stored policy that breaks the domain's rules is an error, never no policy.
        Some((days, required)) => ExpiryPolicy::new(days, required)
            .map_err(|error| diesel::result::Error::DeserializationError(error.0.into())),
    }
}

/// What saving a policy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySaved {
    Changed,
    Unchanged,
    /// A token acting through the API may only tighten the policy: loosening it is a
    /// person's decision (a leaked token must not lift the rules every token follows).
    LooserThanATokenMay,
    /// The token acting no longer holds what setting the policy asks (admin scope and
    /// the Tokens module), or is no longer usable: its row says so, though a cache may
    /// not yet.
    Exceeds(Excess),
}

/// Sets the policy of `by`'s account, audited. A token acting is checked again against
/// its row, as every write through the API is.
pub fn set_policy(
    conn: &mut PgConnection,
    by: &Acting,
    policy: ExpiryPolicy,
) -> QueryResult<PolicySaved> {
    conn.transaction(|conn| {
        if let Err(excess) =
            tokens::check_caller_holds(conn, by, Scope::Admin, &ModuleId::tokens())?
        {
            return Ok(PolicySaved::Exceeds(excess));
        }
        let before = read(conn, &by.account, Lock::Change)?;
        if before == policy {
            return Ok(PolicySaved::Unchanged);
        }
        if matches!(by.actor, Actor::Token(_)) && !policy.is_no_looser_than(before) {
            return Ok(PolicySaved::LooserThanATokenMay);
        }
        diesel::update(accounts::table.find(&by.account))
            .set((
                accounts::token_max_lifetime_days.eq(policy.max_lifetime_days()),
                accounts::token_expiry_required.eq(policy.expiry_required()),
            ))
            .execute(conn)?;
        let event = NewEvent::by(by, None, AuditAction::TokenPolicyChange, policy.describe());
        audit::record(conn, &event)?;
        Ok(PolicySaved::Changed)
    })
}

/// A token that breaks its account's policy, as the policy page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Breaking {
    pub id: TokenId,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Up to `limit` tokens of `account` not deleted whose expiry breaks `policy` as if set
/// at `now` (never expiring, or further away than the maximum), newest first. They are
/// listed, never changed.
pub fn breaking(
    conn: &mut PgConnection,
    account: &AccountId,
    policy: ExpiryPolicy,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Breaking>> {
    if !policy.must_expire() {
        return Ok(Vec::new());
    }
    let mut query = api_tokens::table
        .filter(api_tokens::account_id.eq(account))
        .filter(api_tokens::status.eq_any([TokenStatus::Active, TokenStatus::Disabled]))
        .into_boxed();
    query = match policy.latest_expiry(now) {
        Some(latest) => query.filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(latest)),
        ),
        None => query.filter(api_tokens::expires_at.is_null()),
    };
    query
        .order((api_tokens::created_at.desc(), api_tokens::id.desc()))
        .select((api_tokens::id, api_tokens::name, api_tokens::expires_at))
        .limit(limit)
        .load(conn)
}
