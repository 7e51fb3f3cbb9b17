//! What a signed-in person may do: account admins manage their account's tokens,
//! members have no API Access privilege, support staff review every account read-only.

use std::fmt;

use super::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Member,
    Support,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            "support" => Ok(Self::Support),
            other => Err(ParseError(format!(
                "{other:?} is not a role: expected admin, member or support"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
            Self::Support => "support",
        }
    }

    /// Whether the role belongs to one account (support staff belong to none).
    pub fn belongs_to_account(self) -> bool {
        !matches!(self, Self::Support)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_text_parses_only_as_the_word_it_spells(raw in ".*|admin|member|support|[a-z ]{0,10}") {
            if let Some(word) = Role::parse(&raw).ok().map(Role::as_str) {
                proptest::prop_assert_eq!(word, raw.as_str());
            }
        }
    }

    #[test]
    fn round_trips_and_only_support_staff_stand_outside_accounts() {
        for role in [Role::Admin, Role::Member, Role::Support] {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::Admin.belongs_to_account());
        assert!(!Role::Support.belongs_to_account());
        assert!(Role::parse("root").is_err());
    }
}
