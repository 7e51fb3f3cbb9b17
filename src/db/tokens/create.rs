//! Creating a token from a validated draft, within its account's expiry policy, audited
//! in the same transaction.

use diesel::prelude::*;

use super::super::audit::{self, NewEvent};
use super::Outcome;
use super::containment;
use super::insert::{NewToken, insert};
use crate::domain::{
    Acting, AuditAction, SecretCipher, TokenDraft, TokenId, TokenSecret, TokenStatus, UserId,
};

/// Adds an active token for `draft` in `by`'s account and returns its id and secret
/// (shown once); a token acting may create only a token within its own reach. `creator`
/// is the person it is created by (for a token acting through the API, the person who
/// created that token); `by` is who the audit log names.
pub fn create(
    conn: &mut PgConnection,
    by: &Acting,
    creator: &UserId,
    draft: &TokenDraft,
    cipher: &SecretCipher,
) -> QueryResult<Outcome<(TokenId, TokenSecret)>> {
    conn.transaction(|conn| {
        if let Err(excess) = containment::check_create(conn, by, draft)? {
            return Ok(excess.into());
        }
        let policy = super::super::token_policy::policy(conn, &by.account)?;
        if let Err(breach) = policy.check(draft.expires_at, by.at) {
            return Ok(Outcome::BreaksPolicy(breach));
        }
        let secret = TokenSecret::generate();
        // A random id can collide with an existing one; draw again.
        let id = loop {
            let id = TokenId::generate();
            let added = insert(
                conn,
                &NewToken {
                    id: &id,
                    account_id: &by.account,
                    name: &draft.name,
                    description: &draft.description,
                    scope: draft.scope,
                    status: TokenStatus::Active,
                    secret: &secret,
                    modules: &draft.modules,
                    created_by: creator,
                    created_at: by.at,
                    expires_at: draft.expires_at,
                    disabled_at: None,
                    deleted_at: None,
                    last_access: None,
                    allowed_addresses: draft.allowed_addresses.clone(),
                    rate_limit: draft.rate_limit,
                },
                cipher,
            )?;
            if added {
                break id;
            }
        };
        let details = format!(
            "Scope {}, modules {}",
            draft.scope.label(),
            draft.modules.len()
        );
        let event = NewEvent::by(by, Some(&id), AuditAction::TokenCreate, details);
        audit::record(conn, &event)?;
        super::change::notify_created(conn)?;
        Ok(Outcome::Done((id, secret)))
    })
}
