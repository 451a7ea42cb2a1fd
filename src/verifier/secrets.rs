//! Random ids and codes, and the hashes the verifier stores instead of codes and passwords.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::{Error, Result};
use super::policy::Policy;
use super::ports::Entropy;
use crate::otp::hex_encode;

/// A random id: 128 bits in hex.
pub(crate) fn random_id(entropy: &dyn Entropy) -> Result<String> {
    let mut bytes = [0u8; 16];
    entropy.fill(&mut bytes)?;
    Ok(hex_encode(&bytes))
}

/// A uniformly random number below `n` (n >= 1).
pub(crate) fn random_below(entropy: &dyn Entropy, n: u32) -> Result<u32> {
    let n = n.max(1);
    // Reject the top of the range so every value is equally likely.
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let mut bytes = [0u8; 4];
        entropy.fill(&mut bytes)?;
        let value = u32::from_le_bytes(bytes);
        if value < zone {
            return Ok(value % n);
        }
    }
}

/// `len` random characters from `alphabet`.
pub(crate) fn random_text(entropy: &dyn Entropy, alphabet: &[u8], len: usize) -> Result<String> {
    let count =
        u32::try_from(alphabet.len()).map_err(|_| Error::InvalidInput("alphabet too large"))?;
    (0..len)
        .map(|_| {
            let i = random_below(entropy, count)?;
            alphabet
                .get(usize::try_from(i).unwrap_or(0))
                .map(|&b| char::from(b))
                .ok_or(Error::InvalidInput("empty alphabet"))
        })
        .collect()
}

/// `len` random decimal digits.
pub(crate) fn random_digits(entropy: &dyn Entropy, len: usize) -> Result<String> {
    random_text(entropy, b"0123456789", len)
}

/// A fresh salt and the hash of `code` under it, both hex. Codes are stored only this way.
pub(crate) fn hash_code(entropy: &dyn Entropy, code: &str) -> Result<(String, String)> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt)?;
    let salt_hex = hex_encode(&salt);
    Ok((salt_hex.clone(), salted_hash(&salt_hex, code)))
}

/// Whether `typed` hashes to `hash_hex` under `salt_hex`, compared in constant time.
pub(crate) fn code_matches(salt_hex: &str, hash_hex: &str, typed: &str) -> bool {
    bool::from(
        salted_hash(salt_hex, typed)
            .as_bytes()
            .ct_eq(hash_hex.as_bytes()),
    )
}

fn salted_hash(salt_hex: &str, code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt_hex.as_bytes());
    hasher.update([0]);
    hasher.update(code.as_bytes());
    hex_encode(&hasher.finalize())
}

/// SHA-256 of a phone number, hex: lets the per-number throttle key on it without storing it.
pub(crate) fn phone_key(phone: &str) -> String {
    hex_encode(&Sha256::digest(phone.as_bytes()))
}

fn argon2(policy: &Policy) -> Result<Argon2<'static>> {
    let params = Params::new(
        policy.password_memory_kib,
        policy.password_iterations,
        1,
        None,
    )
    .map_err(|_| Error::InvalidInput("impossible argon2 parameters"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// An Argon2id hash of `password` in PHC format.
pub(crate) fn hash_password(
    password: &str,
    policy: &Policy,
    entropy: &dyn Entropy,
) -> Result<String> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| Error::InvalidInput("salt"))?;
    argon2(policy)?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| Error::InvalidInput("the password could not be hashed"))
}

/// Whether `password` matches the PHC string `hash` (its own parameters are used).
pub(crate) fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}
