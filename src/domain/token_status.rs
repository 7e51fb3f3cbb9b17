//! A token's stored status, the status people see (an active token past its expiry
//! shows as Expired), and the transitions between them.

use chrono::{DateTime, Utc};

use super::ParseError;

/// What the database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStatus {
    Active,
    Disabled,
    Deleted,
}

impl TokenStatus {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "active" => Ok(Self::Active),
            "disabled" => Ok(Self::Disabled),
            "deleted" => Ok(Self::Deleted),
            other => Err(ParseError(format!("{other:?} is not a token status"))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
            Self::Deleted => "deleted",
        }
    }

    /// The status to show at `now`, given the token's expiry.
    pub fn display(self, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DisplayStatus {
        match self {
            Self::Active if expires_at.is_some_and(|at| at <= now) => DisplayStatus::Expired,
            Self::Active => DisplayStatus::Active,
            Self::Disabled => DisplayStatus::Disabled,
            Self::Deleted => DisplayStatus::Deleted,
        }
    }
}

/// What a person sees in the Status column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayStatus {
    Active,
    Disabled,
    Expired,
    Deleted,
}

impl DisplayStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Disabled => "Disabled",
            Self::Expired => "Expired",
            Self::Deleted => "Deleted",
        }
    }

    /// A stable lowercase name, for CSS classes and test selectors.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
            Self::Expired => "expired",
            Self::Deleted => "deleted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    proptest::proptest! {
        #[test]
        fn any_text_parses_only_as_the_word_it_spells(raw in ".*|active|disabled|deleted|[a-z ]{0,10}") {
            if let Some(word) = TokenStatus::parse(&raw).ok().map(TokenStatus::as_str) {
                proptest::prop_assert_eq!(word, raw.as_str());
            }
        }
    }

    #[test]
    fn an_active_token_past_its_expiry_shows_as_expired() {
        let now = Utc::now();
        let past = Some(now - Duration::minutes(1));
        let future = Some(now + Duration::minutes(1));
        assert_eq!(
            TokenStatus::Active.display(past, now),
            DisplayStatus::Expired
        );
        assert_eq!(
            TokenStatus::Active.display(future, now),
            DisplayStatus::Active
        );
        assert_eq!(
            TokenStatus::Active.display(None, now),
            DisplayStatus::Active
        );
        assert_eq!(
            TokenStatus::Disabled.display(past, now),
            DisplayStatus::Disabled
        );
        assert_eq!(
            TokenStatus::Deleted.display(past, now),
            DisplayStatus::Deleted
        );
    }

    #[test]
    fn round_trips_stored_names() {
        for s in [
            TokenStatus::Active,
            TokenStatus::Disabled,
            TokenStatus::Deleted,
        ] {
            assert_eq!(TokenStatus::parse(s.as_str()), Ok(s));
        }
        assert!(TokenStatus::parse("expired").is_err());
    }
}
