//! `tokendesk seed`: many tokens at once, for benchmarks and load tests. It adds new
//! accounts, each with one admin, and spreads the tokens over them (see `shape` for
//! what they look like). Every token's secret is made, digested and encrypted exactly as
//! a token created in the portal is, so the API accepts the active ones; the secrets of
//! some chosen active tokens can be written to a file (mode 0600) for load generators.
//! Inserts go a few thousand rows per statement, a batch per transaction. Seeding is an
//! operator's tool, never run by `serve`.

mod shape;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::db::modules;
use crate::db::seed::{self as rows, NewAccount, ROWS_PER_STATEMENT};
use crate::db::tokens::NewToken;
use crate::domain::{AccountId, ModuleId, SecretCipher, TokenId, TokenSecret, UserId, password};

pub use shape::SEARCH_WORD;
use shape::Shape;

/// What to seed.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub tokens: usize,
    pub accounts: usize,
    /// How many active, unexpired tokens' secrets to hand back, spread over the run.
    pub secrets: usize,
}

impl Plan {
    pub fn check(&self) -> anyhow::Result<()> {
        if self.accounts == 0 {
            bail!("--accounts must be at least 1");
        }
        if self.secrets > self.tokens {
            bail!(
                "--secrets {} is more than --tokens {}: only seeded tokens have secrets to write",
                self.secrets,
                self.tokens
            );
        }
        Ok(())
    }

    /// Which account the token at `index` goes to: even blocks, in order.
    fn account_of(&self, index: usize) -> usize {
        index * self.accounts / self.tokens.max(1)
    }

    /// Whether the token at `index` is one whose secret is handed back: evenly spaced,
    /// so they spread over the accounts as the tokens do.
    fn hands_back(&self, index: usize) -> bool {
        self.secrets > 0 && (index * self.secrets) % self.tokens < self.secrets
    }
}

/// What was seeded.
pub struct Seeded {
    pub accounts: Vec<NewAccount>,
    /// Every seeded admin's password.
    pub password: String,
    pub counts: Counts,
    /// The secrets asked for, of active tokens that never expire or expire later.
    pub secrets: Vec<TokenSecret>,
}

/// How many tokens of each kind were seeded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub active: usize,
    pub expired: usize,
    pub disabled: usize,
    pub deleted: usize,
    pub never_used: usize,
    pub searchable: usize,
}

impl Counts {
    fn add(&mut self, shape: &Shape, now: DateTime<Utc>) {
        use crate::domain::TokenStatus;
        match shape.status {
            TokenStatus::Active if shape.expires_at.is_some_and(|at| at <= now) => {
                self.expired += 1;
            }
            TokenStatus::Active => self.active += 1,
            TokenStatus::Disabled => self.disabled += 1,
            TokenStatus::Deleted => self.deleted += 1,
        }
        self.never_used += usize::from(shape.last_use.is_none());
        self.searchable += usize::from(shape.name.as_str().to_lowercase().contains(SEARCH_WORD));
    }
}

