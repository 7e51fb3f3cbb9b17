//! Rotating a token: a new secret in place of the current one, which is kept (as its
//! digest) until the grace period ends, audited in the same transaction. The UPDATE
//! names the state it starts from, as the transitions do, so a token disabled or
//! deleted a moment before is refused, not rotated.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use super::super::audit::{self, NewEvent};
use super::super::schema::api_tokens;
use super::change::{Outcome, current_status, notify_changed, notify_created, target};
use super::containment;
use super::insert::SecretColumns;
use crate::domain::token_action::check_rotate;
use crate::domain::{
    AuditAction, ChangeContext, Grace, Refusal, SecretCipher, TokenSecret, TokenStatus,
};

/// A rotation done: the new secret (shown once) and when the old one stops working.
#[derive(Debug)]
pub struct Rotated {
    pub name: String,
    pub secret: TokenSecret,
    pub old_secret_ends_at: DateTime<Utc>,
}

/// Gives the active, unexpired token a new secret; the one it replaces keeps working
/// for `grace`. Whatever secret a rotation before this one replaced stops at once.
/// With `seen_prefix` (the visible prefix of the secret the person saw when asking),
/// a token rotated meanwhile is refused as changed: sending the form twice must not
/// rotate twice, which would stop at once the secret still in use.
pub fn rotate(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    grace: Grace,
    seen_prefix: Option<&str>,
    cipher: &SecretCipher,
) -> QueryResult<Outcome<Rotated>> {
    conn.transaction(|conn| {
        if let Err(excess) = containment::check_rotate(conn, ctx)? {
            return Ok(excess.into());
        }
        let now = ctx.by.at;
        // A new secret renews the token: its expiry must follow the policy as if set now.
        let expiry: Option<Option<DateTime<Utc>>> = target(ctx)
            .filter(api_tokens::status.eq(TokenStatus::Active))
            .select(api_tokens::expires_at)
            .first(conn)
            .optional()?;
        if let Some(expires_at) = expiry.filter(|at| at.is_none_or(|at| at > now)) {
            let policy = super::super::token_policy::policy(conn, &ctx.by.account)?;
            if let Err(breach) = policy.check(expires_at, now) {
                return Ok(Outcome::BreaksPolicy(breach));
            }
        }
        let secret = TokenSecret::generate();
        let columns = SecretColumns::of(&ctx.token, TokenStatus::Active, &secret, cipher);
        let ends_at = grace.ends(now);
        let as_seen = sql::<Bool>("(")
            .bind::<Nullable<Text>, _>(seen_prefix)
            .sql("::text IS NULL OR api_tokens.secret_prefix = ")
            .bind::<Nullable<Text>, _>(seen_prefix)
            .sql(")");
        let rotating = target(ctx)
            .filter(api_tokens::status.eq(TokenStatus::Active))
            .filter(
                api_tokens::expires_at
                    .is_null()
                    .or(api_tokens::expires_at.gt(now)),
            )
            .filter(as_seen);
        let rotated: Option<(String, Option<DateTime<Utc>>)> = diesel::update(rotating)
            .set((
                api_tokens::previous_secret_digest.eq(api_tokens::secret_digest),
                api_tokens::previous_secret_ends_at.eq(Some(ends_at)),
                api_tokens::secret_digest.eq(columns.digest),
                api_tokens::secret_ciphertext.eq(columns.ciphertext),
                api_tokens::secret_prefix.eq(columns.prefix),
                api_tokens::updated_at.eq(now),
            ))
            .returning((api_tokens::name, api_tokens::previous_secret_ends_at))
            .get_result(conn)
            .optional()?;
        let Some((name, stored_end)) = rotated else {
            let expires_at: Option<Option<DateTime<Utc>>> = target(ctx)
                .select(api_tokens::expires_at)
                .first(conn)
                .optional()?;
            return Ok(match (current_status(conn, ctx)?, expires_at) {
                (Some(status), Some(expires_at)) => Outcome::Refused(
                    check_rotate(status.display(expires_at, now))
                        .err()
                        .unwrap_or(Refusal::Changed),
                ),
                _ => Outcome::NotFound,
            });
        };
        let details = if grace.seconds() == 0 {
            "The old secret stopped working at once".to_owned()
        } else {
            format!(
                "The old secret works until {}",
                ends_at.format("%Y-%m-%d %H:%M UTC")
            )
        };
        audit::record(
            conn,
            &NewEvent::on_token(ctx, AuditAction::TokenRotate, details),
        )?;
        notify_changed(conn, &ctx.token)?;
        // The new secret may have been tried (and remembered as unknown) before.
        notify_created(conn)?;
        Ok(Outcome::Done(Rotated {
            name,
            secret,
            // As stored (to the microsecond), as every later read gives it.
            old_secret_ends_at: stored_end.unwrap_or(ends_at),
        }))
    })
}
