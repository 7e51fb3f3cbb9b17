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

    /// The exact time's date, `2026-11-23`: a narrow column breaks the line after it,
    /// never inside it.
    pub fn day(&self) -> &str {
        self.exact
            .split_once(' ')
            .map_or(&self.exact, |(day, _)| day)
    }

    /// The exact time's clock, `14:05 UTC`.
    pub fn clock(&self) -> &str {
        self.exact.split_once(' ').map_or("", |(_, clock)| clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_time_splits_into_its_day_and_its_clock() {
        let at = DateTime::parse_from_rfc3339("2026-11-23T14:05:09Z")
            .unwrap()
            .with_timezone(&Utc);
        let view = TimeView::new(at, at);
        assert_eq!(view.exact, "2026-11-23 14:05 UTC");
        assert_eq!((view.day(), view.clock()), ("2026-11-23", "14:05 UTC"));
    }
}
