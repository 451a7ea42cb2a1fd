//! Stored user records of the soft token (`UserRecord::from_json`, schema 2, and
//! `UserRecord::from_v1`, schema 1) on any text: a `CorruptRecord` (or another typed) error, or a
//! record that
//!
//! * writes as schema-2 JSON that reads back as the same record, and writes again the same;
//! * shows its info and renames without panicking;
//! * answers (`respond`, `current_code`, `answer_push`) with a value or a typed error, never a
//!   panic, when its KDF is cheap enough to run here (a record may ask for up to 10,000,000
//!   PBKDF2 iterations: that costs seconds, by design, and is skipped); a counter suite's answer
//!   moves the counter on by one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_login_otp::PushDecision;
use secure_login_token::{Error, Moment, Pin, TokenParams, UserRecord};

/// The most PBKDF2 iterations run per input (the fewest a record may have is 1,000).
const CHEAP_ITERATIONS: u32 = 2_000;

fn reads_back(record: &UserRecord) {
    let json = record.to_json().expect("a record writes");
    let again = UserRecord::from_json(&json).expect("a written record reads back");
    assert_eq!(&again, record);
    assert_eq!(again.to_json().expect("writes again"), json);
    let _ = record.info();
    let renamed = record.renamed(" someone else ").expect("a valid username");
    assert_eq!(renamed.username(), "someone else");
    assert_eq!(renamed.id(), record.id());
}

fn answers(record: &UserRecord) {
    if record.kdf().iterations() > CHEAP_ITERATIONS {
        return;
    }
    let pin = Pin::parse("4826").expect("a PIN");
    match record.params() {
        TokenParams::Ocra { suite, counter } => {
            let challenge = "7".repeat(suite.challenge().max_len());
            let session = suite.session_len().map(|_| "00 11 22");
            let moment = Moment {
                unix_secs: 1_795_651_200,
                session,
            };
            match record.respond(&challenge, &pin, moment) {
                Ok(answered) => {
                    assert!(!answered.response.is_empty());
                    match (counter, answered.updated) {
                        (Some(c), Some(updated)) => {
                            let TokenParams::Ocra { counter: next, .. } = updated.params() else {
                                panic!("an OCRA record stays OCRA");
                            };
                            assert_eq!(*next, Some(c + 1));
                            reads_back(&updated);
                        }
                        (None, None) => {}
                        (c, u) => panic!("counter {c:?} but updated {:?}", u.is_some()),
                    }
                }
                Err(e) => assert!(is_typed(&e), "{e:?}"),
            }
            assert!(matches!(
                record.current_code(&pin, 0),
                Err(Error::WrongKind(_))
            ));
        }
        TokenParams::Totp { .. } => {
            if let Err(e) = record.current_code(&pin, 1_795_651_200) {
                assert!(is_typed(&e), "{e:?}");
            }
            let _ = record.current_code(&pin, 0);
        }
    }
    match record.answer_push("req-1", "42", &pin, PushDecision::Approve) {
        Ok(mac) => assert!(!mac.is_empty()),
        Err(e) => assert!(is_typed(&e), "{e:?}"),
    }
}

/// Errors a valid record may meet while answering (a time before T0, a counter at its end,
/// more session information than the suite takes).
fn is_typed(e: &Error) -> bool {
    matches!(
        e,
        Error::Otp(_) | Error::UnsupportedSuite(_) | Error::InvalidSession(_)
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for read in [
        UserRecord::from_json(text),
        UserRecord::from_v1(text, 1_700_000_000),
    ] {
        match read {
            Ok(record) => {
                reads_back(&record);
                answers(&record);
            }
            Err(
                Error::CorruptRecord(_)
                | Error::InvalidUsername(_)
                | Error::InvalidIssuer(_)
                | Error::UnsupportedSuite(_)
                | Error::InvalidKdf(_)
                | Error::Otp(_),
            ) => {}
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
});
