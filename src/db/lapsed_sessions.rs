//! Sessions whose time is up (unused for the idle time, or 12 hours after sign-in) are
//! ended when their cookie next comes back or when a sign-in sweeps them, and each
//! ending is audited as `user.session_ended` in its person's account, saying why.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::sessions::{self, StoredSession};
use super::users;
use crate::domain::{AuditAction, ClientIp};

/// Ends `lapsed` and audits it, unless another request ended it first.
pub fn end(
    conn: &mut PgConnection,
    lapsed: &StoredSession,
    now: DateTime<Utc>,
    idle: Duration,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        if !sessions::delete(conn, &lapsed.key_digest)? {
            return Ok(());
        }
        let Some(user) = users::find(conn, &lapsed.user_id)? else {
            return Ok(());
        };
        let ip = lapsed
            .ip
            .as_deref()
            .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
            .map(ClientIp::from);
        let details = why(lapsed, now, idle);
        users::audit_person(conn, &user, AuditAction::SessionEnded, ip, details, now)
    })
}

/// Ends every session that lapsed by `now`, each audited.
pub fn sweep(conn: &mut PgConnection, now: DateTime<Utc>, idle: Duration) -> QueryResult<()> {
    for lapsed in sessions::lapsed(conn, now, idle)? {
        end(conn, &lapsed, now, idle)?;
    }
    Ok(())
}

/// Why `lapsed` ended, as the audit log says it.
fn why(lapsed: &StoredSession, now: DateTime<Utc>, idle: Duration) -> String {
    if lapsed.expires_at <= now {
        "Ended 12 hours after sign-in".to_owned()
    } else {
        format!("Ended after {} minutes unused", idle.num_minutes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    fn stored(last_seen_ago: Duration, ends_in: Duration, now: DateTime<Utc>) -> StoredSession {
        StoredSession {
            key_digest: vec![1],
            user_id: UserId::parse("UR-1000-0000-0001").unwrap(),
            ip: None,
            last_seen_at: now - last_seen_ago,
            expires_at: now + ends_in,
        }
    }

    #[test]
    fn a_session_past_its_end_is_said_to_be_twelve_hours_old_else_idle() {
        let (now, idle) = (Utc::now(), Duration::minutes(5));
        let old = stored(Duration::minutes(1), Duration::zero(), now);
        let unused = stored(Duration::minutes(6), Duration::hours(3), now);

        assert_eq!(why(&old, now, idle), "Ended 12 hours after sign-in");
        assert_eq!(why(&unused, now, idle), "Ended after 5 minutes unused");
    }

    #[test]
    fn a_session_lapses_once_past_its_end_or_unused_for_the_idle_time() {
        let (now, idle) = (Utc::now(), Duration::minutes(5));
        let lapsed =
            |s: StoredSession| sessions::has_lapsed(s.last_seen_at, s.expires_at, now, idle);

        assert!(!lapsed(stored(
            Duration::minutes(4),
            Duration::hours(1),
            now
        )));
        assert!(lapsed(stored(
            Duration::minutes(5),
            Duration::hours(1),
            now
        )));
        assert!(lapsed(stored(Duration::zero(), Duration::zero(), now)));
        assert!(!lapsed(stored(Duration::zero(), Duration::seconds(1), now)));
    }
}
