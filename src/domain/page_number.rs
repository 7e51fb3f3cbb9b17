//! A 1-based page number from a URL, for the token list and the audit log. Anything
//! that is not a whole number is the first page, numbers below 1 are 1, and numbers
//! past `MAX_PAGE` (even past `i64`) are `MAX_PAGE`: far beyond any list, yet small
//! enough that no offset computed from one can overflow.

use std::fmt;
use std::num::IntErrorKind;

/// The highest page number; a list that long would hold billions of rows.
pub const MAX_PAGE: i64 = 100_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageNumber(i64);

impl PageNumber {
    pub const FIRST: Self = Self(1);
    pub const LAST: Self = Self(MAX_PAGE);

    /// `raw` as a page number, clamped to `1..=MAX_PAGE`; not a number is page 1.
    pub fn parse(raw: &str) -> Self {
        match raw.trim().parse::<i64>() {
            Ok(page) => Self::clamped(page),
            Err(error) if *error.kind() == IntErrorKind::PosOverflow => Self::LAST,
            Err(_) => Self::FIRST,
        }
    }

    /// `page`, clamped to `1..=MAX_PAGE`.
    pub fn clamped(page: i64) -> Self {
        Self(page.clamp(1, MAX_PAGE))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// How many rows come before this page, at `page_size` rows a page.
    pub fn offset(self, page_size: i64) -> i64 {
        (self.0 - 1).saturating_mul(page_size)
    }

    /// The page after this one (the last stays the last).
    pub fn next(self) -> Self {
        Self::clamped(self.0 + 1)
    }

    /// The page before this one (the first stays the first).
    pub fn previous(self) -> Self {
        Self::clamped(self.0 - 1)
    }

    pub fn is_first(self) -> bool {
        self == Self::FIRST
    }
}

impl Default for PageNumber {
    fn default() -> Self {
        Self::FIRST
    }
}

impl fmt::Display for PageNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hostile_numbers_are_clamped() {
        for (raw, page) in [
            ("3", 3),
            (" 3 ", 3),
            ("0", 1),
            ("-1", 1),
            ("-9223372036854775808", 1),
            ("9223372036854775807", MAX_PAGE),
            ("99999999999999999999", MAX_PAGE),
            ("1e9", 1),
            ("2.5", 1),
            ("", 1),
            ("\u{0}", 1),
        ] {
            assert_eq!(PageNumber::parse(raw).get(), page, "{raw:?}");
        }
    }

    #[test]
    fn neighbours_stay_in_range() {
        assert_eq!(PageNumber::FIRST.previous(), PageNumber::FIRST);
        assert_eq!(PageNumber::LAST.next(), PageNumber::LAST);
        assert_eq!(PageNumber::clamped(4).next().get(), 5);
        assert_eq!(PageNumber::clamped(4).previous().get(), 3);
        assert_eq!(PageNumber::clamped(3).offset(25), 50);
    }

    proptest! {
        #[test]
        fn any_text_is_a_page_in_range(raw in "\\PC{0,30}|-?[0-9]{1,30}") {
            let page = PageNumber::parse(&raw);
            prop_assert!((1..=MAX_PAGE).contains(&page.get()));
            prop_assert!(page.offset(50) >= 0);
        }

        #[test]
        fn valid_pages_round_trip(page in 1..=MAX_PAGE) {
            let parsed = PageNumber::parse(&page.to_string());
            prop_assert_eq!(parsed.get(), page);
            prop_assert_eq!(PageNumber::parse(&parsed.to_string()), parsed);
        }
    }
}
