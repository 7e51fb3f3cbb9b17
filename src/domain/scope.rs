//! The role a token acts with when it calls the API.

use std::fmt;

use super::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "read" => Ok(Self::Read),
            "write" => Ok(Self::Write),
            "admin" => Ok(Self::Admin),
            other => Err(ParseError(format!(
                "{other:?} is not a scope: choose Read only, Read & write or Admin"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }

    /// The label people see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "Read only",
            Self::Write => "Read & write",
            Self::Admin => "Admin",
        }
    }

    /// Whether a token with this scope may act where `required` is needed.
    pub fn allows(self, required: Scope) -> bool {
        self >= required
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_text_parses_only_as_the_word_it_spells(raw in ".*|read|write|admin|[a-z ]{0,10}") {
            if let Some(word) = Scope::parse(&raw).ok().map(Scope::as_str) {
                proptest::prop_assert_eq!(word, raw.as_str());
            }
        }
    }

    #[test]
    fn parses_labels_and_orders_by_power() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Ok(scope));
        }
        assert_eq!(Scope::Write.label(), "Read & write");
        assert!(Scope::Admin.allows(Scope::Write));
        assert!(Scope::Write.allows(Scope::Read));
        assert!(!Scope::Read.allows(Scope::Write));
        assert!(Scope::parse("owner").is_err());
    }
}
