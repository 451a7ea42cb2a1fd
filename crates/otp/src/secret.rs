//! The shared secret as a type: wiped on drop, never printed.

use alloc::{
    string::{String, ToString},
    vec,
    vec::Vec,
};

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::encoding;
use super::error::{Error, Result};

/// The longest secret accepted: 1024 bytes, far above any hash block, far below abuse.
pub const MAX_SECRET_LEN: usize = 1024;

/// The default length of a generated secret: 20 bytes (160 bits), as RFC 4226 recommends.
pub const DEFAULT_SECRET_LEN: usize = 20;

/// The shortest secret accepted: 16 bytes (128 bits), RFC 4226's minimum (section 4, R6), as
/// otplib and totp-rs require. Shorter legacy secrets (the 80-bit keys of older authenticator
/// set-ups) need the explicit [`Secret::from_bytes_allow_short`].
pub const MIN_SECRET_LEN: usize = 16;

/// Checks the length of a secret given as bytes: [`MIN_SECRET_LEN`] to [`MAX_SECRET_LEN`].
pub(crate) fn check_len(len: usize) -> Result<()> {
    if len < MIN_SECRET_LEN {
        Err(Error::SecretTooShort(len))
    } else if len > MAX_SECRET_LEN {
        Err(Error::InvalidSecretLength(len))
    } else {
        Ok(())
    }
}

