//! What a person types, checked the way the login page shows it: digits only, the right length,
//! spaces and dashes tolerated (the page groups a challenge as `1234 5678` or `123-456`).

use secure_login_otp::ocra::{ChallengeFormat, ChallengeSpec};
// Spaces and dashes a page or a copy and paste puts between groups of characters: the same ones
// the login page's code check drops.
use secure_login_otp::typed::is_separator;
use secure_login_otp::MAX_REQUEST_ID_LEN;

use super::error::{Error, Result};

/// The longest text looked at, before spaces and dashes are taken out.
const MAX_TYPED_LEN: usize = 256;

fn compact(typed: &str) -> Option<String> {
    compact_within(typed, MAX_TYPED_LEN)
}

fn compact_within(typed: &str, limit: usize) -> Option<String> {
    (typed.len() <= limit).then(|| typed.chars().filter(|&c| !is_separator(c)).collect())
}

/// The longest session information typed for a suite of `max` bytes: two hex digits a byte and
/// room for separators around them (8 bytes of text a byte), and never less than
/// [`MAX_TYPED_LEN`]. A flat 256 would refuse the full length of an `S128` suite or longer.
fn max_session_typed_len(max: u16) -> usize {
    MAX_TYPED_LEN.max(8 * usize::from(max))
}

/// The challenge as the suite takes it: separators removed; a numeric challenge must have
/// exactly the suite's length (the login page always shows the full length), an alphanumeric
/// or hex one 4 characters up to the suite's length.
///
/// # Errors
/// [`Error::InvalidChallenge`] for a character the suite does not allow (or an empty one);
/// [`Error::ChallengeLength`] for the wrong number of characters.
pub fn challenge(spec: ChallengeSpec, typed: &str) -> Result<String> {
    let text = compact(typed).ok_or(Error::ChallengeLength {
        expected: spec.max_len(),
        found: typed.chars().count(),
    })?;
    if text.is_empty() {
        return Err(Error::InvalidChallenge("empty"));
    }
    let (allowed, what): (fn(&u8) -> bool, _) = match spec.format() {
        ChallengeFormat::Numeric => (u8::is_ascii_digit, "only digits are allowed"),
        ChallengeFormat::Hex => (u8::is_ascii_hexdigit, "only 0-9 and A-F are allowed"),
        ChallengeFormat::Alphanumeric => (
            u8::is_ascii_alphanumeric,
            "only letters A-Z and digits are allowed",
        ),
    };
    if !text.is_ascii() || !text.as_bytes().iter().all(allowed) {
        return Err(Error::InvalidChallenge(what));
    }
    let found = text.len();
    let fits = match spec.format() {
        ChallengeFormat::Numeric => found == spec.max_len(),
        _ => (4..=spec.max_len()).contains(&found),
    };
    if fits {
        Ok(text)
    } else {
        Err(Error::ChallengeLength {
            expected: spec.max_len(),
            found,
        })
    }
}

/// The number shown on the login screen for a push: 1 to 9 digits, separators removed.
///
/// # Errors
/// [`Error::InvalidNumber`].
pub fn push_number(typed: &str) -> Result<u32> {
    let text = compact(typed).ok_or(Error::InvalidNumber("too long"))?;
    if text.is_empty() {
        return Err(Error::InvalidNumber("empty"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidNumber("only digits are allowed"));
    }
    if text.len() > 9 {
        return Err(Error::InvalidNumber("at most 9 digits"));
    }
    text.parse()
        .map_err(|_| Error::InvalidNumber("not a number"))
}

/// A push request id as the server sent it: 1 to 128 bytes, printable ASCII.
///
/// # Errors
/// [`Error::InvalidRequestId`].
pub fn request_id(text: &str) -> Result<&str> {
    if text.is_empty() || text.len() > MAX_REQUEST_ID_LEN {
        return Err(Error::InvalidRequestId("it must be 1 to 128 characters"));
    }
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidRequestId(
            "only printable ASCII characters are allowed",
        ));
    }
    Ok(text)
}

/// Session information `S` in hex (separators removed), at most `max` bytes.
///
/// # Errors
/// [`Error::InvalidSession`].
pub fn session(max: u16, typed: &str) -> Result<Vec<u8>> {
    let text = compact_within(typed, max_session_typed_len(max))
        .ok_or(Error::InvalidSession("too long"))?;
    let bytes =
        secure_login_otp::hex_decode(&text).map_err(|_| Error::InvalidSession("it must be hex"))?;
    if bytes.len() > usize::from(max) {
        return Err(Error::InvalidSession("longer than the suite allows"));
    }
    Ok(bytes)
}

