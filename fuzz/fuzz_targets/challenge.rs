//! `Challenge::new` and `Challenge::mutual` on any text for a few suites; every challenge they
//! accept gets a response.
//!
//! The first byte picks the suite; the rest is the challenge text. For the mutual challenge the
//! text is split at the first '|' (or in the middle when there is none).
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_login_otp::{Challenge, Error, Ocra, OcraInput, OcraSuite, OcraTime, Pin};

const SUITES: &[&str] = &[
    "OCRA-1:HOTP-SHA1-6:QN08",
    "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1",
    "OCRA-1:HOTP-SHA256-8:QN08-PSHA1",
    "OCRA-1:HOTP-SHA512-8:C-QN08",
    "OCRA-1:HOTP-SHA512-8:QN08-T1M",
    "OCRA-1:HOTP-SHA256-8:QA08",
    "OCRA-1:HOTP-SHA512-8:QA10-T1M",
    "OCRA-1:HOTP-SHA256-8:QN08",
    "OCRA-1:HOTP-SHA256-8:QN06-PSHA1",
    "OCRA-1:HOTP-SHA1-4:QH64",
    "OCRA-1:HOTP-SHA1-0:QA64-S064",
    "OCRA-1:HOTP-SHA512-10:C-QH40-PSHA512-S999-T48H",
    "OCRA-1:HOTP-SHA256-6:QN64-T0H",
    "OCRA-1:HOTP-SHA1-5:QA04-S001-T59S",
    "OCRA-1:HOTP-SHA512-0:C-QN64",
    "OCRA-1:HOTP-SHA256-7:QH04-PSHA256",
];

const KEY: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = SUITES[usize::from(pick) % SUITES.len()];
    let suite: OcraSuite = name.parse().expect("the list holds valid suites");
    let spec = suite.challenge();

    let (first, second) = match text.split_once('|') {
        Some(parts) => parts,
        None => {
            let mut middle = text.len() / 2;
            while !text.is_char_boundary(middle) {
                middle -= 1;
            }
            text.split_at(middle)
        }
    };
    let single = Challenge::new(spec, text);
    let mutual = Challenge::mutual(spec, first, second);

    let ocra = Ocra::new(suite.clone(), KEY).expect("a non-empty key");
    for challenge in [single, mutual] {
        match challenge {
            Ok(challenge) => {
                let input = OcraInput {
                    challenge: &challenge,
                    counter: suite.uses_counter().then_some(u64::MAX),
                    pin: suite.pin_hash().map(|_| Pin::Plain("1234")),
                    session: suite.session_len().map(|_| &b"session"[..1]),
                    time: suite.time_step().map(|_| OcraTime::Steps(0x132d0b6)),
                };
                let response = ocra
                    .respond(&input)
                    .expect("a valid challenge gets a response");
                let window = Default::default();
                let found = ocra.verify(&response, &input, window).expect("verifies");
                assert!(
                    found.is_some(),
                    "a response verifies with the inputs it was made from"
                );
            }
            Err(e) => assert!(
                matches!(
                    e,
                    Error::InvalidChallenge(_) | Error::ChallengeTooLong { .. }
                ),
                "unexpected error {e:?}"
            ),
        }
    }
});
