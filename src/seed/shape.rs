//! What a seeded token looks like, drawn at random within a spread that resembles a
//! year of real use: mostly active (about 85%), some expired (5%), disabled (6%) and
//! deleted (4%); read, write or admin scope; one to four modules; created over the past
//! year; last used at some point since (more often lately), or never (a quarter); and
//! for tokens used in the past month, a few days of usage counts. One token in every
//! hundred has `SEARCH_WORD` in its name, and no other name contains it.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;

use crate::domain::token_use::{IpUses, TokenUses};
use crate::domain::{ClientIp, ModuleId, Scope, TokenName, TokenStatus};

/// The word one name in a hundred contains, for searches (`?q=nightly`).
pub const SEARCH_WORD: &str = "nightly";

const SYSTEMS: &[&str] = &[
    "Billing",
    "Catalog",
    "CRM",
    "Warehouse",
    "Mobile app",
    "Partner",
    "Analytics",
    "Inventory",
    "Storefront",
    "Support desk",
    "Payments",
    "Search",
    "Marketing",
    "Finance",
    "Shipping",
    "Webhook",
    "Data lake",
    "ERP",
    "Fraud",
    "Loyalty",
];
const PURPOSES: &[&str] = &[
    "sync",
    "export",
    "importer",
    "reporter",
    "backend",
    "bridge",
    "collector",
    "deploy",
    "integration",
    "relay",
    "poller",
    "dashboard",
    "feed",
    "monitor",
    "backup",
    "uploader",
    "scheduler",
    "notifier",
    "audit",
    "connector",
];
const PLACES: &[&str] = &["prod", "staging", "dev", "eu", "us", "apac"];
const DESCRIPTIONS: &[&str] = &[
    "",
    "Seeded for benchmarks.",
    "Runs every hour from the integration cluster.",
    "Owned by the platform team; rotate yearly.",
    "Read-only access for reporting.",
];
const USER_AGENTS: &[&str] = &[
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Go-http-client/2.0",
    "okhttp/4.12.0",
    "Terraform/1.7.5",
    "node-fetch/3.3.2",
];
/// Documentation networks (RFC 5737): no real address is ever seeded.
const NETWORKS: &[&str] = &["192.0.2", "198.51.100", "203.0.113"];

/// Its last use: when, from where and with what.
pub struct LastUse {
    pub at: DateTime<Utc>,
    pub ip: String,
    pub user_agent: &'static str,
}

/// One token to seed, without its id, account and secret.
pub struct Shape {
    pub name: TokenName,
    pub description: &'static str,
    pub scope: Scope,
    pub status: TokenStatus,
    pub modules: Vec<ModuleId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub last_use: Option<LastUse>,
}

/// Which state a token is drawn in.
#[derive(Clone, Copy)]
enum State {
    Active,
    Expired,
    Disabled,
    Deleted,
}

