//! The `secure-login` binary, run as a user would: every RFC vector class through the command
//! line, and bad input that must give one line on stderr, no code, exit status 2 and no secret.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test crate: a failed unwrap is a failed test, and clippy.toml's in-tests allowances miss helpers"
)]

use std::process::{Command, Output};

use rfc_vectors::{rfc4226, rfc6238, rfc6287};

#[path = "../../../tests/vectors/rfc_vectors.rs"]
mod rfc_vectors;

/// The RFC 4226 / 6238 SHA-1 key, "12345678901234567890", in Base32.
const KEY_BASE32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secure-login"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs `args`, expects success, and returns the one line printed.
fn code(args: &[&str]) -> String {
    let out = run(args);
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    assert!(
        out.status.success(),
        "{args:?}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{args:?}: stderr not empty");
    let line = stdout.strip_suffix('\n').expect("a newline after the code");
    assert!(!line.contains('\n'), "{args:?}: one line");
    line.to_owned()
}

/// Runs `args`, expects a usage error, and returns the one stderr line after checking that it
/// repeats none of `secrets`.
fn usage_error(args: &[&str], secrets: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: exit status");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: one stderr line, got {stderr:?}"
    );
    assert!(stderr.ends_with('\n'), "{args:?}");
    for secret in secrets {
        assert!(
            !stderr.contains(secret),
            "{args:?}: stderr repeats a secret: {stderr:?}"
        );
    }
    stderr.trim_end().to_owned()
}

#[test]
fn hotp_rfc4226_appendix_d() {
    let file = rfc4226();
    let digits = file.digits.to_string();
    for case in &file.cases {
        let counter = case.counter.to_string();
        let args = [
            "hotp",
            "--key",
            &file.secret_hex,
            "--counter",
            &counter,
            "--digits",
            &digits,
        ];
        assert_eq!(code(&args), case.hotp, "counter {counter}");
    }
    // Base32 and the defaults (six digits, SHA-1).
    assert_eq!(
        code(&["hotp", "--base32", KEY_BASE32, "--counter", "9"]),
        "520489"
    );
    assert_eq!(
        code(&[
            "hotp",
            "--base32",
            "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
            "--counter",
            "9"
        ]),
        "520489"
    );
}

#[test]
fn totp_rfc6238_appendix_b() {
    let file = rfc6238();
    let (step, t0, digits) = (
        file.step.to_string(),
        file.t0.to_string(),
        file.digits.to_string(),
    );
    for case in &file.cases {
        let time = case.time.to_string();
        let hash = case.hash.to_lowercase();
        let args = [
            "totp",
            "--key",
            &case.secret_hex,
            "--time",
            &time,
            "--step",
            &step,
            "--t0",
            &t0,
            "--digits",
            &digits,
            "--hash",
            &hash,
        ];
        assert_eq!(code(&args), case.totp, "{} at {time}", case.hash);
    }
    // The defaults are a 30-second step from 0, so only --digits is needed for the first row.
    assert_eq!(
        code(&["totp", "--base32", KEY_BASE32, "--time", "59", "--digits", "8"]),
        "94287082"
    );
}

#[test]
fn ocra_rfc6287_appendix_c() {
    let file = rfc6287();
    let mut mutual = 0;
    for case in &file.cases {
        let mut args = vec!["ocra", "--suite", &case.suite, "--key", &case.key_hex];
        for challenge in &case.challenges {
            args.extend(["--challenge", challenge]);
        }
        mutual += usize::from(case.challenges.len() == 2);
        let counter = case.counter.map(|c| c.to_string());
        if let Some(counter) = &counter {
            args.extend(["--counter", counter]);
        }
        if let Some(steps) = &case.time_steps_hex {
            args.extend(["--timestep", steps]);
        }
        let what = format!("{} {} {:?}", case.section, case.suite, case.challenges);
        match &case.pin {
            Some(pin) => {
                let with_pin = [args.as_slice(), &["--pin", pin]].concat();
                assert_eq!(code(&with_pin), case.response, "{what} --pin");
                let with_hash = [args.as_slice(), &["--pin-hash", &file.pin_sha1_hex]].concat();
                assert_eq!(code(&with_hash), case.response, "{what} --pin-hash");
            }
            None => assert_eq!(code(&args), case.response, "{what}"),
        }
    }
    assert_eq!(mutual, 20, "every C.2 row ran with two --challenge");
}

#[test]
fn ocra_time_as_unix_seconds() {
    // Appendix C's T = 0x132d0b6 minutes is Mar 25 2008, 12:06:30 GMT = 1206446790 s.
    let file = rfc6287();
    let timed: Vec<_> = file
        .cases
        .iter()
        .filter(|c| c.time_steps_hex.is_some())
        .collect();
    assert_eq!(timed.len(), 10);
    for case in timed {
        let args = [
            "ocra",
            "--suite",
            &case.suite,
            "--key",
            &case.key_hex,
            "--challenge",
            &case.challenges[0],
            "--time",
            "1206446790",
        ];
        assert_eq!(
            code(&args),
            case.response,
            "{} {:?}",
            case.suite,
            case.challenges
        );
    }
}

