//! The banners over an admin's list ("3 tokens expire within 7 days", tokens found in
//! public still disabled), each linking to the list of exactly the tokens it counts. A
//! full page draws them; a change made from the list redraws them out of band, so a
//! token disabled, enabled, edited or deleted in place is counted at once.

use chrono::{DateTime, Utc};
use diesel::{PgConnection, QueryResult};

use super::list::href;
use crate::db::tokens;
use crate::domain::{AccountId, expiry_reminder, leak_report};

/// One banner: what it says and where it leads.
pub struct Reminder {
    pub message: String,
    pub href: String,
}

/// An admin's banners, each `None` when it has nothing to count.
pub struct Reminders {
    pub found_in_public: Option<Reminder>,
    pub expiring: Option<Reminder>,
}

impl Reminders {
    /// Counts `account`'s tokens for both banners (two index-only counts).
    pub fn count(
        conn: &mut PgConnection,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> QueryResult<Self> {
        let expiring = tokens::count_expiring_soon(conn, account, now)?;
        let found_in_public = tokens::count_found_in_public(conn, account)?;
        Ok(Self {
            found_in_public: leak_report::banner(found_in_public).map(|message| Reminder {
                message,
                href: href(&leak_report::found_in_public()),
            }),
            expiring: expiry_reminder::banner(expiring).map(|message| Reminder {
                message,
                href: href(&expiry_reminder::expiring_soon()),
            }),
        })
    }

    /// `count`, for the answer to a change already made: if it fails, the failure is
    /// logged and the banners stay as they were, rather than the change reading as
    /// failed.
    pub fn recount(
        conn: &mut PgConnection,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        Self::count(conn, account, now)
            .inspect_err(|error| {
                tracing::warn!(error = %error, "recounting the list's reminders failed");
            })
            .ok()
    }
}
