//! The RFC appendices' test vectors, read from `tests/vectors/*.json` (the records: `tests/vectors/rfc_vectors.rs`), natively and (through
//! wasm-bindgen-test) in headless Chromium. Every vector has a tampered twin that must fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rfc_vectors::{hmac, rfc4226, rfc6238, rfc6287, OcraCase};
use secure_login_otp::{
    Challenge, Digits, HashAlgorithm, HmacKey, Hotp, Ocra, OcraInput, OcraSuite, OcraTime,
    OcraWindow, Pin, TimeStep, Totp, Window,
};

#[path = "../../../tests/vectors/rfc_vectors.rs"]
mod rfc_vectors;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn hex(text: &str) -> Vec<u8> {
    secure_login_otp::hex_decode(text).expect("vector hex")
}

/// The same code with its last digit changed: a near miss that must never verify.
fn tampered(code: &str) -> String {
    let mut bytes = code.as_bytes().to_vec();
    let last = bytes.last_mut().expect("non-empty code");
    *last = b'0' + (*last - b'0' + 1) % 10;
    String::from_utf8(bytes).expect("ascii")
}

#[test]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn rfc4226_appendix_d() {
    let file = rfc4226();
    assert_eq!(file.cases.len(), 10);
    let hotp = Hotp::new(
        &hex(&file.secret_hex),
        HashAlgorithm::Sha1,
        Digits::new(file.digits).unwrap(),
    )
    .unwrap();
    for case in &file.cases {
        assert_eq!(
            hotp.generate(case.counter).as_str(),
            case.hotp,
            "counter {}",
            case.counter
        );
        let found = hotp.verify(&case.hotp, 0, Window::new(9).unwrap()).unwrap();
        assert_eq!(found.map(|m| m.counter), Some(case.counter));
        // Exactly at its counter, and refused once the counter has moved past it.
        assert!(hotp
            .verify(&case.hotp, case.counter, Window::EXACT)
            .unwrap()
            .is_some());
        assert!(hotp
            .verify(&case.hotp, case.counter + 1, Window::new(20).unwrap())
            .unwrap()
            .is_none());
        let bad = tampered(&case.hotp);
        assert_ne!(hotp.generate(case.counter).as_str(), bad);
        assert!(hotp
            .verify(&bad, case.counter, Window::EXACT)
            .unwrap()
            .is_none());
    }
}

#[test]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn rfc6238_appendix_b() {
    let file = rfc6238();
    assert_eq!(file.cases.len(), 18, "all 18 rows");
    let clock = TimeStep::new(file.step, file.t0).unwrap();
    let digits = Digits::new(file.digits).unwrap();
    for case in &file.cases {
        let hash: HashAlgorithm = case.hash.parse().unwrap();
        let totp = Totp::new(&hex(&case.secret_hex), hash, digits, clock).unwrap();
        let step = u64::from_str_radix(&case.step_hex, 16).unwrap();
        assert_eq!(
            clock.counter_at(case.time).unwrap(),
            step,
            "T at {}",
            case.time
        );
        assert_eq!(
            totp.generate(case.time).unwrap().as_str(),
            case.totp,
            "{} at {}",
            case.hash,
            case.time
        );

        let found = totp
            .verify(&case.totp, case.time, Window::ONE)
            .unwrap()
            .expect("verifies");
        assert_eq!((found.step, found.offset), (step, 0));
        // One step later the code is still within +-1, two steps later it is not.
        let later = totp
            .verify(&case.totp, case.time + file.step, Window::ONE)
            .unwrap()
            .expect("within window");
        assert_eq!((later.step, later.offset), (step, -1));
        assert!(totp
            .verify(&case.totp, case.time + 2 * file.step, Window::ONE)
            .unwrap()
            .is_none());
        assert!(totp
            .verify(&tampered(&case.totp), case.time, Window::ONE)
            .unwrap()
            .is_none());
    }
}

fn ocra_parts(case: &OcraCase) -> (Ocra, Challenge) {
    let suite: OcraSuite = case.suite.parse().unwrap();
    assert_eq!(suite.to_string(), case.suite, "printed back unchanged");
    let challenge = match case.challenges.as_slice() {
        [one] => Challenge::new(suite.challenge(), one).unwrap(),
        [first, second] => Challenge::mutual(suite.challenge(), first, second).unwrap(),
        _ => panic!("one or two challenges"),
    };
    (Ocra::new(suite, &hex(&case.key_hex)).unwrap(), challenge)
}

