//! The shared testkit of the portal's tests: the numbers every harness uses, and the token's
//! side of each exchange (OCRA responses, TOTP codes, push MACs) computed with
//! `secure_login_otp`, which the RFC vectors and the oathtool cross-checks establish. `common`
//! (in-process), `harness` (the binary with admin commands) and `binary` (production starts)
//! all take these from here.

use secure_login_otp::{
    hex_decode, push_response, Challenge, Digits, HashAlgorithm, KeyUri, Ocra, OcraInput,
    OcraSuite, Pin, PushDecision, TimeStep, Totp,
};

/// The tests' "now": 2026-11-26 00:00 UTC (Unix seconds).
pub const T0: u64 = 1_795_651_200;
/// The password of every account the tests make.
pub const PASSWORD: &str = "correct horse battery";
/// Cheap Argon2 parameters, for runs that are not about the password step.
pub const CHEAP: [&str; 4] = ["--password-memory-kib", "64", "--password-iterations", "1"];
/// The webhook's signing secret, in the environment of every start of the binary (a production
/// start with `--webhook` and no secret refuses to begin).
pub const WEBHOOK_SECRET: &str = "the webhook secret of the tests";
/// The key (base64 of 32 bytes) sealing the secrets of every PostgreSQL database of the tests:
/// a PostgreSQL store has no key file beside it, and its instances and admin commands share one.
pub const PG_KEY: &str = "ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4Q=";

/// Whether `db` (a `--db` argument) names a PostgreSQL database rather than an SQLite file.
pub fn is_postgres(db: &std::path::Path) -> bool {
    db.to_str().is_some_and(|d| d.starts_with("postgres://"))
}
/// The suite of soft tokens the server activates (the policy's default).
pub const SOFT_SUITE: &str = "OCRA-1:HOTP-SHA256-8:QN08";

/// A file holding `secret`, for the admin commands' `--password-file` and `--pin-file` (a
/// secret never goes on a command line); its path. The files live as long as the test binary.
pub fn secret_file(secret: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
    let path = dir
        .path()
        .join(format!("secret-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&path, secret).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The code in a message's text: the digits after `code is ` (`... code is 123456. Never ...`,
/// or a call's `code is 1, 2, 3, 4, 5, 6.`).
pub fn code_of(text: &str) -> String {
    text.split_once("code is ")
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .split('.')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// The OCRA response of a token or card.
pub fn ocra_response(suite: &str, secret_hex: &str, challenge: &str, pin: Option<&str>) -> String {
    let suite: OcraSuite = suite.parse().unwrap();
    let challenge = Challenge::new(suite.challenge(), challenge).unwrap();
    let ocra = Ocra::new(suite, &hex_decode(secret_hex).unwrap()).unwrap();
    let input = OcraInput {
        pin: pin.map(Pin::Plain),
        ..OcraInput::challenge(&challenge)
    };
    ocra.respond(&input).unwrap()
}

/// A TOTP key from a Key URI (`admin add-factor NAME totp`, the account page's enrolment).
pub struct TotpKey(Totp);

impl TotpKey {
    pub fn from_uri(uri: &str) -> Self {
        let key = KeyUri::parse(uri).unwrap();
        Self(
            Totp::new(
                key.secret.expose_secret(),
                key.algorithm,
                key.digits,
                TimeStep::DEFAULT,
            )
            .unwrap(),
        )
    }

    /// The code at Unix time `at`.
    pub fn code(&self, at: u64) -> String {
        self.0.generate(at).unwrap().to_string()
    }
}

/// The TOTP code of a Key URI's key at `at`.
pub fn totp_code_of_uri(uri: &str, at: u64) -> String {
    TotpKey::from_uri(uri).code(at)
}

/// The TOTP code of a hex SHA1 key (6 digits, 30 s) at `at`.
pub fn totp_code(secret_hex: &str, at: u64) -> String {
    Totp::new(
        &hex_decode(secret_hex).unwrap(),
        HashAlgorithm::Sha1,
        Digits::SIX,
        TimeStep::DEFAULT,
    )
    .unwrap()
    .generate(at)
    .unwrap()
    .to_string()
}

/// The token's MAC over a push answer.
pub fn push_mac(secret_hex: &str, request_id: &str, number: u32, approve: bool) -> String {
    let decision = if approve {
        PushDecision::Approve
    } else {
        PushDecision::Deny
    };
    push_response(
        &hex_decode(secret_hex).unwrap(),
        request_id,
        number,
        decision,
    )
    .unwrap()
}

/// A wrong code of the same shape as `right`.
pub fn wrong(right: &str) -> String {
    right
        .chars()
        .map(|c| match c {
            '0'..='8' => char::from(c as u8 + 1),
            '9' => '0',
            other => other,
        })
        .collect()
}

/// The device key of the harness's soft tokens (any 32 bytes; the proof is
/// `secure_login_otp::device_proof`, checked against Python's hmac in its unit tests).
pub const DEVICE_KEY: &str = "4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60";

/// The handle of the harness's soft token on `device`.
pub fn handle_of(device: &str) -> String {
    format!("handle{}", device.replace('-', ""))
}

/// The body fields of a proved token call: `handle`, `nonce` and the `proof` of `action`.
pub fn device_fields(
    handle: &str,
    nonce: &str,
    key_hex: &str,
    action: &str,
    detail: &str,
) -> serde_json::Value {
    let proof = secure_login_otp::device_proof(
        &hex_decode(key_hex).unwrap(),
        nonce,
        action,
        handle,
        detail,
    )
    .unwrap();
    serde_json::json!({ "handle": handle, "nonce": nonce, "proof": proof })
}
