//! Errors at the JavaScript boundary: an `Error` named `SecureLoginError` with a stable `code`
//! and, where the Rust error has them, structured details (`expected`, `found`, `reason`) for a
//! page to word the error itself, never parsing the message. Never a panic.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsValue;

#[wasm_bindgen(typescript_custom_section)]
const ERROR_TYPE: &str = r#"
/**
 * The error every function and method throws: an `Error` named "SecureLoginError" whose `code`
 * is stable (the functions name theirs). Where the Rust error holds them, `expected` is what
 * was wanted and `found` what was given (counts, or a character, or a range as text), and
 * `reason` the cause in the library's words (a weak PIN's rule, what is wrong with a suite).
 */
export interface SecureLoginError extends Error {
  name: "SecureLoginError";
  code: SecureLoginErrorCode;
  expected?: number | string;
  found?: number | string;
  reason?: string;
}
"#;

// Every `code` this build can throw, for TypeScript: the codes of the core's, the typed code's
// and the token's `Error::code()`, of `StorageCode`, the literal codes of this crate's
// `js_error` calls, and `Freed` (js/freed.js, which scripts/build-wasm.sh appends to the glue:
// a method called after `free()`). tests/js/error_codes.test.mjs reads the Rust sources and
// fails when this list and theirs differ.
#[cfg(feature = "otp")]
#[wasm_bindgen(typescript_custom_section)]
const ERROR_CODES: &str = r#"
/** Every `code` of a `SecureLoginError`. */
export type SecureLoginErrorCode =
  | "InvalidArgument" | "Freed" | "EntropyUnavailable"
  | "InvalidSecret" | "SecretTooShort" | "InvalidDigits" | "InvalidHash" | "InvalidTime"
  | "InvalidWindow" | "InvalidCode" | "CounterOverflow"
  | "InvalidSuite" | "InvalidChallenge" | "ChallengeTooLong" | "InvalidPin" | "SessionTooLong"
  | "MissingCounter" | "MissingPin" | "MissingSession" | "MissingTime"
  | "UnexpectedCounter" | "UnexpectedPin" | "UnexpectedSession" | "UnexpectedTime"
  | "InvalidBase32" | "InvalidHex" | "InvalidKeyUri"
  | "Empty" | "NotDigits" | "TooShort" | "TooLong"
  | "WeakPin" | "ChallengeLength" | "InvalidNumber" | "InvalidRequestId" | "InvalidSession"
  | "InvalidUsername" | "InvalidIssuer" | "UnknownUser" | "UserExists" | "TooManyUsers"
  | "WrongKind" | "InvalidDevice" | "NoDeviceKey" | "UnsupportedSuite" | "InvalidKdf" | "CorruptRecord" | "InvalidKey"
  | "WeakPassphrase" | "WrongPassphrase" | "BackupTampered" | "BackupMalformed"
  | "BackupUnsupported"
  | "StorageUnavailable" | "StorageError" | "QuotaExceeded" | "DatabaseClosed"
  | "StorageCleared" | "DatabaseTooNew" | "UpgradeFailed";
"#;

// The login bundle's codes (`readCode` alone, login.rs).
#[cfg(not(feature = "otp"))]
#[wasm_bindgen(typescript_custom_section)]
const ERROR_CODES: &str = r#"
/** Every `code` of a `SecureLoginError` that `readCode` throws. */
export type SecureLoginErrorCode =
  "InvalidArgument" | "InvalidDigits" | "Empty" | "NotDigits" | "TooShort" | "TooLong";
"#;

#[cfg(feature = "otp")]
use secure_login_otp as otp;
#[cfg(feature = "token")]
use secure_login_token as token;

/// A JavaScript `Error` named `SecureLoginError` whose `code` property is `code`.
pub(crate) fn js_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("SecureLoginError");
    let error = error.into();
    set(&error, "code", &JsValue::from_str(code));
    error
}

