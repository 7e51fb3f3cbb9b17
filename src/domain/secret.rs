//! The secret formats: `tdk_` for API tokens and `tds_` for service credentials, each
//! the prefix + 30 base62 characters from the OS's CSPRNG + 6 base62 characters of a
//! CRC32 over what precedes them. The checksum lets the API and secret scanners reject a
//! mistyped or made-up secret without a database read.

use std::fmt;
use std::marker::PhantomData;

use rand::TryRngCore;
use rand::distr::{Alphanumeric, Distribution};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

const PREFIX_LEN: usize = 4;
const RANDOM_CHARS: usize = 30;
const CHECKSUM_CHARS: usize = 6;
/// How long a secret is.
pub const SECRET_LEN: usize = PREFIX_LEN + RANDOM_CHARS + CHECKSUM_CHARS;
/// How many leading characters lists may show.
pub const VISIBLE_PREFIX_LEN: usize = 10;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// What a secret is for, told apart by its prefix.
pub trait SecretKind {
    /// Four characters, ending in `_`.
    const PREFIX: &'static str;
    /// The name `Debug` shows.
    const NAME: &'static str;
}

/// An API token's secret: `tdk_…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiToken;

impl SecretKind for ApiToken {
    const PREFIX: &'static str = "tdk_";
    const NAME: &'static str = "TokenSecret";
}

/// A service credential's secret: `tds_…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service;

impl SecretKind for Service {
    const PREFIX: &'static str = "tds_";
    const NAME: &'static str = "ServiceSecret";
}

/// A full secret of kind `K`. Its `Debug` never shows the value; `expose` must be called
/// on purpose, where the value is shown to its owner or checked.
pub struct Secret<K>(String, PhantomData<K>);

pub type TokenSecret = Secret<ApiToken>;
pub type ServiceSecret = Secret<Service>;

/// Why a string is not a secret of the kind asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretFormatError {
    #[error("the secret does not have the expected format")]
    Malformed,
    #[error("the secret's checksum does not match")]
    BadChecksum,
}

impl<K: SecretKind> Secret<K> {
    /// A new secret from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut os = OsRng.unwrap_err();
        let mut body = String::with_capacity(SECRET_LEN);
        body.push_str(K::PREFIX);
        body.extend(
            Alphanumeric
                .sample_iter(&mut os)
                .take(RANDOM_CHARS)
                .map(char::from),
        );
        let checksum = checksum_of(&body);
        body.push_str(&checksum);
        Self(body, PhantomData)
    }

    /// Checks the shape and checksum of a presented secret.
    pub fn parse(raw: &str) -> Result<Self, SecretFormatError> {
        let well_formed = raw.len() == SECRET_LEN
            && raw.starts_with(K::PREFIX)
            && raw[PREFIX_LEN..].bytes().all(|b| b.is_ascii_alphanumeric());
        if !well_formed {
            return Err(SecretFormatError::Malformed);
        }
        let (body, checksum) = raw.split_at(SECRET_LEN - CHECKSUM_CHARS);
        if checksum_of(body) != checksum {
            return Err(SecretFormatError::BadChecksum);
        }
        Ok(Self(raw.to_owned(), PhantomData))
    }

    /// The full value, for showing it to its owner or encrypting it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first characters, which lists may show (`tdk_AbC123`).
    pub fn visible_prefix(&self) -> &str {
        &self.0[..VISIBLE_PREFIX_LEN]
    }

    /// The SHA-256 digest the database indexes and looks secrets up by.
    pub fn digest(&self) -> SecretDigest {
        SecretDigest(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl<K> Clone for Secret<K> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), PhantomData)
    }
}

impl<K> PartialEq for Secret<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<K> Eq for Secret<K> {}

impl<K: SecretKind> fmt::Debug for Secret<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({}…)", K::NAME, self.visible_prefix())
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

