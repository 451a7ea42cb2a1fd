//! Secrets at rest: the [`KeyVault`] port that seals factor keys and card PIN hashes before they
//! reach the store, and keys the hashes of codes; [`AeadVault`], the port's implementation under
//! a 32-byte key-encryption key (KEK) that lives outside the database.
//!
//! - **Sealing**: XChaCha20-Poly1305 under a key derived from the KEK with HKDF-SHA256, a random
//!   24-byte nonce per seal (drawn through the [`Entropy`] port), and the record's identity
//!   (account, factor and field) as associated data, so a sealed key cannot be moved to another
//!   factor or account. Each sealed value names the key it was sealed under (`key_id`).
//! - **Code hashes**: HMAC-SHA256 under a second key derived from the KEK: without the KEK, a
//!   stored hash of a 6-digit code cannot be reversed by trying the 10^6 candidates.

use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::ports::Entropy;
use secure_login_otp::{hex_decode, hex_encode};

/// A value sealed by a [`KeyVault`]: what the store keeps instead of a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The key it was sealed under ([`KeyVault::key_id`]).
    pub key_id: String,
    /// The AEAD nonce, hex.
    pub nonce: String,
    /// Ciphertext and tag, hex.
    pub ciphertext: String,
}

/// Seals and opens the secrets the verifier stores, and keys the hashes of codes. The server
/// implements it with its key-encryption key; the verifier never sees that key.
pub trait KeyVault: Send + Sync {
    /// Names the key seals are made under (stored with each sealed value).
    fn key_id(&self) -> &str;

    /// Encrypts `plaintext` bound to `context` (the identity of the record that holds it).
    ///
    /// # Errors
    /// [`Error::Entropy`] without randomness for the nonce.
    fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Sealed>;

    /// Decrypts `sealed`, which must have been sealed under this key for this `context`.
    ///
    /// # Errors
    /// [`Error::Sealed`] for another key, another context, or a tampered value.
    fn open(&self, context: &str, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>>;

    /// HMAC-SHA256 of `data` under the code-hash key.
    fn code_mac(&self, data: &[u8]) -> [u8; 32];
}

/// HKDF labels: one derived key per use, so the KEK itself encrypts nothing.
const SEAL_INFO: &[u8] = b"secure-login v1 sealing key";
const CODE_INFO: &[u8] = b"secure-login v1 code hash key";
const ID_INFO: &[u8] = b"secure-login v1 key id";

/// [`KeyVault`] under a 32-byte key-encryption key.
pub struct AeadVault {
    seal_key: Zeroizing<[u8; 32]>,
    code_key: Zeroizing<[u8; 32]>,
    key_id: String,
    entropy: Arc<dyn Entropy>,
}

impl core::fmt::Debug for AeadVault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AeadVault")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl AeadVault {
    /// A vault under `kek`; nonces come from `entropy`.
    #[must_use]
    pub fn new(kek: &[u8; 32], entropy: Arc<dyn Entropy>) -> Self {
        let hkdf = hkdf::Hkdf::<Sha256>::new(None, kek);
        let mut seal_key = Zeroizing::new([0u8; 32]);
        let mut code_key = Zeroizing::new([0u8; 32]);
        let mut id = [0u8; 8];
        // 32 and 8 bytes are far below HKDF-SHA256's 8160-byte limit: expand cannot fail.
        let expanded = hkdf.expand(SEAL_INFO, seal_key.as_mut_slice()).is_ok()
            && hkdf.expand(CODE_INFO, code_key.as_mut_slice()).is_ok()
            && hkdf.expand(ID_INFO, &mut id).is_ok();
        debug_assert!(expanded);
        Self {
            seal_key,
            code_key,
            key_id: hex_encode(&id),
            entropy,
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.seal_key.as_slice().into())
    }
}

impl KeyVault for AeadVault {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Sealed> {
        let mut nonce = [0u8; 24];
        self.entropy.fill(&mut nonce)?;
        let ciphertext = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| Error::Sealed("a secret could not be sealed"))?;
        Ok(Sealed {
            key_id: self.key_id.clone(),
            nonce: hex_encode(&nonce),
            ciphertext: hex_encode(&ciphertext),
        })
    }

    fn open(&self, context: &str, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>> {
        if sealed.key_id != self.key_id {
            return Err(Error::Sealed(
                "a secret is sealed under another key than the one given",
            ));
        }
        let nonce = hex_decode(&sealed.nonce).map_err(|_| Error::Sealed("a malformed nonce"))?;
        let ciphertext =
            hex_decode(&sealed.ciphertext).map_err(|_| Error::Sealed("a malformed ciphertext"))?;
        if nonce.len() != 24 {
            return Err(Error::Sealed("a malformed nonce"));
        }
        self.cipher()
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| Error::Sealed("a sealed secret does not open: wrong key or tampered"))
    }

    fn code_mac(&self, data: &[u8]) -> [u8; 32] {
        // HMAC takes a key of any length: `new_from_slice` cannot fail.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(self.code_key.as_slice()) else {
            return [0; 32];
        };
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::TestEntropy;

    fn vault(byte: u8) -> AeadVault {
        AeadVault::new(&[byte; 32], Arc::new(TestEntropy::default()))
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_its_context() {
        let one = vault(1);
        let sealed = one.seal("account/a/factor/1/secret_hex", b"key").unwrap();
        assert_eq!(
            one.open("account/a/factor/1/secret_hex", &sealed)
                .unwrap()
                .as_slice(),
            b"key"
        );
        assert!(one.open("account/a/factor/2/secret_hex", &sealed).is_err());
        assert!(one.open("account/b/factor/1/secret_hex", &sealed).is_err());
        // Another key refuses it, even when it claims the right key id.
        let two = vault(2);
        assert_ne!(one.key_id(), two.key_id());
        let relabelled = Sealed {
            key_id: two.key_id().to_owned(),
            ..sealed.clone()
        };
        assert!(two
            .open("account/a/factor/1/secret_hex", &relabelled)
            .is_err());
        // A flipped bit of the ciphertext is refused.
        let mut tampered = sealed.clone();
        let flipped = if tampered.ciphertext.starts_with('0') {
            "1"
        } else {
            "0"
        };
        tampered.ciphertext.replace_range(0..1, flipped);
        assert!(one
            .open("account/a/factor/1/secret_hex", &tampered)
            .is_err());
    }

    #[test]
    fn two_seals_of_one_secret_differ() {
        let one = vault(1);
        let a = one.seal("c", b"same").unwrap();
        let b = one.seal("c", b"same").unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn the_code_mac_is_hmac_sha256_under_a_key_derived_from_the_kek() {
        // Independent computation: HKDF-SHA256 (RFC 5869) by hand from HMAC, then HMAC.
        let kek = [7u8; 32];
        let prk = {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[0u8; 32]).unwrap();
            mac.update(&kek);
            mac.finalize().into_bytes()
        };
        let okm = {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&prk).unwrap();
            mac.update(CODE_INFO);
            mac.update(&[1]);
            mac.finalize().into_bytes()
        };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&okm).unwrap();
        mac.update(b"123456");
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(vault(7).code_mac(b"123456"), expected);
        assert_ne!(vault(8).code_mac(b"123456"), expected);
    }
}
