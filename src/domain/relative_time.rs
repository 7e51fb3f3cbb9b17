//! Times as people read them: "3 hours ago", "in 5 days".

use chrono::{DateTime, Utc};

/// Describes `at` relative to `now` in the largest unit it reaches, counted in whole
/// units, down: a deadline is never said to be further off than it is, beyond the
/// slack of `whole_units`, which keeps a token set a moment ago to expire in 3 days at
/// "in 3 days", not "in 2 days", and a grace of an hour just begun at "in 1 hour".
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
    let (count, unit) = whole_units(magnitude);
    let plural = if count == 1 { "" } else { "s" };
    if past {
        format!("{count} {unit}{plural} ago")
    } else {
        format!("in {count} {unit}{plural}")
    }
}

/// Each unit: its name and its length in seconds.
const UNITS: [(&str, u64); 5] = [
    ("minute", 60),
    ("hour", 3_600),
    ("day", 86_400),
    ("month", 30 * 86_400),
    ("year", 365 * 86_400),
];

/// `seconds` (a minute or more) in the largest unit it reaches and whole ones of it,
/// counted down once a hundredth (at least 5 s) is added: the moments between setting
/// a time and reading it don't take a unit off, and nothing is said to be more than a
/// hundredth further than it is.
fn whole_units(seconds: u64) -> (u64, &'static str) {
    let padded = seconds.saturating_add((seconds / 100).max(5));
    let (unit, size) = UNITS
        .iter()
        .rev()
        .find(|(_, size)| padded >= *size)
        .copied()
        .unwrap_or(UNITS[0]);
    (padded / size, unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn describes_past_and_future_in_whole_units() {
        let now = Utc::now();
        assert_eq!(describe(now - Duration::seconds(5), now), "just now");
        assert_eq!(describe(now - Duration::minutes(1), now), "1 minute ago");
        assert_eq!(describe(now - Duration::minutes(59), now), "59 minutes ago");
        assert_eq!(describe(now - Duration::hours(3), now), "3 hours ago");
        assert_eq!(describe(now - Duration::days(1), now), "1 day ago");
        assert_eq!(describe(now - Duration::days(45), now), "1 month ago");
        assert_eq!(describe(now - Duration::days(800), now), "2 years ago");
        assert_eq!(describe(now + Duration::days(5), now), "in 5 days");
        assert_eq!(
            describe(now + Duration::seconds(10), now),
            "in less than a minute"
        );
    }

    #[test]
    fn a_moment_short_of_a_whole_unit_is_that_unit() {
        let now = Utc::now();
        let moment = Duration::seconds(2);
        assert_eq!(describe(now + Duration::days(3) - moment, now), "in 3 days");
        assert_eq!(
            describe(now + Duration::days(30) - Duration::minutes(5), now),
            "in 1 month"
        );
        assert_eq!(
            describe(now + Duration::hours(1) - moment, now),
            "in 1 hour"
        );
        assert_eq!(
            describe(now + Duration::minutes(5) - moment, now),
            "in 5 minutes"
        );
        assert_eq!(describe(now - Duration::days(362), now), "1 year ago");
        assert_eq!(describe(now - Duration::days(355), now), "11 months ago");
    }

    #[test]
    fn a_deadline_is_never_said_to_be_further_off_than_it_is() {
        let now = Utc::now();
        assert_eq!(describe(now + Duration::hours(36), now), "in 1 day");
        assert_eq!(describe(now + Duration::minutes(110), now), "in 1 hour");
        assert_eq!(describe(now + Duration::days(45), now), "in 1 month");
        assert_eq!(describe(now + Duration::days(350), now), "in 11 months");
        for seconds in [60, 61, 3_500, 3_563, 86_000, 2_591_000, 31_000_000] {
            let said = describe(now + Duration::seconds(seconds), now);
            let (count, unit) = said
                .strip_prefix("in ")
                .and_then(|rest| rest.split_once(' '))
                .unwrap();
            let size = UNITS
                .iter()
                .find(|(name, _)| unit.trim_end_matches('s') == *name)
                .map(|(_, size)| *size)
                .unwrap();
            let said_seconds = count.parse::<u64>().unwrap() * size;
            assert!(
                said_seconds * 100 <= u64::try_from(seconds).unwrap() * 101 + 500,
                "{seconds} s said as {said}"
            );
        }
    }
}
