//! The user's secret at rest: XOR-ed with a keystream derived from the PIN, with **no integrity
//! tag**.
//!
//! ```text
//! wrapped = secret XOR PBKDF2-HMAC-SHA256(PIN, salt, iterations, len(secret))
//! ```
//!
//! Every PIN unwraps *some* key of the right length, so a wrong PIN gives a plausible wrong
//! response that the server counts against its lockout, and the copied record alone offers no
//! offline test of a PIN guess (RFC 8018 section 5.2 for PBKDF2). The salt is per user and per
//! wrap.
//!
//! # Security
//! The wrapping is only as strong as the server's lockout *while no response is known*: the
//! record plus one observed challenge and response (or one TOTP code) identifies the PIN offline,
//! at one PBKDF2 per guess (a wrong PIN matches an 8-digit response with probability 10^-8). It
//! is not a substitute for keeping the device's storage private.

use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use super::error::{Error, Result};
use super::pin::Pin;
use secure_login_otp::Secret;

/// Bytes of a KDF salt.
pub const SALT_LEN: usize = 16;

/// PBKDF2-HMAC-SHA256 iterations of a new wrap.
///
/// Chosen so that unlocking (one PBKDF2 block: secrets of at most 32 bytes) takes about 0.3 s
/// in headless Chromium on the development machine: with 825,000 iterations one unlock took
/// 0.29 s (median of 15; range 0.289 to 0.373 s, the slow ones while other builds ran) in
/// Chromium 156 on a 2-vCPU Xeon, release build of the wasm (opt-level 3, LTO). Measured by
/// `cargo test --release --target wasm32-unknown-unknown --test web_token -- --include-ignored
/// --nocapture unlock_cost`. Secrets of 33 to 64 bytes need two PBKDF2 blocks and take twice as
/// long. A phone may well take two or three times longer.
pub const DEFAULT_ITERATIONS: u32 = 825_000;

/// The fewest iterations accepted (tests use it; never choose it for real users).
pub const MIN_ITERATIONS: u32 = 1_000;

/// The most iterations accepted, so a hostile record cannot hang the page.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// The longest secret the token keeps: 64 bytes, one SHA-512 block.
pub const MAX_TOKEN_SECRET_LEN: usize = 64;

/// The shortest secret the token keeps: 16 bytes (128 bits), RFC 4226's minimum.
pub const MIN_TOKEN_SECRET_LEN: usize = 16;

/// The name of the one key-derivation function of the vault.
pub const KDF_PBKDF2_SHA256: &str = "PBKDF2-HMAC-SHA256";

/// How a PIN becomes a keystream: PBKDF2-HMAC-SHA256 with this salt and iteration count.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "KdfJson", into = "KdfJson")]
pub struct Kdf {
    salt: [u8; SALT_LEN],
    iterations: u32,
}

impl Kdf {
    /// Parameters for a new wrap, with a fresh random `salt` from the caller.
    ///
    /// # Errors
    /// [`Error::InvalidKdf`] for iterations outside [`MIN_ITERATIONS`]..=[`MAX_ITERATIONS`].
    pub fn new(salt: [u8; SALT_LEN], iterations: u32) -> Result<Self> {
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(Error::InvalidKdf("iterations must be 1,000 to 10,000,000"));
        }
        Ok(Self { salt, iterations })
    }

    /// The iteration count.
    #[must_use]
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// The salt.
    #[must_use]
    pub fn salt(&self) -> &[u8; SALT_LEN] {
        &self.salt
    }

    fn keystream(&self, pin: &Pin, len: usize) -> Zeroizing<Vec<u8>> {
        let mut stream = Zeroizing::new(vec![0u8; len]);
        pbkdf2::pbkdf2_hmac::<Sha256>(
            pin.expose().as_bytes(),
            &self.salt,
            self.iterations,
            &mut stream,
        );
        stream
    }
}

impl core::fmt::Debug for Kdf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Kdf(PBKDF2-HMAC-SHA256, {} iterations)", self.iterations)
    }
}

/// The stored shape of [`Kdf`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfJson {
    algorithm: String,
    salt: String,
    iterations: u32,
}

impl TryFrom<KdfJson> for Kdf {
    type Error = Error;
    fn try_from(json: KdfJson) -> Result<Self> {
        if json.algorithm != KDF_PBKDF2_SHA256 {
            return Err(Error::InvalidKdf("unknown key-derivation function"));
        }
        let salt = secure_login_otp::hex_decode(&json.salt)
            .ok()
            .and_then(|s| <[u8; SALT_LEN]>::try_from(s).ok())
            .ok_or(Error::InvalidKdf("the salt must be 16 bytes in hex"))?;
        Self::new(salt, json.iterations)
    }
}

impl From<Kdf> for KdfJson {
    fn from(kdf: Kdf) -> Self {
        Self {
            algorithm: KDF_PBKDF2_SHA256.to_owned(),
            salt: secure_login_otp::hex_encode(&kdf.salt),
            iterations: kdf.iterations,
        }
    }
}

