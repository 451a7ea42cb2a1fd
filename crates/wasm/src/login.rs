//! The login page's check of a typed code, `readCode`: the whole of the login bundle
//! (`pkg/login/`, built without features), so it uses no serde, formats no number and allocates
//! nothing. The text is read from the JavaScript string one UTF-16 unit at a time and the code
//! goes back as one, through [`secure_login_otp::typed`].

use js_sys::JsString;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::{js_error, js_error_with, Detail, Details};
use secure_login_otp::typed::{self, TypedCodeError};
use secure_login_otp::Code;

/// The code of `digits` digits (4 to 10) in the text a person typed, as ASCII digits: spaces
/// and dashes dropped, the digits of any script (full-width `１２３`, Arabic-Indic `١٢٣`, ...)
/// read as `0`-`9`. A login page checks the answer's shape with it before sending it, so a
/// slip costs no attempt.
///
/// @throws {SecureLoginError} `Empty` (nothing but spaces and dashes; `expected`), `NotDigits`
/// (`found`: the first character that is neither a digit nor a space or dash; `expected`),
/// `TooShort` and `TooLong` (`expected` digits, `found` digits typed), `InvalidDigits` for a
/// number `digits` other than a whole one from 4 to 10, `InvalidArgument` when `typed` is not a
/// string or `digits` not a number.
#[wasm_bindgen(js_name = readCode)]
pub fn read_code(
    #[wasm_bindgen(unchecked_param_type = "string")] typed: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] digits: JsValue,
) -> Result<JsString, JsValue> {
    let Some(text) = typed.dyn_ref::<JsString>() else {
        return Err(js_error("InvalidArgument", "typed: expected a string"));
    };
    let len = code_len(&digits)?;
    let chars = char::decode_utf16(text.iter()).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER));
    match typed::read_code(chars, len) {
        Ok(code) => Ok(code_string(&code)),
        Err(error) => Err(typed_error(&error)),
    }
}

/// `digits` as a code length: a number, and a whole one from 4 to 10.
fn code_len(digits: &JsValue) -> Result<u8, JsValue> {
    let Some(n) = digits.as_f64() else {
        return Err(js_error("InvalidArgument", "digits: expected a number"));
    };
    for len in Code::MIN_LEN..=Code::MAX_LEN {
        if n == f64::from(len) {
            return Ok(len);
        }
    }
    Err(js_error(
        "InvalidDigits",
        "digits: expected a whole number from 4 to 10",
    ))
}

/// The code's ASCII digits as a JavaScript string.
fn code_string(code: &Code) -> JsString {
    let mut units = [0u16; 10];
    let digits = code.as_str().as_bytes();
    for (unit, digit) in units.iter_mut().zip(digits) {
        *unit = u16::from(*digit);
    }
    JsString::from_char_code(units.get(..digits.len()).unwrap_or_default())
}

/// A typed code's error, its message a fixed text: the counts travel as `expected` and `found`.
fn typed_error(error: &TypedCodeError) -> JsValue {
    let (message, expected, found) = match *error {
        TypedCodeError::Empty { expected } => ("nothing was typed", Some(expected), None),
        TypedCodeError::NotDigits { expected, found } => (
            "only digits are allowed",
            Some(expected),
            Some(Detail::Char(found)),
        ),
        TypedCodeError::TooShort { expected, found } => {
            ("too few digits", Some(expected), Some(Detail::count(found)))
        }
        TypedCodeError::TooLong { expected, found } => (
            "too many digits",
            Some(expected),
            Some(Detail::count(found)),
        ),
        _ => ("the code cannot be read", None, None),
    };
    let details = Details {
        expected: expected.map(|n| Detail::count(usize::from(n))),
        found,
        reason: None,
    };
    js_error_with(error.code(), message, &details)
}
