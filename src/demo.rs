//! The demo data that `serve --demo` seeds: two accounts without a token policy, four
//! people, and tokens in every state (one found in public), a few with published
//! secrets (`published`). Seeding is idempotent: what exists already (by its fixed id)
//! is left as it is, so a restart neither duplicates nor undoes anything. Times are
//! relative to the moment a token is first seeded; `reset` puts everything back as if
//! seeded now. docs/testing.md describes it all for the authors of browser suites.

mod published;
mod reset;

pub use published::{
    FIXED_SECRETS, PublishedAccess, fixed_secret, refuse_https, refuse_published_access,
};
pub use reset::{ResetDone, reset};

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;

use std::collections::HashMap;

use crate::db::{access, accounts, tokens, users};
use crate::domain::leak_report::LeakLocation;
use crate::domain::token_use::{IpUses, TokenUses};
use crate::domain::{
    AccountId, ClientIp, ExpiryPolicy, ModuleId, Role, Scope, SecretCipher, TokenId, TokenName,
    TokenSecret, TokenStatus, UserId, password,
};

pub const DEMO_CORP: &str = "PA-1000-0001";
pub const OTHER_INC: &str = "PA-2000-0002";
/// The demo's accounts and their names.
const ACCOUNTS: [(&str, &str); 2] = [(DEMO_CORP, "Demo Corp"), (OTHER_INC, "Other Inc")];
/// The demo accounts' token policy: none, as a new account's (the columns' defaults).
const ACCOUNT_POLICY: ExpiryPolicy = ExpiryPolicy::NONE;
pub const DEMO_ADMIN: &str = "UR-1000-0000-0001";
pub const OTHER_ADMIN: &str = "UR-2000-0000-0001";

// Demo tokens the tests use, named for what they are (their ids are fixed, as all
// the demo's are).
/// Active: write access to Catalog and Reports, used 12 minutes ago, no expiry
/// (“CI deploy pipeline”).
pub const ACTIVE_TOKEN: &str = "TK-1000-0000-0001";
/// Active: write access to Billing alone (“Billing sync”).
pub const BILLING_WRITE_TOKEN: &str = "TK-1000-0000-0002";
/// Active: write access to Usage alone (“Usage reporter”).
pub const USAGE_WRITE_TOKEN: &str = "TK-1000-0000-0003";
/// Active: read access to Reports alone (“Nightly reports export”).
pub const REPORTS_READ_TOKEN: &str = "TK-1000-0000-0004";
/// Active: admin scope with the Tokens module alone, for the token-management API
/// (“Terraform provider”).
pub const TOKENS_ADMIN_TOKEN: &str = "TK-1000-0000-0008";
/// Active: read access to Billing, Usage and Reports (“Data warehouse ETL”).
pub const THREE_MODULES_TOKEN: &str = "TK-1000-0000-0009";
/// Disabled 14 days ago (“Legacy CRM bridge”).
pub const DISABLED_TOKEN: &str = "TK-1000-0000-0011";
/// Deleted 60 days ago (“Old staging key”).
pub const DELETED_TOKEN: &str = "TK-1000-0000-0012";
/// Active, but expired 10 days ago (“Q3 audit script”).
pub const EXPIRED_TOKEN: &str = "TK-1000-0000-0013";
/// Active, expiring in 3 days: the soonest to expire (“Partner onboarding”).
pub const EXPIRING_SOON_TOKEN: &str = "TK-1000-0000-0014";
/// Disabled 3 days ago (“Subscription sync”).
pub const RECENTLY_DISABLED_TOKEN: &str = "TK-1000-0000-0018";
/// Active, never used, no expiry (“Analytics collector”).
pub const NEVER_USED_TOKEN: &str = "TK-1000-0000-0019";
/// Active: write access to all six modules, never used, expiring in 6 days
/// (“Test harness”).
pub const ALL_MODULES_TOKEN: &str = "TK-1000-0000-0020";
/// Active: read access to Usage and Reports (“Slack notifier”).
pub const USAGE_REPORTS_READ_TOKEN: &str = "TK-1000-0000-0021";
/// Disabled 40 days ago and never used (“Backup checker”).
pub const DISABLED_NEVER_USED_TOKEN: &str = "TK-1000-0000-0023";
/// Other Inc's active token, used 30 minutes ago (“Other Inc billing export”).
pub const OTHER_INC_TOKEN: &str = "TK-2000-0000-0001";
/// Other Inc's, last used 95 days ago (“Other Inc catalog sync”).
pub const OTHER_INC_STALE_TOKEN: &str = "TK-2000-0000-0002";
/// Other Inc's disabled token, found in public 8 days ago (“Other Inc old key”).
pub const OTHER_INC_DISABLED_TOKEN: &str = "TK-2000-0000-0003";

