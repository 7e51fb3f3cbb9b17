//! Rotating a token: a new secret for the same token (same id, name, scope, modules and
//! history), with the secret it replaces still accepted for a grace period, so the
//! services holding it can switch over without a moment where neither works.

use chrono::{DateTime, Duration, Utc};

use super::ParseError;

/// How long a replaced secret keeps working after a rotation: none, or up to 7 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grace {
    seconds: i64,
}

impl Grace {
    /// The longest grace period: a week.
    pub const MAX_SECONDS: i64 = 7 * 24 * 60 * 60;

    /// The periods the portal's dialog offers, in seconds, with their labels.
    pub const PRESETS: [(i64, &'static str); 4] = [
        (0, "None: the old secret stops working at once"),
        (60 * 60, "1 hour"),
        (24 * 60 * 60, "24 hours"),
        (Self::MAX_SECONDS, "7 days"),
    ];

    /// The dialog's default: a day gives a deployment time to pick up the new secret.
    pub const DEFAULT: Self = Self {
        seconds: 24 * 60 * 60,
    };

    /// A grace period of `seconds`, from 0 to `MAX_SECONDS`.
    pub fn from_seconds(seconds: i64) -> Result<Self, ParseError> {
        if (0..=Self::MAX_SECONDS).contains(&seconds) {
            Ok(Self { seconds })
        } else {
            Err(ParseError(format!(
                "The grace period must be from 0 to {} seconds (7 days).",
                Self::MAX_SECONDS
            )))
        }
    }

    /// One of the dialog's presets, as its form sends it.
    pub fn from_preset(raw: &str) -> Result<Self, ParseError> {
        Self::PRESETS
            .iter()
            .find(|(seconds, _)| raw.trim() == seconds.to_string())
            .map(|&(seconds, _)| Self { seconds })
            .ok_or_else(|| ParseError("Choose one of the grace periods offered.".into()))
    }

    pub fn seconds(self) -> i64 {
        self.seconds
    }

    /// When the replaced secret stops working, for a rotation at `now`.
    pub fn ends(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::seconds(self.seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grace_period_is_from_none_to_a_week() {
        assert_eq!(Grace::from_seconds(0).unwrap().seconds(), 0);
        assert_eq!(
            Grace::from_seconds(Grace::MAX_SECONDS).unwrap().seconds(),
            Grace::MAX_SECONDS
        );
        assert!(Grace::from_seconds(-1).is_err());
        assert!(Grace::from_seconds(Grace::MAX_SECONDS + 1).is_err());
    }

    #[test]
    fn the_form_sends_only_a_preset() {
        assert_eq!(Grace::from_preset("3600").unwrap().seconds(), 3600);
        assert!(Grace::from_preset("60").is_err());
        assert!(Grace::from_preset("9223372036854775807").is_err());
        assert!(Grace::from_preset("").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_a_preset_or_a_clear_refusal(raw in "\\PC{0,12}|[ 0-9-]{0,12}") {
            match Grace::from_preset(&raw) {
                Ok(grace) => {
                    proptest::prop_assert_eq!(grace.seconds().to_string(), raw.trim());
                    proptest::prop_assert!(
                        Grace::PRESETS.iter().any(|(seconds, _)| *seconds == grace.seconds())
                    );
                }
                Err(error) => {
                    proptest::prop_assert_eq!(error.0, "Choose one of the grace periods offered.");
                }
            }
        }

        #[test]
        fn every_preset_reads_back_as_itself(index in 0..Grace::PRESETS.len(), pad in " {0,3}") {
            let seconds = Grace::PRESETS[index].0;
            let grace = Grace::from_preset(&format!("{pad}{seconds}{pad}")).unwrap();
            proptest::prop_assert_eq!(grace.seconds(), seconds);
            proptest::prop_assert_eq!(Grace::from_seconds(seconds), Ok(grace));
        }
    }

    #[test]
    fn the_old_secret_ends_after_the_grace_period() {
        let now = Utc::now();
        assert_eq!(Grace::from_seconds(0).unwrap().ends(now), now);
        assert_eq!(Grace::DEFAULT.ends(now), now + Duration::hours(24));
    }
}
