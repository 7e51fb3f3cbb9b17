//! Putting the demo accounts back (`demo::reset`): everything a run added to or changed
//! in them removed, their accounts (names and token policies) and people restored. Only
//! rows of the accounts, people and emails named here are touched. Call these inside one
//! transaction that also inserts the demo's tokens again.

use diesel::prelude::*;

use super::schema::{accounts, api_tokens, audit_events, sign_in_failures, users};
use super::users::NewUser;
use crate::domain::{AccountId, ExpiryPolicy, TokenId, UserId};

/// The transaction-scoped advisory lock resets take, so two at once run one after the
/// other instead of interleaving their deletes and inserts.
const RESET_LOCK: i64 = 726_354_002;

/// Waits for any other reset to finish; held until this transaction ends.
pub fn lock(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(RESET_LOCK)
        .execute(conn)
        .map(drop)
}

/// Removes from `accounts` every token (with its modules, usage and addresses), every
/// person not in `people`, and every audit event of theirs or of `people` (support staff
/// among them, whose events belong to no account); forgets the failed sign-ins of
/// `emails`. Returns the ids of the tokens removed.
pub fn clear(
    conn: &mut PgConnection,
    accounts: &[AccountId],
    people: &[UserId],
    emails: &[&str],
) -> QueryResult<Vec<TokenId>> {
    // Plain text, which binds to the nullable columns as well.
    let accounts: Vec<&str> = accounts.iter().map(AccountId::as_str).collect();
    let people: Vec<&str> = people.iter().map(UserId::as_str).collect();
    let tokens: Vec<TokenId> = api_tokens::table
        .filter(api_tokens::account_id.eq_any(&accounts))
        .select(api_tokens::id)
        .load(conn)?;
    let token_ids: Vec<&str> = tokens.iter().map(TokenId::as_str).collect();
    let extra_people: Vec<String> = users::table
        .filter(users::account_id.eq_any(&accounts))
        .filter(users::id.ne_all(&people))
        .select(users::id)
        .load(conn)?;
    diesel::delete(
        audit_events::table.filter(
            audit_events::account_id
                .eq_any(&accounts)
                .or(audit_events::token_id.eq_any(&token_ids))
                .or(audit_events::actor_token_id.eq_any(&token_ids))
                .or(audit_events::actor_user_id.eq_any(&people))
                .or(audit_events::actor_user_id.eq_any(&extra_people)),
        ),
    )
    .execute(conn)?;
    // Modules, daily usage and addresses go with their tokens (ON DELETE CASCADE).
    diesel::delete(api_tokens::table.filter(api_tokens::account_id.eq_any(&accounts)))
        .execute(conn)?;
    // Their sessions go with them (ON DELETE CASCADE).
    diesel::delete(users::table.filter(users::id.eq_any(&extra_people))).execute(conn)?;
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::email.eq_any(emails)))
        .execute(conn)?;
    Ok(tokens)
}

/// Adds the account, or gives it back its `name` and token `policy`: every column but
/// when it was first made.
pub fn restore_account(
    conn: &mut PgConnection,
    id: &AccountId,
    name: &str,
    policy: ExpiryPolicy,
) -> QueryResult<()> {
    let values = (
        accounts::name.eq(name),
        accounts::token_max_lifetime_days.eq(policy.max_lifetime_days()),
        accounts::token_expiry_required.eq(policy.expiry_required()),
    );
    diesel::insert_into(accounts::table)
        .values((accounts::id.eq(id), values))
        .on_conflict(accounts::id)
        .do_update()
        .set(values)
        .execute(conn)
        .map(drop)
}

/// Adds the person, or gives them back everything `person` says and enables them. Their
/// sessions are left as they are.
pub fn restore_person(conn: &mut PgConnection, person: &NewUser<'_>) -> QueryResult<()> {
    let email = person.email.trim().to_lowercase();
    let values = (
        users::account_id.eq(person.account_id),
        users::email.eq(&email),
        users::name.eq(person.name.trim()),
        users::role.eq(person.role),
        users::password_hash.eq(person.password_hash),
    );
    diesel::insert_into(users::table)
        .values((users::id.eq(person.id), values))
        .on_conflict(users::id)
        .do_update()
        .set((
            values,
            users::disabled_at.eq(None::<chrono::DateTime<chrono::Utc>>),
        ))
        .execute(conn)
        .map(drop)
}

/// The password hash of each enabled person whose email is among `emails`, by email.
pub fn enabled_password_hashes(
    conn: &mut PgConnection,
    emails: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::email.eq_any(emails))
        .filter(users::disabled_at.is_null())
        .select((users::email, users::password_hash))
        .load(conn)
}

/// The ids of the active tokens whose secret has one of `digests`.
pub fn active_tokens_with_digests(
    conn: &mut PgConnection,
    digests: &[&[u8]],
) -> QueryResult<Vec<String>> {
    api_tokens::table
        .filter(api_tokens::secret_digest.eq_any(digests))
        .filter(api_tokens::status.eq(crate::domain::TokenStatus::Active))
        .order(api_tokens::id)
        .select(api_tokens::id)
        .load(conn)
}
