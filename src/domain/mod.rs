//! Pure rules and types of tokendesk: no actix, no diesel, no I/O beyond randomness.

pub mod address_allowlist;
pub mod audit;
pub mod bulk;
pub mod client_ip;
pub mod containment;
pub mod expiry_policy;
pub mod expiry_reminder;
pub mod ids;
pub mod leak_report;
pub mod list_page;
pub mod local_path;
pub mod module_id;
pub mod page_number;
pub mod password;
pub mod rate_limit;
pub mod relative_time;
pub mod role;
pub mod rotation;
pub mod scope;
pub mod secret;
pub mod secret_cipher;
pub mod service_name;
pub mod sign_in_throttle;
pub mod token_action;
pub mod token_draft;
pub mod token_list_query;
pub mod token_name;
pub mod token_status;
pub mod token_use;
pub mod usage_chart;
pub mod verification;
pub mod visibility;

pub use address_allowlist::AddressAllowlist;
pub use audit::{Acting, Actor, AuditAction, ChangeContext};
pub use bulk::BulkIds;
pub use client_ip::{ClientIp, TrustedProxies};
pub use expiry_policy::{ExpiryPolicy, PolicyBreach};
pub use ids::{AccountId, TokenId, UserId};
pub use local_path::LocalPath;
pub use module_id::ModuleId;
pub use page_number::PageNumber;
pub use rate_limit::RateLimit;
pub use role::Role;
pub use rotation::Grace;
pub use scope::Scope;
pub use secret::{SecretDigest, ServiceSecret, TokenSecret};
pub use secret_cipher::SecretCipher;
pub use service_name::ServiceName;
pub use token_action::{Refusal, TokenAction, Transition};
pub use token_draft::{FieldErrors, TokenDraft, TokenForm};
pub use token_name::TokenName;
pub use token_status::{DisplayStatus, TokenStatus};
pub use visibility::Visibility;

/// A value that failed to parse into one of the domain's types, with a message a
/// person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
