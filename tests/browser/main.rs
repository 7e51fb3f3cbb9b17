//! Browser tests: the portal in headless Chromium through chromedriver, driven by the
//! `data-testid` selectors customers' suites use. They wait on conditions in the page,
//! never on the clock. A missing chromedriver fails them, with how to install it.

#![allow(
    clippy::unwrap_used,
    reason = "a test helper that unwraps is a failing assertion"
)]

#[path = "../common/mod.rs"]
mod common;
mod harness;

mod bulk;
mod dialog_focus;
mod focus;
mod focus_ring;
mod leaks;
mod lifecycle;
mod rotate;
mod search;
mod sign_in;
mod support;
mod token_details;
mod token_limits;
mod token_list;