/// Active, unexpired tokens of Demo Corp that no documented fixture relies on and none
/// of which has a fixed secret: worker N of a parallel suite may own `WORKER_TOKENS[N]`
/// and change it as it likes (edit, disable, enable, delete) without meeting another
/// worker. A reset puts them back.
pub const WORKER_TOKENS: [&str; 12] = [
    "TK-1000-0000-0005",
    "TK-1000-0000-0006",
    "TK-1000-0000-0007",
    "TK-1000-0000-0010",
    "TK-1000-0000-0015",
    "TK-1000-0000-0016",
    "TK-1000-0000-0017",
    "TK-1000-0000-0022",
    "TK-1000-0000-0024",
    "TK-1000-0000-0026",
    "TK-1000-0000-0027",
    "TK-1000-0000-0028",
];

/// A person the demo signs in as.
pub struct DemoUser {
    pub id: &'static str,
    pub account: Option<&'static str>,
    pub email: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub role: Role,
}

pub const USERS: [DemoUser; 4] = [
    DemoUser {
        id: DEMO_ADMIN,
        account: Some(DEMO_CORP),
        email: "admin@demo.test",
        password: "demo-admin",
        name: "Avery Admin",
        role: Role::Admin,
    },
    DemoUser {
        id: "UR-1000-0000-0002",
        account: Some(DEMO_CORP),
        email: "member@demo.test",
        password: "demo-member",
        name: "Morgan Member",
        role: Role::Member,
    },
    DemoUser {
        id: OTHER_ADMIN,
        account: Some(OTHER_INC),
        email: "admin@other.test",
        password: "demo-other",
        name: "Olive Other",
        role: Role::Admin,
    },
    DemoUser {
        id: "UR-9000-0000-0001",
        account: None,
        email: "support@demo.test",
        password: "demo-support",
        name: "Sam Support",
        role: Role::Support,
    },
];

#[derive(Clone, Copy)]
enum State {
    Active,
    Disabled {
        days_ago: i64,
    },
    Deleted {
        days_ago: i64,
    },
    /// Disabled when a secret scanner reported its secret found at `url` in `source`.
    FoundInPublic {
        days_ago: i64,
        url: &'static str,
        source: &'static str,
    },
}

/// One demo token; times are in days or minutes before the seed.
struct DemoToken {
    id: &'static str,
    account: &'static str,
    name: &'static str,
    description: &'static str,
    scope: Scope,
    state: State,
    modules: &'static [&'static str],
    created_days_ago: i64,
    /// Days from the seed; negative for an expiry already passed.
    expires_in_days: Option<i64>,
    last_used_minutes_ago: Option<i64>,
    ip: &'static str,
}

const USER_AGENT: &str = "tokendesk-demo-client/1.0";

/// Deterministic daily requests from `first_day` to the day of `last_used`, all from the
/// token's address (used since `created_at`), so the demo's charts and address lists
/// agree with its last access.
fn demo_uses(
    token: &DemoToken,
    created_at: DateTime<Utc>,
    first_day: DateTime<Utc>,
    last_used: DateTime<Utc>,
) -> TokenUses {
    let seed = token.id.bytes().fold(0u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    });
    let per_day: HashMap<_, _> = first_day
        .date_naive()
        .iter_days()
        .take_while(|day| *day <= last_used.date_naive())
        .zip(0u32..)
        .map(|(day, index)| {
            let requests = (seed.wrapping_add(index.wrapping_mul(2_654_435_761)) >> 7) % 180 + 3;
            (day, i64::from(requests))
        })
        .collect();
    let address: std::net::IpAddr = token.ip.parse().expect("demo addresses are valid");
    let per_ip = HashMap::from([(
        ClientIp::from(address),
        IpUses {
            first_at: created_at,
            last_at: last_used,
            user_agent: USER_AGENT.to_owned(),
            requests: per_day.values().sum::<i64>().max(1),
        },
    )]);
    TokenUses {
        last: None,
        per_day,
        per_ip,
    }
}

