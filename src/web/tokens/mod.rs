//! The API tokens pages: the list and a token's details.

pub mod bulk;
mod changed;
pub mod create;
pub mod detail;
pub mod edit;
pub mod export;
mod export_audit;
mod form_page;
mod form_view;
pub mod list;
mod load;
pub mod menu;
mod origin;
mod pasted_secret;
mod reminders;
pub mod rotate;
mod row;
pub mod secret;
mod shown_once;
pub mod transition;

/// Where the list lives.
pub const LIST_PATH: &str = "/settings/api-tokens";
