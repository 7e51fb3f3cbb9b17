//! An account's expiry policy: how far ahead a token's expiry may be set (a maximum
//! lifetime, counted from the moment the expiry is set: at creation, in an edit, or
//! when the token is rotated) and whether every token must expire. A maximum lifetime
//! implies that tokens must expire.

use chrono::{DateTime, Duration, Utc};

use super::ParseError;

/// The lifetimes an account may choose, in days.
pub const LIFETIME_CHOICES: [i32; 4] = [30, 90, 180, 365];

/// The create form's default expiry is at most this many days away.
const DEFAULT_EXPIRY_AT_MOST: i64 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExpiryPolicy {
    max_lifetime_days: Option<i32>,
    expiry_required: bool,
}

/// How an expiry breaks the policy; the text is what the person is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyBreach {
    #[error("This account's policy requires tokens to expire: choose an expiry.")]
    MustExpire,
    #[error(
        "This account's policy allows an expiry at most {days} days away: choose {latest} or sooner."
    )]
    TooFar { days: i32, latest: String },
}

impl ExpiryPolicy {
    /// No maximum, and tokens may never expire: every account's policy until its admins
    /// set one.
    pub const NONE: Self = Self {
        max_lifetime_days: None,
        expiry_required: false,
    };

    /// A policy of at most `max_lifetime_days` (one of `LIFETIME_CHOICES`, or none).
    pub fn new(max_lifetime_days: Option<i32>, expiry_required: bool) -> Result<Self, ParseError> {
        match max_lifetime_days {
            Some(days) if !LIFETIME_CHOICES.contains(&days) => Err(ParseError(
                "The maximum lifetime must be 30, 90, 180 or 365 days, or none.".into(),
            )),
            _ => Ok(Self {
                max_lifetime_days,
                expiry_required,
            }),
        }
    }

    pub fn max_lifetime_days(self) -> Option<i32> {
        self.max_lifetime_days
    }

    /// Whether the "tokens must expire" box is ticked (a maximum lifetime requires an
    /// expiry either way: see `must_expire`).
    pub fn expiry_required(self) -> bool {
        self.expiry_required
    }

    /// Whether a token may be set never to expire.
    pub fn must_expire(self) -> bool {
        self.expiry_required || self.max_lifetime_days.is_some()
    }

    /// The latest expiry that may be set at `now`, if there is a limit.
    pub fn latest_expiry(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.max_lifetime_days
            .map(|days| now + Duration::days(i64::from(days)))
    }

    /// Whether an expiry set at `now` to `expires_at` follows the policy.
    pub fn check(
        self,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), PolicyBreach> {
        match (expires_at, self.latest_expiry(now)) {
            (None, _) if self.must_expire() => Err(PolicyBreach::MustExpire),
            (Some(at), Some(latest)) if at > latest => Err(PolicyBreach::TooFar {
                days: self.max_lifetime_days.unwrap_or_default(),
                latest: latest.format("%Y-%m-%d").to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Whether an expiry `days` from now (`None`: never) may be chosen.
    pub fn allows_days(self, days: Option<i64>) -> bool {
        match (days, self.max_lifetime_days) {
            (None, _) => !self.must_expire(),
            (Some(days), Some(max)) => days <= i64::from(max),
            (Some(_), None) => true,
        }
    }

    /// The create form's default: the longest of `presets` (days) allowed, up to 90
    /// days.
    pub fn default_preset(self, presets: &[i64]) -> Option<i64> {
        presets
            .iter()
            .copied()
            .filter(|days| *days <= DEFAULT_EXPIRY_AT_MOST && self.allows_days(Some(*days)))
            .max()
    }

    /// Whether this policy asks at least what `other` asks: an expiry whenever `other`
    /// requires one (the box too, if `other` ticks it), and a maximum no longer.
    pub fn is_no_looser_than(self, other: Self) -> bool {
        let lifetime_ok = match (self.max_lifetime_days, other.max_lifetime_days) {
            (_, None) => true,
            (Some(mine), Some(theirs)) => mine <= theirs,
            (None, Some(_)) => false,
        };
        lifetime_ok
            && (!other.must_expire() || self.must_expire())
            && (!other.expiry_required || self.expiry_required)
    }

    /// The policy in a sentence.
    pub fn describe(self) -> String {
        match (self.max_lifetime_days, self.expiry_required) {
            (Some(days), _) => {
                format!("Tokens must expire, at most {days} days after their expiry is set.")
            }
            (None, true) => "Tokens must expire; any expiry date may be chosen.".into(),
            (None, false) => "No policy: tokens may be set never to expire.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn only_the_offered_lifetimes_are_accepted() {
        assert!(ExpiryPolicy::new(Some(90), false).is_ok());
        assert!(ExpiryPolicy::new(None, true).is_ok());
        for days in [0, 1, 29, 364, -30, i32::MAX] {
            assert!(ExpiryPolicy::new(Some(days), false).is_err(), "{days}");
        }
    }

    #[test]
    fn a_maximum_lifetime_requires_an_expiry_no_further_away() {
        let policy = ExpiryPolicy::new(Some(30), false).unwrap();
        assert!(policy.must_expire());
        assert_eq!(policy.check(None, now()), Err(PolicyBreach::MustExpire));
        assert_eq!(
            policy.check(Some(now() + Duration::days(30)), now()),
            Ok(())
        );
        assert_eq!(
            policy.check(Some(now() + Duration::days(31)), now()),
            Err(PolicyBreach::TooFar {
                days: 30,
                latest: "2026-07-01".into()
            })
        );
        assert!(
            policy
                .check(Some(now() + Duration::days(31)), now())
                .unwrap_err()
                .to_string()
                .contains("at most 30 days away: choose 2026-07-01 or sooner")
        );
    }

    #[test]
    fn requiring_an_expiry_alone_allows_any_date() {
        let policy = ExpiryPolicy::new(None, true).unwrap();
        assert_eq!(policy.check(None, now()), Err(PolicyBreach::MustExpire));
        assert_eq!(
            policy.check(Some(now() + Duration::days(3000)), now()),
            Ok(())
        );
        assert_eq!(ExpiryPolicy::NONE.check(None, now()), Ok(()));
    }

    #[test]
    fn tightening_is_told_from_loosening() {
        let ninety = ExpiryPolicy::new(Some(90), false).unwrap();
        let thirty = ExpiryPolicy::new(Some(30), true).unwrap();
        let required = ExpiryPolicy::new(None, true).unwrap();
        assert!(thirty.is_no_looser_than(ninety));
        assert!(
            !ninety.is_no_looser_than(thirty),
            "a longer maximum, and no box"
        );
        assert!(ninety.is_no_looser_than(ExpiryPolicy::NONE));
        assert!(!ExpiryPolicy::NONE.is_no_looser_than(required));
        assert!(
            !required.is_no_looser_than(ninety),
            "no maximum is looser than 90 days"
        );
        assert!(ninety.is_no_looser_than(ninety));
    }

    #[test]
    fn the_default_is_the_longest_allowed_preset_up_to_90_days() {
        let presets = [7, 30, 60, 90];
        assert_eq!(ExpiryPolicy::NONE.default_preset(&presets), Some(90));
        let thirty = ExpiryPolicy::new(Some(30), false).unwrap();
        assert_eq!(thirty.default_preset(&presets), Some(30));
        assert!(!thirty.allows_days(Some(60)) && !thirty.allows_days(None));
        let year = ExpiryPolicy::new(Some(365), true).unwrap();
        assert_eq!(year.default_preset(&presets), Some(90));
    }
}