#[rustfmt::skip]
const TOKENS: &[DemoToken] = &[
    t(ACTIVE_TOKEN, "CI deploy pipeline", "Deploys the storefront from the main branch.", Scope::Write, State::Active, &["catalog", "reports"], 120, None, Some(12), "203.0.113.10"),
    t(BILLING_WRITE_TOKEN, "Billing sync", "Pushes invoices to the accounting system every hour.", Scope::Write, State::Active, &["billing"], 200, None, Some(45), "203.0.113.11"),
    t(USAGE_WRITE_TOKEN, "Usage reporter", "Reports metered usage from the edge nodes.", Scope::Write, State::Active, &["usage"], 95, None, Some(3), "198.51.100.7"),
    t(REPORTS_READ_TOKEN, "Nightly reports export", "Downloads the nightly report bundle.", Scope::Read, State::Active, &["reports"], 300, None, Some(60 * 20), "198.51.100.8"),
    t("TK-1000-0000-0005", "Customer portal backend", "Reads customers and subscriptions for the self-service portal.", Scope::Read, State::Active, &["customers", "subscriptions"], 80, Some(180), Some(1), "203.0.113.20"),
    t("TK-1000-0000-0006", "Catalog importer", "Imports product feeds from suppliers.", Scope::Write, State::Active, &["catalog"], 150, None, Some(60 * 24 * 3), "203.0.113.21"),
    t("TK-1000-0000-0007", "Zapier integration", "Creates customers from form submissions.", Scope::Write, State::Active, &["customers"], 60, Some(30), Some(60 * 5), "192.0.2.44"),
    t(TOKENS_ADMIN_TOKEN, "Terraform provider", "Manages API tokens as code.", Scope::Admin, State::Active, &["tokens"], 45, None, Some(60 * 24 * 12), "192.0.2.45"),
    t(THREE_MODULES_TOKEN, "Data warehouse ETL", "Copies billing and usage into the warehouse.", Scope::Read, State::Active, &["billing", "usage", "reports"], 400, None, Some(60 * 24 * 40), "198.51.100.30"),
    t("TK-1000-0000-0010", "Support dashboard", "Shows customer subscriptions to the support team.", Scope::Read, State::Active, &["customers", "subscriptions", "billing"], 30, None, Some(25), "203.0.113.40"),
    t(DISABLED_TOKEN, "Legacy CRM bridge", "Old CRM sync, paused while the CRM is replaced.", Scope::Write, State::Disabled { days_ago: 14 }, &["customers"], 500, None, Some(60 * 24 * 20), "198.51.100.50"),
    t(DELETED_TOKEN, "Old staging key", "Staging environment before the migration.", Scope::Admin, State::Deleted { days_ago: 60 }, &["catalog", "billing"], 600, None, Some(60 * 24 * 70), "198.51.100.51"),
    t(EXPIRED_TOKEN, "Q3 audit script", "Read-only access for the Q3 audit.", Scope::Read, State::Active, &["billing", "reports"], 100, Some(-10), Some(60 * 24 * 15), "192.0.2.60"),
    t(EXPIRING_SOON_TOKEN, "Partner onboarding", "Temporary access for the partner onboarding project.", Scope::Write, State::Active, &["catalog", "customers"], 20, Some(3), Some(60 * 8), "192.0.2.61"),
    t("TK-1000-0000-0015", "Mobile app backend", "Serves the catalog to the mobile apps.", Scope::Read, State::Active, &["catalog"], 250, None, Some(2), "203.0.113.70"),
    t("TK-1000-0000-0016", "Webhook relay", "Forwards subscription events to internal services.", Scope::Read, State::Active, &["subscriptions"], 75, None, Some(60 * 24 * 100), "203.0.113.71"),
    t("TK-1000-0000-0017", "Invoice mailer", "Sends invoice emails at month end.", Scope::Read, State::Active, &["billing", "customers"], 180, None, Some(60 * 24 * 25), "198.51.100.80"),
    t(RECENTLY_DISABLED_TOKEN, "Subscription sync", "Keeps the CRM's subscription records current.", Scope::Write, State::Disabled { days_ago: 3 }, &["subscriptions", "customers"], 90, None, Some(60 * 24 * 4), "198.51.100.81"),
    t(NEVER_USED_TOKEN, "Analytics collector", "Set up for the analytics pilot; not yet connected.", Scope::Read, State::Active, &["usage"], 10, None, None, ""),
    t(ALL_MODULES_TOKEN, "Test harness", "End-to-end test suite credentials.", Scope::Write, State::Active, &["catalog", "subscriptions", "billing", "usage", "customers", "reports"], 5, Some(6), None, ""),
    t(USAGE_REPORTS_READ_TOKEN, "Slack notifier", "Posts usage alerts to Slack.", Scope::Read, State::Active, &["usage", "reports"], 35, None, Some(60 * 3), "192.0.2.90"),
    t("TK-1000-0000-0022", "Marketing site", "Reads public catalog data for the marketing site.", Scope::Read, State::Active, &["catalog"], 700, None, Some(60 * 24 * 200), "192.0.2.91"),
    t(DISABLED_NEVER_USED_TOKEN, "Backup checker", "Verifies report archives every week.", Scope::Read, State::Disabled { days_ago: 40 }, &["reports"], 365, Some(90), None, ""),
    t("TK-1000-0000-0024", "Revenue forecast", "Finance team's forecasting notebook.", Scope::Read, State::Active, &["billing", "subscriptions", "reports"], 15, Some(60), Some(60 * 26), "203.0.113.99"),
    t("TK-1000-0000-0025", "Token rotation bot", "Rotates integration tokens monthly.", Scope::Write, State::Active, &["tokens"], 25, Some(-2), Some(60 * 24 * 3), "203.0.113.100"),
    t("TK-1000-0000-0026", "Search indexer", "Feeds the catalog into the site search.", Scope::Read, State::Active, &["catalog"], 140, None, Some(7), "203.0.113.110"),
    t("TK-1000-0000-0027", "Fraud screening", "Screens new customers and payments.", Scope::Write, State::Active, &["customers", "billing"], 55, None, Some(60 * 2), "203.0.113.111"),
    t("TK-1000-0000-0028", "Inventory feed", "Pushes stock levels and usage to the catalog.", Scope::Write, State::Active, &["catalog", "usage"], 130, None, Some(60 * 24 * 35), "198.51.100.112"),
    t(OTHER_INC_TOKEN, "Other Inc billing export", "Exports invoices for Other Inc.", Scope::Read, State::Active, &["billing"], 50, None, Some(30), "198.51.100.200"),
    t(OTHER_INC_STALE_TOKEN, "Other Inc catalog sync", "Syncs Other Inc's catalog.", Scope::Write, State::Active, &["catalog"], 40, None, Some(60 * 24 * 95), "198.51.100.201"),
    t(OTHER_INC_DISABLED_TOKEN, "Other Inc old key", "Replaced by the catalog sync token.", Scope::Write, State::FoundInPublic { days_ago: 8, url: "https://git.example.com/other-inc/catalog-tools/blob/main/.env", source: "commit" }, &["catalog", "usage"], 300, None, None, ""),
];

