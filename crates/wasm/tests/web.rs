//! Browser-only checks of the JavaScript API, run in headless Chromium by wasm-bindgen-test:
//! the browser CSPRNG behind `randomSecret`, and errors reaching JavaScript with their `code`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use secure_login_wasm as wasm;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn code_of(error: &JsValue) -> String {
    let error: &js_sys::Error = error.dyn_ref().expect("an Error object");
    assert_eq!(String::from(error.name()), "SecureLoginError");
    js_sys::Reflect::get(error, &"code".into())
        .unwrap()
        .as_string()
        .unwrap()
}

#[wasm_bindgen_test]
fn random_secrets_come_from_the_browser() {
    let a = wasm::random_secret(JsValue::UNDEFINED).unwrap();
    let b = wasm::random_secret(JsValue::from(32)).unwrap();
    assert_eq!(a.len(), 20);
    assert_eq!(b.len(), 32);
    assert_ne!(a, wasm::random_secret(JsValue::UNDEFINED).unwrap());
    assert_eq!(
        code_of(&wasm::random_secret(JsValue::from(8)).unwrap_err()),
        "SecretTooShort"
    );
}

#[wasm_bindgen_test]
fn errors_reach_javascript_with_a_code() {
    let error = wasm::parse_ocra_suite("OCRA-1:HOTP-SHA1-6:QN99".into())
        .map(drop)
        .unwrap_err();
    assert_eq!(code_of(&error), "InvalidSuite");
    let error = wasm::base32_decode("!!!!".into()).map(drop).unwrap_err();
    assert_eq!(code_of(&error), "InvalidBase32");
}

#[wasm_bindgen_test]
fn hotp_through_the_exported_function() {
    let key = js_sys::Uint8Array::from(&b"12345678901234567890"[..]);
    let counter: wasm::Counter = JsValue::from_f64(1.0).unchecked_into();
    assert_eq!(wasm::hotp(key.into(), counter, None).unwrap(), "287082");
    // A string where bytes belong is a typed error, not a trap in the glue code.
    let counter: wasm::Counter = JsValue::from_f64(1.0).unchecked_into();
    let error = wasm::hotp("12345678901234567890".into(), counter, None).unwrap_err();
    assert_eq!(code_of(&error), "InvalidArgument");
}
