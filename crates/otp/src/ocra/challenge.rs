//! The OCRA challenge `Q` (RFC 6287 section 5.1): checked against its suite and laid into the
//! 128-byte field the way the RFC's reference code does.

use alloc::{format, vec, vec::Vec};

use core::fmt;

use super::super::error::{Error, Result};

/// Bytes of the `Q` field in the data input.
pub const Q_FIELD_LEN: usize = 128;

/// The alphabet of a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChallengeFormat {
    /// `A`: letters and digits, taken as their ASCII bytes.
    Alphanumeric,
    /// `N`: decimal digits, taken as one big number written in hex.
    Numeric,
    /// `H`: hex digits, taken as nibbles.
    Hex,
}

/// The `Q` part of a suite: format and the most characters one challenge may have (4 to 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChallengeSpec {
    format: ChallengeFormat,
    max_len: u8,
}

impl ChallengeSpec {
    /// A spec for `max_len` characters (4 to 64).
    #[must_use]
    pub fn new(format: ChallengeFormat, max_len: u16) -> Option<Self> {
        let max_len = u8::try_from(max_len)
            .ok()
            .filter(|n| (4..=64).contains(n))?;
        Some(Self { format, max_len })
    }

    /// The format.
    #[must_use]
    pub fn format(self) -> ChallengeFormat {
        self.format
    }

    /// The most characters one challenge may have.
    #[must_use]
    pub fn max_len(self) -> usize {
        usize::from(self.max_len)
    }
}

impl fmt::Display for ChallengeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = match self.format {
            ChallengeFormat::Alphanumeric => 'A',
            ChallengeFormat::Numeric => 'N',
            ChallengeFormat::Hex => 'H',
        };
        write!(f, "Q{format}{:02}", self.max_len)
    }
}

/// A challenge ready for the data input: the 128-byte `Q` field.
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge {
    field: [u8; Q_FIELD_LEN],
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Challenge(..)")
    }
}

impl Challenge {
    /// One challenge, as in one-way challenge/response and signatures (RFC 6287 sections 7.1, 7.3).
    ///
    /// # Errors
    /// [`Error::InvalidChallenge`] for an empty challenge or a character outside the format;
    /// [`Error::ChallengeTooLong`] past the suite's length.
    pub fn new(spec: ChallengeSpec, text: &str) -> Result<Self> {
        check(spec, text)?;
        Self::encode(spec.format, text)
    }

    /// Two challenges concatenated, as in mutual challenge/response (RFC 6287 section 7.2): the
    /// server answers `client || server`, the client `server || client`. Each is checked alone.
    ///
    /// # Errors
    /// As [`Challenge::new`], for either part.
    pub fn mutual(spec: ChallengeSpec, first: &str, second: &str) -> Result<Self> {
        check(spec, first)?;
        check(spec, second)?;
        Self::encode(spec.format, &format!("{first}{second}"))
    }

    /// The 128 bytes that go into the data input.
    #[must_use]
    pub fn field(&self) -> &[u8; Q_FIELD_LEN] {
        &self.field
    }

    fn encode(format: ChallengeFormat, text: &str) -> Result<Self> {
        let mut field = [0u8; Q_FIELD_LEN];
        match format {
            ChallengeFormat::Alphanumeric => {
                let dst = field
                    .get_mut(..text.len())
                    .ok_or(Error::InvalidChallenge("too long for the 128-byte field"))?;
                dst.copy_from_slice(text.as_bytes());
            }
            ChallengeFormat::Hex => put_nibbles(&mut field, text.bytes().map(hex_value))?,
            ChallengeFormat::Numeric => {
                let hex = decimal_to_hex_nibbles(text)?;
                put_nibbles(&mut field, hex.into_iter())?;
            }
        }
        Ok(Self { field })
    }
}

fn check(spec: ChallengeSpec, text: &str) -> Result<()> {
    let len = text.chars().count();
    if len == 0 {
        return Err(Error::InvalidChallenge("empty"));
    }
    let allowed = match spec.format {
        ChallengeFormat::Alphanumeric => u8::is_ascii_alphanumeric,
        ChallengeFormat::Numeric => u8::is_ascii_digit,
        ChallengeFormat::Hex => u8::is_ascii_hexdigit,
    };
    if !text.is_ascii() || !text.bytes().all(|b| allowed(&b)) {
        return Err(Error::InvalidChallenge(match spec.format {
            ChallengeFormat::Alphanumeric => "only letters and digits are allowed",
            ChallengeFormat::Numeric => "only digits are allowed",
            ChallengeFormat::Hex => "only hex digits 0-9 and A-F are allowed",
        }));
    }
    if len > spec.max_len() {
        return Err(Error::ChallengeTooLong {
            len,
            max: spec.max_len(),
        });
    }
    Ok(())
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Writes nibbles from the left of `field`; an odd count leaves the last byte's low nibble 0,
/// as the reference code's right-padding of the hex string with '0' does.
fn put_nibbles(field: &mut [u8; Q_FIELD_LEN], nibbles: impl Iterator<Item = u8>) -> Result<()> {
    for (i, nibble) in nibbles.enumerate() {
        let byte = field
            .get_mut(i / 2)
            .ok_or(Error::InvalidChallenge("too long for the 128-byte field"))?;
        *byte |= if i % 2 == 0 { nibble << 4 } else { nibble };
    }
    Ok(())
}

/// Limbs enough for 128 decimal digits (426 bits): two numeric challenges of 64 digits.
const LIMBS: usize = 14;

/// The decimal number `text` in hex nibbles, most significant first, without leading zeros
/// (zero is one nibble 0): Java's `new BigInteger(q, 10).toString(16)`, as RFC 6287's code uses.
fn decimal_to_hex_nibbles(text: &str) -> Result<Vec<u8>> {
    let mut limbs = [0u32; LIMBS]; // little-endian base 2^32
    for digit in text.bytes().map(|b| u64::from(b.wrapping_sub(b'0'))) {
        let mut carry = digit;
        for limb in &mut limbs {
            let wide = u64::from(*limb) * 10 + carry;
            *limb = (wide & 0xffff_ffff) as u32;
            carry = wide >> 32;
        }
        if carry != 0 {
            return Err(Error::InvalidChallenge("number too large"));
        }
    }
    let nibbles: Vec<u8> = limbs
        .iter()
        .rev()
        .flat_map(|limb| (0..8).rev().map(move |i| ((limb >> (i * 4)) & 0xf) as u8))
        .skip_while(|&n| n == 0)
        .collect();
    Ok(if nibbles.is_empty() { vec![0] } else { nibbles })
}