/// A username or issuer: trimmed, 1 to 128 characters, no control characters.
pub(crate) fn label(text: &str) -> core::result::Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty");
    }
    if text.chars().count() > 128 {
        return Err("at most 128 characters");
    }
    if text.chars().any(char::is_control) {
        return Err("control characters are not allowed");
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secure_login_otp::OcraSuite;

    fn spec(suite: &str) -> ChallengeSpec {
        suite.parse::<OcraSuite>().unwrap().challenge()
    }

    #[test]
    fn challenges_as_the_login_page_groups_them() {
        let n8 = spec("OCRA-1:HOTP-SHA256-8:QN08");
        for typed in [
            "12345678",
            "1234 5678",
            "1234-5678",
            " 12 34 56 78 ",
            "1234\u{a0}5678",
            "1234–5678",
        ] {
            assert_eq!(challenge(n8, typed).unwrap(), "12345678", "{typed:?}");
        }
    }

    #[test]
    fn numeric_challenges_need_exactly_the_suite_length() {
        let n6 = spec("OCRA-1:HOTP-SHA256-8:QN06-PSHA1");
        assert_eq!(challenge(n6, "123-456").unwrap(), "123456");
        assert_eq!(
            challenge(n6, "12345").unwrap_err(),
            Error::ChallengeLength {
                expected: 6,
                found: 5
            }
        );
        assert_eq!(
            challenge(n6, "1234567").unwrap_err(),
            Error::ChallengeLength {
                expected: 6,
                found: 7
            }
        );
        for bad in ["12345a", "123.456", "١٢٣٤٥٦", "12_456"] {
            assert!(
                matches!(challenge(n6, bad), Err(Error::InvalidChallenge(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            challenge(n6, " - ").unwrap_err(),
            Error::InvalidChallenge("empty")
        );
        assert!(matches!(
            challenge(n6, &"1".repeat(10_000)),
            Err(Error::ChallengeLength { .. })
        ));
    }

    #[test]
    fn alphanumeric_and_hex_challenges_may_be_shorter() {
        let a10 = spec("OCRA-1:HOTP-SHA512-8:QA10-T1M");
        assert_eq!(challenge(a10, "SIG1 0000").unwrap(), "SIG10000");
        assert!(matches!(
            challenge(a10, "SIG"),
            Err(Error::ChallengeLength { .. })
        ));
        assert!(matches!(
            challenge(a10, "SIG1000000X"),
            Err(Error::ChallengeLength { .. })
        ));
        assert!(matches!(
            challenge(a10, "SIG!0000"),
            Err(Error::InvalidChallenge(_))
        ));
        let h8 = spec("OCRA-1:HOTP-SHA1-6:QH08");
        assert_eq!(challenge(h8, "dead-BEEF").unwrap(), "deadBEEF");
        assert!(matches!(
            challenge(h8, "deadbeeg"),
            Err(Error::InvalidChallenge(_))
        ));
    }

    #[test]
    fn push_numbers() {
        assert_eq!(push_number("42").unwrap(), 42);
        assert_eq!(push_number(" 0 7 ").unwrap(), 7);
        assert_eq!(push_number("123 456 789").unwrap(), 123_456_789);
        for bad in ["", "  ", "4x", "-", "1234567890", "+42", "4.2"] {
            assert!(
                matches!(push_number(bad), Err(Error::InvalidNumber(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn request_ids() {
        assert_eq!(request_id("req-1_AbC").unwrap(), "req-1_AbC");
        for bad in [String::new(), "a b".into(), "é".into(), "x".repeat(129)] {
            assert!(
                matches!(request_id(&bad), Err(Error::InvalidRequestId(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn sessions_and_labels() {
        assert_eq!(session(64, "00 ff").unwrap(), vec![0, 255]);
        assert!(matches!(session(1, "00ff"), Err(Error::InvalidSession(_))));
        assert!(matches!(session(64, "xyz"), Err(Error::InvalidSession(_))));
        // The full length of every suite, grouped in pairs (found by the token_input fuzz
        // target: a flat limit of 256 typed bytes refused more than 85 grouped bytes).
        for max in [64u16, 128, 256, 512] {
            let full = vec![0xa5u8; usize::from(max)];
            let hex = secure_login_otp::hex_encode(&full);
            let pairs: Vec<&str> = hex
                .as_bytes()
                .chunks(2)
                .filter_map(|c| std::str::from_utf8(c).ok())
                .collect();
            for typed in [hex.clone(), pairs.join(" "), pairs.join(" \u{2013} ")] {
                assert_eq!(session(max, &typed).unwrap(), full, "S{max}");
            }
            assert!(matches!(
                session(max, &"00".repeat(usize::from(max) + 1)),
                Err(Error::InvalidSession(_))
            ));
            assert!(matches!(
                session(max, &" ".repeat(8 * usize::from(max) + 1)),
                Err(Error::InvalidSession("too long"))
            ));
        }
        assert_eq!(label("  alice ").unwrap(), "alice");
        assert!(label(" ").is_err());
        assert!(label("a\u{0}b").is_err());
        assert!(label(&"x".repeat(129)).is_err());
    }
}
