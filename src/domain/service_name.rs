//! The name of one of the platform's other services holding a service credential
//! (`tds_…`): letters, digits, `.`, `_` and `-`, 1 to 63 characters, starting with a
//! letter or digit. It is the user name of HTTP Basic authentication, so it can never
//! hold a `:`.

use std::fmt;

use super::ParseError;

pub const MAX_SERVICE_NAME_CHARS: usize = 63;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceName(String);

impl ServiceName {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let mut chars = raw.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
            && raw.len() <= MAX_SERVICE_NAME_CHARS
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ParseError(format!(
                "{raw:?} is not a service name: use 1 to {MAX_SERVICE_NAME_CHARS} letters, \
                 digits, '.', '_' or '-', starting with a letter or digit"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_is_refused_or_a_plain_word(raw in ".*|[A-Za-z0-9:. _-]{0,70}") {
            if let Ok(name) = ServiceName::parse(&raw) {
                prop_assert_eq!(name.as_str(), raw.as_str());
                prop_assert!(!raw.contains(':') && raw.len() <= MAX_SERVICE_NAME_CHARS);
            }
        }

        #[test]
        fn valid_names_round_trip(raw in "[A-Za-z0-9][A-Za-z0-9._-]{0,62}") {
            let name = ServiceName::parse(&raw).unwrap();
            prop_assert_eq!(ServiceName::parse(&name.to_string()), Ok(name));
        }
    }

    #[test]
    fn names_are_plain_words() {
        for good in ["kong", "api-gateway.eu_1", "A", &"x".repeat(63)] {
            assert!(ServiceName::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "-kong", "kong:1", "kong gw", "ünïcode", &"x".repeat(64)] {
            assert!(ServiceName::parse(bad).is_err(), "{bad}");
        }
    }
}
