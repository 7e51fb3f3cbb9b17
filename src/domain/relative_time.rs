//! Times as people read them: "3 hours ago", "in 5 days".

use chrono::{DateTime, Utc};

/// Describes `at` relative to `now` in the largest unit it reaches, rounded to the
/// nearest whole one: a token set a moment ago to expire in 3 days expires "in 3 days",
/// not "in 2 days", and a grace of an hour just begun ends "in 1 hour".
pub fn describe(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds();
    let past = seconds >= 0;
    let magnitude = seconds.unsigned_abs();
    if magnitude < 60 {
        return if past {
            "just now".into()
        } else {
            "in less than a minute".into()
        };
    }
    let (count, unit) = nearest_whole_unit(magnitude);
    let plural = if count == 1 { "" } else { "s" };
    if past {
        format!("{count} {unit}{plural} ago")
    } else {
        format!("in {count} {unit}{plural}")
    }
}

/// Each unit: its name, its length in seconds, and how many of it make the next one up.
const UNITS: [(&str, u64, u64); 5] = [
    ("minute", 60, 60),
    ("hour", 3_600, 24),
    ("day", 86_400, 30),
    ("month", 30 * 86_400, 12),
    ("year", 365 * 86_400, u64::MAX),
];

/// `seconds` (a minute or more) in the largest unit it reaches, rounded half up; a count
/// that rounds up to a whole next unit ("60 minutes") is that unit ("1 hour").
fn nearest_whole_unit(seconds: u64) -> (u64, &'static str) {
    let at = UNITS
        .iter()
        .rposition(|(_, size, _)| seconds >= *size)
        .unwrap_or(0);
    let (unit, size, per_next) = UNITS[at];
    let count = (seconds + size / 2) / size;
    match UNITS.get(at + 1) {
        Some((next, _, _)) if count >= per_next => (1, next),
        _ => (count, unit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn describes_past_and_future_in_the_nearest_whole_unit() {
        let now = Utc::now();
        assert_eq!(describe(now - Duration::seconds(5), now), "just now");
        assert_eq!(describe(now - Duration::minutes(1), now), "1 minute ago");
        assert_eq!(describe(now - Duration::minutes(59), now), "59 minutes ago");
        assert_eq!(describe(now - Duration::hours(3), now), "3 hours ago");
        assert_eq!(describe(now - Duration::days(1), now), "1 day ago");
        assert_eq!(describe(now - Duration::days(40), now), "1 month ago");
        assert_eq!(describe(now - Duration::days(45), now), "2 months ago");
        assert_eq!(describe(now - Duration::days(800), now), "2 years ago");
        assert_eq!(describe(now + Duration::days(5), now), "in 5 days");
        assert_eq!(
            describe(now + Duration::seconds(10), now),
            "in less than a minute"
        );
    }

    #[test]
    fn a_moment_after_a_whole_unit_is_still_that_unit() {
        let now = Utc::now();
        let moment = Duration::seconds(1);
        assert_eq!(describe(now + Duration::days(3) - moment, now), "in 3 days");
        assert_eq!(
            describe(now + Duration::days(30) - moment, now),
            "in 1 month"
        );
        assert_eq!(
            describe(now + Duration::hours(1) - moment, now),
            "in 1 hour"
        );
        assert_eq!(
            describe(now - Duration::minutes(90), now),
            "2 hours ago",
            "half up"
        );
        assert_eq!(describe(now - Duration::minutes(89), now), "1 hour ago");
    }

    #[test]
    fn a_count_that_rounds_up_to_the_next_unit_is_named_in_it() {
        let now = Utc::now();
        assert_eq!(describe(now - Duration::seconds(3_590), now), "1 hour ago");
        assert_eq!(
            describe(now + Duration::hours(23) + Duration::minutes(40), now),
            "in 1 day"
        );
        assert_eq!(
            describe(now - Duration::days(29) - Duration::hours(13), now),
            "1 month ago"
        );
        assert_eq!(describe(now + Duration::days(350), now), "in 1 year");
        assert_eq!(describe(now - Duration::days(364), now), "1 year ago");
    }
}
