//! Times as people read them: "3 hours ago", "in 5 days".

use chrono::{DateTime, Utc};

/// Describes `at` relative to `now`, in the largest whole unit.
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
    let (count, unit) = largest_unit(magnitude);
    let plural = if count == 1 { "" } else { "s" };
    if past {
        format!("{count} {unit}{plural} ago")
    } else {
        format!("in {count} {unit}{plural}")
    }
}

fn largest_unit(seconds: u64) -> (u64, &'static str) {
    const UNITS: [(u64, &str); 6] = [
        (365 * 86_400, "year"),
        (30 * 86_400, "month"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    UNITS
        .iter()
        .find(|(size, _)| seconds >= *size)
        .map_or((seconds, "second"), |(size, unit)| (seconds / size, *unit))
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
}
