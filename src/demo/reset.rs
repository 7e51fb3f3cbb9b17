//! Putting the demo back exactly as first seeded, for suites between runs: `tokendesk
//! demo reset`, and `POST /demo/reset` when serving with `--demo`. One transaction, under
//! an advisory lock so that two resets never interleave: every token of the demo
//! accounts goes, with its modules, usage and audit events, and so does whatever a run
//! added to them (tokens, people); the accounts (names, token policies), people (names,
//! roles, passwords, enabled) and tokens are written again as `seed` writes them,
//! relative to `now`; and every instance is told, when it commits, to drop the tokens
//! it has cached. The demo people's sessions are kept, so a suite's signed-in browser
//! stays signed in. No other account is touched.

use std::sync::OnceLock;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection};

use super::{ACCOUNT_POLICY, ACCOUNTS, TOKENS, USERS, parse_account, seed_token};
use crate::db::{self, tokens, users};
use crate::domain::{AccountId, SecretCipher, TokenId, UserId, password};

/// What a reset did.
#[derive(Debug)]
pub struct ResetDone {
    pub accounts: Vec<AccountId>,
    pub people: usize,
    pub tokens: usize,
    /// Every token the demo accounts held before: removed, or written anew.
    pub replaced: Vec<TokenId>,
}

/// Puts the demo accounts back as `seed` at `now` would have made them on an empty
/// database; see the module's documentation.
pub fn reset(
    conn: &mut PgConnection,
    cipher: &SecretCipher,
    now: DateTime<Utc>,
) -> anyhow::Result<ResetDone> {
    let hashes = password_hashes()?;
    let accounts = ACCOUNTS
        .iter()
        .map(|(id, _)| parse_account(id))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let people = USERS
        .iter()
        .map(|user| UserId::parse(user.id))
        .collect::<Result<Vec<_>, _>>()?;
    let emails: Vec<&str> = USERS.iter().map(|user| user.email).collect();
    conn.transaction::<_, anyhow::Error, _>(|conn| {
        db::demo::lock(conn).context("waiting for another demo reset")?;
        let replaced = db::demo::clear(conn, &accounts, &people, &emails)
            .context("clearing the demo accounts")?;
        for ((_, name), id) in ACCOUNTS.iter().zip(&accounts) {
            db::demo::restore_account(conn, id, name, ACCOUNT_POLICY)
                .with_context(|| format!("restoring the account {id}"))?;
        }
        for ((user, id), hash) in USERS.iter().zip(&people).zip(hashes) {
            let account = user.account.map(AccountId::parse).transpose()?;
            let person = users::NewUser {
                id,
                account_id: account.as_ref(),
                email: user.email,
                name: user.name,
                role: user.role,
                password_hash: hash,
            };
            db::demo::restore_person(conn, &person)
                .with_context(|| format!("restoring {}", user.email))?;
        }
        for token in TOKENS {
            if !seed_token(conn, cipher, token, now)
                .with_context(|| format!("writing the demo token {}", token.id))?
            {
                bail!("the demo token {} is still there after clearing", token.id);
            }
        }
        tokens::notify_everything(conn).context("telling the other instances")?;
        Ok(ResetDone {
            accounts,
            people: USERS.len(),
            tokens: TOKENS.len(),
            replaced,
        })
    })
}

/// The demo people's password hashes, in `USERS` order: made once per process, since
/// argon2 is slow on purpose and a suite may reset before every test.
fn password_hashes() -> anyhow::Result<&'static [String]> {
    static HASHES: OnceLock<Vec<String>> = OnceLock::new();
    if let Some(hashes) = HASHES.get() {
        return Ok(hashes);
    }
    let hashes = USERS
        .iter()
        .map(|user| {
            password::hash(user.password)
                .map_err(|e| anyhow::anyhow!("hashing {}'s password: {e}", user.email))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(HASHES.get_or_init(|| hashes))
}
