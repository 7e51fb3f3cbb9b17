//! Failed sign-ins, per email and per client address, over a sliding window: the
//! counts that throttle guessing, shared by every instance. The address a failure is
//! kept under (`ip`) is what the limit counts the client as (`ClientIp::counted_as`):
//! an IPv6 client's /64 network, not its own address.

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::schema::sign_in_failures;
use crate::domain::sign_in_throttle::{self, Failures};

/// The failures for `email` and those from `ip` since `since`.
fn failures(
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

/// What counting an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Sign-in is held off for this long.
    HeldOff(Duration),
    /// Not held off: the attempt was counted as this failure, until it succeeds.
    AsFailure(FailureId),
}

/// A counted failure, to forget when its attempt turns out not to be one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureId(i64);

/// Whether sign-in is held off for `email` from `ip` at `now`; if not, the attempt is
/// counted as a failure at once (a sign-in that succeeds clears it with `clear`, and
/// an attempt whose password could not be checked is taken back with `forget`).
/// Counting is serialised per email and per address, so attempts sent all at once are
/// held off from the limit on, as attempts sent one by one are.
pub fn count_attempt(
    conn: &mut PgConnection,
    email: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<Counted> {
    conn.transaction(|conn| {
        serialise(conn, email, ip)?;
        let (by_email, by_address) = failures(conn, email, ip, now - sign_in_throttle::WINDOW)?;
        match sign_in_throttle::held_off(by_email, by_address, now) {
            Some(left) => Ok(Counted::HeldOff(left)),
            None => record_failure(conn, email, ip, now, sign_in_throttle::WINDOW)
                .map(|id| Counted::AsFailure(FailureId(id))),
        }
    })
}

/// Takes back a counted failure: its password was never checked.
pub fn forget(conn: &mut PgConnection, failure: FailureId) -> QueryResult<()> {
    diesel::delete(sign_in_failures::table.find(failure.0))
        .execute(conn)
        .map(drop)
}

/// Takes transaction-scoped locks on `email` and `ip` (in that order), so attempts
/// for the same email or from the same address are counted one after another.
fn serialise(conn: &mut PgConnection, email: &str, ip: Option<&str>) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('sign-in email ' || $1))")
        .bind::<diesel::sql_types::Text, _>(email)
        .execute(conn)?;
    if let Some(ip) = ip {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('sign-in address ' || $1))")
            .bind::<diesel::sql_types::Text, _>(ip)
            .execute(conn)?;
    }
    Ok(())
}

/// Records a failure, and forgets those older than `window`; the new failure's id.
fn record_failure(
    conn: &mut PgConnection,
    email: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
    window: Duration,
) -> QueryResult<i64> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::at.le(now - window)))
        .execute(conn)?;
    diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::email.eq(email),
            sign_in_failures::ip.eq(ip),
            sign_in_failures::at.eq(now),
        ))
        .returning(sign_in_failures::id)
        .get_result(conn)
}

/// Forgets `email`'s failures, after it signed in.
pub fn clear(conn: &mut PgConnection, email: &str) -> QueryResult<()> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::email.eq(email)))
        .execute(conn)
        .map(drop)
}
