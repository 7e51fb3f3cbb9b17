//! Where a change was started from (the list or a token's details page), so the answer
//! can update that page: `?from=detail` on the menu, its links and its forms.

use serde::Deserialize;

use super::LIST_PATH;

#[derive(Debug, Default, Deserialize)]
pub struct FromQuery {
    from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    List,
    Detail,
}

impl From<&FromQuery> for Origin {
    fn from(query: &FromQuery) -> Self {
        match query.from.as_deref() {
            Some("detail") => Self::Detail,
            _ => Self::List,
        }
    }
}

impl Origin {
    /// The query string that carries the origin on to the next request.
    pub fn query(self) -> &'static str {
        match self {
            Self::List => "",
            Self::Detail => "?from=detail",
        }
    }

    /// The page to go back to for the token at `token_href`.
    pub fn page(self, token_href: &str) -> String {
        match self {
            Self::List => LIST_PATH.to_owned(),
            Self::Detail => token_href.to_owned(),
        }
    }
}
