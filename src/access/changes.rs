//! The one path every change of a token takes, from the portal, the API and the command
//! line alike: apply it and write its audit event in one transaction (which also tells
//! the other instances through NOTIFY), then drop the token from this instance's cache
//! before anyone is answered. The demo's reset, which changes every demo token at once,
//! takes it too. Call these outside a transaction of your own, so that the cache is
//! cleared only once the change is committed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection, QueryResult};

use super::{AccessRecorder, TokenCache};
use crate::db::tokens::{self, Outcome};
use crate::demo::{self, ResetDone};
use crate::domain::leak_report::LeakLocation;
use crate::domain::{
    Acting, Actor, BulkIds, ChangeContext, Grace, SecretCipher, SecretDigest, TokenDraft, TokenId,
    TokenSecret, Transition, UserId,
};

pub struct TokenChanges {
    cache: Arc<TokenCache>,
    /// Uses recorded on this instance and not yet written.
    recorder: Arc<AccessRecorder>,
    cipher: SecretCipher,
}

impl TokenChanges {
    pub fn new(
        cache: Arc<TokenCache>,
        recorder: Arc<AccessRecorder>,
        cipher: SecretCipher,
    ) -> Self {
        Self {
            cache,
            recorder,
            cipher,
        }
    }

    /// The changes a command makes: it serves nothing, so it has no cache to clear and
    /// holds no uses; the serving instances hear of each change through NOTIFY.
    pub fn for_command(cipher: SecretCipher) -> Self {
        Self::new(Arc::new(TokenCache::off()), Arc::default(), cipher)
    }

    /// Puts the demo back in its first state at `now` (see `demo::reset`), which tells
    /// every instance when it commits; then drops everything this instance cached, and
    /// the uses it holds of the tokens replaced, whose ids the reset gives out again.
    pub fn reset_demo(
        &self,
        conn: &mut PgConnection,
        now: DateTime<Utc>,
    ) -> anyhow::Result<ResetDone> {
        let done = demo::reset(conn, &self.cipher, now)?;
        self.cache.clear();
        self.recorder.forget(&done.replaced);
        Ok(done)
    }

    /// Creates an active token from `draft` in `by`'s account, created by `creator`;
    /// returns its id and its secret, to be shown once.
    pub fn create(
        &self,
        conn: &mut PgConnection,
        by: &Acting,
        creator: &UserId,
        draft: &TokenDraft,
    ) -> QueryResult<Outcome<(TokenId, TokenSecret)>> {
        let outcome = tokens::create(conn, by, creator, draft, &self.cipher)?;
        if matches!(outcome, Outcome::Done(_)) {
            // Its secret may have been tried before it existed.
            self.cache.forget_unknown();
        }
        Ok(outcome)
    }

    /// Saves `draft` over the token; returns the names of the fields that changed (see
    /// `tokens::edit` for `based_on`).
    pub fn edit(
        &self,
        conn: &mut PgConnection,
        ctx: &ChangeContext,
        draft: &TokenDraft,
        based_on: Option<DateTime<Utc>>,
    ) -> QueryResult<Outcome<Vec<&'static str>>> {
        let outcome = tokens::edit(conn, ctx, draft, based_on)?;
        if matches!(&outcome, Outcome::Done(changed) if !changed.is_empty()) {
            self.cache.invalidate_token(&ctx.token);
        }
        Ok(outcome)
    }

    /// Enables, disables or deletes the token; returns its name.
    pub fn transition(
        &self,
        conn: &mut PgConnection,
        ctx: &ChangeContext,
        transition: Transition,
    ) -> QueryResult<Outcome<String>> {
        let outcome = tokens::transition(conn, ctx, transition)?;
        if matches!(outcome, Outcome::Done(_)) {
            self.cache.invalidate_token(&ctx.token);
        }
        Ok(outcome)
    }

    /// Disables the token, whose secret (`digest`) was found in public at `location`,
    /// and marks it so; returns its name. Only a person may enable it again.
    pub fn report_leak(
        &self,
        conn: &mut PgConnection,
        ctx: &ChangeContext,
        digest: &SecretDigest,
        location: &LeakLocation,
    ) -> QueryResult<Outcome<tokens::Reported>> {
        let outcome = tokens::report_leak(conn, ctx, digest, location)?;
        if matches!(outcome, Outcome::Done(_)) {
            self.cache.invalidate_token(&ctx.token);
        }
        Ok(outcome)
    }

    /// Applies `transition` to each of `ids`, by `by`, each as `transition` applies it
    /// (checked and audited on its own, so one token's refusal never stops the
    /// others), all in one transaction: an error, such as the database going away,
    /// changes none of them. The changed tokens are dropped from the cache together, in
    /// one pass, once committed. Returns each token's outcome, in the order of `ids`.
    /// They are changed, and their rows locked, in the order of their ids, so two bulk
    /// changes over the same tokens wait for each other rather than deadlock; a token
    /// acting on itself comes last, so that disabling or deleting itself can't stop it
    /// from changing the others.
    pub fn transition_each(
        &self,
        conn: &mut PgConnection,
        by: &Acting,
        ids: &BulkIds,
        transition: Transition,
    ) -> QueryResult<Vec<Outcome<String>>> {
        let ids = ids.as_slice();
        let is_caller = |id: &TokenId| matches!(&by.actor, Actor::Token(caller) if caller == id);
        let (itself, mut others): (Vec<usize>, Vec<usize>) =
            (0..ids.len()).partition(|&at| is_caller(&ids[at]));
        others.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
        let mut outcomes: Vec<Option<Outcome<String>>> = vec![None; ids.len()];
        let mut changed = Vec::new();
        conn.transaction(|conn| {
            for at in others.into_iter().chain(itself) {
                let ctx = by.clone().on(ids[at].clone());
                // Each token's change is a savepoint of this transaction.
                let outcome = tokens::transition(conn, &ctx, transition)?;
                if matches!(outcome, Outcome::Done(_)) {
                    changed.push(ctx.token);
                }
                outcomes[at] = Some(outcome);
            }
            QueryResult::Ok(())
        })?;
        self.cache.invalidate_tokens(&changed);
        Ok(outcomes.into_iter().flatten().collect())
    }

    /// Gives the token a new secret, the old one working for `grace` more (see
    /// `tokens::rotate` for `seen_prefix`).
    pub fn rotate(
        &self,
        conn: &mut PgConnection,
        ctx: &ChangeContext,
        grace: Grace,
        seen_prefix: Option<&str>,
    ) -> QueryResult<Outcome<tokens::Rotated>> {
        let outcome = tokens::rotate(conn, ctx, grace, seen_prefix, &self.cipher)?;
        if matches!(outcome, Outcome::Done(_)) {
            // The old secret's cached grant has no end yet; the new one may have been
            // remembered as unknown.
            self.cache.invalidate_token(&ctx.token);
            self.cache.forget_unknown();
        }
        Ok(outcome)
    }
}