/// A shared secret key. Its bytes are zeroized when it is dropped; `Debug` shows only its length;
/// it has no `Display` and no `PartialEq`, so it cannot leak into logs or timing-sensitive compares.
///
/// Every constructor but [`Secret::from_bytes_allow_short`] requires at least [`MIN_SECRET_LEN`]
/// (16) bytes.
///
/// # Examples
///
/// ```
/// use secure_login_otp::{Error, Secret};
///
/// // RFC 4226 Appendix D's key, "12345678901234567890", as hex and as an app shows it.
/// let hex = Secret::from_hex("3132333435363738393031323334353637383930")?;
/// let base32 = Secret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")?;
/// assert_eq!(hex.expose_secret(), b"12345678901234567890");
/// assert_eq!(base32.expose_secret(), hex.expose_secret());
/// assert_eq!(hex.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
/// assert_eq!(format!("{hex:?}"), "Secret([REDACTED; 20 bytes])");
///
/// // An 80-bit key is refused unless the caller says it is a legacy one.
/// assert_eq!(Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap_err(), Error::SecretTooShort(10));
/// let legacy = Secret::from_bytes_allow_short(secure_login_otp::base32_decode("JBSWY3DPEHPK3PXP")?)?;
/// assert_eq!(legacy.expose_secret(), b"Hello!\xde\xad\xbe\xef");
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Takes ownership of `bytes` ([`MIN_SECRET_LEN`] (16) to [`MAX_SECRET_LEN`] of them).
    ///
    /// # Errors
    /// [`Error::SecretTooShort`] below 16 bytes, [`Error::InvalidSecretLength`] above 1024;
    /// the bytes are wiped either way.
    pub fn from_bytes(mut bytes: Vec<u8>) -> Result<Self> {
        if let Err(e) = check_len(bytes.len()) {
            bytes.zeroize();
            return Err(e);
        }
        Ok(Self(bytes))
    }

    /// The escape for legacy secrets: takes 1 to [`MAX_SECRET_LEN`] bytes, below the 16-byte
    /// minimum too, for keys that already exist (the 80-bit, 16-character Base32 keys many
    /// services issued, a token's key being verified, a stored record).
    ///
    /// # Errors
    /// [`Error::InvalidSecretLength`] for no bytes or more than 1024; the bytes are wiped.
    ///
    /// # Security
    /// A secret below 128 bits is weaker than RFC 4226 section 4 asks (R6); never use this
    /// path for a new secret ([`Secret::generate`] makes those).
    pub fn from_bytes_allow_short(mut bytes: Vec<u8>) -> Result<Self> {
        if bytes.is_empty() || bytes.len() > MAX_SECRET_LEN {
            let len = bytes.len();
            bytes.zeroize();
            return Err(Error::InvalidSecretLength(len));
        }
        Ok(Self(bytes))
    }

    /// A new secret of `len` bytes (16 to [`MAX_SECRET_LEN`]), filled by `fill`: the caller's
    /// CSPRNG (getrandom, the verifier's entropy port), since this crate draws no randomness.
    ///
    /// # Errors
    /// [`Error::SecretTooShort`] below 16 bytes, [`Error::InvalidSecretLength`] above the maximum,
    /// [`Error::Entropy`] with `fill`'s reason when it has no randomness to give.
    pub fn generate<E: fmt::Display>(
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> core::result::Result<(), E>,
    ) -> Result<Self> {
        if len < MIN_SECRET_LEN {
            return Err(Error::SecretTooShort(len));
        }
        if len > MAX_SECRET_LEN {
            return Err(Error::InvalidSecretLength(len));
        }
        let mut bytes = vec![0u8; len];
        if let Err(reason) = fill(&mut bytes) {
            bytes.zeroize();
            return Err(Error::Entropy(reason.to_string()));
        }
        Self::from_bytes(bytes)
    }

    /// Decodes a Base32 secret as authenticator apps show it (RFC 4648; case, spaces and
    /// padding are forgiven).
    ///
    /// # Errors
    /// [`Error::InvalidBase32`]; [`Error::SecretTooShort`] or [`Error::InvalidSecretLength`] as
    /// [`Secret::from_bytes`]. A legacy short key: `Secret::from_bytes_allow_short(base32_decode(text)?)`.
    pub fn from_base32(text: &str) -> Result<Self> {
        Self::from_bytes(encoding::base32_decode(text)?)
    }

    /// Decodes a hexadecimal secret.
    ///
    /// # Errors
    /// [`Error::InvalidHex`]; [`Error::SecretTooShort`] or [`Error::InvalidSecretLength`] as
    /// [`Secret::from_bytes`].
    pub fn from_hex(text: &str) -> Result<Self> {
        Self::from_bytes(encoding::hex_decode(text)?)
    }

    /// The raw key bytes. Keep the borrow short.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// The key in Base32 without padding, for a Key URI or a QR code.
    #[must_use]
    pub fn to_base32(&self) -> String {
        encoding::base32_encode(&self.0)
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a secret is never empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([REDACTED; {} bytes])", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_length_only() {
        let secret = Secret::from_hex("3132333435363738393031323334353637383930").unwrap();
        let shown = format!("{secret:?}");
        assert_eq!(shown, "Secret([REDACTED; 20 bytes])");
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn short_empty_and_oversized_secrets_are_refused() {
        assert_eq!(
            Secret::from_bytes(vec![]).unwrap_err(),
            Error::SecretTooShort(0)
        );
        assert_eq!(
            Secret::from_bytes(vec![1; 15]).unwrap_err(),
            Error::SecretTooShort(15)
        );
        assert_eq!(Secret::from_bytes(vec![1; 16]).unwrap().len(), 16);
        assert_eq!(
            Secret::from_hex("00112233445566778899aabbccddee").unwrap_err(),
            Error::SecretTooShort(15)
        );
        assert_eq!(
            Secret::from_base32("GEZDGNBVGY3TQOJQ").unwrap_err(),
            Error::SecretTooShort(10)
        );
        let too_long = vec![1; MAX_SECRET_LEN + 1];
        assert_eq!(
            Secret::from_bytes(too_long.clone()).unwrap_err(),
            Error::InvalidSecretLength(MAX_SECRET_LEN + 1)
        );
        assert_eq!(
            Secret::from_bytes_allow_short(too_long).unwrap_err(),
            Error::InvalidSecretLength(MAX_SECRET_LEN + 1)
        );
    }

    #[test]
    fn the_legacy_escape_takes_short_secrets_but_not_empty_ones() {
        assert_eq!(Secret::from_bytes_allow_short(vec![9]).unwrap().len(), 1);
        assert_eq!(
            Secret::from_bytes_allow_short(vec![9; 10]).unwrap().len(),
            10
        );
        assert_eq!(
            Secret::from_bytes_allow_short(vec![]).unwrap_err(),
            Error::InvalidSecretLength(0)
        );
    }

    #[test]
    fn generate_takes_its_bytes_from_the_callers_generator() {
        let secret = Secret::generate(16, |buf: &mut [u8]| {
            buf.fill(7);
            Ok::<(), &str>(())
        })
        .unwrap();
        assert_eq!(secret.expose_secret(), &[7; 16]);
        let never = |_: &mut [u8]| -> core::result::Result<(), &str> { unreachable!() };
        assert_eq!(
            Secret::generate(15, never).unwrap_err(),
            Error::SecretTooShort(15)
        );
        assert_eq!(
            Secret::generate(MAX_SECRET_LEN + 1, never).unwrap_err(),
            Error::InvalidSecretLength(MAX_SECRET_LEN + 1)
        );
        assert_eq!(
            Secret::generate(20, |_: &mut [u8]| Err("no randomness")).unwrap_err(),
            Error::Entropy("no randomness".into())
        );
    }

    #[test]
    fn base32_is_forgiving_on_input() {
        let canonical = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        for typed in [
            "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====",
        ] {
            assert_eq!(
                Secret::from_base32(typed).unwrap().expose_secret(),
                canonical.expose_secret()
            );
        }
        assert!(matches!(
            Secret::from_base32("GEZDGNBV1"),
            Err(Error::InvalidBase32(_))
        ));
        assert!(matches!(
            Secret::from_base32("GE=ZDGNBV"),
            Err(Error::InvalidBase32(_))
        ));
    }
}
