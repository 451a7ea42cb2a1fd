//! Any bytes as a response into HOTP, TOTP and OCRA verification: an `InvalidCode` error for the
//! wrong shape, otherwise a match only where the generator gives that very response.
//!
//! Byte 0 picks hash, digits and suite; bytes 1..9 (when present) are the counter / time; the
//! rest, decoded lossily as UTF-8, is the response.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_login_otp::{
    Challenge, Digits, Error, HashAlgorithm, Hotp, Ocra, OcraInput, OcraSuite, OcraTime,
    OcraWindow, Pin, TimeStep, Totp, Window,
};

const SUITES: &[&str] = &[
    "OCRA-1:HOTP-SHA256-8:QN08",
    "OCRA-1:HOTP-SHA256-8:QN06-PSHA1",
    "OCRA-1:HOTP-SHA1-6:C-QN08",
    "OCRA-1:HOTP-SHA512-8:QN08-T1M",
    "OCRA-1:HOTP-SHA1-0:QA08",
    "OCRA-1:HOTP-SHA512-4:C-QH08-S064-T30S",
    "OCRA-1:HOTP-SHA256-10:QA10-T0H",
    "OCRA-1:HOTP-SHA512-0:C-QN08-PSHA512",
];

const KEY: &[u8] = b"12345678901234567890123456789012";

fn invalid_code(e: &Error) -> bool {
    matches!(e, Error::InvalidCode(_))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (counter, rest) = match rest.split_first_chunk::<8>() {
        Some((bytes, rest)) => (u64::from_be_bytes(*bytes), rest),
        None => (0, rest),
    };
    let response = String::from_utf8_lossy(rest);

    let hash = [
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha512,
    ][usize::from(pick % 3)];
    let digits = Digits::new(6 + u32::from(pick / 3 % 5)).expect("6 to 10");

    let hotp = Hotp::new(KEY, hash, digits).expect("key");
    match hotp.verify(&response, counter, Window::new(5).expect("window")) {
        Ok(Some(m)) => assert_eq!(hotp.generate(m.counter).as_str(), response),
        Ok(None) => {}
        Err(e) => assert!(invalid_code(&e), "{e:?}"),
    }

    let totp = Totp::new(KEY, hash, digits, TimeStep::DEFAULT).expect("key");
    match totp.verify(&response, counter, Window::ONE) {
        Ok(Some(m)) => assert_eq!(totp.generate_step(m.step).as_str(), response),
        Ok(None) => {}
        Err(e) => assert!(invalid_code(&e), "{e:?}"),
    }

    let suite: OcraSuite = SUITES[usize::from(pick) % SUITES.len()]
        .parse()
        .expect("valid");
    let challenge = Challenge::new(suite.challenge(), "1234").expect("valid for every suite");
    let ocra = Ocra::new(suite.clone(), KEY).expect("key");
    let input = OcraInput {
        challenge: &challenge,
        counter: suite.uses_counter().then_some(counter),
        pin: suite.pin_hash().map(|_| Pin::Plain("1234")),
        session: suite.session_len().map(|_| &b"session"[..]),
        time: suite.time_step().map(|_| {
            if pick & 0x80 == 0 {
                OcraTime::Steps(counter)
            } else {
                OcraTime::UnixSeconds(counter)
            }
        }),
    };
    let window = OcraWindow {
        counter_look_ahead: Window::new(3).expect("window"),
        time_steps: Window::new(2).expect("window"),
    };
    match ocra.verify(&response, &input, window) {
        Ok(Some(m)) => {
            let at = OcraInput {
                counter: m.counter,
                time: m.time_step.map(OcraTime::Steps),
                ..input
            };
            let expected = ocra.respond(&at).expect("responds");
            assert!(expected.eq_ignore_ascii_case(&response), "matched {m:?}");
        }
        Ok(None) => {}
        Err(e) => assert!(
            invalid_code(&e) || matches!(e, Error::InvalidTime(_)),
            "{e:?}"
        ),
    }
});
