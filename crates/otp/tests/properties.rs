//! Property tests of the OTP core: whatever a generator makes, its verifier accepts at the exact
//! counter or step it was made for; valid OCRA suites print back as parsed; no parser panics on any
//! input; encodings and Key URIs survive a round trip.
//!
//! Native only: proptest needs the OS and a file system for its failure persistence.
#![cfg(not(target_arch = "wasm32"))]
// All of this file is test code: clippy.toml already allows these inside `#[test]` functions, and
// the strategies and helpers outside them fail a test the same way.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use proptest::sample::select;
use secure_login_otp::ocra::{ChallengeFormat, ChallengeSpec, TimeUnit};
use secure_login_otp::{
    base32_decode, base32_encode, hex_decode, hex_encode, Challenge, Digits, Error, HashAlgorithm,
    HmacKey, Hotp, KeyUri, Ocra, OcraInput, OcraSuite, OcraTime, OcraWindow, Pin, Secret, TimeStep,
    TokenKind, Totp, Window,
};

// ---------------------------------------------------------------------------------------------
// Shared strategies
// ---------------------------------------------------------------------------------------------

fn hash_algorithm() -> impl Strategy<Value = HashAlgorithm> {
    select(vec![
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha512,
    ])
}

/// Keys of every length, the legacy ones below 16 bytes too: the algorithms' properties hold
/// for all of them.
fn key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..=128)
}

/// A key of any length as a `Secret`, through the legacy escape.
fn legacy(key: &[u8]) -> Secret {
    Secret::from_bytes_allow_short(key.to_vec()).unwrap()
}

fn digits() -> impl Strategy<Value = Digits> {
    (6u32..=10).prop_map(|n| Digits::new(n).unwrap())
}

/// Any u64, with extra weight on both ends where windows are cut.
fn counter() -> impl Strategy<Value = u64> {
    prop_oneof![any::<u64>(), 0u64..2_000, (u64::MAX - 2_000)..=u64::MAX,]
}

fn window(max: u32) -> impl Strategy<Value = Window> {
    prop_oneof![
        3 => 0..=max.min(20),
        1 => 0..=max,
    ]
    .prop_map(|n| Window::new(n).unwrap())
}

fn name_of(hash: HashAlgorithm) -> &'static str {
    match hash {
        HashAlgorithm::Sha1 => "SHA1",
        HashAlgorithm::Sha256 => "SHA256",
        HashAlgorithm::Sha512 => "SHA512",
    }
}

// ---------------------------------------------------------------------------------------------
// OCRA suites built from the RFC 6287 section 6 grammar
// ---------------------------------------------------------------------------------------------

/// The parts of a valid suite, kept apart so every accessor can be checked against them.
#[derive(Debug, Clone)]
struct SuiteParts {
    hash: HashAlgorithm,
    digits: u8,
    counter: bool,
    format: ChallengeFormat,
    q_len: u8,
    pin: Option<HashAlgorithm>,
    session: Option<u16>,
    time: Option<(u8, TimeUnit)>,
}

impl SuiteParts {
    /// The suite string, written straight from the grammar (not by the crate's printer).
    fn text(&self) -> String {
        let format = match self.format {
            ChallengeFormat::Alphanumeric => 'A',
            ChallengeFormat::Numeric => 'N',
            ChallengeFormat::Hex => 'H',
        };
        let mut s = format!(
            "OCRA-1:HOTP-{}-{}:{}Q{format}{:02}",
            name_of(self.hash),
            self.digits,
            if self.counter { "C-" } else { "" },
            self.q_len,
        );
        if let Some(pin) = self.pin {
            s += &format!("-P{}", name_of(pin));
        }
        if let Some(len) = self.session {
            s += &format!("-S{len:03}");
        }
        if let Some((amount, unit)) = self.time {
            let unit = match unit {
                TimeUnit::Seconds => 'S',
                TimeUnit::Minutes => 'M',
                TimeUnit::Hours => 'H',
            };
            s += &format!("-T{amount}{unit}");
        }
        s
    }

    fn suite(&self) -> OcraSuite {
        self.text().parse().unwrap()
    }

    fn step_seconds(&self) -> Option<u64> {
        self.time.map(|(amount, unit)| {
            u64::from(amount)
                * match unit {
                    TimeUnit::Seconds => 1,
                    TimeUnit::Minutes => 60,
                    TimeUnit::Hours => 3600,
                }
        })
    }
}

fn time_part() -> impl Strategy<Value = (u8, TimeUnit)> {
    prop_oneof![
        (1u8..=59).prop_map(|n| (n, TimeUnit::Seconds)),
        (1u8..=59).prop_map(|n| (n, TimeUnit::Minutes)),
        (0u8..=48).prop_map(|n| (n, TimeUnit::Hours)),
    ]
}