#[expect(clippy::too_many_arguments, reason = "a table row, read as one line")]
const fn t(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    scope: Scope,
    state: State,
    modules: &'static [&'static str],
    created_days_ago: i64,
    expires_in_days: Option<i64>,
    last_used_minutes_ago: Option<i64>,
    ip: &'static str,
) -> DemoToken {
    let account = if id.as_bytes()[3] == b'2' {
        OTHER_INC
    } else {
        DEMO_CORP
    };
    DemoToken {
        id,
        account,
        name,
        description,
        scope,
        state,
        modules,
        created_days_ago,
        expires_in_days,
        last_used_minutes_ago,
        ip,
    }
}

/// Each demo token's id and name, in id order, as docs/testing.md lists them.
pub fn token_names() -> impl Iterator<Item = (&'static str, &'static str)> {
    TOKENS.iter().map(|token| (token.id, token.name))
}

/// How many demo tokens each account has.
pub fn token_count(account: &str) -> usize {
    TOKENS
        .iter()
        .filter(|token| token.account == account)
        .count()
}

/// Seeds everything that is missing.
pub fn seed(
    conn: &mut PgConnection,
    cipher: &SecretCipher,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (id, name) in ACCOUNTS {
        accounts::insert_if_missing(conn, &parse_account(id)?, name)
            .with_context(|| format!("seeding {name}"))?;
    }
    for user in &USERS {
        seed_user(conn, user).with_context(|| format!("seeding {}", user.email))?;
    }
    let mut added = 0;
    for token in TOKENS {
        if seed_token(conn, cipher, token, now)
            .with_context(|| format!("seeding token {}", token.id))?
        {
            added += 1;
        }
    }
    tracing::info!(tokens_added = added, "demo data seeded");
    Ok(())
}

