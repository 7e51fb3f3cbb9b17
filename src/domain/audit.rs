//! What the audit log records: who did what to which token.

use chrono::{DateTime, Utc};

use super::{AccountId, ClientIp, ServiceName, TokenId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    TokenCreate,
    TokenEdit,
    TokenEnable,
    TokenDisable,
    TokenDelete,
    TokenReveal,
    TokenRotate,
    TokenLeaked,
    TokensExport,
    TokenPolicyChange,
    SignIn,
    SignInFailed,
    SignInThrottled,
    SignOut,
    SessionEnded,
    PasswordChanged,
    UserDisabled,
}

impl AuditAction {
    pub const ALL: [AuditAction; 17] = [
        Self::TokenCreate,
        Self::TokenEdit,
        Self::TokenEnable,
        Self::TokenDisable,
        Self::TokenDelete,
        Self::TokenReveal,
        Self::TokenRotate,
        Self::TokenLeaked,
        Self::TokensExport,
        Self::TokenPolicyChange,
        Self::SignIn,
        Self::SignInFailed,
        Self::SignInThrottled,
        Self::SignOut,
        Self::SessionEnded,
        Self::PasswordChanged,
        Self::UserDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenCreate => "token.create",
            Self::TokenEdit => "token.edit",
            Self::TokenEnable => "token.enable",
            Self::TokenDisable => "token.disable",
            Self::TokenDelete => "token.delete",
            Self::TokenReveal => "token.reveal",
            Self::TokenRotate => "token.rotate",
            Self::TokenLeaked => "token.leaked",
            Self::TokensExport => "tokens.export",
            Self::TokenPolicyChange => "account.token_policy",
            Self::SignIn => "user.sign_in",
            Self::SignInFailed => "user.sign_in_failed",
            Self::SignInThrottled => "user.sign_in_throttled",
            Self::SignOut => "user.sign_out",
            Self::SessionEnded => "user.session_ended",
            Self::PasswordChanged => "user.password_changed",
            Self::UserDisabled => "user.disabled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }

    /// How the log reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::TokenCreate => "Created",
            Self::TokenEdit => "Edited",
            Self::TokenEnable => "Enabled",
            Self::TokenDisable => "Disabled",
            Self::TokenDelete => "Deleted",
            Self::TokenReveal => "Revealed the secret",
            Self::TokenRotate => "Rotated the secret",
            Self::TokenLeaked => "Found in public and disabled",
            Self::TokensExport => "Exported the token list",
            Self::TokenPolicyChange => "Changed the token expiry policy",
            Self::SignIn => "Signed in",
            Self::SignInFailed => "Failed to sign in",
            Self::SignInThrottled => "Sign-in held off",
            Self::SignOut => "Signed out",
            Self::SessionEnded => "Ended a session",
            Self::PasswordChanged => "Password changed",
            Self::UserDisabled => "Person disabled",
        }
    }
}

/// Who acted: a person in the portal, a token through the API, or one of the
/// platform's services (a secret scanner reporting a leak).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    Token(TokenId),
    Service(ServiceName),
}

/// Who acts for which account, from where, and when: what every audit event records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acting {
    pub account: AccountId,
    pub actor: Actor,
    pub ip: Option<ClientIp>,
    pub at: DateTime<Utc>,
}

impl Acting {
    /// `actor` acting for `account` from `ip`, now.
    pub fn now(account: AccountId, actor: Actor, ip: Option<ClientIp>) -> Self {
        Self {
            account,
            actor,
            ip,
            at: Utc::now(),
        }
    }

    /// The same, acting on `token`.
    pub fn on(self, token: TokenId) -> ChangeContext {
        ChangeContext { by: self, token }
    }
}

/// Who changes which token, from where, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeContext {
    pub by: Acting,
    pub token: TokenId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_their_stored_names() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("user.delete_everything"), None);
    }
}
