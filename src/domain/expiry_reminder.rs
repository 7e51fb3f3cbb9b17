//! Reminders of tokens about to expire: which tokens they are about (active, not yet
//! expired, expiring within `EXPIRING_SOON_DAYS`), the list view that shows exactly
//! those, the banner's wording and the hint on each of their rows.

use chrono::{DateTime, Duration, Utc};

use super::TokenStatus;
use super::relative_time;
use super::token_list_query::{EXPIRING_SOON_DAYS, StatusFilter, TokenListQuery};

/// The list of the tokens a reminder is about, and so what its count counts: the
/// active tokens expiring within `EXPIRING_SOON_DAYS` (the `expiring` filter takes
/// only those not yet expired).
pub fn expiring_soon() -> TokenListQuery {
    TokenListQuery {
        status: StatusFilter::Active,
        expiring_within_days: Some(EXPIRING_SOON_DAYS),
        ..TokenListQuery::default()
    }
}

/// Whether a token is one `expiring_soon` lists: active, and expiring after `now` but
/// within `EXPIRING_SOON_DAYS`.
pub fn is_expiring_soon(
    status: TokenStatus,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let until = now + Duration::days(i64::from(EXPIRING_SOON_DAYS));
    status == TokenStatus::Active && expires_at.is_some_and(|at| now < at && at <= until)
}

/// The hint on the row of a token expiring soon ("Expires in 3 days", "Expires in 5
/// hours"), in the words of the list's Expires column; `None` for any other token.
pub fn hint(
    status: TokenStatus,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<String> {
    let at = expires_at.filter(|_| is_expiring_soon(status, expires_at, now))?;
    Some(format!("Expires {}", relative_time::describe(at, now)))
}

/// The banner's message for `count` tokens expiring soon; `None` when there are none.
pub fn banner(count: i64) -> Option<String> {
    match count {
        ..=0 => None,
        1 => Some(format!("1 token expires within {EXPIRING_SOON_DAYS} days")),
        many => Some(format!(
            "{} tokens expire within {EXPIRING_SOON_DAYS} days",
            super::list_page::with_separators(many)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_lists_active_tokens_expiring_within_seven_days() {
        assert_eq!(
            expiring_soon().to_params(),
            [
                ("status", "active".to_owned()),
                ("expiring", "7".to_owned())
            ]
        );
    }

    #[test]
    fn only_active_tokens_expiring_within_seven_days_get_a_hint() {
        let now = Utc::now();
        let in_days = |days: i64| Some(now + Duration::days(days) + Duration::minutes(1));
        let active = TokenStatus::Active;
        assert_eq!(
            hint(active, in_days(3), now).as_deref(),
            Some("Expires in 3 days")
        );
        assert_eq!(
            hint(active, in_days(1), now).as_deref(),
            Some("Expires in 1 day")
        );
        assert_eq!(
            hint(active, Some(now + Duration::hours(5)), now).as_deref(),
            Some("Expires in 5 hours")
        );
        assert!(is_expiring_soon(active, Some(now + Duration::days(7)), now));
        assert_eq!(hint(active, in_days(7), now), None, "past seven days");
        assert_eq!(hint(active, in_days(10), now), None);
        assert_eq!(hint(active, Some(now), now), None, "expired");
        assert_eq!(hint(active, in_days(-2), now), None);
        assert_eq!(hint(active, None, now), None);
        assert_eq!(hint(TokenStatus::Disabled, in_days(3), now), None);
        assert_eq!(hint(TokenStatus::Deleted, in_days(3), now), None);
    }

    #[test]
    fn the_banner_counts_in_words() {
        assert_eq!(banner(0), None);
        assert_eq!(banner(1).as_deref(), Some("1 token expires within 7 days"));
        assert_eq!(banner(3).as_deref(), Some("3 tokens expire within 7 days"));
        assert_eq!(
            banner(1200).as_deref(),
            Some("1,200 tokens expire within 7 days")
        );
    }
}