/// What the demo publishes that still opens a door in a database: its people who can
/// sign in with their published passwords (enabled, with that password still theirs),
/// and its active tokens whose published secret is still theirs.
pub fn published_access(conn: &mut PgConnection) -> anyhow::Result<PublishedAccess> {
    let emails: Vec<&str> = USERS.iter().map(|user| user.email).collect();
    let enabled = crate::db::demo::enabled_password_hashes(conn, &emails)?;
    let people = USERS
        .iter()
        .filter(|user| {
            enabled
                .iter()
                .any(|(email, hash)| email == user.email && password::verify(user.password, hash))
        })
        .map(|user| user.email)
        .collect();
    let digests = FIXED_SECRETS
        .iter()
        .map(|(id, _)| fixed_secret(id).map(|secret| secret.map(|s| s.digest())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let digests: Vec<&[u8]> = digests.iter().flatten().map(|d| d.as_bytes()).collect();
    let tokens = crate::db::demo::active_tokens_with_digests(conn, &digests)?;
    Ok(PublishedAccess { people, tokens })
}

fn parse_account(id: &str) -> anyhow::Result<AccountId> {
    AccountId::parse(id).map_err(anyhow::Error::from)
}

fn seed_user(conn: &mut PgConnection, user: &DemoUser) -> anyhow::Result<()> {
    if users::exists_with_email(conn, user.email)? {
        return Ok(());
    }
    let id = UserId::parse(user.id)?;
    let account = user.account.map(AccountId::parse).transpose()?;
    let hash =
        password::hash(user.password).map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    users::insert(
        conn,
        &users::NewUser {
            id: &id,
            account_id: account.as_ref(),
            email: user.email,
            name: user.name,
            role: user.role,
            password_hash: &hash,
        },
    )?;
    Ok(())
}

fn seed_token(
    conn: &mut PgConnection,
    cipher: &SecretCipher,
    token: &DemoToken,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let id = TokenId::parse(token.id)?;
    let created_by = UserId::parse(if token.account == OTHER_INC {
        OTHER_ADMIN
    } else {
        DEMO_ADMIN
    })?;
    let modules = token
        .modules
        .iter()
        .map(|m| ModuleId::parse(m))
        .collect::<Result<Vec<_>, _>>()?;
    let days = Duration::days;
    let (status, disabled_at, deleted_at) = match token.state {
        State::Active => (TokenStatus::Active, None, None),
        State::Disabled { days_ago } | State::FoundInPublic { days_ago, .. } => {
            (TokenStatus::Disabled, Some(now - days(days_ago)), None)
        }
        State::Deleted { days_ago } => (TokenStatus::Deleted, None, Some(now - days(days_ago))),
    };
    let account = parse_account(token.account)?;
    let name = TokenName::parse(token.name)?;
    let secret = fixed_secret(token.id)?.unwrap_or_else(TokenSecret::generate);
    let added = tokens::insert(
        conn,
        &tokens::NewToken {
            id: &id,
            account_id: &account,
            name: &name,
            description: token.description,
            scope: token.scope,
            status,
            secret: &secret,
            modules: &modules,
            created_by: &created_by,
            created_at: now - days(token.created_days_ago),
            expires_at: token.expires_in_days.map(|d| now + days(d)),
            disabled_at,
            deleted_at,
            last_access: token
                .last_used_minutes_ago
                .map(|minutes| (now - Duration::minutes(minutes), token.ip, USER_AGENT)),
            allowed_addresses: crate::domain::AddressAllowlist::ANYWHERE,
            rate_limit: None,
        },
        cipher,
    )?;
    if added
        && let State::FoundInPublic {
            days_ago,
            url,
            source,
        } = token.state
    {
        let location = LeakLocation::new(Some(url), Some(source));
        tokens::mark_found_in_public(conn, &id, now - days(days_ago), &location)?;
    }
    if added && let Some(minutes) = token.last_used_minutes_ago {
        let last_used = now - Duration::minutes(minutes);
        let created_at = now - days(token.created_days_ago);
        let uses = demo_uses(
            token,
            created_at,
            (now - days(29)).max(created_at),
            last_used,
        );
        access::write_uses(conn, &HashMap::from([(id, uses)]))?;
    }
    Ok(added)
}
