//! The proof with which a soft token authenticates itself on every call to the portal (issue 13
//! item 6): a MAC with the device key the portal handed over at activation, over a one-time
//! server nonce and what the call does, so the device id (or a copied request) alone yields
//! nothing.
//!
//! `MAC = HMAC-SHA256(K, "secure-login device v1" || 0x00 || nonce || 0x00 || action || 0x00 ||
//! handle || 0x00 || detail)`, sent as lower-case hex. `nonce`, `action` and `handle` hold no
//! 0x00 byte; `detail` is last (what the action needs bound: for a push answer the request id
//! and the decision).

use alloc::string::String;

use subtle::ConstantTimeEq;

use super::encoding::hex_encode;
use super::error::{Error, Result};
use super::hash::{HashAlgorithm, HmacKey};

const DOMAIN: &[u8] = b"secure-login device v1";

/// The longest nonce, action or handle accepted.
pub const MAX_DEVICE_FIELD_LEN: usize = 128;

/// The device proof, in lower-case hex, of `action` by the token `handle` under the server's
/// `nonce`, binding `detail`.
///
/// # Errors
/// [`Error::InvalidSecretLength`] for an empty key; [`Error::InvalidChallenge`] for an empty or
/// over-long nonce, action or handle, or one holding a 0x00 byte.
pub fn device_proof(
    key: &[u8],
    nonce: &str,
    action: &str,
    handle: &str,
    detail: &str,
) -> Result<String> {
    Ok(hex_encode(
        mac(key, nonce, action, handle, detail)?.as_bytes(),
    ))
}

/// Checks a device proof in constant time.
///
/// # Errors
/// As [`device_proof`].
pub fn verify_device_proof(
    key: &[u8],
    nonce: &str,
    action: &str,
    handle: &str,
    detail: &str,
    proof_hex: &str,
) -> Result<bool> {
    let expected = device_proof(key, nonce, action, handle, detail)?;
    let typed = proof_hex.to_ascii_lowercase();
    Ok(bool::from(expected.as_bytes().ct_eq(typed.as_bytes())))
}

fn mac(
    key: &[u8],
    nonce: &str,
    action: &str,
    handle: &str,
    detail: &str,
) -> Result<super::hash::Digest> {
    for field in [nonce, action, handle] {
        if field.is_empty() || field.len() > MAX_DEVICE_FIELD_LEN || field.contains('\0') {
            return Err(Error::InvalidChallenge(
                "a device nonce, action or handle is 1 to 128 bytes without NUL",
            ));
        }
    }
    let key = HmacKey::new(HashAlgorithm::Sha256, key)?;
    Ok(key.mac(&[
        DOMAIN,
        &[0],
        nonce.as_bytes(),
        &[0],
        action.as_bytes(),
        &[0],
        handle.as_bytes(),
        &[0],
        detail.as_bytes(),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"12345678901234567890123456789012";

    #[test]
    fn matches_an_independent_hmac() {
        // Expected values from Python: hmac.new(b"12345678901234567890123456789012",
        //   b"secure-login device v1\x00nonce-1\x00pushes\x00h-1\x00", "sha256").hexdigest()
        // and the same with b"...\x00answer\x00h-1\x00req-1 approve".
        assert_eq!(
            device_proof(KEY, "nonce-1", "pushes", "h-1", "").unwrap(),
            "1725f7f74b8721dfc49eb8d77cec1dfd0ff37d2b497df6d0dd56848584b1dab0"
        );
        assert_eq!(
            device_proof(KEY, "nonce-1", "answer", "h-1", "req-1 approve").unwrap(),
            "c666b14f3a688463f4a6cb346b60d7707943fb16541ccf2f4c6346d246cc4883"
        );
    }

    #[test]
    fn another_nonce_action_handle_detail_or_key_fails() {
        let proof = device_proof(KEY, "nonce-1", "pushes", "h-1", "").unwrap();
        assert!(verify_device_proof(KEY, "nonce-1", "pushes", "h-1", "", &proof).unwrap());
        let upper = proof.to_ascii_uppercase();
        assert!(verify_device_proof(KEY, "nonce-1", "pushes", "h-1", "", &upper).unwrap());
        assert!(!verify_device_proof(KEY, "nonce-2", "pushes", "h-1", "", &proof).unwrap());
        assert!(!verify_device_proof(KEY, "nonce-1", "stream", "h-1", "", &proof).unwrap());
        assert!(!verify_device_proof(KEY, "nonce-1", "pushes", "h-2", "", &proof).unwrap());
        assert!(!verify_device_proof(KEY, "nonce-1", "pushes", "h-1", "x", &proof).unwrap());
        let other = b"12345678901234567890123456789013";
        assert!(!verify_device_proof(other, "nonce-1", "pushes", "h-1", "", &proof).unwrap());
        assert!(!verify_device_proof(KEY, "nonce-1", "pushes", "h-1", "", "").unwrap());
    }

    #[test]
    fn fields_that_could_run_together_are_refused() {
        assert!(device_proof(KEY, "", "pushes", "h-1", "").is_err());
        assert!(device_proof(KEY, "n\0pushes", "x", "h-1", "").is_err());
        assert!(device_proof(KEY, "n", "pushes", &"h".repeat(129), "").is_err());
        assert!(device_proof(b"", "n", "pushes", "h-1", "").is_err());
    }
}
