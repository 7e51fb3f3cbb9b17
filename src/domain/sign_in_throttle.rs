//! When sign-in is held off: after 5 failed attempts for one email, or 20 from one
//! client address (an IPv6 client's /64, `ClientIp::counted_as`) over any emails, within
//! 15 minutes, until the oldest of those failures is 15 minutes old. The right password
//! is refused too while it lasts.

use chrono::{DateTime, Duration, Utc};

pub const WINDOW: Duration = Duration::minutes(15);
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Failed attempts within the window, and when the oldest of them was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    pub count: i64,
    pub oldest: Option<DateTime<Utc>>,
}

/// How long sign-in stays held off at `now`, if it is.
pub fn held_off(by_email: Failures, by_address: Failures, now: DateTime<Utc>) -> Option<Duration> {
    let until = |failures: Failures, limit: i64| {
        (failures.count >= limit)
            .then_some(failures.oldest)
            .flatten()
            .map(|oldest| oldest + WINDOW)
    };
    [
        until(by_email, MAX_FAILURES_PER_EMAIL),
        until(by_address, MAX_FAILURES_PER_ADDRESS),
    ]
    .into_iter()
    .flatten()
    .max()
    .map(|until| until - now)
    .filter(|left| *left > Duration::zero())
}

/// "in 14 minutes", "in 1 minute", "in 30 seconds": when to try again, in words.
pub fn try_again_in(left: Duration) -> String {
    let minutes = (left.num_seconds() + 59) / 60;
    match minutes {
        ..=0 => "in a moment".to_owned(),
        1 if left.num_seconds() < 60 => format!("in {} seconds", left.num_seconds()),
        1 => "in 1 minute".to_owned(),
        n => format!("in {n} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(count: i64, minutes_ago: i64, now: DateTime<Utc>) -> Failures {
        Failures {
            count,
            oldest: Some(now - Duration::minutes(minutes_ago)),
        }
    }

    #[test]
    fn five_failures_for_an_email_hold_it_off_until_the_oldest_is_fifteen_minutes_old() {
        let now = Utc::now();
        assert_eq!(
            held_off(failures(4, 1, now), Failures::default(), now),
            None
        );
        assert_eq!(
            held_off(failures(5, 1, now), Failures::default(), now),
            Some(Duration::minutes(14))
        );
        assert_eq!(
            held_off(failures(5, 15, now), Failures::default(), now),
            None
        );
    }

    #[test]
    fn twenty_failures_from_an_address_hold_it_off() {
        let now = Utc::now();
        assert_eq!(
            held_off(Failures::default(), failures(19, 2, now), now),
            None
        );
        assert_eq!(
            held_off(Failures::default(), failures(20, 2, now), now),
            Some(Duration::minutes(13))
        );
    }

    #[test]
    fn the_wait_is_said_in_words() {
        assert_eq!(try_again_in(Duration::minutes(14)), "in 14 minutes");
        assert_eq!(try_again_in(Duration::seconds(61)), "in 2 minutes");
        assert_eq!(try_again_in(Duration::seconds(60)), "in 1 minute");
        assert_eq!(try_again_in(Duration::seconds(30)), "in 30 seconds");
    }
}
