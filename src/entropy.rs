//! Fresh secrets from the operating system's CSPRNG, or the browser's `crypto.getRandomValues`
//! on wasm32 (through getrandom). The only place in the crate that draws randomness.

use crate::otp::{Error, Result, Secret};

/// The default secret length: 20 bytes (160 bits), as RFC 4226 recommends.
pub const DEFAULT_SECRET_LEN: usize = 20;

/// The shortest secret this crate will generate: 16 bytes (128 bits), RFC 4226's minimum.
pub const MIN_SECRET_LEN: usize = 16;

/// A new random secret of `len` bytes (16 to [`crate::otp::MAX_SECRET_LEN`]).
///
/// # Errors
/// [`Error::SecretTooShort`] below 16 bytes, [`Error::InvalidSecretLength`] above the maximum,
/// [`Error::Entropy`] when the system has no randomness to give.
pub fn random_secret(len: usize) -> Result<Secret> {
    if len < MIN_SECRET_LEN {
        return Err(Error::SecretTooShort(len));
    }
    if len > crate::otp::MAX_SECRET_LEN {
        return Err(Error::InvalidSecretLength(len));
    }
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| Error::Entropy(e.to_string()))?;
    Secret::from_bytes(bytes)
}
