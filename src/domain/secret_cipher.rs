//! AES-256-GCM encryption of token secrets, so that admins can show and copy a token
//! later. The key is derived from the master secret key with HKDF-SHA256; each
//! ciphertext is bound to its token id (associated data), so one row's ciphertext
//! can't be replayed into another row.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key};
use hkdf::Hkdf;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::Sha256;

use super::{TokenId, TokenSecret};

const NONCE_LEN: usize = 12;
const KEY_INFO: &[u8] = b"tokendesk token secrets v1";

/// Encrypts and decrypts token secrets under one key.
#[derive(Clone)]
pub struct SecretCipher {
    cipher: Aes256Gcm,
}

/// Why a stored secret could not be decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    #[error(
        "the stored token secret could not be decrypted: TOKENDESK_SECRET_KEY is not the key it was encrypted with"
    )]
    WrongKeyOrCorrupt,
    #[error("the stored token secret is not a valid tdk_ token")]
    NotATokenSecret,
}

impl SecretCipher {
    /// Derives the encryption key from the master key (at least 32 bytes).
    pub fn from_master_key(master: &[u8]) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, master)
            .expand(KEY_INFO, &mut key)
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 output length"));
        Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
        }
    }

    /// `nonce || ciphertext+tag`, with a fresh random nonce.
    pub fn encrypt(&self, token: &TokenId, secret: &TokenSecret) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng
            .unwrap_err()
            .try_fill_bytes(&mut nonce)
            .unwrap_or_else(|e| match e {});
        let payload = Payload {
            msg: secret.expose().as_bytes(),
            aad: token.as_str().as_bytes(),
        };
        let sealed = self
            .cipher
            .encrypt(&nonce.into(), payload)
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption of a short message cannot fail"));
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, token: &TokenId, stored: &[u8]) -> Result<TokenSecret, DecryptError> {
        if stored.len() <= NONCE_LEN {
            return Err(DecryptError::WrongKeyOrCorrupt);
        }
        let (nonce, sealed) = stored.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| DecryptError::WrongKeyOrCorrupt)?;
        let payload = Payload {
            msg: sealed,
            aad: token.as_str().as_bytes(),
        };
        let plain = self
            .cipher
            .decrypt(&nonce.into(), payload)
            .map_err(|_| DecryptError::WrongKeyOrCorrupt)?;
        let text = String::from_utf8(plain).map_err(|_| DecryptError::NotATokenSecret)?;
        TokenSecret::parse(&text).map_err(|_| DecryptError::NotATokenSecret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> TokenId {
        TokenId::parse("TK-1111-2222-3333").unwrap()
    }

    #[test]
    fn round_trips_a_secret() {
        let cipher = SecretCipher::from_master_key(&[7u8; 64]);
        let secret = TokenSecret::generate();
        let stored = cipher.encrypt(&token(), &secret);
        assert!(
            !stored
                .windows(10)
                .any(|w| w == &secret.expose().as_bytes()[..10])
        );
        assert_eq!(cipher.decrypt(&token(), &stored), Ok(secret));
    }

    #[test]
    fn a_different_key_is_a_clear_error_not_a_panic() {
        let stored =
            SecretCipher::from_master_key(&[1u8; 32]).encrypt(&token(), &TokenSecret::generate());
        let other = SecretCipher::from_master_key(&[2u8; 32]);
        assert_eq!(
            other.decrypt(&token(), &stored),
            Err(DecryptError::WrongKeyOrCorrupt)
        );
    }

    #[test]
    fn a_ciphertext_moved_to_another_token_does_not_decrypt() {
        let cipher = SecretCipher::from_master_key(&[3u8; 32]);
        let stored = cipher.encrypt(&token(), &TokenSecret::generate());
        let elsewhere = TokenId::parse("TK-9999-8888-7777").unwrap();
        assert_eq!(
            cipher.decrypt(&elsewhere, &stored),
            Err(DecryptError::WrongKeyOrCorrupt)
        );
    }

    #[test]
    fn truncated_or_tampered_data_is_rejected() {
        let cipher = SecretCipher::from_master_key(&[4u8; 32]);
        let mut stored = cipher.encrypt(&token(), &TokenSecret::generate());
        assert!(cipher.decrypt(&token(), &stored[..8]).is_err());
        let last = stored.len() - 1;
        stored[last] ^= 1;
        assert!(cipher.decrypt(&token(), &stored).is_err());
    }

    #[test]
    fn each_encryption_uses_a_fresh_nonce() {
        let cipher = SecretCipher::from_master_key(&[5u8; 32]);
        let secret = TokenSecret::generate();
        assert_ne!(
            cipher.encrypt(&token(), &secret),
            cipher.encrypt(&token(), &secret)
        );
    }
}
