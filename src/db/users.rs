//! People who sign in: lookups for sign-in and for each request (a disabled person is
//! found by neither), inserts, and the changes that end a person's sessions: disabling
//! them and setting a new password, each audited.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::audit::{self, NewEvent};
use super::schema::{accounts, users};
use super::sessions;
use crate::domain::{AccountId, Actor, AuditAction, ClientIp, Role, UserId};

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
    /// Read with the hash: the session of a sign-in checked against this hash is kept
    /// only while it is still the person's epoch (`sessions::insert`).
    pub sign_in_epoch: i32,
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
        .filter(users::disabled_at.is_null())
        .select(Credentials::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: &UserId) -> QueryResult<Option<User>> {
    users::table
        .left_join(accounts::table)
        .filter(users::id.eq(id))
        .filter(users::disabled_at.is_null())
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

/// What `disable` and `set_password` did: to whom, and how many sessions they ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionsEnded {
    pub user: User,
    pub sessions: usize,
}

/// Disables the person with `email` and ends all their sessions; `None` if there is no
/// such person (or they were disabled already).
pub fn disable(
    conn: &mut PgConnection,
    email: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<SessionsEnded>> {
    change_ending_sessions(conn, email, AuditAction::UserDisabled, now, |conn, user| {
        diesel::update(users::table.find(user))
            .set(users::disabled_at.eq(now))
            .execute(conn)
    })
}

/// Sets the password hash of the person with `email` and ends all their sessions;
/// `None` if there is no such person.
pub fn set_password(
    conn: &mut PgConnection,
    email: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<SessionsEnded>> {
    change_ending_sessions(
        conn,
        email,
        AuditAction::PasswordChanged,
        now,
        |conn, user| {
            diesel::update(users::table.find(user))
                .set(users::password_hash.eq(password_hash))
                .execute(conn)
        },
    )
}

/// Applies `change` to the active person with `email`, ends all their sessions and
/// audits `action`, in one transaction; `None` if there is no such person.
fn change_ending_sessions(
    conn: &mut PgConnection,
    email: &str,
    action: AuditAction,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut PgConnection, &UserId) -> QueryResult<usize>,
) -> QueryResult<Option<SessionsEnded>> {
    conn.transaction(|conn| {
        let Some(user) = by_email(conn, email)? else {
            return Ok(None);
        };
        change(conn, &user.id)?;
        // Before the sessions end, and holding the person's row until the commit: a
        // sign-in checked against what this changes stores no session, whether it
        // comes to be stored before the commit (then ended here) or after (then
        // refused by `sessions::insert`).
        diesel::update(users::table.find(&user.id))
            .set(users::sign_in_epoch.eq(users::sign_in_epoch + 1))
            .execute(conn)?;
        ended(conn, user, action, now).map(Some)
    })
}

fn by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<User>> {
    credentials_by_email(conn, email).map(|found| found.map(|c| c.user))
}

/// Ends every session of `user` and audits `action` with how many ended.
fn ended(
    conn: &mut PgConnection,
    user: User,
    action: AuditAction,
    now: DateTime<Utc>,
) -> QueryResult<SessionsEnded> {
    let sessions = sessions::end_all(conn, &user.id, None)?;
    let details = format!("From the command line; {sessions} sessions ended");
    audit_person(conn, &user, action, None, details, now)?;
    Ok(SessionsEnded { user, sessions })
}

/// Records `action` by `user` in their account's audit log (none for support staff).
pub fn audit_person(
    conn: &mut PgConnection,
    user: &User,
    action: AuditAction,
    ip: Option<ClientIp>,
    details: String,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    let actor = Actor::User(user.id.clone());
    audit::record(
        conn,
        &NewEvent {
            account_id: user.account_id.as_ref(),
            actor: &actor,
            ip,
            at,
            token_id: None,
            action,
            details,
        },
    )
}

/// Which of a person's own sessions they end from the sessions page.
pub enum SessionsToEnd<'a> {
    /// The one with this public id.
    One(&'a str),
    /// Every one but this.
    AllBut(&'a str),
}

/// Ends `user`'s sessions as `which` says and audits it, in one transaction; how many
/// ended (none for a public id that is not theirs).
pub fn end_own_sessions(
    conn: &mut PgConnection,
    user: &User,
    which: SessionsToEnd<'_>,
    ip: Option<ClientIp>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let (ended, details) = match which {
            SessionsToEnd::One(id) => {
                let ended = usize::from(sessions::end_one(conn, &user.id, id)?);
                (
                    ended,
                    "Signed out one session from the sessions page".to_owned(),
                )
            }
            SessionsToEnd::AllBut(keep) => {
                let ended = sessions::end_all(conn, &user.id, Some(keep))?;
                (
                    ended,
                    format!("Signed out everywhere else: {ended} sessions ended"),
                )
            }
        };
        if ended > 0 || matches!(which, SessionsToEnd::AllBut(_)) {
            audit_person(conn, user, AuditAction::SessionEnded, ip, details, now)?;
        }
        Ok(ended)
    })
}