/// Seeds `plan`, ticking `progress` once per token.
pub fn seed(
    conn: &mut PgConnection,
    cipher: &SecretCipher,
    plan: Plan,
    now: DateTime<Utc>,
    progress: &ProgressBar,
) -> anyhow::Result<Seeded> {
    plan.check()?;
    let catalog: Vec<ModuleId> = modules::all(conn)
        .context("reading the module catalog")?
        .into_iter()
        .map(|module| module.id)
        .collect();
    let password = new_password();
    // Argon2 is slow on purpose: every admin shares one hash of the one password.
    let hash =
        password::hash(&password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let accounts = new_accounts(conn, plan.accounts)?;
    rows::insert_accounts(conn, &accounts, &hash).context("adding the accounts")?;
    let mut seeded = Seeded {
        accounts,
        password,
        counts: Counts::default(),
        secrets: Vec::with_capacity(plan.secrets),
    };
    let mut rng = rand::rng();
    for start in (0..plan.tokens).step_by(ROWS_PER_STATEMENT) {
        let end = (start + ROWS_PER_STATEMENT).min(plan.tokens);
        let ids = new_token_ids(conn, end - start)?;
        let batch: Vec<Seedling> = (start..end)
            .zip(ids)
            .map(|(index, id)| {
                let usable = plan.hands_back(index);
                Seedling {
                    id,
                    account: plan.account_of(index),
                    shape: Shape::draw(&mut rng, index, usable, &catalog, now),
                    secret: TokenSecret::generate(),
                    usable,
                }
            })
            .collect();
        let uses: HashMap<TokenId, _> = batch
            .iter()
            .filter_map(|s| Some((s.id.clone(), s.shape.history(&mut rng, now)?)))
            .collect();
        let tokens: Vec<NewToken<'_>> = batch
            .iter()
            .map(|s| s.new_token(&seeded.accounts[s.account]))
            .collect();
        rows::insert_tokens(conn, &tokens, &uses, cipher)
            .with_context(|| format!("adding tokens {} to {end}", start + 1))?;
        for seedling in batch {
            seeded.counts.add(&seedling.shape, now);
            if seedling.usable {
                seeded.secrets.push(seedling.secret);
            }
        }
        progress.inc((end - start) as u64);
    }
    // As after any bulk load: the planner's statistics and the visibility map describe
    // the new rows now, not whenever autovacuum gets round to it (until then the
    // planner would sort whole accounts for a page).
    rows::vacuum_analyze(conn).context("vacuuming and analyzing the seeded tables")?;
    Ok(seeded)
}

/// One token about to be seeded.
struct Seedling {
    id: TokenId,
    /// Its account's place in the run.
    account: usize,
    shape: Shape,
    secret: TokenSecret,
    usable: bool,
}

impl Seedling {
    fn new_token<'a>(&'a self, account: &'a NewAccount) -> NewToken<'a> {
        let shape = &self.shape;
        NewToken {
            id: &self.id,
            account_id: &account.id,
            name: &shape.name,
            description: shape.description,
            scope: shape.scope,
            status: shape.status,
            secret: &self.secret,
            modules: &shape.modules,
            created_by: &account.admin,
            created_at: shape.created_at,
            expires_at: shape.expires_at,
            disabled_at: shape.disabled_at,
            deleted_at: shape.deleted_at,
            last_access: shape
                .last_use
                .as_ref()
                .map(|last| (last.at, last.ip.as_str(), last.user_agent)),
            allowed_addresses: crate::domain::AddressAllowlist::ANYWHERE,
            rate_limit: None,
        }
    }
}

/// A password for this run's admins: 20 letters and digits.
fn new_password() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

/// `count` accounts with ids and admin ids nobody has, named after this run.
fn new_accounts(conn: &mut PgConnection, count: usize) -> anyhow::Result<Vec<NewAccount>> {
    let ids = fresh(count, AccountId::generate, AccountId::as_str, |ids| {
        rows::taken_account_ids(conn, ids)
    })
    .context("choosing account ids")?;
    let admins = fresh(count, UserId::generate, UserId::as_str, |ids| {
        rows::taken_user_ids(conn, ids)
    })
    .context("choosing user ids")?;
    // A tag in the names, so two runs' accounts tell apart in support's list.
    let run: String = new_password().chars().take(4).collect();
    Ok(ids
        .into_iter()
        .zip(admins)
        .enumerate()
        .map(|(n, (id, admin))| NewAccount {
            name: format!("Seeded account {} of {count} ({run})", n + 1),
            admin_email: admin_email(&id),
            admin_name: format!("Seeded admin {}", n + 1),
            id,
            admin,
        })
        .collect())
}

/// The email a seeded account's admin signs in with: `admin@pa-1234-5678.seed.test`.
pub fn admin_email(account: &AccountId) -> String {
    format!("admin@{}.seed.test", account.as_str().to_lowercase())
}

fn new_token_ids(conn: &mut PgConnection, count: usize) -> anyhow::Result<Vec<TokenId>> {
    fresh(count, TokenId::generate, TokenId::as_str, |ids| {
        rows::taken_token_ids(conn, ids)
    })
    .context("choosing token ids")
}

/// `count` distinct random ids, none of them `taken` in the database: random ids can
/// collide, so the colliding ones are drawn again.
fn fresh<T: Clone>(
    count: usize,
    generate: impl Fn() -> T,
    text: impl Fn(&T) -> &str,
    mut taken: impl FnMut(&[T]) -> diesel::QueryResult<HashSet<String>>,
) -> anyhow::Result<Vec<T>> {
    let mut chosen: Vec<T> = Vec::with_capacity(count);
    let mut seen = HashSet::with_capacity(count);
    for _ in 0..10 {
        let drawn: Vec<T> = std::iter::repeat_with(&generate)
            .filter(|id| seen.insert(text(id).to_owned()))
            .take(count - chosen.len())
            .collect();
        let in_use = taken(&drawn)?;
        chosen.extend(drawn.into_iter().filter(|id| !in_use.contains(text(id))));
        if chosen.len() == count {
            return Ok(chosen);
        }
    }
    bail!("could not find {count} unused ids: the id space is nearly full")
}

/// Creates `path` for secrets, readable by its owner alone; refuses to overwrite a file.
pub fn create_secrets_file(path: &Path) -> anyhow::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating the secrets file {}", path.display()))
}

