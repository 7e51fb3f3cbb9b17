//! Customer accounts.

use diesel::prelude::*;

use super::schema::accounts;
use crate::domain::AccountId;

pub fn exists(conn: &mut PgConnection, id: &AccountId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(accounts::table.find(id))).get_result(conn)
}

/// Adds the account unless one with this id exists already.
pub fn insert_if_missing(conn: &mut PgConnection, id: &AccountId, name: &str) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values((accounts::id.eq(id), accounts::name.eq(name)))
        .on_conflict_do_nothing()
        .execute(conn)
        .map(drop)
}
