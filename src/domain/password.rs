//! Password hashing with argon2id (the crate's defaults, a fresh salt per hash).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// A PHC-format argon2id hash of `password`.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
}

/// Whether `password` matches `stored`. A stored value that is not a valid hash
/// never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// Spends the time a real verification takes, so an unknown email can't be told
/// apart from a wrong password by how long sign-in takes.
pub fn verify_against_nothing(password: &str) {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3yzN4X4XmHXuXSFfHyzJiYKTvkg1jj3DnWQ/f+ZItz8";
    let _ = verify(password, DUMMY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_the_right_password_only() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("wrong horse", &stored));
        assert!(!verify("correct horse", "not a hash"));
    }
}
