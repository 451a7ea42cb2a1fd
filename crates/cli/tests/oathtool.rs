//! The same everyday tasks through `secure-login` and `oathtool` (OATH Toolkit, an independent
//! implementation), outputs compared line for line: HOTP over counters, TOTP at fixed times with
//! SHA-1/256/512, 6/7/8 digits, windows (`-w`), hex and Base32 keys, keys from stdin and from a
//! file, `--verify` against oathtool's validation, and TOTP at now.
//!
//! Needs `oathtool` (`apt-get install -y oathtool`, which `scripts/setup.sh --test` does); without
//! it every test here fails, naming the package, rather than passing unchecked.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test crate: a failed unwrap is a failed test, and clippy.toml's in-tests allowances miss helpers"
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// RFC 4226 / RFC 6238's SHA-1 key, "12345678901234567890".
const KEY20: &str = "3132333435363738393031323334353637383930";
/// RFC 6238's SHA-256 key (32 bytes).
const KEY32: &str = "3132333435363738393031323334353637383930313233343536373839303132";
/// RFC 6238's SHA-512 key (64 bytes).
const KEY64: &str = "31323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334";
/// A legacy 80-bit key, as many services issued them ("JBSWY3DPEHPK3PXP" in Base32).
const KEY10: &str = "48656c6c6f21deadbeef";

/// Base32 of the keys above, written out here (RFC 4648), not computed by the code under test.
fn base32_of(hex: &str) -> &'static str {
    match hex {
        KEY20 => "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        KEY32 => "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA",
        KEY10 => "JBSWY3DPEHPK3PXP",
        _ => panic!("no Base32 written for {hex}"),
    }
}

fn exec(program: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program} ({e}); the comparison needs it: `apt-get install -y oathtool` \
                 (scripts/setup.sh --test installs it)"
            )
        });
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn oathtool(args: &[&str], stdin: Option<&str>) -> Output {
    exec("oathtool", args, stdin)
}

fn ours(args: &[&str], stdin: Option<&str>) -> Output {
    exec(env!("CARGO_BIN_EXE_secure-login"), args, stdin)
}

