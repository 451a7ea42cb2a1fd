//! What a person types into the soft token (`secure_login_token::input`): a challenge as the
//! login page shows it (spaces and dashes tolerated), a push number, a push request id, session
//! information. Any text gets a value or its typed error, and every value holds up:
//!
//! * an accepted challenge is ASCII with no separator left, has a length the suite allows, is
//!   accepted again as it is and grouped the way the login page groups it, and is accepted by
//!   the OCRA core (`Challenge::new`): the token never gets past its input check with a
//!   challenge it then cannot answer;
//! * an accepted push number has at most 9 digits and reads back from its decimal form;
//! * an accepted request id is the text itself, 1 to 128 printable ASCII bytes;
//! * accepted session information is at most the suite's length and reads back from its hex.
//!
//! Byte 0 picks the suite (and the session limit); the rest, as UTF-8, is the typed text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_login_otp::{hex_encode, Challenge, OcraSuite};
use secure_login_token::{input, Error};

const SUITES: &[&str] = &[
    "OCRA-1:HOTP-SHA256-8:QN08",
    "OCRA-1:HOTP-SHA256-8:QN06-PSHA1",
    "OCRA-1:HOTP-SHA1-6:QN04",
    "OCRA-1:HOTP-SHA512-8:QN10-T1M",
    "OCRA-1:HOTP-SHA256-8:QA08",
    "OCRA-1:HOTP-SHA512-8:QA10-T1M",
    "OCRA-1:HOTP-SHA1-6:QH08",
    "OCRA-1:HOTP-SHA256-8:QH64-S064",
    "OCRA-1:HOTP-SHA1-6:QA64-S128",
    "OCRA-1:HOTP-SHA256-8:QN64",
    "OCRA-1:HOTP-SHA256-6:QA04-S001",
    "OCRA-1:HOTP-SHA512-8:QH40-S512",
];

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}')
}

/// `text` in groups of `size` joined by `sep`, as the login page shows a challenge.
fn grouped(text: &str, size: usize, sep: &str) -> String {
    text.as_bytes()
        .chunks(size)
        .map(|c| std::str::from_utf8(c).expect("ASCII"))
        .collect::<Vec<_>>()
        .join(sep)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(typed) = std::str::from_utf8(rest) else {
        return;
    };
    let suite: OcraSuite = SUITES[usize::from(pick) % SUITES.len()]
        .parse()
        .expect("the list holds valid suites");
    let spec = suite.challenge();

    match input::challenge(spec, typed) {
        Ok(text) => {
            assert!(text.is_ascii() && !text.is_empty(), "{text:?}");
            assert!(!text.chars().any(is_separator), "{text:?}");
            assert!(text.len() <= spec.max_len(), "{text:?}");
            // Nothing but the separators was taken out.
            let kept: String = typed.chars().filter(|&c| !is_separator(c)).collect();
            assert_eq!(kept, text);
            assert_eq!(input::challenge(spec, &text).as_deref(), Ok(text.as_str()));
            for (size, sep) in [(4, " "), (3, "-"), (2, "\u{a0}"), (4, " \u{2013} ")] {
                let shown = grouped(&text, size, sep);
                assert_eq!(
                    input::challenge(spec, &shown).as_deref(),
                    Ok(text.as_str()),
                    "{shown:?}"
                );
            }
            Challenge::new(spec, &text).expect("the OCRA core takes what the token accepts");
        }
        Err(Error::InvalidChallenge(_) | Error::ChallengeLength { .. }) => {}
        Err(e) => panic!("unexpected challenge error {e:?}"),
    }

    match input::push_number(typed) {
        Ok(n) => {
            assert!(n <= 999_999_999, "{n}");
            assert_eq!(input::push_number(&n.to_string()), Ok(n));
        }
        Err(Error::InvalidNumber(_)) => {}
        Err(e) => panic!("unexpected push number error {e:?}"),
    }

    match input::request_id(typed) {
        Ok(id) => {
            assert_eq!(id, typed);
            assert!((1..=128).contains(&id.len()));
            assert!(id.bytes().all(|b| b.is_ascii_graphic()));
        }
        Err(Error::InvalidRequestId(_)) => {}
        Err(e) => panic!("unexpected request id error {e:?}"),
    }

    let max = suite.session_len().unwrap_or(u16::from(pick));
    match input::session(max, typed) {
        Ok(bytes) => {
            assert!(bytes.len() <= usize::from(max));
            assert_eq!(input::session(max, &hex_encode(&bytes)), Ok(bytes.clone()));
            assert_eq!(
                input::session(max, &grouped(&hex_encode(&bytes), 2, " ")),
                Ok(bytes)
            );
        }
        Err(Error::InvalidSession(_)) => {}
        Err(e) => panic!("unexpected session error {e:?}"),
    }
});