#[test]
fn help_and_version_exit_zero() {
    for args in [&["--help"][..], &["--version"], &["ocra", "--help"]] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
}

/// A key no error message could contain by accident.
const SECRET: &str = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e7";

#[test]
fn bad_hex_key() {
    let bad = "5ec7e75ec7e7zz";
    let line = usage_error(&["hotp", "--key", bad, "--counter", "1"], &[bad, "zz"]);
    assert_eq!(line, "error: invalid hex: only 0-9 and a-f are allowed");
    let odd = "5ec7e75ec7e75";
    let line = usage_error(&["totp", "--key", odd, "--time", "59"], &[odd]);
    assert_eq!(line, "error: invalid hex: an odd number of digits");
}

#[test]
fn bad_base32_key() {
    let bad = "GEZDGNBVGY3TQOJ1";
    let line = usage_error(&["hotp", "--base32", bad, "--counter", "1"], &[bad]);
    assert!(line.starts_with("error: invalid Base32"), "{line}");
}

#[test]
fn both_key_and_base32() {
    let line = usage_error(
        &[
            "hotp",
            "--key",
            SECRET,
            "--base32",
            KEY_BASE32,
            "--counter",
            "1",
        ],
        &[SECRET, KEY_BASE32],
    );
    assert!(
        line.contains("--key") && line.contains("--base32"),
        "{line}"
    );
    usage_error(&["hotp", "--counter", "1"], &[]);
}

#[test]
fn invalid_suite() {
    let line = usage_error(
        &[
            "ocra",
            "--suite",
            "OCRA-1:HOTP-MD5-6:QN08",
            "--key",
            SECRET,
            "--challenge",
            "1234",
        ],
        &[SECRET],
    );
    assert!(line.starts_with("error: invalid OCRA suite"), "{line}");
}

#[test]
fn challenge_too_long() {
    let args = [
        "ocra",
        "--suite",
        "OCRA-1:HOTP-SHA1-6:QN08",
        "--key",
        SECRET,
        "--challenge",
        "123456789",
    ];
    let line = usage_error(&args, &[SECRET]);
    assert_eq!(
        line,
        "error: the challenge is 9 characters long; the suite allows at most 8"
    );
    // Mutual: each challenge is checked alone; three are refused.
    let three = [
        &args[..6],
        &["--challenge", "1", "--challenge", "2", "--challenge", "3"],
    ]
    .concat();
    usage_error(&three, &[SECRET]);
}

#[test]
fn missing_pin_for_p_suite() {
    let args = [
        "ocra",
        "--suite",
        "OCRA-1:HOTP-SHA256-8:QN08-PSHA1",
        "--key",
        SECRET,
        "--challenge",
        "12345678",
    ];
    let line = usage_error(&args, &[SECRET]);
    assert_eq!(line, "error: the suite needs a PIN but none was given");
    // A PIN hash of the wrong length names the problem, not the hash.
    let short = [&args[..], &["--pin-hash", "7110eda4d09e"]].concat();
    usage_error(&short, &[SECRET, "7110eda4d09e"]);
}

#[test]
fn unexpected_counter() {
    let args = [
        "ocra",
        "--suite",
        "OCRA-1:HOTP-SHA1-6:QN08",
        "--key",
        SECRET,
        "--challenge",
        "12345678",
        "--counter",
        "7",
    ];
    let line = usage_error(&args, &[SECRET]);
    assert_eq!(line, "error: the suite takes no counter, but one was given");
}

#[test]
fn pin_where_none_is_expected() {
    let pin = "98765";
    let args = [
        "ocra",
        "--suite",
        "OCRA-1:HOTP-SHA1-6:QN08",
        "--key",
        SECRET,
        "--challenge",
        "12345678",
        "--pin",
        pin,
    ];
    let line = usage_error(&args, &[SECRET, pin]);
    assert_eq!(line, "error: the suite takes no PIN, but one was given");
}

#[test]
fn digits_eleven() {
    let line = usage_error(
        &["hotp", "--key", SECRET, "--counter", "1", "--digits", "11"],
        &[SECRET],
    );
    assert_eq!(line, "error: digits must be 6 to 10, not 11");
}

#[test]
fn unknown_subcommand() {
    let line = usage_error(&["ocrb", "--key", SECRET], &[SECRET]);
    assert!(line.contains("hotp, totp or ocra"), "{line}");
    usage_error(&[], &[]);
}