#[test]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn rfc6287_appendix_c() {
    let file = rfc6287();
    let pin_hash = hex(&file.pin_sha1_hex);
    let sections: std::collections::BTreeSet<_> =
        file.cases.iter().map(|c| &c.section[..3]).collect();
    assert_eq!(
        sections.into_iter().collect::<Vec<_>>(),
        ["C.1", "C.2", "C.3"]
    );
    assert_eq!(file.cases.len(), 70);

    for case in &file.cases {
        let (ocra, challenge) = ocra_parts(case);
        let time = case
            .time_steps_hex
            .as_deref()
            .map(|t| OcraTime::Steps(u64::from_str_radix(t, 16).unwrap()));
        let plain = OcraInput {
            challenge: &challenge,
            counter: case.counter,
            pin: case.pin.as_deref().map(Pin::Plain),
            session: None,
            time,
        };
        let hashed = OcraInput {
            pin: case.pin.as_ref().map(|_| Pin::Hash(&pin_hash)),
            ..plain
        };
        let what = format!("{} {} {:?}", case.section, case.suite, case.challenges);

        assert_eq!(ocra.respond(&plain).unwrap(), case.response, "{what}");
        assert_eq!(
            ocra.respond(&hashed).unwrap(),
            case.response,
            "{what} (PIN hash)"
        );

        let found = ocra
            .verify(&case.response, &plain, OcraWindow::default())
            .unwrap()
            .expect(&what);
        assert_eq!(found.counter, case.counter, "{what}");
        assert_eq!(
            found.time_step,
            time.map(|t| match t {
                OcraTime::Steps(s) => s,
                OcraTime::UnixSeconds(_) => unreachable!(),
            })
        );
        assert!(
            ocra.verify(&tampered(&case.response), &plain, OcraWindow::default())
                .unwrap()
                .is_none(),
            "{what}"
        );
        if case.pin.is_some() {
            let wrong = OcraInput {
                pin: Some(Pin::Plain("1235")),
                ..plain
            };
            assert_ne!(
                ocra.respond(&wrong).unwrap(),
                case.response,
                "{what}: wrong PIN"
            );
        }
    }
}

#[test]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn rfc6287_time_as_unix_seconds() {
    // Appendix C's T = 0x132d0b6 minutes is "Mar 25 2008, 12:06:30 GMT" = 1206446790 s.
    let suite: OcraSuite = "OCRA-1:HOTP-SHA512-8:QN08-T1M".parse().unwrap();
    let spec = suite.challenge();
    let key = hex("31323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334");
    let ocra = Ocra::new(suite, &key).unwrap();
    let challenge = Challenge::new(spec, "00000000").unwrap();
    let input = OcraInput {
        time: Some(OcraTime::UnixSeconds(1_206_446_790)),
        ..OcraInput::challenge(&challenge)
    };
    assert_eq!(ocra.respond(&input).unwrap(), "95209754");
    // Two minutes later the response is still accepted with a +-2 step window, with the step it used.
    let later = OcraInput {
        time: Some(OcraTime::UnixSeconds(1_206_446_790 + 120)),
        ..input
    };
    let window = OcraWindow {
        time_steps: Window::new(2).unwrap(),
        ..OcraWindow::default()
    };
    let found = ocra.verify("95209754", &later, window).unwrap().unwrap();
    assert_eq!(found.time_step, Some(0x132d0b6));
    assert!(ocra
        .verify("95209754", &later, OcraWindow::default())
        .unwrap()
        .is_none());
}

/// The HMAC under every code (its padding is the crate's own, over RustCrypto's compression
/// functions): the message whole, split at every position, and with one bit flipped.
#[test]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn rfc2202_and_rfc4231_hmac() {
    let file = hmac();
    assert_eq!(file.cases.len(), 21);
    for case in &file.cases {
        let what = format!("RFC {} case {} {}", case.rfc, case.case, case.hash);
        let key = HmacKey::new(case.hash.parse().unwrap(), &hex(&case.key_hex)).unwrap();
        let data = hex(&case.data_hex);
        let mac = hex(&case.mac_hex);
        assert_eq!(key.mac(&[&data]).as_bytes(), mac, "{what}");
        for at in 0..=data.len() {
            let (head, tail) = data.split_at(at);
            assert_eq!(
                key.mac(&[head, &[], tail]).as_bytes(),
                mac,
                "{what} split at {at}"
            );
        }
        let mut flipped = data.clone();
        flipped[0] ^= 1;
        assert_ne!(key.mac(&[&flipped]).as_bytes(), mac, "{what} tampered");
    }
}