/// Writes `secrets` to `file`, one a line.
pub fn write_secrets(file: File, secrets: &[TokenSecret]) -> std::io::Result<()> {
    let mut out = BufWriter::new(file);
    for secret in secrets {
        writeln!(out, "{}", secret.expose())?;
    }
    out.flush()
}

/// A progress bar of `tokens` on standard error (hidden when it is not a terminal).
pub fn progress_bar(tokens: usize) -> ProgressBar {
    let bar = ProgressBar::new(tokens as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "seeding {bar:40} {human_pos}/{human_len} tokens ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_spread_evenly_over_the_accounts_and_the_handed_back_ones_too() {
        let plan = Plan {
            tokens: 2_000,
            accounts: 3,
            secrets: 30,
        };
        let mut per_account = [0; 3];
        let mut handed_back = [0; 3];
        for index in 0..plan.tokens {
            per_account[plan.account_of(index)] += 1;
            handed_back[plan.account_of(index)] += usize::from(plan.hands_back(index));
        }
        assert_eq!(per_account, [667, 667, 666]);
        assert_eq!(handed_back, [10, 10, 10]);
    }

    #[test]
    fn a_plan_hands_back_exactly_what_it_asks_for() {
        for (tokens, secrets) in [(100_000, 10_000), (100, 100), (7, 3), (5, 0)] {
            let plan = Plan {
                tokens,
                accounts: 1,
                secrets,
            };
            let handed = (0..tokens).filter(|&i| plan.hands_back(i)).count();
            assert_eq!(handed, secrets, "{tokens} tokens, {secrets} secrets");
        }
    }

    #[test]
    fn impossible_plans_are_refused() {
        let no_accounts = Plan {
            tokens: 10,
            accounts: 0,
            secrets: 0,
        };
        assert!(no_accounts.check().is_err());
        let too_many_secrets = Plan {
            tokens: 10,
            accounts: 1,
            secrets: 11,
        };
        assert!(too_many_secrets.check().is_err());
    }

    #[test]
    fn fresh_ids_skip_the_taken_ones() {
        let mut next = 0;
        let counter = std::cell::RefCell::new(0);
        let ids = fresh(
            3,
            || {
                *counter.borrow_mut() += 1;
                format!("id-{}", *counter.borrow() % 5)
            },
            String::as_str,
            |drawn| {
                next += 1;
                Ok(drawn
                    .iter()
                    .filter(|id| id.as_str() == "id-2")
                    .cloned()
                    .collect())
            },
        )
        .unwrap();
        assert_eq!(ids, ["id-1", "id-3", "id-4"]);
        assert_eq!(next, 2, "drawn again once");
    }
}
