//! Times as templates show them: exact UTC for `<time datetime>` and titles, and
//! relative wording for people.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::relative_time;

#[derive(Debug, Clone)]
pub struct TimeView {
    /// RFC 3339 in UTC, for `datetime` attributes and exports.
    pub iso: String,
    /// `2026-11-23 14:05 UTC`.
    pub exact: String,
    /// `3 hours ago`, `in 5 days`.
    pub relative: String,
}

impl TimeView {
    pub fn new(at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self {
            iso: at.to_rfc3339_opts(SecondsFormat::Secs, true),
            exact: at.format("%Y-%m-%d %H:%M UTC").to_string(),
            relative: relative_time::describe(at, now),
        }
    }

    pub fn optional(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<Self> {
        at.map(|at| Self::new(at, now))
    }
}
