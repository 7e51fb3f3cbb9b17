//! Bulk inserts for `tokendesk seed`: accounts with their admins, and tokens a batch at a
//! time (one multi-row statement per table), each batch with its modules and usage
//! history in one transaction that also tells every instance that tokens were created.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::access;
use super::schema::{accounts, api_tokens, token_modules, users};
use super::tokens::{NewToken, SecretColumns, last_access_of, notify_created};
use crate::domain::token_use::TokenUses;
use crate::domain::{AccountId, Role, SecretCipher, TokenId, TokenStatus, UserId};

/// Rows per statement: a token row binds 21 parameters, and PostgreSQL takes at most
/// 65,535 in one statement.
pub const ROWS_PER_STATEMENT: usize = 2_000;

/// A new account and the admin who signs in to it.
pub struct NewAccount {
    pub id: AccountId,
    pub name: String,
    pub admin: UserId,
    pub admin_email: String,
    pub admin_name: String,
}

/// Which of `ids` are taken already.
pub fn taken_account_ids(
    conn: &mut PgConnection,
    ids: &[AccountId],
) -> QueryResult<HashSet<String>> {
    let wanted: Vec<&str> = ids.iter().map(AccountId::as_str).collect();
    let taken: Vec<String> = accounts::table
        .filter(accounts::id.eq_any(wanted))
        .select(accounts::id)
        .load(conn)?;
    Ok(taken.into_iter().collect())
}

/// Which of `ids` are taken already.
pub fn taken_user_ids(conn: &mut PgConnection, ids: &[UserId]) -> QueryResult<HashSet<String>> {
    let wanted: Vec<&str> = ids.iter().map(UserId::as_str).collect();
    let taken: Vec<String> = users::table
        .filter(users::id.eq_any(wanted))
        .select(users::id)
        .load(conn)?;
    Ok(taken.into_iter().collect())
}

/// Which of `ids` are taken already.
pub fn taken_token_ids(conn: &mut PgConnection, ids: &[TokenId]) -> QueryResult<HashSet<String>> {
    let wanted: Vec<&str> = ids.iter().map(TokenId::as_str).collect();
    let taken: Vec<String> = api_tokens::table
        .filter(api_tokens::id.eq_any(wanted))
        .select(api_tokens::id)
        .load(conn)?;
    Ok(taken.into_iter().collect())
}

/// Adds the accounts and their admins, who all sign in with the password whose hash is
/// `password_hash`, in one transaction.
pub fn insert_accounts(
    conn: &mut PgConnection,
    new: &[NewAccount],
    password_hash: &str,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        for chunk in new.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|account| {
                    (
                        accounts::id.eq(&account.id),
                        accounts::name.eq(&account.name),
                    )
                })
                .collect();
            diesel::insert_into(accounts::table)
                .values(rows)
                .execute(conn)?;
            let admins: Vec<_> = chunk
                .iter()
                .map(|account| {
                    (
                        users::id.eq(&account.admin),
                        users::account_id.eq(&account.id),
                        users::email.eq(&account.admin_email),
                        users::name.eq(&account.admin_name),
                        users::role.eq(Role::Admin),
                        users::password_hash.eq(password_hash),
                    )
                })
                .collect();
            diesel::insert_into(users::table)
                .values(admins)
                .execute(conn)?;
        }
        Ok(())
    })
}

/// A token's row as one multi-row insert takes it.
#[derive(Insertable)]
#[diesel(table_name = api_tokens)]
struct TokenRow<'a> {
    id: &'a str,
    account_id: &'a str,
    name: &'a str,
    description: &'a str,
    scope: &'a str,
    status: &'a str,
    secret_prefix: String,
    secret_digest: Option<Vec<u8>>,
    deleted_digest: Option<Vec<u8>>,
    secret_ciphertext: Option<Vec<u8>>,
    created_by: &'a str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    disabled_at: Option<DateTime<Utc>>,
    disabled_by_person: bool,
    deleted_at: Option<DateTime<Utc>>,
}

impl<'a> TokenRow<'a> {
    /// The row `insert` would write for `token`: its secret kept exactly as a token
    /// created in the portal keeps it.
    fn of(token: &NewToken<'a>, cipher: &SecretCipher) -> Self {
        let secret = SecretColumns::of(token.id, token.status, token.secret, cipher);
        Self {
            id: token.id.as_str(),
            account_id: token.account_id.as_str(),
            name: token.name.as_str(),
            description: token.description,
            scope: token.scope.as_str(),
            status: token.status.as_str(),
            secret_prefix: secret.prefix,
            secret_digest: secret.digest,
            deleted_digest: secret.deleted_digest,
            secret_ciphertext: secret.ciphertext,
            created_by: token.created_by.as_str(),
            created_at: token.created_at,
            // Seeded tokens stand for ones a person made, and disabled.
            updated_at: token.created_at,
            expires_at: token.expires_at,
            disabled_at: token.disabled_at,
            disabled_by_person: token.status == TokenStatus::Disabled,
            deleted_at: token.deleted_at,
        }
    }
}

/// Vacuums the tables a seed fills and updates the planner's statistics: the
/// visibility map lets index-only scans skip the table, as autovacuum would in time.
/// Outside any transaction (VACUUM refuses to run in one).
pub fn vacuum_analyze(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(
        "VACUUM (ANALYZE) accounts, users, api_tokens, token_last_access, token_modules, token_usage_daily",
    )
    .execute(conn)
    .map(drop)
}

/// Adds `tokens` (at most `ROWS_PER_STATEMENT`, ids not taken) with their modules and
/// the usage history in `uses`, in one transaction.
pub fn insert_tokens(
    conn: &mut PgConnection,
    tokens: &[NewToken<'_>],
    uses: &HashMap<TokenId, TokenUses>,
    cipher: &SecretCipher,
) -> QueryResult<()> {
    let rows: Vec<TokenRow<'_>> = tokens
        .iter()
        .map(|token| TokenRow::of(token, cipher))
        .collect();
    let grants: Vec<_> = tokens
        .iter()
        .flat_map(|token| {
            token.modules.iter().map(|module| {
                (
                    token_modules::token_id.eq(token.id.as_str()),
                    token_modules::module_id.eq(module.as_str()),
                )
            })
        })
        .collect();
    conn.transaction(|conn| {
        diesel::insert_into(api_tokens::table)
            .values(rows)
            .execute(conn)?;
        for chunk in grants.chunks(ROWS_PER_STATEMENT * 4) {
            diesel::insert_into(token_modules::table)
                .values(chunk)
                .execute(conn)?;
        }
        last_access_of(tokens).write(conn)?;
        access::write_uses(conn, uses)?;
        // A server may have remembered one of these secrets as unknown.
        notify_created(conn)
    })
}
