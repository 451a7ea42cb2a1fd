//! The MAC with which a soft token approves or denies a push login (the seed's "seamless"
//! authentication), with number matching: the person types the number the login screen shows,
//! and the MAC covers it, so an approval given without looking at the login screen fails.
//!
//! `MAC = HMAC-SHA256(K, "secure-login push v1" || 0x00 || request_id || 0x00 || number || 0x00 || decision)`
//! with `number` in decimal ASCII and `decision` the ASCII word `approve` or `deny`; sent as hex.
//! A denial always covers the number 0: whoever did not start the login has not seen the login
//! screen, and must still be able to say no.

use alloc::string::{String, ToString};

use subtle::ConstantTimeEq;

use super::encoding::hex_encode;
use super::error::{Error, Result};
use super::hash::{HashAlgorithm, HmacKey};

const DOMAIN: &[u8] = b"secure-login push v1";

/// The longest request id accepted (ids are random tokens chosen by the server).
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// What the person decided on the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushDecision {
    /// Let the login proceed.
    Approve,
    /// Refuse it (and tell the server someone is trying).
    Deny,
}

impl PushDecision {
    fn word(self) -> &'static [u8] {
        match self {
            Self::Approve => b"approve",
            Self::Deny => b"deny",
        }
    }
}

/// The MAC, in lower-case hex, that answers push `request_id` with `decision` for the typed
/// `number`.
///
/// # Errors
/// [`Error::InvalidSecretLength`] for an empty key; [`Error::InvalidChallenge`] for an empty or
/// over-long request id.
pub fn push_response(
    secret: &[u8],
    request_id: &str,
    number: u32,
    decision: PushDecision,
) -> Result<String> {
    Ok(hex_encode(
        mac(secret, request_id, number, decision)?.as_bytes(),
    ))
}

/// Checks a push answer in constant time.
///
/// # Errors
/// As [`push_response`].
pub fn verify_push_response(
    secret: &[u8],
    request_id: &str,
    number: u32,
    decision: PushDecision,
    response_hex: &str,
) -> Result<bool> {
    let expected = hex_encode(mac(secret, request_id, number, decision)?.as_bytes());
    let typed = response_hex.to_ascii_lowercase();
    Ok(bool::from(expected.as_bytes().ct_eq(typed.as_bytes())))
}

fn mac(
    secret: &[u8],
    request_id: &str,
    number: u32,
    decision: PushDecision,
) -> Result<super::hash::Digest> {
    if request_id.is_empty() || request_id.len() > MAX_REQUEST_ID_LEN {
        return Err(Error::InvalidChallenge(
            "the push request id must be 1 to 128 bytes",
        ));
    }
    let key = HmacKey::new(HashAlgorithm::Sha256, secret)?;
    let number = match decision {
        PushDecision::Approve => number,
        PushDecision::Deny => 0,
    }
    .to_string();
    Ok(key.mac(&[
        DOMAIN,
        &[0],
        request_id.as_bytes(),
        &[0],
        number.as_bytes(),
        &[0],
        decision.word(),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_an_independent_hmac() {
        // Expected value from Python: hmac.new(b"12345678901234567890123456789012",
        //   b"secure-login push v1\x00req-1\x0042\x00approve", "sha256").hexdigest()
        let mac = push_response(
            b"12345678901234567890123456789012",
            "req-1",
            42,
            PushDecision::Approve,
        )
        .unwrap();
        assert_eq!(
            mac,
            "0b0d99b8fbc8e4fdc2829d6e8668313b2f379f75c7eae007cf3d50be7485493d"
        );
    }

    #[test]
    fn wrong_number_wrong_decision_and_wrong_request_fail() {
        let key = b"12345678901234567890123456789012";
        let mac = push_response(key, "req-1", 42, PushDecision::Approve).unwrap();
        assert!(verify_push_response(key, "req-1", 42, PushDecision::Approve, &mac).unwrap());
        assert!(!verify_push_response(key, "req-1", 24, PushDecision::Approve, &mac).unwrap());
        assert!(!verify_push_response(key, "req-1", 42, PushDecision::Deny, &mac).unwrap());
        assert!(!verify_push_response(key, "req-2", 42, PushDecision::Approve, &mac).unwrap());
        assert!(push_response(key, "", 42, PushDecision::Approve).is_err());
    }

    #[test]
    fn a_denial_does_not_depend_on_the_number() {
        // Python: hmac.new(key, b"secure-login push v1\x00req-1\x000\x00deny", "sha256").hexdigest()
        let key = b"12345678901234567890123456789012";
        let deny = push_response(key, "req-1", 0, PushDecision::Deny).unwrap();
        assert_eq!(
            deny,
            "8417edcc3d17b7a5da83d698650631ed7421af90c7ebd99cf7beecc4ea96920d"
        );
        assert_eq!(
            push_response(key, "req-1", 57, PushDecision::Deny).unwrap(),
            deny
        );
        assert!(verify_push_response(key, "req-1", 42, PushDecision::Deny, &deny).unwrap());
    }
}