/// `text` with every `tdk_…` or `tds_…` run cut to its first ten characters and `…`.
pub fn without_secrets(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, run) in prefixed_runs(text) {
        kept.push_str(&text[copied..start]);
        kept.push_str(run.get(..VISIBLE_PREFIX_LEN).unwrap_or(run));
        if run.len() > VISIBLE_PREFIX_LEN {
            kept.push('…');
        }
        copied = start + run.len();
    }
    kept.push_str(&text[copied..]);
    kept
}

/// Each run in `text` that starts `tdk_` or `tds_`, with the letters, digits and `_`
/// after it, and where it starts.
fn prefixed_runs(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let rest = &text[from..];
        let at = [ApiToken::PREFIX, Service::PREFIX]
            .iter()
            .filter_map(|prefix| rest.find(prefix))
            .min()?;
        let start = from + at;
        let len = text[start..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(text.len() - start);
        from = start + len;
        Some((start, &text[start..from]))
    })
}

/// A text that holds what looks like a whole secret, as a search box does when someone
/// pastes a leaked value into it, bare or as an `Authorization` header's: a `tdk_` or
/// `tds_` run with at least the 30 letters and digits a secret's random part has.
#[derive(Clone, PartialEq, Eq)]
pub struct PastedSecrets<'a> {
    text: &'a str,
    runs: Vec<(usize, &'a str)>,
}

impl<'a> PastedSecrets<'a> {
    /// `None` if `text` holds nothing shaped like a secret. Each `tdk_` or `tds_` is
    /// looked at, including one joined to what comes before it by `_`, as when a secret
    /// is pasted twice or after a typed prefix, and a run ends where the next begins.
    pub fn find(text: &'a str) -> Option<Self> {
        let mut starts: Vec<usize> = [ApiToken::PREFIX, Service::PREFIX]
            .iter()
            .flat_map(|prefix| text.match_indices(prefix).map(|(at, _)| at))
            .collect();
        starts.sort_unstable();
        let runs: Vec<_> = starts
            .iter()
            .enumerate()
            .filter_map(|(i, &start)| {
                let body = start + PREFIX_LEN;
                let letters = text[body..]
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(text.len() - body);
                let end = starts
                    .get(i + 1)
                    .map_or(body + letters, |&next| next.min(body + letters));
                (end - body >= RANDOM_CHARS).then(|| (start, &text[start..end]))
            })
            .collect();
        (!runs.is_empty()).then_some(Self { text, runs })
    }

    /// The first of them that begins with a well-formed token secret.
    pub fn token_secret(&self) -> Option<TokenSecret> {
        self.runs
            .iter()
            .find_map(|(_, run)| TokenSecret::parse(run.get(..SECRET_LEN)?).ok())
    }

    /// The text with each of them cut to the prefix lists show.
    pub fn cut_to_visible_prefixes(&self) -> String {
        let mut kept = String::with_capacity(self.text.len());
        let mut copied = 0;
        for &(start, run) in &self.runs {
            kept.push_str(&self.text[copied..start]);
            kept.push_str(&run[..VISIBLE_PREFIX_LEN]);
            copied = start + run.len();
        }
        kept.push_str(&self.text[copied..]);
        kept
    }
}

