//! No allocation per code: generating and verifying HOTP, TOTP and OCRA codes touches the heap
//! only for what the caller gets back (an OCRA response `String`) or once per call, never once
//! per candidate of a verification window. Counted with dhat's allocator.
//!
//! The allocator counts every thread's blocks, so this binary runs without libtest
//! (`harness = false` in Cargo.toml): libtest's own thread (output capture, the "running for
//! over 60 seconds" notice on a loaded machine) would otherwise allocate while it counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    counting::codes_cost_no_allocation();
    println!("alloc: codes cost no allocation ... ok");
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod counting {
    use std::hint::black_box;

    use secure_login_otp::{
        Challenge, Digits, HashAlgorithm, Hotp, Ocra, OcraInput, OcraSuite, OcraTime, OcraWindow,
        TimeStep, Totp, Window,
    };

    #[global_allocator]
    static ALLOC: dhat::Alloc = dhat::Alloc;

    /// Heap blocks allocated while `f` runs.
    fn allocations(f: impl FnOnce()) -> u64 {
        let before = dhat::HeapStats::get().total_blocks;
        f();
        dhat::HeapStats::get().total_blocks - before
    }

    pub fn codes_cost_no_allocation() {
        let _profiler = dhat::Profiler::builder().testing().build();
        let key = b"12345678901234567890123456789012";

        let hotp = Hotp::new(&key[..20], HashAlgorithm::Sha1, Digits::SIX).unwrap();
        let code = hotp.generate(1_010);
        assert_eq!(
            allocations(|| {
                black_box(hotp.generate(black_box(7)));
            }),
            0
        );
        for look_ahead in [0, 10, 100] {
            let window = Window::new(look_ahead).unwrap();
            let n = allocations(|| drop(black_box(hotp.verify(code.as_str(), 1_000, window))));
            assert_eq!(n, 0, "HOTP verify, look-ahead {look_ahead}");
        }

        let totp = Totp::new(key, HashAlgorithm::Sha256, Digits::EIGHT, TimeStep::DEFAULT).unwrap();
        let now = 1_790_000_000;
        let code = totp.generate(now + 30).unwrap();
        assert_eq!(
            allocations(|| drop(black_box(totp.generate(black_box(now))))),
            0
        );
        for steps in [0, 1, 10] {
            let window = Window::new(steps).unwrap();
            let n = allocations(|| drop(black_box(totp.verify(code.as_str(), now, window))));
            assert_eq!(n, 0, "TOTP verify, window {steps}");
        }

        // OCRA: the response is a String (one allocation); verification copies the typed response
        // once; neither grows with the window, also for the whole-HMAC hex suites.
        for suite in [
            "OCRA-1:HOTP-SHA256-8:C-QN08-T1M",
            "OCRA-1:HOTP-SHA512-0:C-QN08-T1M",
        ] {
            let suite: OcraSuite = suite.parse().unwrap();
            let challenge = Challenge::new(suite.challenge(), "12345678").unwrap();
            let ocra = Ocra::new(suite, key).unwrap();
            let input = OcraInput {
                counter: Some(5),
                time: Some(OcraTime::Steps(100)),
                ..OcraInput::challenge(&challenge)
            };
            let response = ocra.respond(&input).unwrap();
            let n = allocations(|| drop(black_box(ocra.respond(black_box(&input)))));
            assert_eq!(n, 1, "{} respond", ocra.suite());
            let mut per_window = Vec::new();
            for (ahead, steps) in [(0, 0), (3, 2), (20, 10)] {
                let window = OcraWindow {
                    counter_look_ahead: Window::new(ahead).unwrap(),
                    time_steps: Window::new(steps).unwrap(),
                };
                per_window.push(allocations(|| {
                    assert!(ocra.verify(&response, &input, window).unwrap().is_some());
                }));
            }
            assert_eq!(per_window, [1, 1, 1], "{} verify", ocra.suite());
        }
    }
}
