//! Errors at the JavaScript boundary: an `Error` with a stable `code`, never a panic.

use wasm_bindgen::JsValue;

use crate::otp;

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
pub(crate) fn invalid_argument(what: &str, detail: impl core::fmt::Display) -> JsValue {
    js_error("InvalidArgument", &format!("{what}: {detail}"))
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