/// Sets the property `name` of `error`. Setting a property on a fresh Error object cannot fail;
/// if it did, the code and message remain.
fn set(error: &JsValue, name: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(error, &JsValue::from_str(name), value);
}

/// A detail of an error: a count, a character or a word from the Rust error's fields.
pub(crate) enum Detail {
    /// A count (digits, characters, bytes), a JavaScript number.
    Count(f64),
    /// A text the Rust error holds (`"6 to 10"`, a token's kind such as `"OCRA"`).
    #[cfg(feature = "otp")]
    Text(&'static str),
    /// One character (what was typed where a digit should be).
    Char(char),
    /// A text made at run time (the core's `InvalidCode` names the digits wanted).
    #[cfg(feature = "otp")]
    Owned(String),
}

impl Detail {
    /// A count; `usize` and `u32` values are far below 2^53, so the number is exact.
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^53")]
    pub(crate) fn count(n: usize) -> Self {
        Self::Count(n as f64)
    }

    fn to_js(&self) -> JsValue {
        match self {
            Self::Count(n) => JsValue::from_f64(*n),
            #[cfg(feature = "otp")]
            Self::Text(text) => JsValue::from_str(text),
            Self::Char(c) => {
                let mut utf8 = [0u8; 4];
                JsValue::from_str(c.encode_utf8(&mut utf8))
            }
            #[cfg(feature = "otp")]
            Self::Owned(text) => JsValue::from_str(text),
        }
    }
}

/// The structured details of an error, each set as a property when present.
#[derive(Default)]
pub(crate) struct Details {
    /// What was wanted: a count, or a range or description as the Rust error words it.
    pub expected: Option<Detail>,
    /// What was given: a count or a character.
    pub found: Option<Detail>,
    /// Why, in the Rust error's words (a stable text per cause, such as a weak PIN's rule).
    pub reason: Option<&'static str>,
}

#[cfg(feature = "otp")]
impl Details {
    /// A count wanted and a count given.
    fn counts(expected: usize, found: usize) -> Self {
        Self {
            expected: Some(Detail::count(expected)),
            found: Some(Detail::count(found)),
            reason: None,
        }
    }

    /// What was given, alone.
    fn found(found: Detail) -> Self {
        Self {
            found: Some(found),
            ..Self::default()
        }
    }

