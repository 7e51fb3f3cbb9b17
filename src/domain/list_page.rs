//! Paging through a long list without counting or skipping rows: a page starts right
//! after (or ends right before) a token of the list, named by its id, and the list's
//! size is counted only up to `COUNT_LIMIT` (`NARROWED_COUNT_LIMIT` for a search or a
//! module filter). The cost of a page does not grow with the
//! list; the price is that a page is reached by walking, not by number.

use std::fmt;

use super::TokenId;

/// Tokens counted at most for a list's total; past it the total is "1,000+".
pub const COUNT_LIMIT: i64 = 1_000;

/// Tokens counted at most for a searched or module-filtered list: past it, "100+".
/// Such a count can't be read from an index alone (each match is checked against its
/// row or its modules), so it stops sooner.
pub const NARROWED_COUNT_LIMIT: i64 = 100;

/// Where a page of the list starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageCursor {
    /// The page holds the tokens that come after this one.
    After(TokenId),
    /// The page holds the tokens that come right before this one.
    Before(TokenId),
}

impl PageCursor {
    /// The cursor from the `after` and `before` parameters; an id that is not well
    /// formed is no cursor (the first page), and `after` wins over `before`.
    pub fn parse(after: Option<&str>, before: Option<&str>) -> Option<Self> {
        let id = |raw: Option<&str>| raw.and_then(|raw| TokenId::parse(raw.trim()).ok());
        id(after)
            .map(Self::After)
            .or_else(|| id(before).map(Self::Before))
    }

    /// The URL parameter: its name and value.
    pub fn as_param(&self) -> (&'static str, String) {
        match self {
            Self::After(id) => ("after", id.to_string()),
            Self::Before(id) => ("before", id.to_string()),
        }
    }
}

/// How many tokens a list holds: exactly, or at least the limit it was counted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListTotal {
    Exact(i64),
    AtLeast(i64),
}

impl ListTotal {
    /// The total from a count that stopped at `limit + 1` rows.
    pub fn from_bounded_count(counted: i64, limit: i64) -> Self {
        if counted > limit {
            Self::AtLeast(limit)
        } else {
            Self::Exact(counted.max(0))
        }
    }

    /// Whether the list holds anything.
    pub fn is_empty(self) -> bool {
        self == Self::Exact(0)
    }

    /// Whether "token" takes its plural.
    pub fn is_plural(self) -> bool {
        self != Self::Exact(1)
    }

    /// How many pages of `page_size` it makes, when that is known.
    pub fn pages(self, page_size: i64) -> Option<i64> {
        match self {
            Self::Exact(count) => Some(((count + page_size - 1) / page_size).max(1)),
            Self::AtLeast(_) => None,
        }
    }
}

/// "27", "1,000" or "1,000+".
impl fmt::Display for ListTotal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Exact(count) => f.write_str(&with_separators(count)),
            Self::AtLeast(count) => write!(f, "{}+", with_separators(count)),
        }
    }
}

/// `1234567` as "1,234,567".
pub fn with_separators(number: i64) -> String {
    let digits = number.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if number < 0 {
        grouped.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: &str) -> TokenId {
        TokenId::parse(id).unwrap()
    }

    #[test]
    fn a_cursor_is_a_well_formed_token_id_after_first() {
        assert_eq!(
            PageCursor::parse(Some(" TK-0000-0000-0001 "), None),
            Some(PageCursor::After(token("TK-0000-0000-0001")))
        );
        assert_eq!(
            PageCursor::parse(Some("TK-0000-0000-0001"), Some("TK-0000-0000-0002")),
            Some(PageCursor::After(token("TK-0000-0000-0001")))
        );
        assert_eq!(
            PageCursor::parse(Some("nonsense"), Some("TK-0000-0000-0002")),
            Some(PageCursor::Before(token("TK-0000-0000-0002")))
        );
        assert_eq!(PageCursor::parse(Some("' OR 1=1 --"), None), None);
        assert_eq!(PageCursor::parse(None, None), None);
    }

    #[test]
    fn totals_past_the_limit_are_at_least_the_limit() {
        assert_eq!(
            ListTotal::from_bounded_count(27, COUNT_LIMIT),
            ListTotal::Exact(27)
        );
        assert_eq!(
            ListTotal::from_bounded_count(COUNT_LIMIT, COUNT_LIMIT),
            ListTotal::Exact(COUNT_LIMIT)
        );
        assert_eq!(
            ListTotal::from_bounded_count(COUNT_LIMIT + 1, COUNT_LIMIT),
            ListTotal::AtLeast(COUNT_LIMIT)
        );
        assert_eq!(
            ListTotal::from_bounded_count(NARROWED_COUNT_LIMIT + 1, NARROWED_COUNT_LIMIT),
            ListTotal::AtLeast(NARROWED_COUNT_LIMIT)
        );
        assert_eq!(ListTotal::AtLeast(NARROWED_COUNT_LIMIT).to_string(), "100+");
        assert_eq!(ListTotal::Exact(27).to_string(), "27");
        assert_eq!(ListTotal::AtLeast(1_000).to_string(), "1,000+");
        assert_eq!(ListTotal::Exact(51).pages(25), Some(3));
        assert_eq!(ListTotal::Exact(0).pages(25), Some(1));
        assert_eq!(ListTotal::AtLeast(1_000).pages(25), None);
        assert!(!ListTotal::Exact(1).is_plural());
        assert!(ListTotal::Exact(0).is_empty());
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(with_separators(0), "0");
        assert_eq!(with_separators(999), "999");
        assert_eq!(with_separators(1000), "1,000");
        assert_eq!(with_separators(1_234_567), "1,234,567");
        assert_eq!(with_separators(-1234), "-1,234");
    }
}
