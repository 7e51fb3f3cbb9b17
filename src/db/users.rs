//! People who sign in: lookups for sign-in and for each request, and inserts.

use diesel::prelude::*;

use super::schema::{accounts, users};
use crate::domain::{AccountId, Role, UserId};

/// A signed-in person as the rest of the app sees them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub account_id: Option<AccountId>,
    #[diesel(select_expression = accounts::name.nullable())]
    pub account_name: Option<String>,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// What sign-in needs: the user and their password hash.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct Credentials {
    #[diesel(embed)]
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

/// The user with this email (compared in lower case), with their password hash.
pub fn credentials_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> QueryResult<Option<Credentials>> {
    // PostgreSQL text can't hold NUL, so no stored email has one (and asking would fail).
    if email.contains('\0') {
        return Ok(None);
    }
    users::table
        .left_join(accounts::table)
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(Credentials::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: &UserId) -> QueryResult<Option<User>> {
    users::table
        .left_join(accounts::table)
        .filter(users::id.eq(id))
        .select(User::as_select())
        .first(conn)
        .optional()
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
            users::id.eq(user.id),
            users::account_id.eq(user.account_id),
            users::email.eq(user.email.trim().to_lowercase()),
            users::name.eq(user.name.trim()),
            users::role.eq(user.role),
            users::password_hash.eq(user.password_hash),
        ))
        .execute(conn)
        .map(drop)
}
