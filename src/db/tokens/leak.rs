//! Disabling a token whose secret a secret scanner found in public. One UPDATE names
//! the state it starts from (active, expired or not: an expired token's expiry could be
//! extended) and the secret it was found by (the token's own, or one a rotation replaced
//! while it still works), marks where and when it was found, and counts as disabled by a
//! person, so only a person may enable it again; its audit event and NOTIFY are written
//! in the same transaction.

use diesel::prelude::*;

use super::super::audit::{self, NewEvent};
use super::super::schema::api_tokens;
use super::change::{Outcome, current_status, ended_by, notify_changed, target};
use crate::domain::leak_report::LeakLocation;
use crate::domain::{
    AuditAction, ChangeContext, Refusal, SecretDigest, TokenId, TokenStatus, Transition,
};

/// Disables the token `ctx` names, found in public at `location` by the secret whose
/// digest is `digest`; returns its name. A token already disabled or deleted, or whose
/// secret `digest` no longer is, is left as it is.
pub fn report_leak(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    digest: &SecretDigest,
    location: &LeakLocation,
) -> QueryResult<Outcome<String>> {
    conn.transaction(|conn| {
        let now = ctx.by.at;
        let found_by =
            api_tokens::secret_digest
                .eq(digest.as_bytes())
                .or(api_tokens::previous_secret_digest
                    .eq(digest.as_bytes())
                    .and(api_tokens::previous_secret_ends_at.gt(now)));
        let disabled: Option<String> = diesel::update(
            target(ctx)
                .filter(api_tokens::status.eq(TokenStatus::Active))
                .filter(found_by),
        )
        .set((
            api_tokens::status.eq(TokenStatus::Disabled),
            api_tokens::disabled_at.eq(Some(now)),
            api_tokens::disabled_by_person.eq(true),
            // As any disable: a replaced secret (perhaps the one found) ends for good.
            api_tokens::previous_secret_ends_at.eq(ended_by(now)),
            api_tokens::leaked_at.eq(Some(now)),
            api_tokens::leak_url.eq(location.url()),
            api_tokens::leak_source.eq(location.source()),
            api_tokens::updated_at.eq(now),
        ))
        .returning(api_tokens::name)
        .get_result(conn)
        .optional()?;
        let Some(name) = disabled else {
            return Ok(match current_status(conn, ctx)? {
                None => Outcome::NotFound,
                Some(current) => Outcome::Refused(
                    Transition::Disable
                        .check(current)
                        .err()
                        .unwrap_or(Refusal::Changed),
                ),
            });
        };
        let event = NewEvent::on_token(ctx, AuditAction::TokenLeaked, location.describe());
        audit::record(conn, &event)?;
        notify_changed(conn, &ctx.token)?;
        Ok(Outcome::Done(name))
    })
}

/// Marks the disabled token `id` as found in public `at` (when it was disabled) at
/// `location`, as a report would have: for the demo's token found in public, seeded
/// disabled. No event is written, as no demo token has any.
pub fn mark_found_in_public(
    conn: &mut PgConnection,
    id: &TokenId,
    at: chrono::DateTime<chrono::Utc>,
    location: &LeakLocation,
) -> QueryResult<()> {
    diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::status.eq(TokenStatus::Disabled)),
    )
    .set((
        api_tokens::leaked_at.eq(Some(at)),
        api_tokens::leak_url.eq(location.url()),
        api_tokens::leak_source.eq(location.source()),
    ))
    .execute(conn)
    .map(drop)
}