#[test]
fn stray_words_are_not_repeated() {
    // A key typed without its option, or after the wrong one: clap would quote it; the tool
    // must not.
    let line = usage_error(&["hotp", "--key", "00", "--counter", SECRET], &[SECRET]);
    assert_eq!(
        line,
        "error: invalid value for '--counter <N>': invalid digit found in string"
    );
    usage_error(
        &["hotp", "--counter", "1", "--key", "00", SECRET],
        &[SECRET],
    );
    usage_error(
        &[
            "hotp",
            "--counter",
            "1",
            "--key",
            "00",
            &format!("--pin={SECRET}"),
        ],
        &[SECRET],
    );
    usage_error(&["hotp", "--counter", "x", "--key", SECRET], &[SECRET]);
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_secure-login"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// One stderr line, exit 2, nothing on stdout, and none of `secrets` repeated.
fn stdin_usage_error(args: &[&str], stdin: &[u8], secrets: &[&str]) -> String {
    let out = run_with_stdin(args, stdin);
    assert_eq!(out.status.code(), Some(2), "{args:?}: exit status");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    for secret in secrets {
        assert!(
            !stderr.contains(secret),
            "{args:?}: repeats a secret: {stderr:?}"
        );
    }
    stderr.trim_end().to_owned()
}

#[test]
fn keys_from_stdin_are_trimmed_and_bad_ones_refused_without_echo() {
    // RFC 4226 Appendix D, counter 0 by default, the key with a trailing newline.
    let out = run_with_stdin(
        &["hotp", "-k", "-"],
        b"3132333435363738393031323334353637383930\n",
    );
    assert!(out.status.success());
    assert_eq!(out.stdout, b"755224\n");
    assert_eq!(
        stdin_usage_error(&["hotp", "-k", "-"], b"\n", &[]),
        "error: the key from stdin is empty"
    );
    assert_eq!(
        stdin_usage_error(&["hotp", "-b", "-"], b"\xff\xfe5ec7e7\n", &["5ec7e7"]),
        "error: the key from stdin is not UTF-8 text"
    );
    let bad = "5ec7e75ec7e7zz";
    assert_eq!(
        stdin_usage_error(&["totp", "-k", "-"], format!("{bad}\n").as_bytes(), &[bad]),
        "error: invalid hex: only 0-9 and a-f are allowed"
    );
    let huge = vec![b'a'; 20_000];
    let line = stdin_usage_error(&["hotp", "-k", "-"], &huge, &[]);
    assert_eq!(line, "error: the key from stdin is longer than 16384 bytes");
}

#[test]
fn key_file_errors_are_usage_errors() {
    let line = usage_error(&["hotp", "--key-file", "/nonexistent/key.hex"], &[]);
    assert!(
        line.starts_with("error: cannot read the key from --key-file"),
        "{line}"
    );
    let line = usage_error(
        &["hotp", "--key-file", "/nonexistent/key.hex", "-k", SECRET],
        &[SECRET],
    );
    assert!(
        line.contains("--key-file") && line.contains("--key"),
        "{line}"
    );
}

#[test]
fn verify_exits_0_with_what_matched_and_1_on_no_match() {
    let key = "3132333435363738393031323334353637383930";
    // RFC 4226 Appendix D: counter 4's code, found looking 5 ahead of counter 2.
    assert_eq!(
        code(&["hotp", "-k", key, "-c", "2", "-w", "5", "--verify", "338314"]),
        "4"
    );
    // RFC 6238 Appendix B: the code of 59 s (step 1) at 89 s (step 2) is one step behind.
    assert_eq!(
        code(&["totp", "-k", key, "-t", "89", "-d", "8", "--verify", "94287082"]),
        "-1"
    );
    let out = run(&[
        "totp", "-k", key, "-t", "89", "-d", "8", "-w", "0", "--verify", "94287082",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("no match") && !stderr.contains("94287082"),
        "{stderr}"
    );
    // A code of the wrong shape is bad input, not a miss; it is not repeated.
    let line = usage_error(&["hotp", "-k", key, "--verify", "28708x"], &["28708x"]);
    assert_eq!(line, "error: the code must be 6 digits");
    let line = usage_error(&["hotp", "-k", key, "-w", "1001"], &[]);
    assert_eq!(
        line,
        "error: the verification window must be at most 1000 steps, not 1001"
    );
}

#[test]
fn windows_print_the_next_codes() {
    let key = "3132333435363738393031323334353637383930";
    let out = run(&["hotp", "-k", key, "-c", "7", "-w", "2"]);
    // RFC 4226 Appendix D, counters 7 to 9.
    assert_eq!(out.stdout, b"162583\n399871\n520489\n");
    let out = run(&["hotp", "-k", key, "-c", "18446744073709551615", "-w", "3"]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().lines().count(),
        1,
        "stops at 2^64 - 1"
    );
}
