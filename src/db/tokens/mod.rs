//! API tokens: the list with its filters, one token's details, and inserts. Every read
//! takes a `Visibility`, so no query can reach another account's tokens by accident.

mod change;
mod containment;
mod create;
mod find;
mod insert;
mod leak;
mod list;
mod lookup;
mod rotate;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::modules::Module;
use super::schema::{accounts, api_tokens, token_last_access, users};
use crate::domain::leak_report::LeakLocation;
use crate::domain::{
    AccountId, AddressAllowlist, RateLimit, Scope, TokenId, TokenStatus, UserId, Visibility,
};

pub use change::{
    CHANGED_CHANNEL, CREATED_PAYLOAD, EVERYTHING_PAYLOAD, Outcome, edit, notify_created,
    notify_everything, reveal, transition,
};
pub use containment::check_caller_holds;
pub use create::create;
pub use find::{find, find_many, id_by_secret};
pub use insert::{NewToken, SecretColumns, insert, last_access_of};
pub use leak::{Reported, mark_found_in_public, report_leak};
pub use list::{TokenPage, chunk, count_expiring_soon, count_found_in_public, list};
pub use lookup::{Lookup, by_digest};
pub use rotate::{Rotated, rotate};

/// What the list shows of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSummary {
    pub id: TokenId,
    pub account_id: AccountId,
    pub account_name: String,
    pub name: String,
    pub secret_prefix: String,
    pub scope: Scope,
    pub status: TokenStatus,
    pub created_by_id: UserId,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_access_at: Option<DateTime<Utc>>,
    pub modules: Vec<Module>,
}

/// What the details page shows: the summary and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDetail {
    pub summary: TokenSummary,
    pub description: String,
    pub updated_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub last_access_ip: Option<String>,
    pub last_access_user_agent: Option<String>,
    /// The service the last access came through, if it was not a direct call.
    pub last_access_via: Option<String>,
    /// When the secret the last rotation replaced stops (or stopped) working.
    pub old_secret_ends_at: Option<DateTime<Utc>>,
    pub allowed_addresses: AddressAllowlist,
    pub rate_limit: Option<RateLimit>,
    /// When and where its secret was last found in public, kept after it is enabled
    /// again.
    pub found_in_public: Option<FoundInPublic>,
}

/// A leak report's mark on a token: when it was found in public, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundInPublic {
    pub at: DateTime<Utc>,
    pub location: LeakLocation,
}

impl TokenDetail {
    /// When the replaced secret stops working, while it still works at `now` (only an
    /// active token's secrets work).
    pub fn old_secret_working_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.old_secret_ends_at
            .filter(|at| *at > now && self.summary.status == TokenStatus::Active)
    }
}

/// The columns the list and the details page share.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
pub(super) struct SummaryRow {
    id: TokenId,
    account_id: AccountId,
    #[diesel(select_expression = accounts::name)]
    account_name: String,
    name: String,
    secret_prefix: String,
    scope: Scope,
    status: TokenStatus,
    created_by: UserId,
    #[diesel(select_expression = users::name)]
    created_by_name: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    #[diesel(select_expression = token_last_access::at)]
    last_access_at: Option<DateTime<Utc>>,
}

/// Tokens joined with their creator, account and last access: the source every read
/// starts from.
type TokenSource = diesel::dsl::InnerJoin<
    diesel::dsl::InnerJoin<
        diesel::dsl::InnerJoin<api_tokens::table, users::table>,
        accounts::table,
    >,
    token_last_access::table,
>;
type BoxedTokens<'a> = diesel::dsl::IntoBoxed<'a, TokenSource, diesel::pg::Pg>;

/// The tokens `visibility` allows, joined with creator, account and last access (every
/// token has its last-access row, migration 000014).
fn visible(visibility: &Visibility) -> BoxedTokens<'static> {
    let source = api_tokens::table
        .inner_join(users::table)
        .inner_join(accounts::table)
        .inner_join(token_last_access::table)
        .into_boxed();
    match visibility {
        Visibility::Account(account) => source.filter(api_tokens::account_id.eq(account.clone())),
        Visibility::AllAccounts => source,
    }
}

fn into_summary(row: SummaryRow, modules: Vec<Module>) -> TokenSummary {
    TokenSummary {
        id: row.id,
        account_id: row.account_id,
        account_name: row.account_name,
        name: row.name,
        secret_prefix: row.secret_prefix,
        scope: row.scope,
        status: row.status,
        created_by_id: row.created_by,
        created_by_name: row.created_by_name,
        created_at: row.created_at,
        expires_at: row.expires_at,
        last_access_at: row.last_access_at,
        modules,
    }
}

/// A token's stored allowlist and rate limit as the domain has them. A stored value that
/// breaks the domain's rules is an error, never a wider right.
pub(super) fn limits_of(
    addresses: &[String],
    rate_limit: Option<i32>,
) -> QueryResult<(AddressAllowlist, Option<RateLimit>)> {
    let broken = |what: String| diesel::result::Error::DeserializationError(what.into());
    let allowlist =
        AddressAllowlist::parse(addresses.iter().map(String::as_str)).map_err(broken)?;
    let limit = rate_limit
        .map(|calls| RateLimit::per_minute(i64::from(calls)))
        .transpose()
        .map_err(|error| broken(error.0))?;
    Ok((allowlist, limit))
}
