//! `OtpKey`: one HOTP/TOTP secret prepared once, for code that computes or checks many codes
//! with it (a page refreshing a TOTP every step, a verifier's window, a batch).

use wasm_bindgen::prelude::*;

use super::api::totp_for;
use super::convert::{self, to_js};
use super::error::IntoJs;
use super::types::{Counter, HotpMatch, HotpMatchJs, TotpMatch, TotpMatchJs, TotpOptionsJs};
use secure_login_otp::{Totp, Window};

// wasm-bindgen declares `[Symbol.dispose](): void` on every class (the glue sets it where the
// runtime has `Symbol.dispose`), which TypeScript's libraries before ESNext do not know: with
// `lib: ["ES2020"]` and `skipLibCheck: false` the declarations would not type-check. The same
// declaration as TypeScript's esnext.disposable (and @types/node's) makes them type-check at
// any `lib`; where TypeScript has it already, the two merge.
#[wasm_bindgen(typescript_custom_section)]
const SYMBOL_DISPOSE: &str = r#"
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}
"#;

/// A HOTP/TOTP key whose HMAC pad states are computed once, when it is made: each code then
/// costs the hash compressions of its counter and nothing else, where the functions `hotp`,
/// `totp`, `verifyHotp` and `verifyTotp` copy the secret, read the options and key the HMAC on
/// every call. The key lives in wasm memory until `free()` wipes it (or the garbage collector
/// frees the object).
#[wasm_bindgen]
pub struct OtpKey {
    totp: Totp,
}

#[wasm_bindgen]
impl OtpKey {
    /// A key for `secret` with the options of `totp` (digits, hash; step and t0 for TOTP).
    ///
    /// @throws {SecureLoginError} `InvalidSecret`, `InvalidDigits`, `InvalidHash`,
    /// `InvalidTime`, `InvalidArgument`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: JsValue,
        options: Option<TotpOptionsJs>,
    ) -> Result<OtpKey, JsValue> {
        let options = options.map_or(JsValue::UNDEFINED, Into::into);
        let (totp, _) = totp_for(secret, options, false)?;
        Ok(Self { totp })
    }

    /// The HOTP code (RFC 4226) for `counter`.
    pub fn hotp(&self, counter: Counter) -> Result<js_sys::JsString, JsValue> {
        let counter = convert::u64_arg(&counter.into(), "counter")?;
        Ok(convert::code_string(
            self.totp.hotp().generate(counter).as_str(),
        ))
    }

    /// Checks a HOTP `code` against `counter` and `lookAhead` counters after it (default 0), in
    /// constant time, like `verifyHotp`. Returns the counter that matched, or `undefined`.
    #[wasm_bindgen(js_name = verifyHotp)]
    pub fn verify_hotp(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
        counter: Counter,
        #[wasm_bindgen(js_name = lookAhead, unchecked_param_type = "number | undefined")]
        look_ahead: JsValue,
    ) -> Result<Option<HotpMatchJs>, JsValue> {
        let counter = convert::u64_arg(&counter.into(), "counter")?;
        let look_ahead = window_arg(&look_ahead, "lookAhead", Window::EXACT)?;
        let code = convert::string(&code, "code")?;
        match self.totp.hotp().verify(&code, counter, look_ahead).js()? {
            Some(m) => to_js(&HotpMatch { counter: m.counter }).map(Some),
            None => Ok(None),
        }
    }

    /// The TOTP code (RFC 6238) at `time` (Unix seconds).
    ///
    /// @throws {SecureLoginError} `InvalidTime` before T0.
    pub fn totp(&self, time: Counter) -> Result<js_sys::JsString, JsValue> {
        let time = convert::u64_arg(&time.into(), "time")?;
        Ok(convert::code_string(
            self.totp.generate(time).js()?.as_str(),
        ))
    }

    /// Checks a TOTP `code` at `time` against `window` steps either side (default 1), in
    /// constant time, like `verifyTotp`. Returns the step that matched and its offset, or
    /// `undefined`.
    #[wasm_bindgen(js_name = verifyTotp)]
    pub fn verify_totp(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
        time: Counter,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] window: JsValue,
    ) -> Result<Option<TotpMatchJs>, JsValue> {
        let time = convert::u64_arg(&time.into(), "time")?;
        let window = window_arg(&window, "window", Window::ONE)?;
        let code = convert::string(&code, "code")?;
        match self.totp.verify(&code, time, window).js()? {
            Some(m) => to_js(&TotpMatch {
                step: m.step,
                offset: m.offset,
            })
            .map(Some),
            None => Ok(None),
        }
    }
}

/// A window size given as a plain number argument, `default` when absent.
fn window_arg(value: &JsValue, what: &str, default: Window) -> Result<Window, JsValue> {
    convert::window(convert::opt_u32(value, what)?, default)
}