impl fmt::Debug for PastedSecrets<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PastedSecrets")
            .field(&self.cut_to_visible_prefixes())
            .finish()
    }
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
    fn service_secrets_have_their_own_prefix_and_are_no_token_secrets() {
        let service = ServiceSecret::generate();
        assert!(service.expose().starts_with("tds_"));
        assert_eq!(service.expose().len(), SECRET_LEN);
        assert_eq!(ServiceSecret::parse(service.expose()), Ok(service.clone()));
        assert_eq!(
            TokenSecret::parse(service.expose()),
            Err(SecretFormatError::Malformed)
        );
        let token = TokenSecret::generate();
        assert_eq!(
            ServiceSecret::parse(token.expose()),
            Err(SecretFormatError::Malformed)
        );
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
        fn arbitrary_strings_never_panic(raw in "\\PC{0,60}|.*|t[dk]{2}_[A-Za-z0-9]{36}") {
            if let Ok(secret) = TokenSecret::parse(&raw) {
                prop_assert_eq!(secret.expose(), raw.as_str());
            }
            if let Ok(secret) = ServiceSecret::parse(&raw) {
                prop_assert_eq!(secret.expose(), raw.as_str());
            }
        }

        #[test]
        fn generated_secrets_of_each_kind_round_trip(_seed in 0u8..16) {
            let token = TokenSecret::generate();
            prop_assert_eq!(TokenSecret::parse(token.expose()), Ok(token.clone()));
            let service = ServiceSecret::generate();
            prop_assert_eq!(ServiceSecret::parse(service.expose()), Ok(service));
        }
    }

    #[test]
    fn secrets_quoted_in_text_are_cut_to_their_prefix() {
        assert_eq!(
            without_secrets("invalid type: string \"tdk_AbCdEf0123456789xyz\", expected struct"),
            "invalid type: string \"tdk_AbCdEf…\", expected struct"
        );
        assert_eq!(
            without_secrets("/settings/api-tokens?q=tdk_AbCdEf0123456789xyz&status=all"),
            "/settings/api-tokens?q=tdk_AbCdEf…&status=all"
        );
        assert_eq!(without_secrets("tds_x and tdk_"), "tds_x and tdk_");
        assert_eq!(without_secrets("nothing secret"), "nothing secret");
    }

    #[test]
    fn a_pasted_header_or_service_secret_is_found_and_cut_to_its_prefix() {
        let token = TokenSecret::generate();
        let service = ServiceSecret::generate();
        let header = format!("Bearer {}", token.expose());

        let pasted = PastedSecrets::find(&header).unwrap();
        assert_eq!(pasted.token_secret(), Some(token.clone()));
        assert_eq!(
            pasted.cut_to_visible_prefixes(),
            format!("Bearer {}", token.visible_prefix())
        );

        let both = format!("{} {}", service.expose(), token.expose());
        let pasted = PastedSecrets::find(&both).unwrap();
        assert_eq!(pasted.token_secret(), Some(token.clone()));
        assert_eq!(
            pasted.cut_to_visible_prefixes(),
            format!("{} {}", &service.expose()[..10], token.visible_prefix())
        );
        assert!(!format!("{pasted:?}").contains(token.expose()));

        // Pasted after a typed prefix, twice, or with something glued on by `_`.
        let other = TokenSecret::generate();
        for glued in [
            format!("tdk_{}", token.expose()),
            format!("{}{}", token.expose(), other.expose()),
            format!("{}_old", token.expose()),
        ] {
            let pasted = PastedSecrets::find(&glued).unwrap();
            assert_eq!(pasted.token_secret(), Some(token.clone()), "{glued}");
            let cut = pasted.cut_to_visible_prefixes();
            assert!(!cut.contains(&token.expose()[10..]), "{cut}");
            assert!(!cut.contains(&other.expose()[10..]), "{cut}");
        }

        // A mistyped secret is shaped like one still, and is cut; it is no token's. Its
        // last character is changed, whatever it was (one secret in 62 ends in `x`).
        let (kept, last) = token.expose().split_at(SECRET_LEN - 1);
        let mistyped = format!("{kept}{}", if last == "x" { 'y' } else { 'x' });
        let pasted = PastedSecrets::find(&mistyped).unwrap();
        assert_eq!(pasted.token_secret(), None);
        assert_eq!(pasted.cut_to_visible_prefixes(), token.visible_prefix());
    }

    #[test]
    fn names_that_merely_start_like_a_secret_are_searched_for_as_typed() {
        for name in [
            "tdk_migration_helper_for_the_old_billing_system",
            "tds_short",
            "nightly export",
            "tdk_",
        ] {
            assert_eq!(PastedSecrets::find(name), None, "{name}");
        }
    }
}