/// Checks that a secret has a length the token keeps (16 to 64 bytes).
///
/// # Errors
/// [`Error::InvalidSecret`].
pub fn check_secret_len(len: usize) -> Result<()> {
    if (MIN_TOKEN_SECRET_LEN..=MAX_TOKEN_SECRET_LEN).contains(&len) {
        Ok(())
    } else {
        Err(Error::InvalidSecret(len))
    }
}

/// `secret XOR keystream(pin)`.
///
/// # Errors
/// [`Error::InvalidSecret`] for a secret of fewer than 16 or more than 64 bytes.
pub fn wrap(secret: &Secret, pin: &Pin, kdf: &Kdf) -> Result<Vec<u8>> {
    check_secret_len(secret.len())?;
    let stream = kdf.keystream(pin, secret.len());
    Ok(secret
        .expose_secret()
        .iter()
        .zip(stream.iter())
        .map(|(s, k)| s ^ k)
        .collect())
}

/// `wrapped XOR keystream(pin)`: the secret for the right PIN, a different secret of the same
/// length for any other. It never fails on a wrong PIN: there is nothing to check it against.
///
/// # Errors
/// [`Error::CorruptRecord`] only when `wrapped` has a length no secret has.
pub fn unwrap(wrapped: &[u8], pin: &Pin, kdf: &Kdf) -> Result<Secret> {
    check_secret_len(wrapped.len()).map_err(|_| Error::CorruptRecord("wrapped key length"))?;
    let stream = kdf.keystream(pin, wrapped.len());
    let mut bytes: Vec<u8> = wrapped
        .iter()
        .zip(stream.iter())
        .map(|(w, k)| w ^ k)
        .collect();
    let secret = Secret::from_bytes(core::mem::take(&mut bytes));
    bytes.zeroize();
    Ok(secret?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secure_login_otp::hex_decode;

    const SALT: [u8; SALT_LEN] = *b"0123456789abcdef";

    fn secret() -> Secret {
        Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    #[test]
    fn wrapping_matches_an_independent_pbkdf2() {
        // python3 -c 'import hashlib; s=b"12345678901234567890";
        //   k=hashlib.pbkdf2_hmac("sha256", b"4826", b"0123456789abcdef", 1000, len(s));
        //   print(bytes(a^b for a,b in zip(s,k)).hex())'
        let expected = hex_decode("8aacb1b5f080180b0d7a46eb5458746f393eeb21").unwrap();
        let kdf = Kdf::new(SALT, 1000).unwrap();
        let pin = Pin::parse("4826").unwrap();
        assert_eq!(wrap(&secret(), &pin, &kdf).unwrap(), expected);
        assert_eq!(
            unwrap(&expected, &pin, &kdf).unwrap().expose_secret(),
            secret().expose_secret()
        );
    }

    #[test]
    fn a_wrong_pin_unwraps_a_different_key_of_the_same_length_without_error() {
        let kdf = Kdf::new(SALT, 1000).unwrap();
        let wrapped = wrap(&secret(), &Pin::parse("4826").unwrap(), &kdf).unwrap();
        let wrong = unwrap(&wrapped, &Pin::parse("4827").unwrap(), &kdf).unwrap();
        assert_eq!(wrong.len(), 20);
        assert_ne!(wrong.expose_secret(), secret().expose_secret());
    }

    #[test]
    fn the_wrapped_key_is_not_the_secret() {
        let kdf = Kdf::new(SALT, 1000).unwrap();
        let wrapped = wrap(&secret(), &Pin::parse("4826").unwrap(), &kdf).unwrap();
        assert_ne!(wrapped, secret().expose_secret());
    }

    #[test]
    fn parameters_are_bounded() {
        assert!(matches!(Kdf::new(SALT, 999), Err(Error::InvalidKdf(_))));
        assert!(matches!(
            Kdf::new(SALT, MAX_ITERATIONS + 1),
            Err(Error::InvalidKdf(_))
        ));
        let short = Secret::from_bytes_allow_short(vec![1; 15]).unwrap();
        let kdf = Kdf::new(SALT, 1000).unwrap();
        assert_eq!(
            wrap(&short, &Pin::parse("4826").unwrap(), &kdf).unwrap_err(),
            Error::InvalidSecret(15)
        );
    }

    #[test]
    fn kdf_serializes_with_its_name_and_refuses_others() {
        let kdf = Kdf::new(SALT, 1000).unwrap();
        let json = serde_json::to_string(&kdf).unwrap();
        assert_eq!(
            json,
            r#"{"algorithm":"PBKDF2-HMAC-SHA256","salt":"30313233343536373839616263646566","iterations":1000}"#
        );
        assert_eq!(serde_json::from_str::<Kdf>(&json).unwrap(), kdf);
        for bad in [
            r#"{"algorithm":"MD5","salt":"30313233343536373839616263646566","iterations":1000}"#,
            r#"{"algorithm":"PBKDF2-HMAC-SHA256","salt":"3031","iterations":1000}"#,
            r#"{"algorithm":"PBKDF2-HMAC-SHA256","salt":"30313233343536373839616263646566","iterations":1}"#,
        ] {
            assert!(serde_json::from_str::<Kdf>(bad).is_err(), "{bad}");
        }
    }
}
