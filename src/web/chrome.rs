//! What every signed-in page's frame shows: who is signed in, and the CSRF token the
//! sign-out form and htmx requests carry.

use crate::db::users::User;

#[derive(Debug, Clone)]
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
