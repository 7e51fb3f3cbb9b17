//! Server-side sessions: a row per signed-in browser, found by the SHA-256 digest of the
//! key its cookie carries. A session that is past its end, idle too long, or whose
//! person was disabled is not found. Last seen is written at most once a minute.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::schema::{sessions, users};
use crate::domain::UserId;

/// How often, at most, a session's last-seen time is written.
pub const LAST_SEEN_EVERY: Duration = Duration::minutes(1);

/// A session to add.
pub struct NewSession<'a> {
    pub key_digest: &'a [u8],
    pub public_id: &'a str,
    pub user_id: &'a UserId,
    pub state: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// A session as its person's sessions page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct SessionSummary {
    pub public_id: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Adds a session, and forgets sessions past their end (at most 12 hours old, so the
/// table holds no more than a day of sign-ins).
pub fn insert(conn: &mut PgConnection, session: &NewSession<'_>) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(session.now))).execute(conn)?;
    diesel::insert_into(sessions::table)
        .values((
            sessions::key_digest.eq(session.key_digest),
            sessions::public_id.eq(session.public_id),
            sessions::user_id.eq(session.user_id),
            sessions::state.eq(session.state),
            sessions::created_at.eq(session.now),
            sessions::last_seen_at.eq(session.now),
            sessions::expires_at.eq(session.expires_at),
            sessions::ip.eq(session.ip),
            sessions::user_agent.eq(session.user_agent),
        ))
        .execute(conn)
        .map(drop)
}

/// The state of a live session: not past its end, seen within `idle`, its person not
/// disabled. Marks it seen when it was last seen over `LAST_SEEN_EVERY` ago.
pub fn load(
    conn: &mut PgConnection,
    key_digest: &[u8],
    now: DateTime<Utc>,
    idle: Duration,
) -> QueryResult<Option<String>> {
    let found: Option<(String, DateTime<Utc>)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::key_digest.eq(key_digest))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(users::disabled_at.is_null())
        .select((sessions::state, sessions::last_seen_at))
        .first(conn)
        .optional()?;
    let Some((state, last_seen_at)) = found else {
        return Ok(None);
    };
    if now - last_seen_at >= LAST_SEEN_EVERY {
        diesel::update(sessions::table.find(key_digest))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(state))
}

/// Saves a session's new state; `false` if it is gone.
pub fn update_state(conn: &mut PgConnection, key_digest: &[u8], state: &str) -> QueryResult<bool> {
    let updated = diesel::update(sessions::table.find(key_digest))
        .set(sessions::state.eq(state))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Ends one session.
pub fn delete(conn: &mut PgConnection, key_digest: &[u8]) -> QueryResult<()> {
    diesel::delete(sessions::table.find(key_digest))
        .execute(conn)
        .map(drop)
}

/// `user`'s live sessions, newest first.
pub fn of_user(
    conn: &mut PgConnection,
    user: &UserId,
    now: DateTime<Utc>,
    idle: Duration,
) -> QueryResult<Vec<SessionSummary>> {
    sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - idle))
        .order(sessions::created_at.desc())
        .select(SessionSummary::as_select())
        .load(conn)
}

/// Ends `user`'s session called `public_id`; `false` if they have none such.
pub fn end_one(conn: &mut PgConnection, user: &UserId, public_id: &str) -> QueryResult<bool> {
    let ended = diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::public_id.eq(public_id)),
    )
    .execute(conn)?;
    Ok(ended == 1)
}

/// Ends every session of `user` but the one called `keep`; returns how many ended.
pub fn end_all(conn: &mut PgConnection, user: &UserId, keep: Option<&str>) -> QueryResult<usize> {
    let mine = sessions::table.filter(sessions::user_id.eq(user));
    match keep {
        Some(keep) => diesel::delete(mine.filter(sessions::public_id.ne(keep))).execute(conn),
        None => diesel::delete(mine).execute(conn),
    }
}
