//! Criterion benchmarks of the OTP core: generate and verify for HOTP, TOTP and OCRA with the
//! product's default parameters, and the two parsers a login touches (Key URI, OCRA suite); the
//! same operations in `totp-rs`, the crate a Rust user would pick instead; and the bare
//! compression functions under them, the floor any HMAC implementation stands on.
//!
//! Run with `cargo bench --bench otp` (or all of `scripts/bench.sh`); see `BENCHMARKS.md` for
//! what each one measures and the numbers last measured.
// A benchmark whose setup fails has nothing to measure: stopping loudly is the right thing.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// `criterion_group!` writes an undocumented `pub fn benches`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use secure_login_otp::{
    Challenge, Digits, HashAlgorithm, Hotp, KeyUri, Ocra, OcraInput, OcraSuite, OcraWindow, Pin,
    TimeStep, Totp, Window,
};

/// The 20-byte key of RFC 4226 appendix D.
const KEY_20: &[u8] = b"12345678901234567890";
/// The 32-byte key of RFC 6238 appendix B (SHA-256 rows) and RFC 6287 appendix C.
const KEY_32: &[u8] = b"12345678901234567890123456789012";
/// A Unix time in 2026.
const NOW: u64 = 1_790_000_000;
/// What a provisioning page puts in its QR code.
const KEY_URI: &str = "otpauth://totp/Example%20Broker:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Broker&algorithm=SHA256&digits=8&period=30";

fn hotp(c: &mut Criterion) {
    let hotp = Hotp::new(KEY_20, HashAlgorithm::Sha1, Digits::SIX).unwrap();
    let window = Window::new(10).unwrap();
    // The code at the far end of the window; the scan visits all 11 counters whatever matches.
    let code = hotp.generate(1_010).to_string();
    assert_eq!(
        hotp.verify(&code, 1_000, window).unwrap().unwrap().counter,
        1_010
    );

    let mut group = c.benchmark_group("hotp_sha1_6");
    group.bench_function("generate", |b| b.iter(|| hotp.generate(black_box(1_000))));
    group.bench_function("verify_look_ahead_10", |b| {
        b.iter(|| hotp.verify(black_box(&code), black_box(1_000), window))
    });
    group.finish();
}

fn totp(c: &mut Criterion) {
    let totp = Totp::new(
        KEY_32,
        HashAlgorithm::Sha256,
        Digits::EIGHT,
        TimeStep::DEFAULT,
    )
    .unwrap();
    // The code of the next step: the last candidate either crate tries (totp-rs stops at the
    // first match; this crate visits all 3 steps whatever matches).
    let code = totp.generate(NOW + 30).unwrap().to_string();
    assert_eq!(
        totp.verify(&code, NOW, Window::ONE)
            .unwrap()
            .unwrap()
            .offset,
        1
    );

    let mut group = c.benchmark_group("totp_sha256_8");
    group.bench_function("generate", |b| b.iter(|| totp.generate(black_box(NOW))));
    group.bench_function("verify_window_1", |b| {
        b.iter(|| totp.verify(black_box(&code), black_box(NOW), Window::ONE))
    });
    group.finish();
}

