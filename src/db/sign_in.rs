//! Failed sign-ins, per email and per client address, over a sliding window: the
//! counts that throttle guessing, shared by every instance.

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::schema::sign_in_failures;
use crate::domain::sign_in_throttle::Failures;

/// The failures for `email` and those from `ip` since `since`.
pub fn failures(
    conn: &mut PgConnection,
    email: &str,
    ip: Option<&str>,
    since: DateTime<Utc>,
) -> QueryResult<(Failures, Failures)> {
    let recent = sign_in_failures::table.filter(sign_in_failures::at.gt(since));
    let (count, oldest) = recent
        .filter(sign_in_failures::email.eq(email))
        .select((count_star(), min(sign_in_failures::at)))
        .first::<(i64, Option<DateTime<Utc>>)>(conn)?;
    let by_email = Failures { count, oldest };
    let by_ip = match ip {
        Some(ip) => {
            let (count, oldest) = recent
                .filter(sign_in_failures::ip.eq(ip))
                .select((count_star(), min(sign_in_failures::at)))
                .first::<(i64, Option<DateTime<Utc>>)>(conn)?;
            Failures { count, oldest }
        }
        None => Failures::default(),
    };
    Ok((by_email, by_ip))
}

/// Records a failure, and forgets those older than `window`.
pub fn record_failure(
    conn: &mut PgConnection,
    email: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
    window: Duration,
) -> QueryResult<()> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::at.le(now - window)))
        .execute(conn)?;
    diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::email.eq(email),
            sign_in_failures::ip.eq(ip),
            sign_in_failures::at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Forgets `email`'s failures, after it signed in.
pub fn clear(conn: &mut PgConnection, email: &str) -> QueryResult<()> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::email.eq(email)))
        .execute(conn)
        .map(drop)
}
