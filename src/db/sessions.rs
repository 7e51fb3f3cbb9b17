//! Server-side sessions: a row per signed-in browser, found by the SHA-256 digest of the
//! key its cookie carries. A session that is past its end or idle too long is found as
//! lapsed (`lapsed_sessions` ends it); one whose person was disabled is not found.
//! Last seen is written at most once a minute.

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
    /// The person's `sign_in_epoch` when the sign-in read the password it checked.
    pub sign_in_epoch: i32,
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

/// Adds a session (sessions that lapsed meanwhile are ended by
/// `lapsed_sessions::sweep` first), if its person is still at the sign-in's epoch:
/// `false`, and nothing stored, when a new password or being disabled ended their
/// sessions after the sign-in read the password. The person's row is share-locked
/// until the insert commits, so a change that commits later ends this session too.
pub fn insert(conn: &mut PgConnection, session: &NewSession<'_>) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let current = users::table
            .find(session.user_id)
            .filter(users::sign_in_epoch.eq(session.sign_in_epoch))
            .select(users::id)
            .for_share()
            .first::<UserId>(conn)
            .optional()?;
        if current.is_none() {
            return Ok(false);
        }
        store(conn, session).map(|()| true)
    })
}

fn store(conn: &mut PgConnection, session: &NewSession<'_>) -> QueryResult<()> {
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

/// A session whose time is up, still stored until it is ended.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct StoredSession {
    pub key_digest: Vec<u8>,
    pub user_id: UserId,
    pub ip: Option<String>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What a session's cookie leads to.
pub enum Found {
    /// A live session's state.
    Live(String),
    /// A session idle too long or past its end, not yet ended.
    Lapsed(StoredSession),
    /// Nothing: never a session, ended, or its person disabled.
    Nothing,
}

/// Whether a session lapsed at `now`: past its end, or unused for `idle`.
pub fn has_lapsed(
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
    idle: Duration,
) -> bool {
    expires_at <= now || last_seen_at <= now - idle
}

/// The session whose key has `key_digest`: live (then marked seen when it was last
/// seen over `LAST_SEEN_EVERY` ago), lapsed, or nothing when its person is disabled.
pub fn load(
    conn: &mut PgConnection,
    key_digest: &[u8],
    now: DateTime<Utc>,
    idle: Duration,
) -> QueryResult<Found> {
    let found: Option<(String, StoredSession)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::key_digest.eq(key_digest))
        .filter(users::disabled_at.is_null())
        .select((sessions::state, StoredSession::as_select()))
        .first(conn)
        .optional()?;
    let Some((state, stored)) = found else {
        return Ok(Found::Nothing);
    };
    if has_lapsed(stored.last_seen_at, stored.expires_at, now, idle) {
        return Ok(Found::Lapsed(stored));
    }
    if now - stored.last_seen_at >= LAST_SEEN_EVERY {
        diesel::update(sessions::table.find(key_digest))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Found::Live(state))
}

/// Every session that lapsed by `now`, idle for `idle` or past its end.
pub fn lapsed(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    idle: Duration,
) -> QueryResult<Vec<StoredSession>> {
    sessions::table
        .filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.le(now - idle)),
        )
        .select(StoredSession::as_select())
        .load(conn)
}

/// Saves a session's new state; `false` if it is gone.
pub fn update_state(conn: &mut PgConnection, key_digest: &[u8], state: &str) -> QueryResult<bool> {
    let updated = diesel::update(sessions::table.find(key_digest))
        .set(sessions::state.eq(state))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Ends one session; `false` if it was gone already.
pub fn delete(conn: &mut PgConnection, key_digest: &[u8]) -> QueryResult<bool> {
    let deleted = diesel::delete(sessions::table.find(key_digest)).execute(conn)?;
    Ok(deleted == 1)
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
