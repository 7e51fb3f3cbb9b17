//! Changing many tokens at once: the ids one request names (a page's worth at most,
//! each a token id, a repeat counted once) and how the answer sums the changes up.

use std::collections::HashSet;

use super::{TokenId, Transition};

/// The most tokens one request may name: a page of the list is 25.
pub const MAX_BULK_IDS: usize = 100;

/// The distinct token ids one request names, in the order first named: 1 to
/// `MAX_BULK_IDS` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkIds(Vec<TokenId>);

/// Why a request's ids can't be used; the text suits a person and a client alike.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulkIdsError {
    #[error("No tokens were selected.")]
    Empty,
    #[error("At most {MAX_BULK_IDS} tokens can be changed at once; {0} were named.")]
    TooMany(usize),
    /// The raw value is left out: it may be anything, of any length.
    #[error("Entry {0} is not a token id (like TK-1234-5678-9012).")]
    NotAnId(usize),
}

impl BulkIds {
    /// Every raw value must be a token id; repeats are dropped.
    pub fn parse<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Self, BulkIdsError> {
        let mut seen = HashSet::new();
        let mut ids = Vec::new();
        for (index, value) in raw.into_iter().enumerate() {
            let id = TokenId::parse(value).map_err(|_| BulkIdsError::NotAnId(index + 1))?;
            if seen.insert(id.clone()) {
                ids.push(id);
            }
        }
        match ids.len() {
            0 => Err(BulkIdsError::Empty),
            n if n > MAX_BULK_IDS => Err(BulkIdsError::TooMany(n)),
            _ => Ok(Self(ids)),
        }
    }

    pub fn as_slice(&self) -> &[TokenId] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: a selection names one token at least.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// "1 token", "3 tokens", "no tokens".
pub fn tokens(count: usize) -> String {
    match count {
        0 => "no tokens".to_owned(),
        1 => "1 token".to_owned(),
        n => format!("{n} tokens"),
    }
}

/// The verb as a button or heading says it: "Disable".
pub fn verb(transition: Transition) -> &'static str {
    match transition {
        Transition::Enable => "Enable",
        Transition::Disable => "Disable",
        Transition::Delete => "Delete",
    }
}

/// What became of a token: "disabled".
pub fn done(transition: Transition) -> &'static str {
    match transition {
        Transition::Enable => "enabled",
        Transition::Disable => "disabled",
        Transition::Delete => "deleted",
    }
}

/// The heading over the tokens changed: "Disabled".
pub fn past(transition: Transition) -> &'static str {
    match transition {
        Transition::Enable => "Enabled",
        Transition::Disable => "Disabled",
        Transition::Delete => "Deleted",
    }
}

/// What the confirmation says before the list of the tokens selected: how many will
/// change and how many will be skipped.
pub fn will(transition: Transition, changing: usize, skipping: usize) -> String {
    let done = done(transition);
    match (changing, skipping) {
        (1, 0) => format!("This token will be {done}:"),
        (n, 0) => format!("These {n} tokens will be {done}:"),
        (0, 1) => format!("The token selected can't be {done}:"),
        (0, n) => format!("None of the {n} tokens selected can be {done}:"),
        (c, s) => format!(
            "Of the {} selected, {c} will be {done} and {s} skipped:",
            tokens(c + s)
        ),
    }
}

/// What the answer says once it is done: "Disabled 2 tokens. Skipped 1."
pub fn summary(transition: Transition, changed: usize, skipped: usize) -> String {
    let mut said = format!("{} {}.", past(transition), tokens(changed));
    if skipped > 0 {
        said.push_str(&format!(" Skipped {skipped}."));
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: usize) -> String {
        format!("TK-1000-0000-{n:04}")
    }

    #[test]
    fn repeats_count_once_and_the_first_order_stays() {
        let raw = [id(3), id(1), id(3), id(2), id(1)];
        let ids = BulkIds::parse(raw.iter().map(String::as_str)).unwrap();
        let kept: Vec<&str> = ids.as_slice().iter().map(TokenId::as_str).collect();
        assert_eq!(kept, [id(3), id(1), id(2)]);
    }

    #[test]
    fn a_selection_names_one_to_a_hundred_tokens() {
        assert_eq!(BulkIds::parse([]), Err(BulkIdsError::Empty));
        let hundred: Vec<String> = (1..=100).map(id).collect();
        assert_eq!(
            BulkIds::parse(hundred.iter().map(String::as_str))
                .unwrap()
                .len(),
            100
        );
        let more: Vec<String> = (1..=101).map(id).collect();
        assert_eq!(
            BulkIds::parse(more.iter().map(String::as_str)),
            Err(BulkIdsError::TooMany(101))
        );
        // A hundred and one entries, one a repeat: a hundred tokens.
        let repeated: Vec<String> = (1..=100).chain([1]).map(id).collect();
        assert!(BulkIds::parse(repeated.iter().map(String::as_str)).is_ok());
    }

    #[test]
    fn an_entry_that_is_not_a_token_id_is_named_by_its_place_not_its_text() {
        let error = BulkIds::parse([id(1).as_str(), "<script>", "TK-1"]).unwrap_err();
        assert_eq!(error, BulkIdsError::NotAnId(2));
        assert_eq!(
            error.to_string(),
            "Entry 2 is not a token id (like TK-1234-5678-9012)."
        );
    }

    #[test]
    fn the_answers_count_what_changed_and_what_was_skipped() {
        assert_eq!(
            summary(Transition::Disable, 2, 1),
            "Disabled 2 tokens. Skipped 1."
        );
        assert_eq!(summary(Transition::Enable, 1, 0), "Enabled 1 token.");
        assert_eq!(
            summary(Transition::Delete, 0, 3),
            "Deleted no tokens. Skipped 3."
        );
        assert_eq!(
            will(Transition::Disable, 3, 0),
            "These 3 tokens will be disabled:"
        );
        assert_eq!(
            will(Transition::Disable, 1, 0),
            "This token will be disabled:"
        );
        assert_eq!(
            will(Transition::Enable, 2, 1),
            "Of the 3 tokens selected, 2 will be enabled and 1 skipped:"
        );
        assert_eq!(
            will(Transition::Delete, 0, 2),
            "None of the 2 tokens selected can be deleted:"
        );
        assert_eq!(
            will(Transition::Delete, 0, 1),
            "The token selected can't be deleted:"
        );
    }

    proptest! {
        #[test]
        fn any_list_is_refused_or_distinct_token_ids_in_the_order_named(
            raw in proptest::collection::vec("TK-1000-0000-000[0-9]|.{0,20}", 0..120)
        ) {
            if let Ok(ids) = BulkIds::parse(raw.iter().map(String::as_str)) {
                prop_assert!(!ids.is_empty() && ids.len() <= MAX_BULK_IDS);
                let mut firsts: Vec<&str> = Vec::new();
                for value in &raw {
                    if !firsts.contains(&value.as_str()) {
                        firsts.push(value);
                    }
                }
                let kept: Vec<&str> = ids.as_slice().iter().map(TokenId::as_str).collect();
                prop_assert_eq!(kept, firsts);
            }
        }
    }
}
