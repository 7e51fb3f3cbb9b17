//! Adding a token with its modules, in one transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::super::access::LastAccessColumns;
use super::super::schema::{api_tokens, token_modules};
use crate::domain::{
    AccountId, AddressAllowlist, ModuleId, RateLimit, Scope, SecretCipher, TokenId, TokenName,
    TokenSecret, TokenStatus, UserId,
};

/// A token to add. Its secret is given in full: the row keeps the digest, the visible
/// prefix and the ciphertext, or none of them once deleted.
pub struct NewToken<'a> {
    pub id: &'a TokenId,
    pub account_id: &'a AccountId,
    pub name: &'a TokenName,
    pub description: &'a str,
    pub scope: Scope,
    pub status: TokenStatus,
    pub secret: &'a TokenSecret,
    pub modules: &'a [ModuleId],
    pub created_by: &'a UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub last_access: Option<(DateTime<Utc>, &'a str, &'a str)>,
    pub allowed_addresses: AddressAllowlist,
    pub rate_limit: Option<RateLimit>,
}

/// What a token's row keeps of its secret: the prefix lists show, and the lookup digest
/// with the encrypted copy, or once deleted only the digest as a tombstone.
pub struct SecretColumns {
    pub prefix: String,
    pub digest: Option<Vec<u8>>,
    pub deleted_digest: Option<Vec<u8>>,
    pub ciphertext: Option<Vec<u8>>,
}

impl SecretColumns {
    /// The columns of token `id` in `status` holding `secret`, encrypted with `cipher`.
    pub fn of(
        id: &TokenId,
        status: TokenStatus,
        secret: &TokenSecret,
        cipher: &SecretCipher,
    ) -> Self {
        let keeps_secret = status != TokenStatus::Deleted;
        let digest = secret.digest().as_bytes().to_vec();
        Self {
            prefix: secret.visible_prefix().to_owned(),
            ciphertext: keeps_secret.then(|| cipher.encrypt(id, secret)),
            deleted_digest: (!keeps_secret).then(|| digest.clone()),
            digest: keeps_secret.then_some(digest),
        }
    }
}

/// Inserts the token unless its id exists already; returns whether it was added.
pub fn insert(
    conn: &mut PgConnection,
    token: &NewToken<'_>,
    cipher: &SecretCipher,
) -> QueryResult<bool> {
    let SecretColumns {
        prefix,
        digest,
        deleted_digest: tombstone,
        ciphertext,
    } = SecretColumns::of(token.id, token.status, token.secret, cipher);
    conn.transaction(|conn| {
        let added = diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::id.eq(token.id),
                api_tokens::account_id.eq(token.account_id),
                api_tokens::name.eq(token.name.as_str()),
                api_tokens::description.eq(token.description),
                api_tokens::scope.eq(token.scope),
                api_tokens::status.eq(token.status),
                api_tokens::secret_prefix.eq(prefix),
                api_tokens::secret_digest.eq(digest),
                api_tokens::deleted_digest.eq(tombstone),
                api_tokens::secret_ciphertext.eq(ciphertext),
                api_tokens::created_by.eq(token.created_by),
                api_tokens::created_at.eq(token.created_at),
                api_tokens::updated_at.eq(token.created_at),
                api_tokens::expires_at.eq(token.expires_at),
                api_tokens::disabled_at.eq(token.disabled_at),
                // Tokens are added disabled only by the demo seed, standing for a person.
                api_tokens::disabled_by_person.eq(token.status == TokenStatus::Disabled),
                api_tokens::deleted_at.eq(token.deleted_at),
                api_tokens::allowed_addresses.eq(token.allowed_addresses.entries()),
                api_tokens::rate_limit_per_minute.eq(token.rate_limit.map(stored_rate_limit)),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if added == 0 {
            return Ok(false);
        }
        grant_modules(conn, token.id, token.modules)?;
        last_access_of(std::slice::from_ref(token)).write(conn)?;
        Ok(true)
    })
}

/// The last access `tokens` come with, as the writer of uses writes it.
pub fn last_access_of(tokens: &[NewToken<'_>]) -> LastAccessColumns {
    let mut columns = LastAccessColumns::default();
    for token in tokens {
        if let Some((at, ip, user_agent)) = token.last_access {
            columns.push(
                token.id,
                at,
                Some(ip.to_owned()),
                Some(user_agent.to_owned()),
                None,
            );
        }
    }
    columns
}

/// Grants `modules` to `token` (which has none of them yet).
pub(super) fn grant_modules(
    conn: &mut PgConnection,
    token: &TokenId,
    modules: &[ModuleId],
) -> QueryResult<()> {
    let grants: Vec<_> = modules
        .iter()
        .map(|module| {
            (
                token_modules::token_id.eq(token),
                token_modules::module_id.eq(module),
            )
        })
        .collect();
    diesel::insert_into(token_modules::table)
        .values(grants)
        .execute(conn)
        .map(drop)
}

/// A rate limit as its column holds it.
pub(super) fn stored_rate_limit(limit: RateLimit) -> i32 {
    i32::try_from(limit.calls()).unwrap_or(i32::MAX)
}
