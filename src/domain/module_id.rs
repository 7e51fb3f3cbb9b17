//! The identifier of a platform module in the catalog (`catalog`, `billing`, ...).

use std::fmt;

use super::ParseError;

/// A module id: lowercase letters and underscores, as the catalog stores them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(String);

impl ModuleId {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let valid = raw.len() <= 40
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ParseError(format!("{raw:?} is not a module id")))
        }
    }

    /// `tokens`, the module a token needs to manage tokens (and their account's
    /// expiry policy) through the API.
    pub fn tokens() -> Self {
        Self("tokens".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_text_is_refused_or_a_module_id_that_round_trips(raw in ".*|[a-z_A-Z ]{0,45}") {
            if let Ok(module) = ModuleId::parse(&raw) {
                proptest::prop_assert_eq!(module.as_str(), raw.as_str());
                proptest::prop_assert_eq!(ModuleId::parse(&module.to_string()), Ok(module));
            }
        }
    }

    #[test]
    fn accepts_catalog_ids_and_rejects_others() {
        assert!(ModuleId::parse("billing").is_ok());
        assert!(ModuleId::parse("Billing").is_err());
        assert!(ModuleId::parse("").is_err());
        assert!(ModuleId::parse("bill ing").is_err());
    }
}
