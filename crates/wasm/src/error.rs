//! Errors at the JavaScript boundary: an `Error` with a stable `code`, never a panic.

use wasm_bindgen::JsValue;

use secure_login_otp as otp;

/// A JavaScript `Error` named `SecureLoginError` whose `code` property is `code`.
pub(crate) fn js_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("SecureLoginError");
    // Setting a property on a fresh Error object cannot fail; if it did, the message remains.
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}

/// The core's error as a JavaScript error (its message never contains a secret).
pub(crate) fn from_core(error: &otp::Error) -> JsValue {
    js_error(error.code(), &error.to_string())
}

/// An argument of the wrong type or shape, as serde-wasm-bindgen reports it.
///
/// serde's messages quote the value they refused (`invalid type: string "7391", expected u64`),
/// which may be a PIN or a secret in Base32: the quoted values are left out.
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
pub(crate) trait IntoJs<T> {
    fn js(self) -> Result<T, JsValue>;
}

impl<T> IntoJs<T> for otp::Result<T> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(|e| from_core(&e))
    }
}
