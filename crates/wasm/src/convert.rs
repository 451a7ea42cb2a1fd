//! JavaScript values in and out: options objects, counters as numbers or BigInts.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use super::error::{invalid_argument, IntoJs};
use secure_login_otp::{self as otp, Digits, HashAlgorithm, Window};

/// Reads an optional options object with the given field names; `undefined` and `null` give
/// the defaults.
pub(crate) fn options<T: DeserializeOwned + Default>(
    value: JsValue,
    fields: &[&str],
    what: &str,
) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    known_fields(&value, fields, what)?;
    serde_wasm_bindgen::from_value(value).map_err(|e| invalid_argument(what, e))
}

/// Reads a required value (an input object, a counter).
pub(crate) fn required<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Err(invalid_argument(what, "missing"));
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| invalid_argument(what, e))
}

/// A required whole number (a counter, a time): see [`opt_u64`].
pub(crate) fn u64_arg(value: &JsValue, what: &str) -> Result<u64, JsValue> {
    opt_u64(value, what)?.ok_or_else(|| invalid_argument(what, "missing"))
}

/// An optional whole number from a JavaScript number (exact, 0 to 2^53 - 1) or BigInt. Read
/// directly rather than through serde: it is on the path of every code a page computes.
pub(crate) fn opt_u64(value: &JsValue, what: &str) -> Result<Option<u64>, JsValue> {
    // The common case first, in two cheap calls (as_f64 below goes through a return slot).
    if js_sys::Number::is_safe_integer(value) {
        let n = value.unchecked_ref::<js_sys::Number>().value_of();
        if n >= 0.0 {
            // A safe integer, not negative: a u64 holds it exactly.
            return Ok(Some(n as u64));
        }
    }
    if absent(value) {
        return Ok(None);
    }
    if let Some(n) = value.as_f64() {
        let exact = n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0;
        if !exact {
            return Err(invalid_argument(
                what,
                "expected a whole number from 0 to 2^53 - 1",
            ));
        }
        // Checked above: a whole number that a u64 holds exactly.
        return Ok(Some(n as u64));
    }
    if value.is_bigint() {
        return u64::try_from(value.clone())
            .map(Some)
            .map_err(|_| invalid_argument(what, "expected a BigInt from 0 to 2^64 - 1"));
    }
    Err(invalid_argument(what, "expected a number"))
}

/// A one-time code as a JavaScript string. Codes of up to ten characters are built with
/// `String.fromCharCode`, five characters a call: about half the cost of returning a `String`,
/// which the glue decodes from UTF-8 (BENCHMARKS.md; this is on the path of every code).
pub(crate) fn code_string(code: &str) -> js_sys::JsString {
    use js_sys::JsString;
    if code.len() > 10 {
        return JsString::from(code);
    }
    let mut out: Option<JsString> = None;
    for chunk in code.as_bytes().chunks(5) {
        let c = |i: usize| chunk.get(i).map_or(0, |&b| u32::from(b));
        let piece = match chunk.len() {
            1 => JsString::from_char_code1(c(0)),
            2 => JsString::from_char_code2(c(0), c(1)),
            3 => JsString::from_char_code3(c(0), c(1), c(2)),
            4 => JsString::from_char_code4(c(0), c(1), c(2), c(3)),
            _ => JsString::from_char_code5(c(0), c(1), c(2), c(3), c(4)),
        };
        out = Some(match out {
            Some(head) => head.concat(&piece),
            None => piece,
        });
    }
    out.unwrap_or_else(|| JsString::from(""))
}

/// Writes a result object: plain objects, numbers where they fit a double exactly, else BigInt.
pub(crate) fn to_js<T: Serialize, R: JsCast>(value: &T) -> Result<R, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(false);
    value
        .serialize(&serializer)
        .map(JsCast::unchecked_into)
        .map_err(|e| invalid_argument("result", e))
}

/// A hash name from JavaScript (`"SHA1"`, `"sha256"`, ...), SHA1 when absent.
pub(crate) fn hash(name: Option<&str>) -> Result<HashAlgorithm, JsValue> {
    name.map_or(Ok(HashAlgorithm::Sha1), |n| n.parse().js())
}

/// Digits, 6 when absent.
pub(crate) fn digits(n: Option<u32>) -> Result<Digits, JsValue> {
    n.map_or(Ok(Digits::SIX), |n| Digits::new(n).js())
}

/// A window, `default` when absent.
pub(crate) fn window(n: Option<u32>, default: Window) -> Result<Window, JsValue> {
    n.map_or(Ok(default), |n| Window::new(n).js())
}

/// The secret from a `Uint8Array`, wiped when dropped: 1 to 1024 bytes, through the core's
/// legacy escape (`Secret::from_bytes_allow_short`). The JavaScript API computes and checks codes
/// for keys that already exist (the code calculator's, an app's 80-bit key), as it always has;
/// the 16-byte minimum for new keys is `randomSecret`'s, and the soft token's own 16 to 64.
pub(crate) fn secret(value: &JsValue) -> Result<otp::Secret, JsValue> {
    otp::Secret::from_bytes_allow_short(bytes(value, "secret")?).js()
}

/// A string argument; anything else is an `InvalidArgument` error rather than undefined
/// behaviour in the glue code.
pub(crate) fn string(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| invalid_argument(what, "expected a string"))
}

/// A byte-array argument (`Uint8Array`), copied into wasm memory.
pub(crate) fn bytes(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    value
        .dyn_ref::<js_sys::Uint8Array>()
        .map(js_sys::Uint8Array::to_vec)
        .ok_or_else(|| invalid_argument(what, "expected a Uint8Array"))
}

/// Refuses option names the function does not know (a typo such as `lookahead` would
/// otherwise be silently ignored: serde-wasm-bindgen reads only the fields it looks for).
pub(crate) fn known_fields(value: &JsValue, allowed: &[&str], what: &str) -> Result<(), JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(());
    }
    if !is_plain_object(value) {
        return Err(invalid_argument(what, "expected a plain object"));
    }
    // Checked above: an object (`dyn_ref` would refuse one without Object.prototype).
    let object = value.unchecked_ref::<js_sys::Object>();
    for key in js_sys::Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            return Err(invalid_argument(what, format!("unknown field `{key}`")));
        }
    }
    Ok(())
}

/// `{ ... }` or `Object.create(null)`: not an array, a typed array, a `Date` or a `Map`, whose
/// fields would otherwise read as missing and the object as an empty options object. Judged by
/// the length of the prototype chain, so an object from another realm (a frame) passes too.
fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() {
        return false;
    }
    let prototype: JsValue = js_sys::Object::get_prototype_of(value).into();
    prototype.is_null() || JsValue::from(js_sys::Object::get_prototype_of(&prototype)).is_null()
}

/// `undefined` or `null`.
pub(crate) fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

/// An optional `u32`.
pub(crate) fn opt_u32(value: &JsValue, what: &str) -> Result<Option<u32>, JsValue> {
    opt_u64(value, what)?
        .map(|n| u32::try_from(n).map_err(|_| invalid_argument(what, "too large")))
        .transpose()
}