fn suite_parts() -> impl Strategy<Value = SuiteParts> {
    (
        hash_algorithm(),
        prop_oneof![Just(0u8), 4u8..=10],
        any::<bool>(),
        select(vec![
            ChallengeFormat::Alphanumeric,
            ChallengeFormat::Numeric,
            ChallengeFormat::Hex,
        ]),
        4u8..=64,
        prop::option::of(hash_algorithm()),
        prop::option::of(1u16..=999),
        prop::option::of(time_part()),
    )
        .prop_map(
            |(hash, digits, counter, format, q_len, pin, session, time)| SuiteParts {
                hash,
                digits,
                counter,
                format,
                q_len,
                pin,
                session,
                time,
            },
        )
}

fn alphabet(format: ChallengeFormat) -> Vec<char> {
    let chars = match format {
        ChallengeFormat::Alphanumeric => {
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        }
        ChallengeFormat::Numeric => "0123456789",
        ChallengeFormat::Hex => "0123456789ABCDEFabcdef",
    };
    chars.chars().collect()
}

/// A challenge its suite accepts: 1 to `max_len` characters of the suite's alphabet.
fn challenge_text(format: ChallengeFormat, max_len: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(select(alphabet(format)), 1..=max_len)
        .prop_map(|chars| chars.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// HOTP and TOTP: generate, then verify
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The code for `start + ahead` verifies from `start` with a look-ahead of at least `ahead`,
    /// at the lowest counter in `start..=start + ahead` whose code it is (the generated counter
    /// itself unless an earlier one happens to share the code).
    #[test]
    fn hotp_generate_then_verify(
        key in key(),
        hash in hash_algorithm(),
        digits in digits(),
        start in counter(),
        window in window(Window::MAX),
        frac in 0.0f64..=1.0,
    ) {
        let hotp = Hotp::from_secret(&legacy(&key), hash, digits).unwrap();
        let room = u64::MAX - start;
        let ahead = ((f64::from(window.get()) * frac) as u64).min(room);
        let target = start + ahead;
        let code = hotp.generate(target);
        prop_assert_eq!(code.as_str().len(), usize::from(digits.get()));
        prop_assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));

        let found = hotp.verify(code.as_str(), start, window).unwrap();
        let expected = (start..=target).find(|&c| hotp.generate(c) == code);
        prop_assert_eq!(expected, Some(found.unwrap().counter));
        if digits.get() >= 8 && ahead < 64 {
            // Collisions in a short run of 8+ digit codes are too rare to ever see.
            prop_assert_eq!(found.map(|m| m.counter), Some(target));
        }
        // Past the counter it was made for, the exact window never accepts it (unless it collides).
        if let Some(next) = target.checked_add(1) {
            let later = hotp.verify(code.as_str(), next, Window::EXACT).unwrap();
            prop_assert_eq!(later.is_some(), hotp.generate(next) == code);
        }
    }

    /// A TOTP code made at any step within `window` of the verifier's step verifies there, with the
    /// matched step and its signed offset.
    #[test]
    fn totp_generate_then_verify(
        key in key(),
        hash in hash_algorithm(),
        digits in digits(),
        step_len in prop_oneof![1u64..=120, any::<u64>().prop_map(|s| s.max(1))],
        t0_and_time in (any::<u64>(), any::<u64>()).prop_map(|(a, b)| (a.min(b), a.max(b))),
        window in window(Window::MAX),
        frac in -1.0f64..=1.0,
    ) {
        let (t0, now_secs) = t0_and_time;
        let clock = TimeStep::new(step_len, t0).unwrap();
        let totp = Totp::from_secret(&legacy(&key), hash, digits, clock).unwrap();
        let now = clock.counter_at(now_secs).unwrap();
        prop_assert_eq!(now, (now_secs - t0) / step_len);

        let shift = (f64::from(window.get()) * frac) as i64;
        let target = now.saturating_add_signed(shift);
        let code = totp.generate_step(target);
        prop_assert_eq!(totp.generate(now_secs).unwrap(), totp.generate_step(now));

        let found = totp.verify(code.as_str(), now_secs, window).unwrap().unwrap();
        let low = now.saturating_sub(u64::from(window.get()));
        let expected = (low..=target).find(|&s| totp.generate_step(s) == code).unwrap();
        prop_assert_eq!(found.step, expected);
        prop_assert_eq!(i128::from(found.offset), i128::from(expected) - i128::from(now));
        if digits.get() >= 8 && window.get() <= 20 {
            prop_assert_eq!(found.step, target);
        }
    }

    /// Before T0 there is no code and no verification, only [`Error::InvalidTime`].
    #[test]
    fn totp_before_t0_is_an_error(t0 in 1u64.., back in 1u64.., step in 1u64..=3600) {
        let now = t0.saturating_sub(back);
        prop_assume!(now < t0);
        let totp = Totp::new(b"12345678901234567890", HashAlgorithm::Sha1, Digits::SIX, TimeStep::new(step, t0).unwrap()).unwrap();
        prop_assert!(matches!(totp.generate(now), Err(Error::InvalidTime(_))));
        prop_assert!(matches!(totp.verify("123456", now, Window::ONE), Err(Error::InvalidTime(_))));
    }

    /// A code made at a Unix time verifies at that time with the exact window.
    #[test]
    fn totp_generate_at_time_verifies_exactly(
        key in key(),
        hash in hash_algorithm(),
        step_len in 1u64..=300,
        now_secs in any::<u64>(),
    ) {
        let clock = TimeStep::new(step_len, 0).unwrap();
        let totp = Totp::from_secret(&legacy(&key), hash, Digits::EIGHT, clock).unwrap();
        let code = totp.generate(now_secs).unwrap();
        let found = totp.verify(code.as_str(), now_secs, Window::EXACT).unwrap().unwrap();
        prop_assert_eq!(found.step, now_secs / step_len);
        prop_assert_eq!(found.offset, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// OCRA: suites, then respond and verify
// ---------------------------------------------------------------------------------------------

/// One OCRA computation: a suite, a key, and inputs that fit the suite.
#[derive(Debug, Clone)]
struct OcraCase {
    parts: SuiteParts,
    key: Vec<u8>,
    challenge: String,
    /// Second half of a mutual challenge, when given.
    mutual: Option<String>,
    counter: u64,
    counter_ahead: u32,
    look_ahead: u32,
    pin: Option<PinCase>,
    session: Vec<u8>,
    /// Unix seconds (or steps, for `T0H` or when `time_as_steps`).
    time: u64,
    time_as_steps: bool,
    time_shift: i32,
    time_window: u32,
}

#[derive(Debug, Clone)]
enum PinCase {
    Plain(String),
    Hash(Vec<u8>),
}

fn ocra_case() -> impl Strategy<Value = OcraCase> {
    suite_parts().prop_flat_map(|parts| {
        let max = usize::from(parts.q_len);
        let pin = match parts.pin {
            Some(hash) => prop_oneof![
                "\\PC{1,12}".prop_map(PinCase::Plain),
                prop::collection::vec(any::<u8>(), hash.output_len()).prop_map(PinCase::Hash),
            ]
            .prop_map(Some)
            .boxed(),
            None => Just(None).boxed(),
        };
        let session_max = usize::from(parts.session.unwrap_or(0));
        let inputs = (
            challenge_text(parts.format, max),
            prop::option::weighted(0.2, challenge_text(parts.format, max)),
            pin,
            prop::collection::vec(any::<u8>(), 0..=session_max),
        );
        let counter_part = (counter(), 0u32..=10, 0u32..=10);
        let time_part = (
            prop_oneof![any::<u64>(), 1_000_000_000u64..=4_000_000_000],
            any::<bool>(),
            -5i32..=5,
            0u32..=5,
        );
        (Just(parts), key(), inputs, counter_part, time_part).prop_map(
            |(
                parts,
                key,
                (challenge, mutual, pin, session),
                (counter, counter_ahead, look_ahead),
                (time, time_as_steps, time_shift, time_window),
            )| OcraCase {
                parts,
                key,
                challenge,
                mutual,
                counter,
                counter_ahead,
                look_ahead,
                pin,
                session,
                time,
                time_as_steps,
                time_shift,
                time_window,
            },
        )
    })
}

impl OcraCase {
    fn challenge(&self, spec: ChallengeSpec) -> Challenge {
        match &self.mutual {
            Some(second) => Challenge::mutual(spec, &self.challenge, second).unwrap(),
            None => Challenge::new(spec, &self.challenge).unwrap(),
        }
    }

    fn pin(&self) -> Option<Pin<'_>> {
        self.pin.as_ref().map(|p| match p {
            PinCase::Plain(text) => Pin::Plain(text),
            PinCase::Hash(bytes) => Pin::Hash(bytes),
        })
    }

    /// The verifier's time input, and the step it stands for.
    fn time(&self) -> Option<(OcraTime, u64)> {
        let seconds = self.parts.step_seconds()?;
        if self.time_as_steps || seconds == 0 {
            Some((OcraTime::Steps(self.time), self.time))
        } else {
            Some((OcraTime::UnixSeconds(self.time), self.time / seconds))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Parsing a suite written from the grammar succeeds, prints back the same string, and every
    /// accessor agrees with the part it was written from.
    #[test]
    fn suite_parse_print_identity(parts in suite_parts()) {
        let text = parts.text();
        let suite: OcraSuite = text.parse().unwrap();
        prop_assert_eq!(suite.to_string(), text.clone());
        prop_assert_eq!(suite.as_str(), text.as_str());
        prop_assert_eq!(suite.hash(), parts.hash);
        prop_assert_eq!(suite.digits(), parts.digits);
        prop_assert_eq!(suite.uses_counter(), parts.counter);
        prop_assert_eq!(suite.challenge().format(), parts.format);
        prop_assert_eq!(suite.challenge().max_len(), usize::from(parts.q_len));
        prop_assert_eq!(suite.pin_hash(), parts.pin);
        prop_assert_eq!(suite.session_len(), parts.session);
        prop_assert_eq!(suite.time_step().map(|t| (t.amount(), t.unit())), parts.time);
        prop_assert_eq!(suite.time_step().map(|t| t.seconds()), parts.step_seconds());
        let reparsed: OcraSuite = suite.to_string().parse().unwrap();
        prop_assert_eq!(reparsed, suite);
    }

    /// One character changed, inserted or deleted: the result either parses and prints back
    /// exactly, or is refused as [`Error::InvalidSuite`].
    #[test]
    fn mutated_suite_parses_canonically_or_is_invalid(
        parts in suite_parts(),
        op in 0u8..3,
        at in any::<prop::sample::Index>(),
        ch in prop_oneof![
            select("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-:abcs ".chars().collect::<Vec<_>>()),
            any::<char>(),
        ],
    ) {
        let mut chars: Vec<char> = parts.text().chars().collect();
        match op {
            0 => {
                let i = at.index(chars.len());
                chars[i] = ch;
            }
            1 => chars.insert(at.index(chars.len() + 1), ch),
            _ => {
                chars.remove(at.index(chars.len()));
            }
        }
        let mutated: String = chars.into_iter().collect();
        match mutated.parse::<OcraSuite>() {
            Ok(suite) => prop_assert_eq!(suite.to_string(), mutated),
            Err(e) => prop_assert!(matches!(e, Error::InvalidSuite(_)), "{e:?}"),
        }
    }

    /// The response to the inputs at `counter + k`, `step + j` verifies from `counter`, `step`
    /// with a window covering them, at the first (counter, step) pair in scan order whose
    /// response it is: the generated pair unless an earlier one shares the response.
    #[test]
    fn ocra_respond_then_verify(case in ocra_case()) {
        let suite = case.parts.suite();
        let ocra = Ocra::from_secret(suite.clone(), &legacy(&case.key)).unwrap();
        let challenge = case.challenge(suite.challenge());
        let session = suite.session_len().map(|_| case.session.as_slice());
        let time = case.time();

        let counter = suite.uses_counter().then_some(case.counter);
        let target_counter = counter.map(|c| c.saturating_add(u64::from(case.counter_ahead.min(case.look_ahead))));
        let target_step = time.map(|(_, centre)| {
            let shift = case.time_shift.clamp(-(case.time_window as i32), case.time_window as i32);
            centre.saturating_add_signed(i64::from(shift))
        });

        let input_at = |c: Option<u64>, step: Option<u64>| OcraInput {
            challenge: &challenge,
            counter: c,
            pin: case.pin(),
            session,
            time: step.map(OcraTime::Steps),
        };
        let response = ocra.respond(&input_at(target_counter, target_step)).unwrap();
        match suite.digits() {
            0 => prop_assert_eq!(response.len(), suite.hash().output_len() * 2),
            d => prop_assert_eq!(response.len(), usize::from(d)),
        }
        // The same inputs give the same response (no hidden state).
        prop_assert_eq!(&ocra.respond(&input_at(target_counter, target_step)).unwrap(), &response);

        let window = OcraWindow {
            counter_look_ahead: Window::new(case.look_ahead).unwrap(),
            time_steps: Window::new(case.time_window).unwrap(),
        };
        let verifier_input = OcraInput {
            time: time.map(|(t, _)| t),
            ..input_at(counter, None)
        };
        let found = ocra.verify(&response, &verifier_input, window).unwrap().unwrap();

        // The first matching pair in the verifier's scan order (counters outer, steps inner).
        let counters: Vec<Option<u64>> = match counter {
            Some(c) => (c..=c.saturating_add(u64::from(case.look_ahead))).map(Some).collect(),
            None => vec![None],
        };
        let steps: Vec<Option<u64>> = match time {
            Some((_, centre)) => {
                let w = u64::from(case.time_window);
                (centre.saturating_sub(w)..=centre.saturating_add(w)).map(Some).collect()
            }
            None => vec![None],
        };
        let expected = counters
            .iter()
            .flat_map(|&c| steps.iter().map(move |&s| (c, s)))
            .find(|&(c, s)| ocra.respond(&input_at(c, s)).unwrap() == response)
            .unwrap();
        prop_assert_eq!((found.counter, found.time_step), expected);
        if suite.digits() == 0 || suite.digits() >= 8 {
            prop_assert_eq!((found.counter, found.time_step), (target_counter, target_step));
        }
    }

    /// A hashed PIN and the plain PIN it hashes give the same response.
    #[test]
    fn ocra_pin_plain_equals_pin_hash(
        parts in suite_parts().prop_filter("needs a PIN, no C/S/T", |p| {
            p.pin.is_some() && !p.counter && p.session.is_none() && p.time.is_none()
        }),
        key in key(),
        pin in "\\PC{1,12}",
    ) {
        let suite = parts.suite();
        let ocra = Ocra::from_secret(suite.clone(), &legacy(&key)).unwrap();
        let challenge = Challenge::new(suite.challenge(), "1234").unwrap();
        let hash = suite.pin_hash().unwrap().digest(pin.as_bytes());
        let plain = OcraInput { pin: Some(Pin::Plain(&pin)), ..OcraInput::challenge(&challenge) };
        let hashed = OcraInput { pin: Some(Pin::Hash(hash.as_bytes())), ..plain };
        prop_assert_eq!(ocra.respond(&plain).unwrap(), ocra.respond(&hashed).unwrap());
    }
}

// ---------------------------------------------------------------------------------------------
// No input to any parser panics
// ---------------------------------------------------------------------------------------------

/// Text from arbitrary bytes, as a browser's `TextDecoder` would make it.
fn lossy_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..300)
        .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,80}",
        ".{0,80}",
        lossy_text(),
        "[A-Za-z0-9:=&?%/+ -]{0,120}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn suite_parser_never_panics(text in prop_oneof![
        any_text(),
        // Close to the grammar, so the parser gets past its first checks.
        "OCRA-1:HOTP-SHA(1|256|512|3)-[0-9]{1,2}:(C-)?Q[ANHX][0-9]{1,3}(-P(SHA1|SHA256|MD5))?(-S[0-9]{1,4})?(-T[0-9]{0,3}[SMHX])?",
    ]) {
        match text.parse::<OcraSuite>() {
            Ok(suite) => prop_assert_eq!(suite.to_string(), text),
            Err(e) => prop_assert!(matches!(e, Error::InvalidSuite(_)), "{e:?}"),
        }
    }

    #[test]
    fn key_uri_parser_never_panics(text in prop_oneof![
        any_text(),
        any_text().prop_map(|t| format!("otpauth://{t}")),
        (
            "(totp|hotp|ocra|TOTP|x)",
            "[^?]{0,30}",
            prop::collection::vec(
                (
                    "(secret|issuer|algorithm|digits|period|counter|ocrasuite|SECRET|image)",
                    "[A-Za-z0-9%:=\\-]{0,40}",
                ),
                0..8,
            ),
        )
            .prop_map(|(kind, label, params)| {
                let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("otpauth://{kind}/{label}?{}", query.join("&"))
            }),
    ]) {
        if let Ok(uri) = KeyUri::parse(&text) {
            prop_assert!(!uri.account.is_empty());
            prop_assert!(!uri.secret.is_empty());
        }
    }

    #[test]
    fn base32_and_hex_decoders_never_panic(text in prop_oneof![
        any_text(),
        "[A-Za-z2-7= \t-]{0,64}",
        "[0-9A-Fa-f ]{0,64}",
    ]) {
        if let Ok(bytes) = base32_decode(&text) {
            prop_assert!(!bytes.is_empty());
            prop_assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
        }
        if let Ok(bytes) = hex_decode(&text) {
            prop_assert_eq!(hex_decode(&hex_encode(&bytes)).unwrap(), bytes);
        }
        if let Ok(secret) = Secret::from_base32(&text) {
            prop_assert!(!secret.is_empty());
        }
        if let Ok(secret) = Secret::from_hex(&text) {
            prop_assert!(!secret.is_empty());
        }
    }

    /// Base32 and hex against an independent codec (data-encoding, configured as this crate
    /// read Base32 before it moved to RustCrypto's constant-time base32ct): the same bytes out,
    /// the same texts refused.
    #[test]
    fn base32_and_hex_agree_with_data_encoding(
        bytes in prop::collection::vec(any::<u8>(), 0..80),
        text in prop_oneof![
            "[A-Za-z2-7]{0,40}",
            "[A-Za-z2-7 \t\r\n-]{0,40}={0,7}",
            "[A-Z2-7=01 ]{0,40}",
            "[0-9A-Fa-f \t]{0,40}",
            any_text(),
        ],
    ) {
        prop_assert_eq!(base32_encode(&bytes), data_encoding::BASE32_NOPAD.encode(&bytes));
        prop_assert_eq!(hex_encode(&bytes), data_encoding::HEXLOWER.encode(&bytes));

        let mut spec = data_encoding::Specification::new();
        spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        spec.translate.from.push_str("abcdefghijklmnopqrstuvwxyz");
        spec.translate.to.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        spec.ignore.push_str(" \t\r\n-");
        spec.check_trailing_bits = false;
        let lenient = spec.encoding().unwrap();
        let unpadded = text.trim_end_matches(|c: char| c == '=' || c.is_ascii_whitespace());
        let oracle = if unpadded.contains('=') {
            None
        } else {
            lenient.decode(unpadded.as_bytes()).ok().filter(|b| !b.is_empty())
        };
        prop_assert_eq!(base32_decode(&text).ok(), oracle, "base32 {:?}", text);

        let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let oracle = data_encoding::HEXLOWER_PERMISSIVE.decode(&compact).ok();
        prop_assert_eq!(hex_decode(&text).ok(), oracle, "hex {:?}", text);
    }

    #[test]
    fn secret_from_bytes_checks_the_length(bytes in prop::collection::vec(any::<u8>(), 0..1100)) {
        let len = bytes.len();
        match Secret::from_bytes(bytes.clone()) {
            Ok(secret) => {
                prop_assert!((16..=secure_login_otp::MAX_SECRET_LEN).contains(&len));
                prop_assert_eq!(secret.expose_secret(), bytes.as_slice());
                let again = Secret::from_base32(&secret.to_base32()).unwrap();
                prop_assert_eq!(again.expose_secret(), bytes.as_slice());
                let again = Secret::from_hex(&hex_encode(&bytes)).unwrap();
                prop_assert_eq!(again.expose_secret(), bytes.as_slice());
            }
            Err(e) if len < 16 => prop_assert_eq!(e, Error::SecretTooShort(len)),
            Err(e) => prop_assert_eq!(e, Error::InvalidSecretLength(len)),
        }
        match Secret::from_bytes_allow_short(bytes.clone()) {
            Ok(secret) => {
                prop_assert!((1..=secure_login_otp::MAX_SECRET_LEN).contains(&len));
                prop_assert_eq!(secret.expose_secret(), bytes.as_slice());
            }
            Err(e) => prop_assert_eq!(e, Error::InvalidSecretLength(len)),
        }
    }

    /// The byte-slice constructors keep the 16-byte minimum; from 16 bytes on they compute what
    /// the `Secret` constructors do.
    #[test]
    fn constructors_from_bytes_keep_the_minimum(key in key(), hash in hash_algorithm(), counter in counter()) {
        let by_bytes = Hotp::new(&key, hash, Digits::EIGHT);
        let by_secret = Hotp::from_secret(&legacy(&key), hash, Digits::EIGHT).unwrap();
        let totp = Totp::new(&key, hash, Digits::EIGHT, TimeStep::DEFAULT);
        let suite: OcraSuite = "OCRA-1:HOTP-SHA1-6:QN08".parse().unwrap();
        let ocra = Ocra::new(suite, &key);
        if key.len() < 16 {
            prop_assert_eq!(by_bytes.unwrap_err(), Error::SecretTooShort(key.len()));
            prop_assert_eq!(totp.unwrap_err(), Error::SecretTooShort(key.len()));
            prop_assert_eq!(ocra.unwrap_err(), Error::SecretTooShort(key.len()));
        } else {
            prop_assert_eq!(by_bytes.unwrap().generate(counter), by_secret.generate(counter));
            prop_assert!(totp.is_ok() && ocra.is_ok());
        }
    }

    /// Any text as a challenge for any suite: an error or a challenge, and a challenge gets a
    /// response.
    #[test]
    fn challenge_never_panics(
        parts in suite_parts(),
        first in prop_oneof![any_text(), "[0-9A-Fa-f]{0,70}", "[0-9]{60,66}"],
        second in prop_oneof![any_text(), "[0-9A-Fa-f]{0,70}", "[0-9]{60,66}"],
    ) {
        let suite = parts.suite();
        let spec = suite.challenge();
        let outcomes = [Challenge::new(spec, &first), Challenge::mutual(spec, &first, &second)];
        for outcome in outcomes {
            match outcome {
                Ok(challenge) => {
                    let ocra = Ocra::new(suite.clone(), b"12345678901234567890").unwrap();
                    let input = OcraInput {
                        challenge: &challenge,
                        counter: suite.uses_counter().then_some(1),
                        pin: suite.pin_hash().map(|_| Pin::Plain("1234")),
                        session: suite.session_len().map(|_| &b"session"[..1]),
                        time: suite.time_step().map(|_| OcraTime::Steps(1)),
                    };
                    prop_assert!(ocra.respond(&input).is_ok());
                }
                Err(e) => prop_assert!(
                    matches!(e, Error::InvalidChallenge(_) | Error::ChallengeTooLong { .. }),
                    "{e:?}"
                ),
            }
        }
    }

    /// Any response into any verifier: an error for the wrong shape, else a match only where the
    /// generator agrees.
    #[test]
    fn verify_never_panics(
        key in key(),
        hash in hash_algorithm(),
        digits in digits(),
        start in counter(),
        parts in suite_parts(),
        response in prop_oneof![any_text(), "[0-9]{4,10}", "[0-9a-fA-F]{40}", "[0-9a-fA-F]{128}"],
    ) {
        let hotp = Hotp::from_secret(&legacy(&key), hash, digits).unwrap();
        match hotp.verify(&response, start, Window::new(3).unwrap()) {
            Ok(Some(m)) => prop_assert_eq!(hotp.generate(m.counter).to_string(), response.clone()),
            Ok(None) => {}
            Err(e) => prop_assert!(matches!(e, Error::InvalidCode(_)), "{e:?}"),
        }
        let totp = Totp::from_secret(&legacy(&key), hash, digits, TimeStep::DEFAULT).unwrap();
        match totp.verify(&response, start, Window::ONE) {
            Ok(Some(m)) => prop_assert_eq!(totp.generate_step(m.step).to_string(), response.clone()),
            Ok(None) => {}
            Err(e) => prop_assert!(matches!(e, Error::InvalidCode(_)), "{e:?}"),
        }

        let suite = parts.suite();
        let ocra = Ocra::from_secret(suite.clone(), &legacy(&key)).unwrap();
        let challenge = Challenge::new(suite.challenge(), "1234").unwrap();
        let input = OcraInput {
            challenge: &challenge,
            counter: suite.uses_counter().then_some(start),
            pin: suite.pin_hash().map(|_| Pin::Plain("1234")),
            session: suite.session_len().map(|_| &b""[..]),
            time: suite.time_step().map(|_| OcraTime::Steps(start)),
        };
        let window = OcraWindow { counter_look_ahead: Window::new(2).unwrap(), time_steps: Window::ONE };
        match ocra.verify(&response, &input, window) {
            Ok(_) => {}
            Err(e) => prop_assert!(matches!(e, Error::InvalidCode(_)), "{e:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Encodings and Key URIs: round trips
// ---------------------------------------------------------------------------------------------

/// Account and issuer names: any Unicode but ':', without the surrounding white space the parser
/// trims, and not empty.
/// An account or issuer name: anything but ':' and control characters (which Key URIs refuse).
fn label_name() -> impl Strategy<Value = String> {
    "[^:\\p{Cc}]{1,24}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("not blank", |s| !s.is_empty())
}

fn token_kind() -> impl Strategy<Value = TokenKind> {
    prop_oneof![
        (1u64..=u64::MAX).prop_map(|period| TokenKind::Totp { period }),
        any::<u64>().prop_map(|counter| TokenKind::Hotp { counter }),
        suite_parts().prop_map(|p| TokenKind::Ocra { suite: p.suite() }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn base32_round_trip(bytes in prop::collection::vec(any::<u8>(), 1..200)) {
        let text = base32_encode(&bytes);
        prop_assert!(text.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        prop_assert_eq!(base32_decode(&text).unwrap(), bytes);
    }

    /// What people type: lower case, spaces anywhere, and `=` padding to a multiple of 8.
    #[test]
    fn base32_decode_forgives_case_spaces_and_padding(
        bytes in prop::collection::vec(any::<u8>(), 1..200),
        lower in prop::collection::vec(any::<bool>(), 0..400),
        spaces in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        pad in any::<bool>(),
    ) {
        let mut chars: Vec<char> = base32_encode(&bytes)
            .chars()
            .zip(lower.iter().chain(std::iter::repeat(&false)))
            .map(|(c, &low)| if low { c.to_ascii_lowercase() } else { c })
            .collect();
        if pad {
            while chars.len() % 8 != 0 {
                chars.push('=');
            }
        }
        let body = chars.iter().take_while(|&&c| c != '=').count();
        for at in &spaces {
            chars.insert(at.index(body + 1), ' ');
        }
        let text: String = chars.into_iter().collect();
        prop_assert_eq!(base32_decode(&text).unwrap(), bytes.clone());
        prop_assert_eq!(base32_decode(&text.to_lowercase()).unwrap(), bytes);
    }

    #[test]
    fn hex_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..200), upper in any::<bool>()) {
        let text = hex_encode(&bytes);
        prop_assert_eq!(text.len(), bytes.len() * 2);
        let text = if upper { text.to_uppercase() } else { text };
        prop_assert_eq!(hex_decode(&text).unwrap(), bytes);
    }

    /// Formatting a Key URI and parsing it back keeps the kind, the names and the secret.
    #[test]
    fn key_uri_round_trip(
        kind in token_kind(),
        account in label_name(),
        issuer in prop::option::of(label_name()),
        secret in prop::collection::vec(any::<u8>(), 1..=64),
        hash in hash_algorithm(),
        digits in digits(),
    ) {
        let algorithm = match &kind {
            TokenKind::Ocra { suite } => suite.hash(),
            _ => hash,
        };
        let uri = KeyUri {
            kind: kind.clone(),
            account: account.clone(),
            issuer: issuer.clone(),
            secret: legacy(&secret),
            algorithm,
            digits,
        };
        let text = uri.to_uri().unwrap();
        prop_assert!(text.is_ascii(), "percent-encoded: {text}");
        if secret.len() < 16 {
            prop_assert_eq!(KeyUri::parse(&text).unwrap_err(), Error::SecretTooShort(secret.len()));
        }
        let parsed = KeyUri::parse_allow_short(&text).unwrap();
        prop_assert_eq!(&parsed.kind, &kind);
        prop_assert_eq!(&parsed.account, &account);
        prop_assert_eq!(&parsed.issuer, &issuer);
        prop_assert_eq!(parsed.secret.expose_secret(), secret.as_slice());
        prop_assert_eq!(parsed.algorithm, algorithm);
        if !matches!(kind, TokenKind::Ocra { .. }) {
            prop_assert_eq!(parsed.digits, digits);
        }
        // And printing the parsed URI gives the same text.
        prop_assert_eq!(parsed.to_uri().unwrap(), text);
    }

    /// Whatever `to_uri` writes, `parse` reads, however long the names (the issuer is written
    /// twice, so a URI that parsed can come out longer than the parser's limit: then `to_uri`
    /// refuses instead).
    #[test]
    fn key_uri_written_always_parses(
        account in "[a-z\u{e9}\u{65e5}]{1,1500}",
        issuer in prop::option::of("[A-Z \u{e8}]{1,1500}"),
    ) {
        let uri = KeyUri {
            kind: TokenKind::Hotp { counter: 7 },
            account: account.trim().to_owned(),
            issuer,
            secret: Secret::from_bytes(vec![7; 32]).unwrap(),
            algorithm: HashAlgorithm::Sha1,
            digits: Digits::SIX,
        };
        prop_assume!(!uri.account.is_empty());
        match uri.to_uri() {
            Ok(text) => {
                let parsed = KeyUri::parse(&text).unwrap();
                prop_assert_eq!(parsed.account, uri.account);
                prop_assert_eq!(parsed.issuer, uri.issuer);
            }
            Err(e) => prop_assert_eq!(e, Error::InvalidKeyUri("too long")),
        }
    }

    /// A control character (NUL, a line break, DEL, C1) anywhere in a name or a parameter is
    /// refused when read and when written.
    #[test]
    fn key_uri_refuses_control_characters(
        account in label_name(),
        control in prop_oneof![0u32..0x20, 0x7fu32..0xa0].prop_map(|c| char::from_u32(c).unwrap()),
        place in 0usize..4,
    ) {
        let encoded: String = control.to_string().bytes().map(|b| format!("%{b:02X}")).collect();
        let good = format!(
            "otpauth://totp/Issuer:{}?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Issuer",
            account.replace('%', "%25").replace('?', "%3F").replace('#', "%23").replace('&', "%26")
        );
        prop_assume!(KeyUri::parse(&good).is_ok());
        let bad = match place {
            0 => good.replacen("Issuer:", &format!("Issuer:{encoded}"), 1),
            1 => good.replacen("?secret", &format!("{encoded}?secret"), 1),
            2 => good.replacen("&issuer=Issuer", &format!("&issuer=Iss{encoded}uer"), 1),
            _ => good.replacen("secret=GEZD", &format!("secret=GEZD{encoded}"), 1),
        };
        prop_assert_eq!(
            KeyUri::parse(&bad).err(),
            Some(Error::InvalidKeyUri(
                "control characters (such as NUL or a line break) are not allowed"
            )),
            "{}", bad
        );
        let uri = KeyUri {
            kind: TokenKind::Totp { period: 30 },
            account: format!("{account}{control}x"),
            issuer: None,
            secret: Secret::from_bytes(vec![1; 20]).unwrap(),
            algorithm: HashAlgorithm::Sha1,
            digits: Digits::SIX,
        };
        prop_assert!(matches!(uri.to_uri(), Err(Error::InvalidKeyUri(_))));
    }

    /// A ':' in the account or issuer cannot be written: it would change the label's meaning.
    #[test]
    fn key_uri_refuses_colon(account in label_name(), at in any::<prop::sample::Index>()) {
        let mut chars: Vec<char> = account.chars().collect();
        chars.insert(at.index(chars.len() + 1), ':');
        let uri = KeyUri {
            kind: TokenKind::Totp { period: 30 },
            account: chars.into_iter().collect(),
            issuer: None,
            secret: Secret::from_bytes(vec![1; 20]).unwrap(),
            algorithm: HashAlgorithm::Sha1,
            digits: Digits::SIX,
        };
        prop_assert!(matches!(uri.to_uri(), Err(Error::InvalidKeyUri(_))));
    }
}

// ---------------------------------------------------------------------------------------------
// HMAC: the crate's own padding over RustCrypto's compression functions, against the `hmac` crate
// ---------------------------------------------------------------------------------------------

/// The `hmac` crate's HMAC of `data`, an implementation independent of `HmacKey`'s padding.
fn reference_hmac(hash: HashAlgorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = <M as Mac>::new_from_slice(key).unwrap();
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
    match hash {
        HashAlgorithm::Sha1 => run::<Hmac<sha1::Sha1>>(key, data),
        HashAlgorithm::Sha256 => run::<Hmac<sha2::Sha256>>(key, data),
        HashAlgorithm::Sha512 => run::<Hmac<sha2::Sha512>>(key, data),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any key (shorter, as long as and longer than a block), any message length (every padding
    /// case: the length field fits after the message, or needs a block of its own), in up to
    /// three parts: the same MAC as the `hmac` crate.
    #[test]
    fn hmac_matches_the_hmac_crate(
        hash in hash_algorithm(),
        key in prop::collection::vec(any::<u8>(), 1..=300),
        data in prop::collection::vec(any::<u8>(), 0..=400),
        cut in any::<(prop::sample::Index, prop::sample::Index)>(),
    ) {
        let expected = reference_hmac(hash, &key, &data);
        let prepared = HmacKey::new(hash, &key).unwrap();
        prop_assert_eq!(prepared.mac(&[&data]).as_bytes().to_vec(), expected.clone());
        let (a, b) = (cut.0.index(data.len() + 1), cut.1.index(data.len() + 1));
        let (first, second) = (a.min(b), a.max(b));
        let parts = [&data[..first], &data[first..second], &data[second..]];
        prop_assert_eq!(prepared.mac(&parts).as_bytes().to_vec(), expected);
    }
}

/// Every message length across the padding boundaries of 64- and 128-byte blocks.
#[test]
fn hmac_matches_the_hmac_crate_at_every_length() {
    let key = b"a key for every length";
    for hash in [
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha512,
    ] {
        let prepared = HmacKey::new(hash, key).unwrap();
        for len in 0..=300 {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            assert_eq!(
                prepared.mac(&[&data]).as_bytes(),
                reference_hmac(hash, key, &data),
                "{hash} over {len} bytes"
            );
        }
    }
}
