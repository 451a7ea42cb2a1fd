//! Arguments of the token API, read field by field from whatever JavaScript passed: a value of
//! the wrong type is an `InvalidArgument` error, never a panic or a silent default.

use wasm_bindgen::{JsCast, JsValue};
use zeroize::Zeroizing;

use super::super::convert;
use super::super::error::{invalid_argument, IntoJs};
use super::TokenJs;
use secure_login_otp::{self as otp, Secret};
use secure_login_token as token;

/// An options object (`undefined`/`null` is an empty one) whose fields are all in `allowed`.
pub(crate) fn object(value: &JsValue, allowed: &[&str], what: &str) -> Result<JsValue, JsValue> {
    convert::known_fields(value, allowed, what)?;
    Ok(value.clone())
}

/// Like [`object`], but the object is required.
pub(crate) fn required_object(
    value: &JsValue,
    allowed: &[&str],
    what: &str,
) -> Result<JsValue, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Err(invalid_argument(what, "missing"));
    }
    object(value, allowed, what)
}

/// A field's value, `undefined` when the object is absent or has no such field.
pub(crate) fn field(object: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    if object.is_undefined() || object.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    js_sys::Reflect::get(object, &JsValue::from_str(name))
        .map_err(|_| invalid_argument(name, "cannot be read"))
}

use super::super::convert::absent;
pub(crate) use super::super::convert::{opt_u32, opt_u64};

/// A required string argument.
pub(crate) fn string(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if absent(value) {
        return Err(invalid_argument(what, "missing"));
    }
    convert::string(value, what)
}

/// An optional string argument.
pub(crate) fn opt_string(value: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if absent(value) {
        return Ok(None);
    }
    convert::string(value, what).map(Some)
}

/// A secret string (a PIN, a passphrase), wiped when dropped. The copy JavaScript holds is
/// beyond reach: JavaScript strings cannot be wiped.
pub(crate) fn secret_string(value: &JsValue, what: &str) -> Result<Zeroizing<String>, JsValue> {
    string(value, what).map(Zeroizing::new)
}

/// A secret as a `Uint8Array`, or as Base32 text the way authenticator apps show it.
pub(crate) fn secret(value: &JsValue) -> Result<Secret, JsValue> {
    if absent(value) {
        return Err(invalid_argument("secret", "missing"));
    }
    let secret = match value.as_string() {
        Some(text) => {
            let text = Zeroizing::new(text);
            // Any length here: the soft token checks its own 16 to 64 bytes (InvalidSecret),
            // as for a Uint8Array.
            Secret::from_bytes_allow_short(otp::base32_decode(&text).js()?).js()?
        }
        None if value.is_instance_of::<js_sys::Uint8Array>() => convert::secret(value)?,
        None => {
            return Err(invalid_argument(
                "secret",
                "expected a Uint8Array or Base32 text",
            ))
        }
    };
    token::wrap::check_secret_len(secret.len()).js()?;
    Ok(secret)
}

/// The device credential of an activation answer: both `handle` and `key` (hex) or neither.
pub(crate) fn device(
    handle: &JsValue,
    key: &JsValue,
) -> Result<Option<token::DeviceCredential>, JsValue> {
    let handle = opt_string(handle, "deviceHandle")?;
    let key = opt_string(key, "deviceKey")?.map(Zeroizing::new);
    match (handle, key) {
        (None, None) => Ok(None),
        (Some(handle), Some(key)) => {
            let bytes = Zeroizing::new(otp::hex_decode(&key).js()?);
            Ok(Some(token::DeviceCredential::new(&handle, &bytes).js()?))
        }
        _ => Err(invalid_argument(
            "user",
            "give deviceHandle and deviceKey together",
        )),
    }
}

/// A push number typed as text, or given as a number.
pub(crate) fn number_text(value: &JsValue) -> Result<String, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    match opt_u64(value, "number")? {
        Some(n) => Ok(n.to_string()),
        None => Err(invalid_argument("number", "missing")),
    }
}

/// An OCRA suite from its text.
pub(crate) fn suite(text: &str) -> Result<otp::OcraSuite, JsValue> {
    text.parse::<otp::OcraSuite>().js()
}
