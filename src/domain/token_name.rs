//! A token's name (its label): trimmed, 1 to 100 characters.

use std::fmt;

use super::ParseError;

pub const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ParseError("Enter a name for the token.".into()));
        }
        if trimmed.chars().count() > MAX_NAME_CHARS {
            return Err(ParseError(format!(
                "The name can be at most {MAX_NAME_CHARS} characters."
            )));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ParseError(
                "The name cannot contain control characters.".into(),
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TokenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_rejects_empty_or_long_names() {
        assert_eq!(
            TokenName::parse("  CI deploy ").map(|n| n.0),
            Ok("CI deploy".into())
        );
        assert!(TokenName::parse("   ").is_err());
        assert!(TokenName::parse(&"x".repeat(100)).is_ok());
        assert!(TokenName::parse(&"x".repeat(101)).is_err());
        assert!(TokenName::parse("tab\there").is_err());
    }

    proptest! {
        #[test]
        fn a_parsed_name_is_always_trimmed_and_short(raw in "\\PC{0,120}") {
            if let Ok(name) = TokenName::parse(&raw) {
                prop_assert_eq!(name.as_str().trim(), name.as_str());
                prop_assert!(!name.as_str().is_empty());
                prop_assert!(name.as_str().chars().count() <= MAX_NAME_CHARS);
            }
        }
    }
}
