//! No credential reaches further than its holder: a token acting through the API may
//! create or change only tokens that are no more powerful than itself. "No more
//! powerful" compares five things: scope (read < write < admin), modules (a subset),
//! expiry (no later; never expiring is the most powerful), addresses (within the
//! caller's allowlist, if it has one) and rate limit (no higher than the caller's, if it
//! has one). A token may disable or delete itself, but never edit, rotate or enable
//! itself, and a token a person disabled can be enabled only by a person. People act by
//! their role and are not held to this.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};

use super::{AddressAllowlist, ModuleId, RateLimit, Scope};

/// How far a token reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub scope: Scope,
    pub modules: Vec<ModuleId>,
    pub expires_at: Option<DateTime<Utc>>,
    pub allowed_addresses: AddressAllowlist,
    pub rate_limit: Option<RateLimit>,
}

/// Why a token may not do what it asked, naming what exceeds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excess {
    Scope {
        asked: Scope,
        held: Scope,
    },
    Modules(Vec<ModuleId>),
    Expiry {
        asked: Option<DateTime<Utc>>,
        held: DateTime<Utc>,
    },
    /// Addresses outside the acting token's allowlist.
    Addresses,
    RateLimit {
        asked: Option<RateLimit>,
        held: RateLimit,
    },
    EditsItself,
    /// A leaked token rotating itself would lock its owner out and keep the new secret.
    RotatesItself,
    EnablesItself,
    DisabledByPerson,
    /// The token asked to edit has expired: extending it is a person's decision.
    EditsExpired,
    /// The acting token was disabled, deleted or expired since it was checked.
    CallerInactive,
    /// What was asked equals the acting token's own reach: a token it made would reach
    /// it, and could then edit or enable it, which it may not do itself.
    EqualsCaller,
    /// The token to rotate is the acting token's equal (a peer a person made): its new
    /// secret, which the caller would be given, could rotate the caller in turn.
    RotatesEqual,
}

impl Reach {
    /// Whether `other` is no more powerful than this reach; if not, the first excess.
    pub fn covers(&self, other: &Reach) -> Result<(), Excess> {
        if other.scope > self.scope {
            return Err(Excess::Scope {
                asked: other.scope,
                held: self.scope,
            });
        }
        let extra: Vec<ModuleId> = other
            .modules
            .iter()
            .filter(|module| !self.modules.contains(module))
            .cloned()
            .collect();
        if !extra.is_empty() {
            return Err(Excess::Modules(extra));
        }
        if let Some(held) = self.expires_at
            && other.expires_at.is_none_or(|asked| asked > held)
        {
            return Err(Excess::Expiry {
                asked: other.expires_at,
                held,
            });
        }
        if !self.allowed_addresses.covers(&other.allowed_addresses) {
            return Err(Excess::Addresses);
        }
        if let Some(held) = self.rate_limit
            && other.rate_limit.is_none_or(|asked| asked > held)
        {
            return Err(Excess::RateLimit {
                asked: other.rate_limit,
                held,
            });
        }
        Ok(())
    }

    /// Whether a token with this reach may hand `other` on, to a token it creates or
    /// edits: covered, and strictly less. An equal would reach the token that made it,
    /// so could edit or enable it, what no token may do to itself (a leaked token's twin
    /// could narrow its allowlist to the thief's address).
    pub fn grants(&self, other: &Reach) -> Result<(), Excess> {
        self.covers_strictly(other, Excess::EqualsCaller)
    }

    /// Whether a token with this reach may rotate a token of `other`'s reach: covered,
    /// and strictly less, for the same reason as `grants`. A leaked token that could
    /// rotate a peer would be given the peer's new secret, and through it rotate itself.
    pub fn may_rotate(&self, other: &Reach) -> Result<(), Excess> {
        self.covers_strictly(other, Excess::RotatesEqual)
    }