/// One of `items` (none of which is empty).
fn pick<T: Copy>(rng: &mut impl Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// A moment between `from` and `to`, `share` (0 to 1) of the way.
fn between(from: DateTime<Utc>, to: DateTime<Utc>, share: f64) -> DateTime<Utc> {
    let span = (to - from).num_seconds().max(0);
    // Whole seconds, at most a year and a half of them: exact in an f64.
    let offset = (span as f64 * share.clamp(0.0, 1.0)).round() as i64;
    from + Duration::seconds(offset)
}

impl Shape {
    /// The token at `index` of the run. A `usable` one is active and unexpired (it may
    /// be written to the secrets file); the others follow the spread.
    pub fn draw(
        rng: &mut impl Rng,
        index: usize,
        usable: bool,
        catalog: &[ModuleId],
        now: DateTime<Utc>,
    ) -> Self {
        let state = if usable {
            State::Active
        } else {
            match rng.random_range(0..100) {
                0..6 => State::Disabled,
                6..10 => State::Deleted,
                10..15 => State::Expired,
                _ => State::Active,
            }
        };
        let created_at = now - Duration::seconds(rng.random_range(60..365 * 86_400));
        let ended_at = between(created_at, now, rng.random());
        let (status, disabled_at, deleted_at) = match state {
            State::Active | State::Expired => (TokenStatus::Active, None, None),
            State::Disabled => (TokenStatus::Disabled, Some(ended_at), None),
            State::Deleted => (TokenStatus::Deleted, None, Some(ended_at)),
        };
        let expires_at = match state {
            State::Expired => Some(ended_at.min(now - Duration::seconds(1))),
            _ if rng.random_bool(0.15) => Some(now + Duration::days(rng.random_range(1..365))),
            _ => None,
        };
        let used_until = match state {
            State::Active => now,
            State::Expired | State::Disabled | State::Deleted => ended_at,
        };
        let last_use = rng.random_bool(0.75).then(|| LastUse {
            // Cubed, so most uses are recent.
            at: between(created_at, used_until, 1.0 - rng.random::<f64>().powi(3)),
            ip: format!("{}.{}", pick(rng, NETWORKS), rng.random_range(1..255)),
            user_agent: pick(rng, USER_AGENTS),
        });
        Self {
            name: name(rng, index),
            description: pick(rng, DESCRIPTIONS),
            scope: match rng.random_range(0..100) {
                0..55 => Scope::Read,
                55..93 => Scope::Write,
                _ => Scope::Admin,
            },
            status,
            modules: modules(rng, catalog),
            created_at,
            expires_at,
            disabled_at,
            deleted_at,
            last_use,
        }
    }

    /// A few days of history for a token used in the past month, ending on the day of
    /// its last use, all from its last address; none for the others.
    pub fn history(&self, rng: &mut impl Rng, now: DateTime<Utc>) -> Option<TokenUses> {
        let last = self.last_use.as_ref()?;
        if now - last.at > Duration::days(30) {
            return None;
        }
        let first = (last.at - Duration::days(rng.random_range(0..7))).max(self.created_at);
        let per_day: HashMap<_, _> = first
            .date_naive()
            .iter_days()
            .take_while(|day| *day <= last.at.date_naive())
            .map(|day| (day, rng.random_range(1..500)))
            .collect();
        let address: std::net::IpAddr = last.ip.parse().ok()?;
        let per_ip = HashMap::from([(
            ClientIp::from(address),
            IpUses {
                first_at: first,
                last_at: last.at,
                user_agent: last.user_agent.to_owned(),
                requests: per_day.values().sum::<i64>().max(1),
            },
        )]);
        Some(TokenUses {
            last: None,
            per_day,
            per_ip,
        })
    }
}

fn name(rng: &mut impl Rng, index: usize) -> TokenName {
    let system = pick(rng, SYSTEMS);
    let purpose = pick(rng, PURPOSES);
    let place = pick(rng, PLACES);
    let number = rng.random_range(1..1_000);
    let raw = if index.is_multiple_of(100) {
        format!("Nightly {system} {purpose} ({place}) {number}")
    } else {
        format!("{system} {purpose} ({place}) {number}")
    };
    TokenName::parse(&raw).unwrap_or_else(|_| unreachable!("seeded names are short and plain"))
}

/// One module mostly, up to four; the token-management module rarely.
fn modules(rng: &mut impl Rng, catalog: &[ModuleId]) -> Vec<ModuleId> {
    let (tokens, others): (Vec<&ModuleId>, Vec<&ModuleId>) =
        catalog.iter().partition(|m| m.as_str() == "tokens");
    let count = match rng.random_range(0..100) {
        0..55 => 1,
        55..85 => 2,
        85..97 => 3,
        _ => 4,
    };
    let mut chosen: Vec<ModuleId> = others
        .choose_multiple(rng, count)
        .map(|m| (*m).clone())
        .collect();
    if rng.random_bool(0.03) {
        chosen.extend(tokens.into_iter().cloned());
    }
    if chosen.is_empty() {
        chosen.extend(catalog.first().cloned());
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Vec<ModuleId> {
        [
            "catalog",
            "subscriptions",
            "billing",
            "usage",
            "customers",
            "reports",
            "tokens",
        ]
        .into_iter()
        .map(|m| ModuleId::parse(m).unwrap())
        .collect()
    }

    #[test]
    fn shapes_keep_the_rules_a_stored_token_must_keep() {
        let (mut rng, now, catalog) = (rand::rng(), Utc::now(), catalog());
        for index in 0..2_000 {
            let shape = Shape::draw(&mut rng, index, index.is_multiple_of(7), &catalog, now);
            assert_eq!(
                shape.disabled_at.is_some(),
                shape.status == TokenStatus::Disabled
            );
            assert_eq!(
                shape.deleted_at.is_some(),
                shape.status == TokenStatus::Deleted
            );
            assert!(!shape.modules.is_empty() && shape.created_at < now);
            if let Some(last) = &shape.last_use {
                assert!(last.at >= shape.created_at && last.at <= now);
            }
            if index.is_multiple_of(7) {
                assert_eq!(shape.status, TokenStatus::Active);
                assert!(shape.expires_at.is_none_or(|at| at > now), "usable");
            }
            let searchable = shape.name.as_str().to_lowercase().contains(SEARCH_WORD);
            assert_eq!(searchable, index.is_multiple_of(100), "{}", shape.name);
        }
    }

    #[test]
    fn history_ends_on_the_day_of_the_last_use() {
        let (mut rng, now, catalog) = (rand::rng(), Utc::now(), catalog());
        let mut with_history = Vec::new();
        for index in 0..500 {
            let shape = Shape::draw(&mut rng, index, true, &catalog, now);
            if let Some(uses) = shape.history(&mut rng, now) {
                with_history.push((shape, uses));
            }
        }
        assert!(!with_history.is_empty());
        for (shape, uses) in with_history {
            let last = shape.last_use.unwrap().at.date_naive();
            assert_eq!(uses.per_day.keys().max(), Some(&last));
            assert_eq!(uses.per_ip.len(), 1);
        }
    }
}
