//! Marketplace-style identifiers: `PA-1234-5678` for accounts, `UR-1234-5678-9012`
//! for users and `TK-1234-5678-9012` for tokens. Each is its own type so that one
//! can never be passed where another is expected.

use std::fmt;

use rand::Rng;

use super::ParseError;

macro_rules! marketplace_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $groups:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses an id, accepting only the exact canonical form.
            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                if has_shape(raw, $prefix, $groups) {
                    Ok(Self(raw.to_owned()))
                } else {
                    Err(ParseError(format!(
                        "{raw:?} is not a valid id: expected {}",
                        example($prefix, $groups)
                    )))
                }
            }

            /// A new random id.
            pub fn generate() -> Self {
                Self(random_id($prefix, $groups))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Whether `text` could be part of such an id, ignoring case: made only of
            /// the prefix's letters, digits and hyphens. A search that can't needs no
            /// look at ids.
            pub fn could_contain(text: &str) -> bool {
                !text.is_empty()
                    && text.chars().all(|c| {
                        c.is_ascii_digit()
                            || c == '-'
                            || $prefix.contains(c.to_ascii_uppercase())
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

marketplace_id!(
    /// An account's marketplace identifier, like `PA-1234-5678`.
    AccountId, "PA", 2
);
marketplace_id!(
    /// A user's identifier, like `UR-1234-5678-9012`.
    UserId, "UR", 3
);
marketplace_id!(
    /// A token's identifier, like `TK-1234-5678-9012`.
    TokenId, "TK", 3
);

fn has_shape(raw: &str, prefix: &str, groups: usize) -> bool {
    let Some(rest) = raw.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() == groups
        && parts
            .iter()
            .all(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn random_id(prefix: &str, groups: usize) -> String {
    let mut rng = rand::rng();
    let mut id = String::from(prefix);
    for _ in 0..groups {
        id.push_str(&format!("-{:04}", rng.random_range(0..10_000)));
    }
    id
}

fn example(prefix: &str, groups: usize) -> String {
    let mut id = String::from(prefix);
    for _ in 0..groups {
        id.push_str("-1234");
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_digits_hyphens_and_the_prefix_could_be_part_of_an_id() {
        for part in ["TK-1234-5678-9012", "0042", "tk-10", "-56", "K"] {
            assert!(TokenId::could_contain(part), "{part}");
        }
        for other in ["nightly", "TK 1234", "PA-1234", "", "٣"] {
            assert!(!TokenId::could_contain(other), "{other}");
        }
    }

    #[test]
    fn accepts_canonical_ids() {
        assert!(AccountId::parse("PA-1234-5678").is_ok());
        assert!(UserId::parse("UR-1234-5678-9012").is_ok());
        assert!(TokenId::parse("TK-0000-0000-0001").is_ok());
    }

    #[test]
    fn rejects_wrong_prefix_group_count_or_characters() {
        assert!(AccountId::parse("TK-1234-5678").is_err());
        assert!(AccountId::parse("PA-1234-5678-9012").is_err());
        assert!(TokenId::parse("TK-1234-5678-901a").is_err());
        assert!(TokenId::parse("TK-1234-5678-90123").is_err());
        assert!(TokenId::parse(" TK-1234-5678-9012").is_err());
        assert!(UserId::parse("").is_err());
    }

    #[test]
    fn error_shows_the_expected_form() {
        let err = TokenId::parse("nope").unwrap_err();
        assert!(err.0.contains("TK-1234-1234-1234"), "{err}");
    }

    proptest! {
        #[test]
        fn any_text_is_an_id_only_in_its_exact_canonical_form(raw in ".*|[A-Z]{2}-[0-9-]{4,16}") {
            if let Ok(id) = TokenId::parse(&raw) {
                prop_assert_eq!(id.as_str(), raw.as_str());
                prop_assert!(raw.starts_with("TK-") && raw.len() == 17);
            }
            if let Ok(id) = AccountId::parse(&raw) {
                prop_assert_eq!(id.as_str(), raw.as_str());
                prop_assert!(raw.starts_with("PA-") && raw.len() == 12);
            }
            if let Ok(id) = UserId::parse(&raw) {
                prop_assert_eq!(id.as_str(), raw.as_str());
            }
        }

        #[test]
        fn canonical_ids_round_trip(raw in "TK-[0-9]{4}-[0-9]{4}-[0-9]{4}") {
            let id = TokenId::parse(&raw).unwrap();
            prop_assert_eq!(TokenId::parse(id.as_str()), Ok(id.clone()));
        }

        #[test]
        fn generated_ids_parse_back(_seed in 0u8..32) {
            let token = TokenId::generate();
            prop_assert_eq!(TokenId::parse(token.as_str()), Ok(token));
            let account = AccountId::generate();
            prop_assert_eq!(AccountId::parse(account.as_str()), Ok(account));
        }
    }
}
