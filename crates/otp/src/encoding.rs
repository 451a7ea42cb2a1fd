//! Base32 (RFC 4648 section 6) and hexadecimal, as people type and apps show them.

use alloc::{string::String, vec, vec::Vec};

use base32ct::{Base32UpperUnpadded, Encoding as _};
use zeroize::{Zeroize as _, Zeroizing};

use super::error::{Error, Result};

/// Longest text any decoder here looks at: enough for a 1024-byte secret in hex.
const MAX_TEXT_LEN: usize = 4096;

/// Encodes `bytes` as upper-case Base32 without padding.
#[must_use]
pub fn base32_encode(bytes: &[u8]) -> String {
    Base32UpperUnpadded::encode_string(bytes)
}

/// Decodes Base32: upper or lower case, spaces, tabs and dashes ignored, `=` padding optional,
/// non-zero bits after the last byte forgiven (as authenticator apps do).
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
    // The text is a secret: normalised into a buffer that is wiped, decoded by RustCrypto's
    // constant-time decoder.
    let compact: Zeroizing<Vec<u8>> = Zeroizing::new(
        unpadded
            .bytes()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'-'))
            .map(|b| b.to_ascii_uppercase())
            .collect(),
    );
    if compact.is_empty() {
        return Err(Error::InvalidBase32("empty"));
    }
    // 8 characters carry 5 bytes; a last group of 1, 3 or 6 characters cannot end on a byte.
    if matches!(compact.len() % 8, 1 | 3 | 6) {
        return Err(Error::InvalidBase32(
            "wrong length (it cannot come from whole bytes)",
        ));
    }
    let mut out = vec![0; compact.len() * 5 / 8];
    let decoded = Base32UpperUnpadded::decode(&*compact, &mut out).map(<[u8]>::len);
    match decoded {
        Ok(len) => {
            out.truncate(len);
            Ok(out)
        }
        Err(_) => {
            out.zeroize();
            Err(Error::InvalidBase32(
                "only letters A-Z and digits 2-7 are allowed",
            ))
        }
    }
}

/// Encodes `bytes` as lower-case hexadecimal.
#[must_use]
pub fn hex_encode(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
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
    if compact.len() % 2 != 0 {
        return Err(Error::InvalidHex("an odd number of digits"));
    }
    // RustCrypto's constant-time decoder: hex here is a PIN hash, session data or a key.
    let mut out = vec![0; compact.len() / 2];
    if base16ct::mixed::decode(&*compact, &mut out).is_err() {
        out.zeroize();
        return Err(Error::InvalidHex("only 0-9 and a-f are allowed"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_either_case_and_spaces() {
        // RFC 4226's key, "12345678901234567890".
        let key = b"12345678901234567890";
        assert_eq!(hex_encode(key), "3132333435363738393031323334353637383930");
        assert_eq!(hex_decode("31 32 33").ok(), Some(b"123".to_vec()));
        assert_eq!(hex_decode("aBcD\t0f").ok(), Some(vec![0xab, 0xcd, 0x0f]));
        assert_eq!(hex_decode("").ok(), Some(Vec::new()));
    }

    #[test]
    fn hex_refusals_name_the_problem() {
        assert_eq!(
            hex_decode("abc"),
            Err(Error::InvalidHex("an odd number of digits"))
        );
        for bad in ["zz", "0g", "12:3", "١٢", "0x12"] {
            assert_eq!(
                hex_decode(bad),
                Err(Error::InvalidHex("only 0-9 and a-f are allowed")),
                "{bad}"
            );
        }
        assert_eq!(
            hex_decode(&"0".repeat(MAX_TEXT_LEN + 2)),
            Err(Error::InvalidHex("too long"))
        );
    }
}
