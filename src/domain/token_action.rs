//! What can be done to a token in each state, and the state changes with the message
//! each refusal gives.

use super::{DisplayStatus, TokenStatus};

/// An item of a token's actions menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAction {
    Edit,
    Rotate,
    Copy,
    Enable,
    Disable,
    Delete,
}

impl TokenAction {
    /// The actions an account admin may take on a token shown as `status`, in menu
    /// order. An expired token can't be rotated: its new secret would be refused too.
    pub fn allowed(status: DisplayStatus) -> &'static [TokenAction] {
        match status {
            DisplayStatus::Active => &[
                Self::Edit,
                Self::Rotate,
                Self::Copy,
                Self::Disable,
                Self::Delete,
            ],
            DisplayStatus::Expired => &[Self::Edit, Self::Copy, Self::Disable, Self::Delete],
            DisplayStatus::Disabled => &[Self::Enable, Self::Copy, Self::Delete],
            DisplayStatus::Deleted => &[],
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Rotate => "rotate",
            Self::Copy => "copy",
            Self::Enable => "enable",
            Self::Disable => "disable",
            Self::Delete => "delete",
        }
    }

    /// The menu item's label, in sentence case; a confirm dialog's button says the same.
    pub fn label(self) -> &'static str {
        match self {
            Self::Edit => "Edit token",
            Self::Rotate => "Rotate token",
            Self::Copy => "Copy token",
            Self::Enable => "Enable token",
            Self::Disable => "Disable token",
            Self::Delete => "Delete token",
        }
    }
}

impl From<Transition> for TokenAction {
    /// The menu item that asks for the change.
    fn from(transition: Transition) -> Self {
        match transition {
            Transition::Enable => Self::Enable,
            Transition::Disable => Self::Disable,
            Transition::Delete => Self::Delete,
        }
    }
}

/// A change of a token's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Enable,
    Disable,
    Delete,
}

impl Transition {
    pub fn parse(slug: &str) -> Option<Self> {
        match slug {
            "enable" => Some(Self::Enable),
            "disable" => Some(Self::Disable),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Self::Enable => "enable",
            Self::Disable => "disable",
            Self::Delete => "delete",
        }
    }

    /// The statuses the change starts from.
    pub fn from(self) -> &'static [TokenStatus] {
        match self {
            Self::Enable => &[TokenStatus::Disabled],
            Self::Disable => &[TokenStatus::Active],
            Self::Delete => &[TokenStatus::Active, TokenStatus::Disabled],
        }
    }

    pub fn to(self) -> TokenStatus {
        match self {
            Self::Enable => TokenStatus::Active,
            Self::Disable => TokenStatus::Disabled,
            Self::Delete => TokenStatus::Deleted,
        }
    }

    /// Whether the change may start from `current`.
    pub fn check(self, current: TokenStatus) -> Result<(), Refusal> {
        if self.from().contains(&current) {
            return Ok(());
        }
        Err(match (self, current) {
            (_, TokenStatus::Deleted) => Refusal::Deleted,
            (Self::Enable, _) => Refusal::AlreadyActive,
            _ => Refusal::AlreadyDisabled,
        })
    }

    /// What the flash message says once it is done.
    pub fn done_message(self, name: &str) -> String {
        match self {
            Self::Enable => format!("“{name}” is enabled. Requests with it succeed again."),
            Self::Disable => format!("“{name}” is disabled. Requests with it now fail."),
            Self::Delete => format!("“{name}” has been deleted successfully."),
        }
    }
}

/// Why a change was refused; the text is what the person is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("This token is already active.")]
    AlreadyActive,
    #[error("This token was already disabled.")]
    AlreadyDisabled,
    #[error("This token has been deleted and can't be changed.")]
    Deleted,
    #[error("Enable the token before editing it.")]
    EditWhileDisabled,
    #[error("This token changed while you were looking at it. Reload the page and try again.")]
    Changed,
    #[error("Enable the token before rotating it.")]
    RotateWhileDisabled,
    #[error("This token has expired: a new secret would be refused too. Extend its expiry first.")]
    RotateExpired,
}

/// Whether a token shown as `current` may get a new secret.
pub fn check_rotate(current: DisplayStatus) -> Result<(), Refusal> {
    match current {
        DisplayStatus::Active => Ok(()),
        DisplayStatus::Expired => Err(Refusal::RotateExpired),
        DisplayStatus::Disabled => Err(Refusal::RotateWhileDisabled),
        DisplayStatus::Deleted => Err(Refusal::Deleted),
    }
}

/// Whether the token's details may be edited in `current`.
pub fn check_edit(current: TokenStatus) -> Result<(), Refusal> {
    match current {
        TokenStatus::Active => Ok(()),
        TokenStatus::Disabled => Err(Refusal::EditWhileDisabled),
        TokenStatus::Deleted => Err(Refusal::Deleted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenStatus::{Active, Deleted, Disabled};

    proptest::proptest! {
        #[test]
        fn any_text_parses_only_as_the_word_it_spells(raw in ".*|enable|disable|delete|[a-z ]{0,10}") {
            if let Some(word) = Transition::parse(&raw).map(Transition::slug) {
                proptest::prop_assert_eq!(word, raw.as_str());
            }
        }
    }

    #[test]
    fn menus_offer_only_what_the_state_allows() {
        use TokenAction::*;
        assert_eq!(
            TokenAction::allowed(DisplayStatus::Active),
            [Edit, Rotate, Copy, Disable, Delete]
        );
        assert_eq!(
            TokenAction::allowed(DisplayStatus::Expired),
            [Edit, Copy, Disable, Delete]
        );
        assert_eq!(
            TokenAction::allowed(DisplayStatus::Disabled),
            [Enable, Copy, Delete]
        );
        assert!(TokenAction::allowed(DisplayStatus::Deleted).is_empty());
        assert_eq!(check_rotate(DisplayStatus::Active), Ok(()));
        assert_eq!(
            check_rotate(DisplayStatus::Expired),
            Err(Refusal::RotateExpired)
        );
    }

    #[test]
    fn transitions_follow_the_state_machine() {
        assert_eq!(Transition::Disable.check(Active), Ok(()));
        assert_eq!(Transition::Enable.check(Disabled), Ok(()));
        assert_eq!(Transition::Delete.check(Active), Ok(()));
        assert_eq!(Transition::Delete.check(Disabled), Ok(()));
        assert_eq!(
            Transition::Disable.check(Disabled),
            Err(Refusal::AlreadyDisabled)
        );
        assert_eq!(
            Transition::Enable.check(Active),
            Err(Refusal::AlreadyActive)
        );
        for transition in [Transition::Enable, Transition::Disable, Transition::Delete] {
            assert_eq!(transition.check(Deleted), Err(Refusal::Deleted));
            assert!(transition.check(transition.to()).is_err() || transition == Transition::Delete);
        }
    }

    #[test]
    fn editing_needs_an_active_token() {
        assert_eq!(check_edit(Active), Ok(()));
        assert_eq!(
            check_edit(Disabled).unwrap_err().to_string(),
            "Enable the token before editing it."
        );
        assert_eq!(check_edit(Deleted), Err(Refusal::Deleted));
    }
}
