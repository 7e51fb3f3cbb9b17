//! What the demo publishes beyond its passwords: the fixed secrets of a few demo tokens
//! (listed in docs/testing.md), so suites can call the API as them without reading a
//! secret off a page. Each is a well-formed `tdk_` secret with its checksum, stored like
//! any other (digest, visible prefix, ciphertext); `D`, the account's digit and the
//! token's number start each one, so their visible prefixes differ. Published secrets
//! have no place on a site people reach over https, so the demo refuses to run there.

use anyhow::bail;

use super::{
    ACTIVE_TOKEN, DELETED_TOKEN, DISABLED_TOKEN, EXPIRED_TOKEN, OTHER_INC_TOKEN,
    REPORTS_READ_TOKEN, TOKENS_ADMIN_TOKEN,
};
use crate::config::PublicUrl;
use crate::domain::TokenSecret;

/// The demo tokens with fixed secrets, and their secrets.
pub const FIXED_SECRETS: [(&str, &str); 7] = [
    (ACTIVE_TOKEN, "tdk_D10001PublicDemoSecretTestOnly45VNeU"),
    (
        REPORTS_READ_TOKEN,
        "tdk_D10004PublicDemoSecretTestOnly2Myfjj",
    ),
    (
        TOKENS_ADMIN_TOKEN,
        "tdk_D10008PublicDemoSecretTestOnly1aWOTr",
    ),
    (DISABLED_TOKEN, "tdk_D10011PublicDemoSecretTestOnly11yRwD"),
    (DELETED_TOKEN, "tdk_D10012PublicDemoSecretTestOnly0FZ8z8"),
    (EXPIRED_TOKEN, "tdk_D10013PublicDemoSecretTestOnly351ZDk"),
    (OTHER_INC_TOKEN, "tdk_D20001PublicDemoSecretTestOnly2Erbiw"),
];

/// The published secret of the demo token `id`, if it has one.
pub fn fixed_secret(id: &str) -> anyhow::Result<Option<TokenSecret>> {
    let Some((_, raw)) = FIXED_SECRETS.iter().find(|(token, _)| *token == id) else {
        return Ok(None);
    };
    TokenSecret::parse(raw)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("the fixed secret of {id}: {e}"))
}

/// Refuses to seed or reset the demo for a portal served at an https address: that is
/// a real deployment, where published passwords and secrets would be open doors.
pub fn refuse_https(public_url: Option<&PublicUrl>) -> anyhow::Result<()> {
    match public_url {
        Some(url) if url.is_https() => bail!(
            "the demo refuses to run with TOKENDESK_PUBLIC_URL={url}: its people's passwords \
             and some of its tokens' secrets are published, which has no place on a site \
             served over https. Serve without --demo, or unset TOKENDESK_PUBLIC_URL for a \
             local demo"
        ),
        _ => Ok(()),
    }
}

/// What the demo publishes that still works in a database (`demo::published_access`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedAccess {
    /// The emails of people who can sign in with their published passwords.
    pub people: Vec<&'static str>,
    /// The ids of active tokens whose secret is published.
    pub tokens: Vec<String>,
}

impl PublishedAccess {
    /// "people a@demo.test, b@demo.test; tokens TK-…": what still works, in words.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.people.is_empty() {
            parts.push(format!("people {}", self.people.join(", ")));
        }
        if !self.tokens.is_empty() {
            parts.push(format!("tokens {}", self.tokens.join(", ")));
        }
        parts.join("; ")
    }
}

/// Refuses to serve over https a database in which what the demo publishes still works
/// (a demo seeded or reset into it, by mistake or long ago): its people's passwords, one
/// of them support staff, who read every account's tokens, and its tokens' secrets.
/// Over plain http (a local demo served without `--demo`) it is only said.
pub fn refuse_published_access(
    public_url: Option<&PublicUrl>,
    access: &PublishedAccess,
) -> anyhow::Result<()> {
    if access.people.is_empty() && access.tokens.is_empty() {
        return Ok(());
    }
    let what = access.describe();
    match public_url {
        Some(url) if url.is_https() => bail!(
            "refusing to serve {url}: the demo publishes the passwords or secrets of its \
             {what}, and they still work here. Disable each person (`tokendesk user disable \
             --email EMAIL`) and each token, or reset this database"
        ),
        _ => {
            tracing::warn!(
                still_working = %what,
                "the demo's published passwords or secrets still work in this database"
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixed_secret_is_well_formed_and_its_own() {
        let mut prefixes = Vec::new();
        for (id, _) in FIXED_SECRETS {
            let secret = fixed_secret(id).unwrap().expect("a fixed secret");
            prefixes.push(secret.visible_prefix().to_owned());
        }
        prefixes.sort();
        prefixes.dedup();
        assert_eq!(
            prefixes.len(),
            FIXED_SECRETS.len(),
            "distinct visible prefixes"
        );
        assert!(fixed_secret("TK-1000-0000-0002").unwrap().is_none());
    }

    #[test]
    fn the_demo_runs_over_http_but_not_at_an_https_address() {
        let local = PublicUrl::parse("http://127.0.0.1:8080").unwrap();
        let public = PublicUrl::parse("https://tokens.example.com").unwrap();
        assert!(refuse_https(None).is_ok());
        assert!(refuse_https(Some(&local)).is_ok());
        let refused = refuse_https(Some(&public)).unwrap_err().to_string();
        assert!(
            refused.contains("TOKENDESK_PUBLIC_URL=https://tokens.example.com"),
            "{refused}"
        );
    }
}
