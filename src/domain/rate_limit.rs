//! A token's rate limit: at most this many calls a minute, counted on each instance.

use std::fmt;

use super::ParseError;

/// The highest limit that may be set.
pub const MAX_PER_MINUTE: u32 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RateLimit(u32);

impl RateLimit {
    pub fn per_minute(calls: i64) -> Result<Self, ParseError> {
        u32::try_from(calls)
            .ok()
            .filter(|calls| (1..=MAX_PER_MINUTE).contains(calls))
            .map(Self)
            .ok_or_else(|| {
                ParseError(format!(
                    "The rate limit must be a whole number of calls a minute from 1 to {MAX_PER_MINUTE}."
                ))
            })
    }

    /// A form's text: empty for no limit.
    pub fn parse_text(raw: &str) -> Result<Option<Self>, ParseError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let calls = raw.parse::<i64>().map_err(|_| {
            ParseError(format!(
                "The rate limit must be a whole number of calls a minute from 1 to {MAX_PER_MINUTE}."
            ))
        })?;
        Self::per_minute(calls).map(Some)
    }

    pub fn calls(self) -> u32 {
        self.0
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} calls a minute", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_from_one_to_the_maximum_or_none() {
        assert_eq!(RateLimit::parse_text(" 60 ").unwrap(), Some(RateLimit(60)));
        assert_eq!(RateLimit::parse_text("").unwrap(), None);
        for bad in ["0", "-1", "100001", "1.5", "sixty", "99999999999999999999"] {
            assert!(RateLimit::parse_text(bad).is_err(), "{bad}");
        }
        assert_eq!(RateLimit(60).to_string(), "60 calls a minute");
    }
}
