//! The module catalog that migrations seed.

use diesel::prelude::*;

use super::schema::modules;
use super::stored;
use crate::domain::ModuleId;

/// A module as lists and details show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub id: ModuleId,
    pub name: String,
    pub description: String,
}

pub(crate) type ModuleRow = (String, String, String);

pub(crate) fn module_columns() -> (modules::id, modules::name, modules::description) {
    (modules::id, modules::name, modules::description)
}

pub(crate) fn into_module((id, name, description): ModuleRow) -> QueryResult<Module> {
    Ok(Module {
        id: stored(ModuleId::parse(&id))?,
        name,
        description,
    })
}

/// Every module, in catalog order.
pub fn all(conn: &mut PgConnection) -> QueryResult<Vec<Module>> {
    modules::table
        .order(modules::position)
        .select(module_columns())
        .load::<ModuleRow>(conn)?
        .into_iter()
        .map(into_module)
        .collect()
}
