//! What a person types into the soft token (`secure_login_token::input`): a challenge as the
//! login page shows it (spaces and dashes tolerated), a push number, a push request id, session
//! information; and a code as the login page reads it (`secure_login_otp::typed::read_code`).
//! Any text gets a value or its typed error, and every value holds up:
//!
//! * an accepted challenge is ASCII with no separator left, has a length the suite allows, is
//!   accepted again as it is and grouped the way the login page groups it, and is accepted by
//!   the OCRA core (`Challenge::new`): the token never gets past its input check with a
//!   challenge it then cannot answer;
//! * an accepted push number has at most 9 digits and reads back from its decimal form;
//! * an accepted request id is the text itself, 1 to 128 printable ASCII bytes;
//! * accepted session information is at most the suite's length and reads back from its hex;
//! * an accepted code is exactly the digits typed (the standard library's `to_digit` for ASCII,
//!   `is_numeric` for the other scripts), as many as asked for, and reads back from itself
//!   grouped; a refusal names what the text holds: no digit, the first character that is
//!   neither digit nor separator, or the number of digits.
//!
//! Byte 0 picks the suite (and the session limit, and the code's length); the rest, as UTF-8, is
//! the typed text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_login_otp::typed::{read_code, TypedCodeError};
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

/// The separators, written out here from their code points: white space, the soft hyphen, the
/// zero-width spaces, the hyphens and dashes U+2010 to U+2015, the minus sign, the small and
/// full-width hyphen-minus.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{ad}' | '\u{200b}' | '\u{2010}'
                ..='\u{2015}' | '\u{2212}' | '\u{fe63}' | '\u{feff}' | '\u{ff0d}'
        )
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

    let len = 4 + pick % 7;
    let kept: Vec<char> = typed.chars().filter(|&c| !is_separator(c)).collect();
    match read_code(typed.chars(), len) {
        Ok(code) => {
            let code = code.as_str();
            assert_eq!(code.len(), usize::from(len), "{code:?}");
            assert_eq!(kept.len(), code.len(), "{typed:?}");
            for (c, digit) in kept.iter().zip(code.chars()) {
                assert!(digit.is_ascii_digit(), "{code:?}");
                match c.to_digit(10) {
                    Some(value) => assert_eq!(Some(value), digit.to_digit(10), "{c:?}"),
                    None => assert!(c.is_numeric() && !c.is_ascii(), "{c:?}"),
                }
            }
            assert_eq!(
                read_code(code.chars(), len).map(|c| c.as_str().to_owned()),
                Ok(code.to_owned())
            );
            let shown = grouped(code, 3, "\u{2013}");
            assert_eq!(
                read_code(shown.chars(), len).map(|c| c.as_str().to_owned()),
                Ok(code.to_owned())
            );
        }
        Err(TypedCodeError::Empty { expected }) => {
            assert_eq!(expected, len);
            assert!(kept.is_empty(), "{typed:?}");
        }
        Err(TypedCodeError::NotDigits { expected, found }) => {
            assert_eq!(expected, len);
            assert!(!found.is_ascii_digit() && !is_separator(found), "{found:?}");
            let at = kept
                .iter()
                .position(|&c| c == found)
                .expect("the character is in the text");
            // What came before it was read as digits: numbers all, by the standard library.
            assert!(kept[..at].iter().all(|c| c.is_numeric()), "{typed:?}");
        }
        Err(TypedCodeError::TooShort { expected, found }) => {
            assert_eq!(expected, len);
            assert_eq!(found, kept.len());
            assert!(found > 0 && found < usize::from(len));
        }
        Err(TypedCodeError::TooLong { expected, found }) => {
            assert_eq!(expected, len);
            assert_eq!(found, kept.len());
            assert!(found > usize::from(len));
        }
        Err(e) => panic!("unexpected typed code error {e:?}"),
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