fn ocra(c: &mut Criterion) {
    // The soft token's suite.
    let suite: OcraSuite = "OCRA-1:HOTP-SHA256-8:QN08".parse().unwrap();
    let challenge = Challenge::new(suite.challenge(), "12345678").unwrap();
    let token = Ocra::new(suite, KEY_32).unwrap();
    let input = OcraInput::challenge(&challenge);
    let response = token.respond(&input).unwrap();
    assert!(token
        .verify(&response, &input, OcraWindow::default())
        .unwrap()
        .is_some());

    let mut group = c.benchmark_group("ocra");
    group.bench_function("QN08_respond", |b| {
        b.iter(|| token.respond(black_box(&input)))
    });
    group.bench_function("QN08_verify", |b| {
        b.iter(|| {
            token.verify(
                black_box(&response),
                black_box(&input),
                OcraWindow::default(),
            )
        })
    });

    // The card's suite: a 6-digit challenge and the PIN, hashed with SHA-1 on each response.
    let card_suite: OcraSuite = "OCRA-1:HOTP-SHA256-8:QN06-PSHA1".parse().unwrap();
    let card_challenge = Challenge::new(card_suite.challenge(), "123456").unwrap();
    let card = Ocra::new(card_suite, KEY_32).unwrap();
    let card_input = OcraInput {
        pin: Some(Pin::Plain("1234")),
        ..OcraInput::challenge(&card_challenge)
    };
    assert_eq!(card.respond(&card_input).unwrap().len(), 8);
    group.bench_function("QN06-PSHA1_respond", |b| {
        b.iter(|| card.respond(black_box(&card_input)))
    });
    group.finish();
}

/// The same operations in totp-rs 5 (HOTP as its TOTP with a 1-second step, so that the time
/// is the counter). It keys a fresh HMAC for every code and returns a `String`.
fn totp_rs(c: &mut Criterion) {
    use totp_rs::{Algorithm, TOTP};
    let hotp = TOTP::new(Algorithm::SHA1, 6, 0, 1, KEY_20.to_vec()).unwrap();
    let ours = Hotp::new(KEY_20, HashAlgorithm::Sha1, Digits::SIX).unwrap();
    assert_eq!(hotp.generate(1_000), ours.generate(1_000).to_string());
    let totp = TOTP::new(Algorithm::SHA256, 8, 1, 30, KEY_32.to_vec()).unwrap();
    let code = totp.generate(NOW + 30);
    assert!(totp.check(&code, NOW));

    let mut group = c.benchmark_group("totp_rs");
    group.bench_function("hotp_sha1_6_generate", |b| {
        b.iter(|| hotp.generate(black_box(1_000)))
    });
    group.bench_function("totp_sha256_8_generate", |b| {
        b.iter(|| totp.generate(black_box(NOW)))
    });
    group.bench_function("totp_sha256_8_check_skew_1", |b| {
        b.iter(|| totp.check(black_box(&code), black_box(NOW)))
    });
    group.finish();
}

/// RustCrypto's compression functions alone, as many blocks as each operation needs with the
/// key's pad states kept: 2 for a HOTP or TOTP code (one inner, one outer block), 4 for the
/// OCRA QN08 response (its 154-byte message takes 3 inner blocks).
fn compress(c: &mut Criterion) {
    use sha2::digest::generic_array::GenericArray;
    let block64 = GenericArray::clone_from_slice(&[0x5a; 64]);
    let mut group = c.benchmark_group("compress");
    group.bench_function("sha1_x2", |b| {
        b.iter(|| {
            let mut state = black_box([1u32; 5]);
            sha1::compress(&mut state, &[block64, block64]);
            state
        })
    });
    group.bench_function("sha256_x2", |b| {
        b.iter(|| {
            let mut state = black_box([1u32; 8]);
            sha2::compress256(&mut state, &[block64, block64]);
            state
        })
    });
    group.bench_function("sha256_x4", |b| {
        b.iter(|| {
            let mut state = black_box([1u32; 8]);
            sha2::compress256(&mut state, &[block64, block64, block64, block64]);
            state
        })
    });
    group.finish();
}

fn parsers(c: &mut Criterion) {
    assert!(KeyUri::parse(KEY_URI).is_ok());
    let mut group = c.benchmark_group("parse");
    group.bench_function("key_uri", |b| b.iter(|| KeyUri::parse(black_box(KEY_URI))));
    group.bench_function("ocra_suite", |b| {
        b.iter(|| black_box("OCRA-1:HOTP-SHA256-8:QN06-PSHA1").parse::<OcraSuite>())
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = hotp, totp, ocra, totp_rs, compress, parsers
}
criterion_main!(benches);
