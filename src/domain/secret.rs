//! The token secret format: `tdk_` + 30 base62 characters from the OS's CSPRNG + 6
//! base62 characters of a CRC32 over what precedes them. The checksum lets the API and
//! secret scanners reject a mistyped or made-up token without a database read.

use std::fmt;

use rand::TryRngCore;
use rand::distr::{Alphanumeric, Distribution};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

const PREFIX: &str = "tdk_";
const RANDOM_CHARS: usize = 30;
const CHECKSUM_CHARS: usize = 6;
/// How long a token secret is.
pub const SECRET_LEN: usize = PREFIX.len() + RANDOM_CHARS + CHECKSUM_CHARS;
/// How many leading characters lists may show.
pub const VISIBLE_PREFIX_LEN: usize = 10;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A full token secret. Its `Debug` never shows the value; `expose` must be called on
/// purpose, where the value is shown to its owner or checked.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

/// Why a string is not a token secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretFormatError {
    #[error("the token does not have the tdk_ format")]
    Malformed,
    #[error("the token's checksum does not match")]
    BadChecksum,
}

impl TokenSecret {
    /// A new secret from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut os = OsRng.unwrap_err();
        let mut body = String::with_capacity(SECRET_LEN);
        body.push_str(PREFIX);
        body.extend(
            Alphanumeric
                .sample_iter(&mut os)
                .take(RANDOM_CHARS)
                .map(char::from),
        );
        let checksum = checksum_of(&body);
        body.push_str(&checksum);
        Self(body)
    }

    /// Checks the shape and checksum of a presented token.
    pub fn parse(raw: &str) -> Result<Self, SecretFormatError> {
        let well_formed = raw.len() == SECRET_LEN
            && raw.starts_with(PREFIX)
            && raw[PREFIX.len()..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric());
        if !well_formed {
            return Err(SecretFormatError::Malformed);
        }
        let (body, checksum) = raw.split_at(SECRET_LEN - CHECKSUM_CHARS);
        if checksum_of(body) != checksum {
            return Err(SecretFormatError::BadChecksum);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The full value, for showing it to its owner or encrypting it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first characters, which lists may show (`tdk_AbC123`).
    pub fn visible_prefix(&self) -> &str {
        &self.0[..VISIBLE_PREFIX_LEN]
    }

    /// The SHA-256 digest the database indexes and looks tokens up by.
    pub fn digest(&self) -> SecretDigest {
        SecretDigest(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSecret({}…)", self.visible_prefix())
    }
}

/// The SHA-256 digest of a token secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretDigest(pub [u8; 32]);

impl SecretDigest {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The masked form lists show: the visible prefix and an ellipsis.
pub fn masked(visible_prefix: &str) -> String {
    format!("{visible_prefix}…")
}

fn checksum_of(body: &str) -> String {
    let mut value = crc32fast::hash(body.as_bytes());
    let mut digits = [b'0'; CHECKSUM_CHARS];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    digits.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_secrets_have_the_documented_shape() {
        let secret = TokenSecret::generate();
        let raw = secret.expose();
        assert_eq!(raw.len(), 40);
        assert!(raw.starts_with("tdk_"));
        assert!(raw[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(secret.visible_prefix(), &raw[..10]);
        assert_eq!(TokenSecret::parse(raw), Ok(secret.clone()));
    }

    #[test]
    fn two_secrets_differ() {
        assert_ne!(TokenSecret::generate(), TokenSecret::generate());
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let secret = TokenSecret::generate();
        let shown = format!("{secret:?}");
        assert!(!shown.contains(&secret.expose()[10..]), "{shown}");
    }

    #[test]
    fn rejects_wrong_shapes() {
        assert_eq!(TokenSecret::parse(""), Err(SecretFormatError::Malformed));
        assert_eq!(
            TokenSecret::parse(&format!("ghp_{}", "a".repeat(36))),
            Err(SecretFormatError::Malformed)
        );
        assert_eq!(
            TokenSecret::parse(&format!("tdk_{}!", "a".repeat(35))),
            Err(SecretFormatError::Malformed)
        );
    }

    #[test]
    fn the_checksum_matches_a_known_value() {
        // CRC32("tdk_" + 30 zeros) computed independently, in base62, six digits.
        let body = format!("tdk_{}", "0".repeat(30));
        let crc = crc32fast::hash(body.as_bytes());
        let decoded = checksum_of(&body).bytes().fold(0u64, |acc, b| {
            acc * 62 + BASE62.iter().position(|&c| c == b).unwrap() as u64
        });
        assert_eq!(decoded, u64::from(crc));
    }

    #[test]
    fn digest_is_sha256_of_the_whole_value() {
        let secret = TokenSecret::generate();
        let expected: [u8; 32] = Sha256::digest(secret.expose().as_bytes()).into();
        assert_eq!(secret.digest().0, expected);
    }

    proptest! {
        #[test]
        fn any_single_character_change_is_caught(pos in 4usize..40, replacement in "[A-Za-z0-9]") {
            let secret = TokenSecret::generate();
            let mut chars: Vec<char> = secret.expose().chars().collect();
            let new = replacement.chars().next().unwrap();
            prop_assume!(chars[pos] != new);
            chars[pos] = new;
            let typo: String = chars.into_iter().collect();
            prop_assert_eq!(TokenSecret::parse(&typo), Err(SecretFormatError::BadChecksum));
        }

        #[test]
        fn arbitrary_strings_never_panic(raw in "\\PC{0,60}") {
            let _ = TokenSecret::parse(&raw);
        }
    }
}
