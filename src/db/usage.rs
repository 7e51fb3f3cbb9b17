//! How a token has been used: the addresses it was used from and its requests per day.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::schema::{token_access_ips, token_usage_daily};
use crate::domain::TokenId;

/// An address a token was used from.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = token_access_ips, check_for_backend(diesel::pg::Pg))]
pub struct RecentIp {
    pub ip: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub user_agent: String,
    pub requests: i64,
}

/// The `limit` addresses used most recently, newest first.
pub fn recent_ips(
    conn: &mut PgConnection,
    token: &TokenId,
    limit: i64,
) -> QueryResult<Vec<RecentIp>> {
    token_access_ips::table
        .filter(token_access_ips::token_id.eq(token))
        .order((token_access_ips::last_seen_at.desc(), token_access_ips::ip))
        .limit(limit)
        .select(RecentIp::as_select())
        .load(conn)
}

/// Requests per day since `first_day`.
pub fn requests_per_day(
    conn: &mut PgConnection,
    token: &TokenId,
    first_day: NaiveDate,
) -> QueryResult<HashMap<NaiveDate, i64>> {
    let rows: Vec<(NaiveDate, i64)> = token_usage_daily::table
        .filter(token_usage_daily::token_id.eq(token))
        .filter(token_usage_daily::day.ge(first_day))
        .select((token_usage_daily::day, token_usage_daily::requests))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
