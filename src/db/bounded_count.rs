//! A total counted only up to a bound, as the lists show it ("1,000+ tokens"): the
//! matching rows are counted in PostgreSQL, `SELECT count(*) FROM (… LIMIT bound + 1)`,
//! which stops at the bound and answers with one row, rather than sending the server a
//! row per match to count.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::methods::LimitDsl;
use diesel::sql_types::BigInt;

use crate::domain::list_page::ListTotal;

/// How many rows `matching` selects, counted up to `bound`.
pub fn count_up_to<Q>(conn: &mut PgConnection, matching: Q, bound: i64) -> QueryResult<ListTotal>
where
    Q: LimitDsl,
    Q::Output: QueryFragment<Pg> + QueryId,
{
    let counted: i64 = CountOf(matching.limit(bound.saturating_add(1))).get_result(conn)?;
    Ok(ListTotal::from_bounded_count(counted, bound))
}

/// `SELECT count(*) FROM (<query>)`.
#[derive(Debug, Clone, Copy, QueryId)]
struct CountOf<Q>(Q);

impl<Q> Query for CountOf<Q> {
    type SqlType = BigInt;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for CountOf<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT count(*) FROM (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") AS matching");
        Ok(())
    }
}

impl<Q> RunQueryDsl<PgConnection> for CountOf<Q> {}
