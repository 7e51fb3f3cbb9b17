//! Each account's token expiry policy: reading it (inside the transaction of a change
//! it governs), setting it (audited), and the tokens that break it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::audit::{self, NewEvent};
use super::schema::{accounts, api_tokens};
use crate::domain::{AccountId, Acting, AuditAction, ExpiryPolicy, TokenId, TokenStatus};

/// The account's policy (none for an account that does not exist). Read inside a
/// change's transaction, it is shared-locked until the change commits, so a policy
/// saved meanwhile waits for the change and then sees it among the breaking tokens.
pub fn policy(conn: &mut PgConnection, account: &AccountId) -> QueryResult<ExpiryPolicy> {
    let found: Option<(Option<i32>, bool)> = accounts::table
        .find(account)
        .select((
            accounts::token_max_lifetime_days,
            accounts::token_expiry_required,
        ))
        .for_share()
        .first(conn)
        .optional()?;
    Ok(found
        .and_then(|(days, required)| ExpiryPolicy::new(days, required).ok())
        .unwrap_or(ExpiryPolicy::NONE))
}

/// Sets the policy of `by`'s account, audited; returns whether it changed.
pub fn set_policy(conn: &mut PgConnection, by: &Acting, policy: ExpiryPolicy) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let before = self::policy(conn, &by.account)?;
        if before == policy {
            return Ok(false);
        }
        diesel::update(accounts::table.find(&by.account))
            .set((
                accounts::token_max_lifetime_days.eq(policy.max_lifetime_days()),
                accounts::token_expiry_required.eq(policy.expiry_required()),
            ))
            .execute(conn)?;
        let event = NewEvent::by(by, None, AuditAction::TokenPolicyChange, policy.describe());
        audit::record(conn, &event)?;
        Ok(true)
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