    /// The cause, in the Rust error's words.
    fn reason(reason: &'static str) -> Self {
        Self {
            reason: Some(reason),
            ..Self::default()
        }
    }
}

/// [`js_error`] with the `expected`, `found` and `reason` properties of `details`.
pub(crate) fn js_error_with(code: &str, message: &str, details: &Details) -> JsValue {
    let error = js_error(code, message);
    if let Some(expected) = &details.expected {
        set(&error, "expected", &expected.to_js());
    }
    if let Some(found) = &details.found {
        set(&error, "found", &found.to_js());
    }
    if let Some(reason) = details.reason {
        set(&error, "reason", &JsValue::from_str(reason));
    }
    error
}

/// The core's error as a JavaScript error (its message never contains a secret), with the
/// details its variant holds.
#[cfg(feature = "otp")]
pub(crate) fn from_core(error: &otp::Error) -> JsValue {
    js_error_with(error.code(), &error.to_string(), &core_details(error))
}

/// The `expected`, `found` and `reason` of a core error, from its fields.
#[cfg(feature = "otp")]
fn core_details(error: &otp::Error) -> Details {
    use otp::Error as E;
    match error {
        E::InvalidSecretLength(n) | E::SecretTooShort(n) => Details::found(Detail::count(*n)),
        E::InvalidDigits(expected, n) => Details {
            expected: Some(Detail::Text(expected)),
            ..Details::found(Detail::Count(f64::from(*n)))
        },
        E::InvalidWindow(n) => Details::found(Detail::Count(f64::from(*n))),
        E::InvalidCode(expected) => Details {
            expected: Some(Detail::Owned(expected.clone())),
            ..Details::default()
        },
        E::ChallengeTooLong { len, max } | E::SessionTooLong { len, max } => {
            Details::counts(*max, *len)
        }
        E::InvalidTime(why)
        | E::InvalidSuite(why)
        | E::InvalidChallenge(why)
        | E::InvalidPin(why)
        | E::InvalidBase32(why)
        | E::InvalidHex(why)
        | E::InvalidKeyUri(why) => Details::reason(why),
        _ => Details::default(),
    }
}

/// The token's error as a JavaScript error (its message never contains a secret or a PIN), with
/// the details its variant holds; errors of the core keep the core's.
#[cfg(feature = "token")]
pub(crate) fn from_token(error: &token::Error) -> JsValue {
    js_error_with(error.code(), &error.to_string(), &token_details(error))
}

/// The `expected`, `found` and `reason` of a token error, from its fields.
#[cfg(feature = "token")]
fn token_details(error: &token::Error) -> Details {
    use token::Error as E;
    match error {
        E::InvalidPin(why)
        | E::WeakPin(why)
        | E::InvalidChallenge(why)
        | E::InvalidNumber(why)
        | E::InvalidRequestId(why)
        | E::InvalidSession(why)
        | E::InvalidUsername(why)
        | E::InvalidIssuer(why)
        | E::UnsupportedSuite(why)
        | E::InvalidDevice(why)
        | E::InvalidKdf(why)
        | E::CorruptRecord(why)
        | E::BackupMalformed(why)
        | E::BackupUnsupported(why) => Details::reason(why),
        E::ChallengeLength { expected, found } => Details::counts(*expected, *found),
        E::InvalidSecret(n) => Details::found(Detail::count(*n)),
        E::WrongKind(kind) => Details::found(Detail::Text(kind)),
        E::Otp(error) => core_details(error),
        _ => Details::default(),
    }
}

/// An argument of the wrong type or shape, as serde-wasm-bindgen reports it.
///
/// serde's messages quote the value they refused (`invalid type: string "7391", expected u64`),
/// which may be a PIN or a secret in Base32: the quoted values are left out.
#[cfg(feature = "otp")]
pub(crate) fn invalid_argument(what: &str, detail: impl core::fmt::Display) -> JsValue {
    js_error(
        "InvalidArgument",
        &format!("{what}: {}", redact_values(&detail.to_string())),
    )
}

/// `detail` without the values serde quotes: `string "..."` (Rust's `Debug` quoting, escapes
/// included) and ``integer `...` ``, ``floating point `...` ``, ``character `...` ``. Field
/// names (``missing field `challenge` ``) stay. (src/wasm is wasm32 only: the bad-input matrix,
/// tests/js/bad_input_matrix.test.mjs, checks on every refusal that no given value comes back.)
#[cfg(feature = "otp")]
fn redact_values(detail: &str) -> String {
    const VALUES: [(&str, char); 4] = [
        ("string \"", '"'),
        ("integer `", '`'),
        ("floating point `", '`'),
        ("character `", '`'),
    ];
    let mut out = String::with_capacity(detail.len().min(256));
    let mut rest = detail;
    while let Some((at, prefix, close)) = VALUES
        .iter()
        .filter_map(|(prefix, close)| rest.find(prefix).map(|at| (at, *prefix, *close)))
        .min_by_key(|(at, ..)| *at)
    {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        // The kind, without the opening quote ("string", "integer", ...).
        out.push_str(prefix.get(..prefix.len() - 2).unwrap_or_default());
        let value = from.get(prefix.len()..).unwrap_or_default();
        let mut escaped = false;
        let mut end = value.len();
        for (i, c) in value.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' && close == '"' {
                escaped = true;
            } else if c == close {
                end = i + c.len_utf8();
                break;
            }
        }
        rest = value.get(end..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// `?` on core results inside exported functions.
#[cfg(feature = "otp")]
pub(crate) trait IntoJs<T> {
    fn js(self) -> Result<T, JsValue>;
}

#[cfg(feature = "otp")]
impl<T> IntoJs<T> for otp::Result<T> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(|e| from_core(&e))
    }
}
