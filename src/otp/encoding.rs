//! Base32 (RFC 4648 section 6) and hexadecimal, as people type and apps show them.

use std::sync::OnceLock;

use data_encoding::{DecodeKind, Encoding, Specification};
use zeroize::Zeroizing;

use super::error::{Error, Result};

/// Longest text any decoder here looks at: enough for a 1024-byte secret in hex.
const MAX_TEXT_LEN: usize = 4096;

const BASE32_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 that forgives lower case, spaces and non-zero trailing bits.
fn lenient_base32() -> Option<&'static Encoding> {
    static LENIENT: OnceLock<Option<Encoding>> = OnceLock::new();
    LENIENT
        .get_or_init(|| {
            let mut spec = Specification::new();
            spec.symbols.push_str(BASE32_ALPHABET);
            spec.translate.from.push_str("abcdefghijklmnopqrstuvwxyz");
            spec.translate.to.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
            spec.ignore.push_str(" \t\r\n-");
            spec.check_trailing_bits = false;
            spec.encoding().ok()
        })
        .as_ref()
}

/// Encodes `bytes` as upper-case Base32 without padding.
#[must_use]
pub fn base32_encode(bytes: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(bytes)
}

/// Decodes Base32: upper or lower case, spaces, tabs and dashes ignored, `=` padding optional.
///
/// # Errors
/// [`Error::InvalidBase32`] naming the problem (never echoing the text).
pub fn base32_decode(text: &str) -> Result<Vec<u8>> {
    if text.len() > MAX_TEXT_LEN {
        return Err(Error::InvalidBase32("too long"));
    }
    let unpadded = text.trim_end_matches(|c: char| c == '=' || c.is_ascii_whitespace());
    if unpadded.contains('=') {
        return Err(Error::InvalidBase32("padding '=' may only come at the end"));
    }
    let encoding = lenient_base32().ok_or(Error::InvalidBase32("decoder unavailable"))?;
    let out = encoding.decode(unpadded.as_bytes()).map_err(|e| {
        Error::InvalidBase32(match e.kind {
            DecodeKind::Symbol => "only letters A-Z and digits 2-7 are allowed",
            DecodeKind::Length => "wrong length (it cannot come from whole bytes)",
            DecodeKind::Trailing | DecodeKind::Padding => "malformed ending",
        })
    })?;
    if out.is_empty() {
        return Err(Error::InvalidBase32("empty"));
    }
    Ok(out)
}

/// Encodes `bytes` as lower-case hexadecimal.
#[must_use]
pub fn hex_encode(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Decodes hexadecimal (either case; spaces ignored).
///
/// # Errors
/// [`Error::InvalidHex`] for other characters or an odd number of digits.
pub fn hex_decode(text: &str) -> Result<Vec<u8>> {
    if text.len() > MAX_TEXT_LEN {
        return Err(Error::InvalidHex("too long"));
    }
    let compact: Zeroizing<Vec<u8>> =
        Zeroizing::new(text.bytes().filter(|b| !b.is_ascii_whitespace()).collect());
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(&compact)
        .map_err(|e| {
            Error::InvalidHex(match e.kind {
                DecodeKind::Length => "an odd number of digits",
                _ => "only 0-9 and a-f are allowed",
            })
        })
}
