//! The API tokens pages: the list and a token's details.

pub mod detail;
pub mod list;
mod row;

/// Where the list lives.
pub const LIST_PATH: &str = "/settings/api-tokens";