fn lines(out: &Output, what: &str) -> Vec<String> {
    assert!(
        out.status.success(),
        "{what}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Both tools' codes for the same case, compared; returns how many codes were compared.
fn same(oath_args: &[&str], our_args: &[&str]) -> usize {
    let want = lines(
        &oathtool(oath_args, None),
        &format!("oathtool {oath_args:?}"),
    );
    let got = lines(&ours(our_args, None), &format!("secure-login {our_args:?}"));
    assert!(!want.is_empty());
    assert_eq!(
        got, want,
        "secure-login {our_args:?} vs oathtool {oath_args:?}"
    );
    want.len()
}

#[test]
fn hotp_over_counters_digits_windows_and_key_forms() {
    let mut compared = 0;
    for key in [KEY20, KEY32, KEY10] {
        for counter in ["0", "1", "7", "4294967296", "18446744073709551610"] {
            for digits in ["6", "7", "8"] {
                for window in ["0", "3"] {
                    let oath = ["-c", counter, "-d", digits, "-w", window, key];
                    let hex = ["hotp", "-k", key, "-c", counter, "-d", digits, "-w", window];
                    compared += same(&oath, &hex);
                    let b32 = base32_of(key);
                    let oath = ["-b", "-c", counter, "-d", digits, "-w", window, b32];
                    let ours = ["hotp", "-b", b32, "-c", counter, "-d", digits, "-w", window];
                    compared += same(&oath, &ours);
                }
            }
        }
    }
    // The counter defaults to 0 in both.
    compared += same(&[KEY20], &["hotp", "-k", KEY20]);
    eprintln!("HOTP: {compared} codes compared with oathtool");
}

/// oathtool's HOTP is SHA-1 only; SHA-256 and SHA-512 HOTP are its TOTP with 1-second steps
/// from 0, where the counter is the time.
#[test]
fn hotp_sha256_and_sha512_match_oathtools_one_second_totp() {
    let mut compared = 0;
    for (hash, mode, key) in [
        ("sha256", "--totp=SHA256", KEY32),
        ("sha512", "--totp=SHA512", KEY64),
    ] {
        for counter in ["0", "1", "59", "1111111109", "20000000000"] {
            let at = format!("@{counter}");
            for digits in ["6", "8"] {
                let oath = [mode, "-s", "1s", "-N", &at, "-d", digits, "-w", "2", key];
                let ours = [
                    "hotp", "-H", hash, "-k", key, "-c", counter, "-d", digits, "-w", "2",
                ];
                compared += same(&oath, &ours);
            }
        }
    }
    eprintln!("HOTP SHA-256/512: {compared} codes compared with oathtool");
}

#[test]
fn totp_at_fixed_times_hashes_digits_steps_and_windows() {
    let mut compared = 0;
    let cases = [
        ("sha1", "--totp=SHA1", KEY20),
        ("sha256", "--totp=SHA256", KEY32),
        ("sha512", "--totp=SHA512", KEY64),
        ("sha1", "--totp=SHA1", KEY10),
    ];
    for (hash, mode, key) in cases {
        for time in [
            "59",
            "1111111109",
            "1111111111",
            "1234567890",
            "2000000000",
            "20000000000",
        ] {
            let at = format!("@{time}");
            for digits in ["6", "7", "8"] {
                for (step, step_s, t0) in
                    [("30", "30s", "0"), ("60", "60s", "0"), ("30", "30s", "20")]
                {
                    let start = format!("@{t0}");
                    let oath = [
                        mode, "-N", &at, "-s", step_s, "-S", &start, "-d", digits, "-w", "2", key,
                    ];
                    let ours = [
                        "totp", "-H", hash, "-k", key, "-t", time, "-s", step, "-S", t0, "-d",
                        digits, "-w", "2",
                    ];
                    compared += same(&oath, &ours);
                }
            }
        }
    }
    // Base32 keys, as an app shows them.
    for key in [KEY20, KEY32, KEY10] {
        let b32 = base32_of(key);
        compared += same(
            &["--totp", "-b", "-N", "@1234567890", "-w", "1", b32],
            &["totp", "-b", b32, "-t", "1234567890", "-w", "1"],
        );
    }
    eprintln!("TOTP: {compared} codes compared with oathtool");
}

/// A key from stdin (`-` in both) and from a file (oathtool's `@FILE`, our `--key-file`), with
/// the trailing newline an editor or `echo` leaves.
#[test]
fn keys_from_stdin_and_files() {
    let piped = format!("{KEY20}\n");
    let want = lines(
        &oathtool(&["--totp", "-N", "@59", "-d", "8", "-"], Some(&piped)),
        "oathtool -",
    );
    assert_eq!(want, ["94287082"], "RFC 6238 Appendix B");
    let got = lines(
        &ours(&["totp", "-k", "-", "-t", "59", "-d", "8"], Some(&piped)),
        "-k -",
    );
    assert_eq!(got, want);
    let got = lines(
        &ours(
            &["totp", "-b", "-", "-t", "59", "-d", "8"],
            Some(&format!("{}\r\n", base32_of(KEY20))),
        ),
        "-b -",
    );
    assert_eq!(got, want);

    let dir = std::env::temp_dir().join(format!("secure-login-oathtool-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key.hex");
    std::fs::write(&file, &piped).unwrap();
    let path = file.to_str().unwrap();
    let want = lines(
        &oathtool(&["-c", "5", "-w", "2", &format!("@{path}")], None),
        "oathtool @FILE",
    );
    let got = lines(
        &ours(&["hotp", "--key-file", path, "-c", "5", "-w", "2"], None),
        "--key-file",
    );
    assert_eq!(got, want);
    let b32file = dir.join("key.b32");
    std::fs::write(&b32file, format!("{}\n", base32_of(KEY20))).unwrap();
    let got = lines(
        &ours(
            &[
                "hotp",
                "--base32-file",
                b32file.to_str().unwrap(),
                "-c",
                "5",
                "-w",
                "2",
            ],
            None,
        ),
        "--base32-file",
    );
    assert_eq!(got, want);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--verify` agrees with oathtool's validation (`oathtool KEY OTP`): the same codes match, at the
/// same place. oathtool prints the HOTP counter's distance from `-c` and the TOTP step's
/// distance from now without its sign; we print the counter and the signed offset. A miss is
/// oathtool's exit 2 and our exit 1.
#[test]
fn verify_agrees_with_oathtools_validation() {
    let mut checked = 0;
    // HOTP: the verifier at counter 3 with look-ahead 2; codes of counters 0 to 7 (RFC 4226
    // Appendix D's, from oathtool).
    for counter in 0..8u64 {
        let c = counter.to_string();
        let code = lines(&oathtool(&["-c", &c, KEY20], None), "oathtool")[0].clone();
        let oath = oathtool(&["-c", "3", "-w", "2", KEY20, &code], None);
        let got = ours(
            &["hotp", "-k", KEY20, "-c", "3", "-w", "2", "--verify", &code],
            None,
        );
        if oath.status.success() {
            let distance: u64 = String::from_utf8(oath.stdout)
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert_eq!(
                lines(&got, "verify"),
                [(3 + distance).to_string()],
                "counter {counter}"
            );
            assert!((3..=5).contains(&counter));
        } else {
            assert_eq!(oath.status.code(), Some(2), "oathtool's miss");
            assert_eq!(got.status.code(), Some(1), "counter {counter}: our miss");
            assert!(got.stdout.is_empty());
            assert!(!(3..=5).contains(&counter));
        }
        checked += 1;
    }
    // TOTP: the verifier at 1234567890 s (step 41152263) with 1 step either side; codes of
    // steps 3 before to 3 after.
    let now = 1_234_567_890u64;
    for offset in -3i64..=3 {
        let at = format!("@{}", now.checked_add_signed(offset * 30).unwrap());
        let code = lines(
            &oathtool(&["--totp", "-N", &at, "-d", "8", KEY20], None),
            "oathtool",
        )[0]
        .clone();
        let oath = oathtool(
            &[
                "--totp",
                "-N",
                "@1234567890",
                "-d",
                "8",
                "-w",
                "1",
                KEY20,
                &code,
            ],
            None,
        );
        let got = ours(
            &[
                "totp",
                "-k",
                KEY20,
                "-t",
                "1234567890",
                "-d",
                "8",
                "-w",
                "1",
                "--verify",
                &code,
            ],
            None,
        );
        if oath.status.success() {
            let distance: i64 = String::from_utf8(oath.stdout)
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            let printed = lines(&got, "verify");
            assert_eq!(printed, [offset.to_string()], "offset {offset}");
            assert_eq!(distance, offset.abs());
        } else {
            assert_eq!(oath.status.code(), Some(2), "oathtool's miss");
            assert_eq!(got.status.code(), Some(1), "offset {offset}: our miss");
            assert!(offset.abs() > 1);
        }
        checked += 1;
    }
    eprintln!("verify: {checked} codes checked against oathtool's validation");
}

/// TOTP at now, the default of both. The clock may pass a step boundary between two runs, so
/// oathtool runs before and after: ours must be one of the two (the same when no boundary passed).
#[test]
fn totp_at_now_matches_oathtool() {
    for (hash, mode, key) in [
        ("sha1", "--totp=SHA1", KEY20),
        ("sha512", "--totp=SHA512", KEY64),
    ] {
        let before = lines(&oathtool(&[mode, "-w", "1", key], None), "oathtool");
        let got = lines(
            &ours(&["totp", "-H", hash, "-k", key, "-w", "1"], None),
            "ours",
        );
        let after = lines(&oathtool(&[mode, "-w", "1", key], None), "oathtool");
        assert!(
            got == before || got == after,
            "{got:?} vs {before:?} / {after:?}"
        );
        // The verify side, at now: oathtool's current code matches within one step.
        let code = lines(&oathtool(&[mode, key], None), "oathtool")[0].clone();
        let matched = lines(
            &ours(&["totp", "-H", hash, "-k", key, "--verify", &code], None),
            "verify",
        );
        assert!(matched == ["0"] || matched == ["-1"], "{matched:?}");
    }
}
