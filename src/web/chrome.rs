//! What every signed-in page's frame shows: who is signed in, and the CSRF token the
//! sign-out form and htmx requests carry. Its `Debug` leaves the token out: errors that
//! carry a `Chrome` are logged with it.

use std::fmt;

use crate::db::users::User;

#[derive(Clone)]
pub struct Chrome {
    pub user_name: String,
    pub user_id: String,
    pub role: &'static str,
    pub account_name: Option<String>,
    pub csrf_token: String,
    /// A message left by the previous request (shown once).
    pub flash: Option<String>,
}

impl Chrome {
    pub fn new(user: &User, csrf_token: String, flash: Option<String>) -> Self {
        Self {
            user_name: user.name.clone(),
            user_id: user.id.to_string(),
            role: user.role.as_str(),
            account_name: user.account_name.clone(),
            csrf_token,
            flash,
        }
    }
}

impl fmt::Debug for Chrome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chrome")
            .field("user_name", &self.user_name)
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .field("account_name", &self.account_name)
            .field("csrf_token", &format_args!("<redacted>"))
            .field("flash", &self.flash)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Chrome;

    #[test]
    fn debug_shows_who_but_never_the_csrf_token() {
        let chrome = Chrome {
            user_name: "Avery Admin".into(),
            user_id: "UR-1000-0000-0001".into(),
            role: "admin",
            account_name: Some("Demo Corp".into()),
            csrf_token: "bQy8DM0CzttgkxiLjxks5q6Uu27P0BZk".into(),
            flash: None,
        };

        let shown = format!("{chrome:?}");

        assert!(shown.contains("UR-1000-0000-0001"), "{shown}");
        assert!(!shown.contains(&chrome.csrf_token), "{shown}");
    }
}