    /// `covers`, refused with `equal` when `other` covers this reach too.
    fn covers_strictly(&self, other: &Reach, equal: Excess) -> Result<(), Excess> {
        self.covers(other)?;
        match other.covers(self) {
            Ok(()) => Err(equal),
            Err(_) => Ok(()),
        }
    }
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl fmt::Display for Excess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scope { asked, held } => write!(
                f,
                "scope {} is above this token's scope {}",
                asked.as_str(),
                held.as_str()
            ),
            Self::Modules(extra) => {
                let names: Vec<&str> = extra.iter().map(ModuleId::as_str).collect();
                let names = names.join(", ");
                if extra.len() == 1 {
                    write!(f, "module {names} is not granted to this token")
                } else {
                    write!(f, "modules {names} are not granted to this token")
                }
            }
            Self::Expiry { asked, held } => match asked {
                None => write!(
                    f,
                    "no expiry is later than this token's expiry {}",
                    instant(*held)
                ),
                Some(asked) => write!(
                    f,
                    "expiry {} is later than this token's expiry {}",
                    instant(*asked),
                    instant(*held)
                ),
            },
            Self::Addresses => f.write_str(
                "the allowed addresses reach outside this token's allowlist (or allow anywhere)",
            ),
            Self::RateLimit { asked, held } => match asked {
                None => write!(f, "no rate limit is above this token's limit of {held}"),
                Some(asked) => write!(
                    f,
                    "a limit of {asked} is above this token's limit of {held}"
                ),
            },
            Self::EditsItself => f.write_str("a token can't edit itself"),
            Self::RotatesItself => f.write_str("a token can't rotate itself"),
            Self::EnablesItself => f.write_str("a token can't enable itself"),
            Self::DisabledByPerson => {
                f.write_str("a person disabled this token; only a person can enable it")
            }
            Self::EditsExpired => {
                f.write_str("this token has expired; only a person can edit or extend it")
            }
            Self::CallerInactive => f.write_str("the calling token is no longer active"),
            Self::RotatesEqual => f.write_str(
                "this token is the calling token's equal: a token can only rotate tokens less \
                 than itself",
            ),
            Self::EqualsCaller => f.write_str(
                "a token can only grant less than it holds: narrow the scope, the modules, \
                 the expiry, the allowed addresses or the rate limit",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn modules(ids: &[&str]) -> Vec<ModuleId> {
        ids.iter().map(|id| ModuleId::parse(id).unwrap()).collect()
    }

    fn reach(scope: Scope, ids: &[&str], expires_at: Option<DateTime<Utc>>) -> Reach {
        Reach {
            scope,
            modules: modules(ids),
            expires_at,
            allowed_addresses: AddressAllowlist::ANYWHERE,
            rate_limit: None,
        }
    }

    #[test]
    fn an_equal_or_narrower_reach_is_covered() {
        let soon = Utc::now() + Duration::days(7);
        let caller = reach(Scope::Write, &["billing", "tokens"], Some(soon));
        assert_eq!(caller.covers(&caller), Ok(()));
        let narrower = reach(Scope::Read, &["tokens"], Some(soon - Duration::days(1)));
        assert_eq!(caller.covers(&narrower), Ok(()));
        let forever = reach(Scope::Admin, &["billing", "tokens"], None);
        assert_eq!(forever.covers(&narrower), Ok(()));
        assert_eq!(forever.covers(&forever), Ok(()));
    }

    #[test]
    fn each_kind_of_excess_is_named() {
        let soon = Utc::now() + Duration::days(7);
        let caller = reach(Scope::Write, &["tokens"], Some(soon));

        let higher = caller.covers(&reach(Scope::Admin, &["tokens"], Some(soon)));
        assert_eq!(
            higher.unwrap_err().to_string(),
            "scope admin is above this token's scope write"
        );
        let wider = caller.covers(&reach(
            Scope::Read,
            &["billing", "tokens", "usage"],
            Some(soon),
        ));
        assert_eq!(
            wider.unwrap_err().to_string(),
            "modules billing, usage are not granted to this token"
        );
        let later = caller.covers(&reach(
            Scope::Read,
            &["tokens"],
            Some(soon + Duration::seconds(1)),
        ));
        assert!(matches!(later, Err(Excess::Expiry { .. })));
        let never = caller.covers(&reach(Scope::Read, &["tokens"], None));
        assert!(
            never
                .unwrap_err()
                .to_string()
                .starts_with("no expiry is later than this token's expiry ")
        );
    }

    #[test]
    fn a_token_grants_only_strictly_less_than_it_holds() {
        let soon = Utc::now() + Duration::days(7);
        let caller = reach(Scope::Write, &["billing", "tokens"], Some(soon));

        let twin = reach(Scope::Write, &["tokens", "billing"], Some(soon));
        assert_eq!(caller.grants(&twin), Err(Excess::EqualsCaller));
        assert_eq!(
            caller.grants(&reach(Scope::Write, &["billing", "tokens"], None)),
            caller.covers(&reach(Scope::Write, &["billing", "tokens"], None)),
            "what it does not cover, it does not grant"
        );
        let a_second_sooner = reach(
            Scope::Write,
            &["billing", "tokens"],
            Some(soon - Duration::seconds(1)),
        );
        for narrower in [
            reach(Scope::Read, &["billing", "tokens"], Some(soon)),
            reach(Scope::Write, &["tokens"], Some(soon)),
            a_second_sooner,
            Reach {
                rate_limit: Some(RateLimit::per_minute(600).unwrap()),
                ..twin.clone()
            },
        ] {
            assert_eq!(caller.grants(&narrower), Ok(()), "{narrower:?}");
            assert!(
                narrower.covers(&caller).is_err(),
                "{narrower:?} can't reach its maker"
            );
        }
    }

    #[test]
    fn an_allowlist_or_a_rate_limit_bounds_what_a_token_may_hand_on() {
        let office = AddressAllowlist::parse_text("10.0.0.0/8").unwrap();
        let limit = |calls| Some(RateLimit::per_minute(calls).unwrap());
        let caller = Reach {
            allowed_addresses: office.clone(),
            rate_limit: limit(60),
            ..reach(Scope::Write, &["tokens"], None)
        };
        let within = Reach {
            allowed_addresses: AddressAllowlist::parse_text("10.1.0.0/16").unwrap(),
            rate_limit: limit(60),
            ..reach(Scope::Read, &["tokens"], None)
        };
        assert_eq!(caller.covers(&within), Ok(()));
        let anywhere = Reach {
            allowed_addresses: AddressAllowlist::ANYWHERE,
            ..within.clone()
        };
        assert_eq!(caller.covers(&anywhere), Err(Excess::Addresses));
        let faster = Reach {
            rate_limit: limit(61),
            ..within.clone()
        };
        assert!(
            caller
                .covers(&faster)
                .unwrap_err()
                .to_string()
                .contains("61 calls a minute")
        );
        let unlimited = Reach {
            rate_limit: None,
            ..within
        };
        assert!(
            caller
                .covers(&unlimited)
                .unwrap_err()
                .to_string()
                .starts_with("no rate limit is above")
        );
    }
}
