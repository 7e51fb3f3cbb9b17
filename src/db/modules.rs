//! The module catalog that migrations seed.

use diesel::prelude::*;

use super::schema::modules;
use crate::domain::ModuleId;

/// A module as lists and details show it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = modules, check_for_backend(diesel::pg::Pg))]
pub struct Module {
    pub id: ModuleId,
    pub name: String,
    pub description: String,
}

/// Every module, in catalog order.
pub fn all(conn: &mut PgConnection) -> QueryResult<Vec<Module>> {
    modules::table
        .order(modules::position)
        .select(Module::as_select())
        .load(conn)
}
