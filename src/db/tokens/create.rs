//! Creating a token from a validated draft, audited in the same transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::super::audit::{self, NewEvent};
use super::insert::{NewToken, insert};
use crate::domain::{
    AccountId, Actor, AuditAction, SecretCipher, TokenDraft, TokenId, TokenSecret, TokenStatus,
    UserId,
};

/// Adds an active token for `draft` and returns its id and secret (shown once).
/// `creator` is the person it is created by (for a token acting through the API, the
/// person who created that token); `actor` is who the audit log names.
#[expect(
    clippy::too_many_arguments,
    reason = "who, for whom, what, and how it is kept"
)]
pub fn create(
    conn: &mut PgConnection,
    account: &AccountId,
    creator: &UserId,
    actor: &Actor,
    draft: &TokenDraft,
    cipher: &SecretCipher,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<(TokenId, TokenSecret)> {
    conn.transaction(|conn| {
        let secret = TokenSecret::generate();
        // A random id can collide with an existing one; draw again.
        let id = loop {
            let id = TokenId::generate();
            let added = insert(
                conn,
                &NewToken {
                    id: &id,
                    account_id: account,
                    name: &draft.name,
                    description: &draft.description,
                    scope: draft.scope,
                    status: TokenStatus::Active,
                    secret: &secret,
                    modules: &draft.modules,
                    created_by: creator,
                    created_at: now,
                    expires_at: draft.expires_at,
                    disabled_at: None,
                    deleted_at: None,
                    last_access: None,
                },
                cipher,
            )?;
            if added {
                break id;
            }
        };
        audit::record(
            conn,
            &NewEvent {
                account_id: account,
                token_id: Some(&id),
                actor,
                action: AuditAction::TokenCreate,
                details: format!(
                    "Scope {}, modules {}",
                    draft.scope.label(),
                    draft.modules.len()
                ),
                ip,
                at: now,
            },
        )?;
        Ok((id, secret))
    })
}
