//! Which tokens a signed-in person may see: an admin their own account's, support
//! staff every account's, a member none.

use super::{AccountId, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    Account(AccountId),
    AllAccounts,
}

impl Visibility {
    /// `None` when the person lacks the API Access privilege.
    pub fn for_user(role: Role, account: Option<&AccountId>) -> Option<Self> {
        match (role, account) {
            (Role::Admin, Some(account)) => Some(Self::Account(account.clone())),
            (Role::Support, _) => Some(Self::AllAccounts),
            _ => None,
        }
    }

    pub fn spans_accounts(&self) -> bool {
        matches!(self, Self::AllAccounts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_see_their_account_support_sees_all_members_see_nothing() {
        let account = AccountId::parse("PA-1000-0001").unwrap();
        assert_eq!(
            Visibility::for_user(Role::Admin, Some(&account)),
            Some(Visibility::Account(account.clone()))
        );
        assert_eq!(
            Visibility::for_user(Role::Support, None),
            Some(Visibility::AllAccounts)
        );
        assert_eq!(Visibility::for_user(Role::Member, Some(&account)), None);
        assert_eq!(Visibility::for_user(Role::Admin, None), None);
    }
}
