//! People who sign in: lookups for sign-in and for each request, and inserts.

use diesel::prelude::*;

use super::schema::{accounts, users};
use super::stored;
use crate::domain::{AccountId, Role, UserId};

/// A signed-in person as the rest of the app sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub account_id: Option<AccountId>,
    pub account_name: Option<String>,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// What sign-in needs: the user and their password hash.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// A user to add.
pub struct NewUser<'a> {
    pub id: &'a UserId,
    pub account_id: Option<&'a AccountId>,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

type UserColumns = (
    users::id,
    users::account_id,
    diesel::dsl::Nullable<accounts::name>,
    users::email,
    users::name,
    users::role,
    users::password_hash,
);

type UserRow = (
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    String,
);

fn columns() -> UserColumns {
    (
        users::id,
        users::account_id,
        accounts::name.nullable(),
        users::email,
        users::name,
        users::role,
        users::password_hash,
    )
}

fn into_credentials(row: UserRow) -> QueryResult<Credentials> {
    let (id, account_id, account_name, email, name, role, password_hash) = row;
    Ok(Credentials {
        user: User {
            id: stored(UserId::parse(&id))?,
            account_id: stored(account_id.as_deref().map(AccountId::parse).transpose())?,
            account_name,
            email,
            name,
            role: stored(Role::parse(&role))?,
        },
        password_hash,
    })
}

/// The user with this email (compared in lower case), with their password hash.
pub fn credentials_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> QueryResult<Option<Credentials>> {
    users::table
        .left_join(accounts::table)
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(columns())
        .first::<UserRow>(conn)
        .optional()?
        .map(into_credentials)
        .transpose()
}

pub fn find(conn: &mut PgConnection, id: &UserId) -> QueryResult<Option<User>> {
    users::table
        .left_join(accounts::table)
        .filter(users::id.eq(id.as_str()))
        .select(columns())
        .first::<UserRow>(conn)
        .optional()?
        .map(|row| into_credentials(row).map(|c| c.user))
        .transpose()
}

pub fn exists_with_email(conn: &mut PgConnection, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::email.eq(email.trim().to_lowercase())),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut PgConnection, user: &NewUser<'_>) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(user.id.as_str()),
            users::account_id.eq(user.account_id.map(AccountId::as_str)),
            users::email.eq(user.email.trim().to_lowercase()),
            users::name.eq(user.name.trim()),
            users::role.eq(user.role.as_str()),
            users::password_hash.eq(user.password_hash),
        ))
        .execute(conn)
        .map(drop)
}
