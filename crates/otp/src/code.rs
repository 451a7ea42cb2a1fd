//! Codes: the digit count, dynamic truncation (RFC 4226 section 5.3) and constant-time comparison.

use alloc::format;

use core::fmt;

use subtle::ConstantTimeEq;

use super::error::{Error, Result};
use super::hash::Digest;

/// How many decimal digits a HOTP or TOTP code has: 6 to 10.
///
/// RFC 4226 asks for at least 6; 10 is the most a 31-bit truncated value can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digits(u8);

impl Digits {
    /// The usual six digits.
    pub const SIX: Self = Self(6);
    /// Eight digits, as in the RFC 6238 test vectors.
    pub const EIGHT: Self = Self(8);

    /// `n` digits, 6 to 10.
    ///
    /// # Errors
    /// [`Error::InvalidDigits`] outside 6..=10.
    pub fn new(n: u32) -> Result<Self> {
        match u8::try_from(n) {
            Ok(d @ 6..=10) => Ok(Self(d)),
            _ => Err(Error::InvalidDigits("6 to 10", n)),
        }
    }

    /// The number of digits.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl Default for Digits {
    fn default() -> Self {
        Self::SIX
    }
}

/// A one-time code of 4 to 10 decimal digits, kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Code {
    digits: [u8; 10],
    len: u8,
}

impl Code {
    /// The fewest digits a code has (RFC 6287 allows OCRA responses of 4).
    pub const MIN_LEN: u8 = 4;
    /// The most digits a code has: what a 31-bit truncated value can fill.
    pub const MAX_LEN: u8 = 10;

    /// The first `len` of `digits` (ASCII digits), `len` within `MIN_LEN..=MAX_LEN`.
    pub(crate) const fn from_ascii(digits: [u8; 10], len: u8) -> Self {
        Self { digits, len }
    }

    /// The code as text, leading zeros kept.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let digits = self.digits.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(digits).unwrap_or_default()
    }

    /// Constant-time comparison with the bytes a user typed (already checked to be digits).
    pub(crate) fn ct_eq_bytes(&self, typed: &[u8]) -> subtle::Choice {
        self.as_str().as_bytes().ct_eq(typed)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code({})", self.as_str())
    }
}

/// Dynamic truncation of RFC 4226 section 5.3 to `len` decimal digits (4..=10).
pub(crate) fn truncate(mac: &Digest, len: u8) -> Code {
    let mac = mac.as_bytes();
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let mut word = [0u8; 4];
    if let Some(bytes) = mac.get(offset..offset + 4) {
        word.copy_from_slice(bytes);
    }
    let mut value = u32::from_be_bytes(word) & 0x7fff_ffff;
    let len = len.clamp(1, 10);
    let mut code = Code {
        digits: [b'0'; 10],
        len,
    };
    // Fill from the right: value mod 10^len, zero-padded on the left.
    for slot in code.digits.iter_mut().take(usize::from(len)).rev() {
        // value % 10 < 10, so the cast cannot truncate.
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
    code
}

/// Checks that `typed` is exactly `len` ASCII digits, returning its bytes.
pub(crate) fn parse_typed_code(typed: &str, len: u8) -> Result<&[u8]> {
    let bytes = typed.as_bytes();
    if bytes.len() == usize::from(len) && bytes.iter().all(u8::is_ascii_digit) {
        Ok(bytes)
    } else {
        Err(Error::InvalidCode(format!("{len} digits")))
    }
}
