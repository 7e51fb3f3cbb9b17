//! Whether a presented token may be used, and why not: the rules the bearer API and
//! `POST /api/v1/verify` share.

use chrono::{DateTime, Utc};

use std::net::IpAddr;

use super::{
    AccountId, AddressAllowlist, ModuleId, RateLimit, Scope, TokenId, TokenStatus, UserId,
};

/// Why a token is refused; `reason()` is the API's word for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Malformed,
    Unknown,
    Disabled,
    Expired,
    Deleted,
    Rotated,
    AddressNotAllowed,
    ModuleNotGranted,
    InsufficientScope,
}

impl Rejection {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Unknown => "unknown",
            Self::Disabled => "disabled",
            Self::Expired => "expired",
            Self::Deleted => "deleted",
            Self::Rotated => "rotated",
            Self::AddressNotAllowed => "address_not_allowed",
            Self::ModuleNotGranted => "module_not_granted",
            Self::InsufficientScope => "insufficient_scope",
        }
    }

    /// A sentence for people reading the API's error.
    pub fn detail(self) -> &'static str {
        match self {
            Self::Malformed => "The bearer token is not a well-formed tdk_ token.",
            Self::Unknown => "The bearer token is not known.",
            Self::Disabled => "The token is disabled. An account admin can enable it again.",
            Self::Expired => "The token has expired.",
            Self::Deleted => "The token was deleted and can never be used again.",
            Self::Rotated => {
                "This secret was replaced when the token was rotated, and its grace period has ended."
            }
            Self::AddressNotAllowed => {
                "The token may not be used from this address: it is not on the token's allowlist."
            }
            Self::ModuleNotGranted => "The token is not granted this module.",
            Self::InsufficientScope => "The token's scope does not allow this.",
        }
    }

    /// A valid token that lacks a grant: 403 rather than 401.
    pub fn is_valid_token_without_permission(self) -> bool {
        matches!(
            self,
            Self::AddressNotAllowed | Self::ModuleNotGranted | Self::InsufficientScope
        )
    }
}

/// What a stored token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub token_id: TokenId,
    pub account_id: AccountId,
    pub name: String,
    pub scope: Scope,
    pub modules: Vec<ModuleId>,
    pub status: TokenStatus,
    /// The person who created the token: who a token it creates is created by.
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// When the presented secret stops working: set when it is one a rotation replaced,
    /// `None` for the token's current secret.
    pub secret_ends_at: Option<DateTime<Utc>>,
    /// Where the token may be used from.
    pub allowed_addresses: AddressAllowlist,
    pub rate_limit: Option<RateLimit>,
}

impl Grant {
    /// Whether the token may authenticate at `now` with the secret it was found by.
    pub fn check_usable(&self, now: DateTime<Utc>) -> Result<(), Rejection> {
        let secret_ended = self.secret_ends_at.is_some_and(|at| at <= now);
        match self.status {
            TokenStatus::Disabled => Err(Rejection::Disabled),
            TokenStatus::Deleted => Err(Rejection::Deleted),
            TokenStatus::Active if self.expires_at.is_some_and(|at| at <= now) => {
                Err(Rejection::Expired)
            }
            TokenStatus::Active if secret_ended => Err(Rejection::Rotated),
            TokenStatus::Active => Ok(()),
        }
    }

    /// Whether a call from `client` (its address, if known) may use the token: anywhere
    /// when the token has no allowlist.
    pub fn check_address(&self, client: Option<IpAddr>) -> Result<(), Rejection> {
        if self.allowed_addresses.allows(client) {
            Ok(())
        } else {
            Err(Rejection::AddressNotAllowed)
        }
    }

    /// Whether it may use `module` (if asked) with `access` (if asked) at `now`.
    pub fn check(
        &self,
        now: DateTime<Utc>,
        module: Option<&ModuleId>,
        access: Option<Scope>,
    ) -> Result<(), Rejection> {
        self.check_usable(now)?;
        if module.is_some_and(|m| !self.modules.contains(m)) {
            return Err(Rejection::ModuleNotGranted);
        }
        if access.is_some_and(|needed| !self.scope.allows(needed)) {
            return Err(Rejection::InsufficientScope);
        }
        Ok(())
    }
}

#[cfg(test)]
impl Grant {
    /// An active write token of Demo Corp with the billing module, made 30 days ago and
    /// never expiring: the grant tests start from.
    pub(crate) fn example() -> Self {
        Self {
            token_id: TokenId::parse("TK-1000-0000-0001").expect("a token id"),
            account_id: AccountId::parse("PA-1000-0001").expect("an account id"),
            name: "CI".into(),
            scope: Scope::Write,
            modules: vec![ModuleId::parse("billing").expect("a module id")],
            status: TokenStatus::Active,
            created_by: UserId::parse("UR-1000-0000-0001").expect("a user id"),
            created_at: Utc::now() - chrono::Duration::days(30),
            expires_at: None,
            secret_ends_at: None,
            allowed_addresses: AddressAllowlist::ANYWHERE,
            rate_limit: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn each_rule_gives_its_reason() {
        let now = Utc::now();
        let billing = ModuleId::parse("billing").unwrap();
        let usage = ModuleId::parse("usage").unwrap();
        assert_eq!(
            Grant::example().check(now, Some(&billing), Some(Scope::Write)),
            Ok(())
        );
        assert_eq!(
            Grant::example().check(now, Some(&usage), None),
            Err(Rejection::ModuleNotGranted)
        );
        assert_eq!(
            Grant::example().check(now, None, Some(Scope::Admin)),
            Err(Rejection::InsufficientScope)
        );
        let disabled = Grant {
            status: TokenStatus::Disabled,
            ..Grant::example()
        };
        assert_eq!(disabled.check(now, None, None), Err(Rejection::Disabled));
        let expired = Grant {
            expires_at: Some(now - Duration::seconds(1)),
            ..Grant::example()
        };
        assert_eq!(expired.check(now, None, None), Err(Rejection::Expired));
        let deleted = Grant {
            status: TokenStatus::Deleted,
            ..Grant::example()
        };
        assert_eq!(deleted.check(now, None, None), Err(Rejection::Deleted));
        let replaced = Grant {
            secret_ends_at: Some(now),
            ..Grant::example()
        };
        assert_eq!(replaced.check(now, None, None), Err(Rejection::Rotated));
        let in_grace = Grant {
            secret_ends_at: Some(now + Duration::seconds(1)),
            ..Grant::example()
        };
        assert_eq!(in_grace.check(now, None, None), Ok(()));
        let disabled_in_grace = Grant {
            status: TokenStatus::Disabled,
            ..in_grace
        };
        assert_eq!(
            disabled_in_grace.check(now, None, None),
            Err(Rejection::Disabled)
        );
        assert!(Rejection::InsufficientScope.is_valid_token_without_permission());
        assert!(!Rejection::Disabled.is_valid_token_without_permission());
    }
}
