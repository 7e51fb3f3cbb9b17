//! Disabling a token whose secret a secret scanner found in public. One UPDATE names
//! the state it starts from (active, expired or not: an expired token's expiry could be
//! extended) and the secret it was found by (the token's own, or one a rotation replaced
//! while it still works), marks where and when it was found, and counts as disabled by a
//! person, so only a person may enable it again; its audit event and NOTIFY are written
//! in the same transaction. A token disabled already, by a token or by a person, is
//! marked the same way and keeps when it was disabled: enabling it would bring the
//! public secret back, so only a person, told where it was found, may.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::super::audit::{self, NewEvent};
use super::super::schema::api_tokens;
use super::change::{Outcome, current_status, ended_by, notify_changed, target};
use crate::domain::leak_report::LeakLocation;
use crate::domain::{
    AuditAction, ChangeContext, Refusal, SecretDigest, TokenId, TokenStatus, Transition,
};

/// What a report marks on the token it found: where and when, and that only a person
/// may enable it again.
#[derive(AsChangeset)]
#[diesel(table_name = api_tokens, treat_none_as_null = true)]
struct FoundMark<'a> {
    disabled_by_person: bool,
    leaked_at: Option<DateTime<Utc>>,
    leak_url: Option<&'a str>,
    leak_source: Option<&'a str>,
    updated_at: DateTime<Utc>,
}

impl<'a> FoundMark<'a> {
    fn new(now: DateTime<Utc>, location: &'a LeakLocation) -> Self {
        Self {
            disabled_by_person: true,
            leaked_at: Some(now),
            leak_url: location.url(),
            leak_source: location.source(),
            updated_at: now,
        }
    }
}

/// A token a report found: its name, and whether the report disabled it (or found it
/// disabled already, and marked it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub name: String,
    pub disabled_now: bool,
}

/// Disables the token `ctx` names, found in public at `location` by the secret whose
/// digest is `digest`, or marks it if it is disabled already. A deleted token, one
/// found before that only a person may enable, or one whose secret `digest` no longer
/// is, is left as it is.
pub fn report_leak(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    digest: &SecretDigest,
    location: &LeakLocation,
) -> QueryResult<Outcome<Reported>> {
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
            // As any disable: a replaced secret (perhaps the one found) ends for good.
            api_tokens::previous_secret_ends_at.eq(ended_by(now)),
            FoundMark::new(now, location),
        ))
        .returning(api_tokens::name)
        .get_result(conn)
        .optional()?;
        let reported = match disabled {
            Some(name) => Some(Reported {
                name,
                disabled_now: true,
            }),
            None => mark_disabled(conn, ctx, digest, location)?.map(|name| Reported {
                name,
                disabled_now: false,
            }),
        };
        let Some(reported) = reported else {
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
        let details = if reported.disabled_now {
            location.describe()
        } else {
            format!("{}. It was disabled already.", location.describe())
        };
        let event = NewEvent::on_token(ctx, AuditAction::TokenLeaked, details);
        audit::record(conn, &event)?;
        notify_changed(conn, &ctx.token)?;
        Ok(Outcome::Done(reported))
    })
}

/// Marks the disabled token `ctx` names, by its own secret (a disabled token's replaced
/// secret has ended), as found in public, and as disabled by a person, so no token may
/// enable it; returns its name. A token a person disabled after it was found stays as
/// it is (only a person may enable it already); one a token disabled is marked again,
/// though it was found before: enabling never clears where a token was found.
fn mark_disabled(
    conn: &mut PgConnection,
    ctx: &ChangeContext,
    digest: &SecretDigest,
    location: &LeakLocation,
) -> QueryResult<Option<String>> {
    let now = ctx.by.at;
    diesel::update(
        target(ctx)
            .filter(api_tokens::status.eq(TokenStatus::Disabled))
            .filter(
                api_tokens::leaked_at
                    .is_null()
                    .or(api_tokens::disabled_by_person.eq(false)),
            )
            .filter(api_tokens::secret_digest.eq(digest.as_bytes())),
    )
    .set(FoundMark::new(now, location))
    .returning(api_tokens::name)
    .get_result(conn)
    .optional()
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
