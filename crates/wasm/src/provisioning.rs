//! Provisioning: Key URIs, Base32 and random secrets, what enrolling a token needs (the account
//! and token pages). Behind the `provisioning` feature (on by default), so that the login page's
//! bundle leaves them out: Base32 alone is a fifth of that bundle's code.

use wasm_bindgen::prelude::*;

use super::convert::{self, required, to_js};
use super::error::{invalid_argument, IntoJs};
use super::types::{KeyUriInfo, KeyUriInfoJs};
use secure_login_otp::{self as otp, KeyUri, TokenKind};

/// Parses an `otpauth://` Key URI (totp, hotp, or ocra with `ocrasuite=`).
///
/// @throws {SecureLoginError} `InvalidKeyUri`, `InvalidBase32`, `InvalidSuite`.
#[wasm_bindgen(js_name = parseKeyUri)]
pub fn parse_key_uri(
    #[wasm_bindgen(unchecked_param_type = "string")] uri: JsValue,
) -> Result<KeyUriInfoJs, JsValue> {
    // As every secret the JavaScript API takes: legacy short ones too (convert::secret).
    let parsed = KeyUri::parse_allow_short(&convert::string(&uri, "uri")?).js()?;
    let (kind, period, counter, ocra_suite) = match &parsed.kind {
        TokenKind::Totp { period } => ("totp", Some(*period), None, None),
        TokenKind::Hotp { counter } => ("hotp", None, Some(*counter), None),
        TokenKind::Ocra { suite } => ("ocra", None, None, Some(suite.to_string())),
    };
    let is_ocra = ocra_suite.is_some();
    to_js(&KeyUriInfo {
        kind: kind.to_owned(),
        account: parsed.account.clone(),
        issuer: parsed.issuer.clone(),
        secret: parsed.secret.expose_secret().to_vec(),
        algorithm: Some(parsed.algorithm.name().to_owned()),
        digits: (!is_ocra).then(|| u32::from(parsed.digits.get())),
        period,
        counter,
        ocra_suite,
    })
}

/// Writes an `otpauth://` Key URI from the same object `parseKeyUri` returns.
///
/// @throws {SecureLoginError} `InvalidKeyUri`, `InvalidSecret`, `InvalidDigits`, `InvalidHash`.
#[wasm_bindgen(js_name = formatKeyUri)]
pub fn format_key_uri(info: KeyUriInfoJs) -> Result<String, JsValue> {
    let info: JsValue = info.into();
    convert::known_fields(
        &info,
        &[
            "type",
            "account",
            "issuer",
            "secret",
            "algorithm",
            "digits",
            "period",
            "counter",
            "ocraSuite",
        ],
        "key URI",
    )?;
    let info: KeyUriInfo = required(info, "key URI")?;
    let kind = match info.kind.as_str() {
        "totp" => TokenKind::Totp {
            period: info.period.unwrap_or(30),
        },
        "hotp" => TokenKind::Hotp {
            counter: info.counter.unwrap_or(0),
        },
        "ocra" => TokenKind::Ocra {
            suite: info
                .ocra_suite
                .as_deref()
                .ok_or_else(|| invalid_argument("key URI", "an ocra token needs ocraSuite"))?
                .parse()
                .js()?,
        },
        _ => {
            return Err(invalid_argument(
                "key URI",
                "type must be totp, hotp or ocra",
            ))
        }
    };
    if matches!(kind, TokenKind::Totp { period: 0 }) {
        return Err(otp::Error::InvalidKeyUri(
            "period must be at least 1 second",
        ))
        .js();
    }
    let uri = KeyUri {
        kind,
        account: info.account.clone(),
        issuer: info.issuer.clone(),
        secret: otp::Secret::from_bytes_allow_short(info.secret.clone()).js()?,
        algorithm: convert::hash(info.algorithm.as_deref())?,
        digits: convert::digits(info.digits)?,
    };
    uri.to_uri().js()
}

/// Encodes bytes as Base32 (RFC 4648), upper case, no padding.
#[wasm_bindgen(js_name = base32Encode)]
pub fn base32_encode(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: JsValue,
) -> Result<String, JsValue> {
    Ok(otp::base32_encode(&convert::bytes(&bytes, "bytes")?))
}

/// Decodes Base32: either case, spaces and `=` padding accepted.
///
/// @throws {SecureLoginError} `InvalidBase32`.
#[wasm_bindgen(js_name = base32Decode)]
pub fn base32_decode(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<Vec<u8>, JsValue> {
    otp::base32_decode(&convert::string(&text, "text")?).js()
}

/// A new random secret from the browser's CSPRNG: 20 bytes by default, never fewer than 16.
///
/// @throws {SecureLoginError} `SecretTooShort` below 16 bytes, `InvalidSecret` above 1024,
/// `InvalidArgument` for anything but a whole number (or `undefined`/`null`).
#[wasm_bindgen(js_name = randomSecret)]
pub fn random_secret(
    // A JsValue checked here: a `u32` parameter would let the glue coerce `"32"`, `true` or
    // `2 ** 53` with `>>> 0` and throw a bare TypeError for a BigInt or a Symbol.
    #[wasm_bindgen(unchecked_optional_param_type = "number")] length: JsValue,
) -> Result<Vec<u8>, JsValue> {
    let length = convert::opt_u64(&length, "length")?.map_or(otp::DEFAULT_SECRET_LEN, |n| {
        usize::try_from(n).unwrap_or(usize::MAX)
    });
    Ok(otp::Secret::generate(length, getrandom::fill)
        .js()?
        .expose_secret()
        .to_vec())
}
