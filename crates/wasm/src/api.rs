//! The exported functions. Each checks its arguments, calls the pure core, and converts errors.

use wasm_bindgen::prelude::*;

use super::convert::{self, required, to_js};
use super::error::{invalid_argument, IntoJs};
use super::types::*;
use secure_login_otp::{
    self as otp, Challenge, Hotp, Ocra, OcraSuite, OcraTime, OcraWindow, Pin, TimeStep, Totp,
    Window,
};

/// The HOTP code (RFC 4226) for `counter`.
///
/// @throws {SecureLoginError} `InvalidSecret`, `InvalidDigits`, `InvalidHash`, `InvalidArgument`.
#[wasm_bindgen]
pub fn hotp(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: JsValue,
    counter: Counter,
    options: Option<HotpOptionsJs>,
) -> Result<js_sys::JsString, JsValue> {
    let counter = convert::u64_arg(&counter.into(), "counter")?;
    let hotp = hotp_for(secret, options.map(Into::into))?;
    Ok(convert::code_string(hotp.generate(counter).as_str()))
}

/// Checks a HOTP `code` against `counter` and `lookAhead` counters after it, in constant time.
/// Returns the counter that matched, or `undefined`.
///
/// @throws {SecureLoginError} `InvalidCode` when the code is not the right number of digits.
#[wasm_bindgen(js_name = verifyHotp)]
pub fn verify_hotp(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
    counter: Counter,
    options: Option<VerifyHotpOptionsJs>,
) -> Result<Option<HotpMatchJs>, JsValue> {
    let counter = convert::u64_arg(&counter.into(), "counter")?;
    let opts: HotpOptions = convert::options(
        options.map_or(JsValue::UNDEFINED, Into::into),
        &["digits", "hash", "lookAhead"],
        "options",
    )?;
    let look_ahead = convert::window(opts.look_ahead, Window::EXACT)?;
    let hotp = Hotp::from_secret(
        &convert::secret(&secret)?,
        convert::hash(opts.hash.as_deref())?,
        convert::digits(opts.digits)?,
    )
    .js()?;
    match hotp
        .verify(&convert::string(&code, "code")?, counter, look_ahead)
        .js()?
    {
        Some(m) => to_js(&HotpMatch { counter: m.counter }).map(Some),
        None => Ok(None),
    }
}

/// The TOTP code (RFC 6238) at `time` (Unix seconds).
///
/// @throws {SecureLoginError} `InvalidTime` before T0 or for a zero step, and as `hotp`.
#[wasm_bindgen]
pub fn totp(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: JsValue,
    time: Counter,
    options: Option<TotpOptionsJs>,
) -> Result<js_sys::JsString, JsValue> {
    let time = convert::u64_arg(&time.into(), "time")?;
    let (totp, _) = totp_for(
        secret,
        options.map_or(JsValue::UNDEFINED, Into::into),
        false,
    )?;
    Ok(convert::code_string(totp.generate(time).js()?.as_str()))
}

/// Checks a TOTP `code` at `time` against `window` steps either side (default 1), in constant
/// time. Returns the step that matched and its offset, or `undefined`.
#[wasm_bindgen(js_name = verifyTotp)]
pub fn verify_totp(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
    time: Counter,
    options: Option<VerifyTotpOptionsJs>,
) -> Result<Option<TotpMatchJs>, JsValue> {
    let time = convert::u64_arg(&time.into(), "time")?;
    let (totp, window) = totp_for(secret, options.map_or(JsValue::UNDEFINED, Into::into), true)?;
    match totp
        .verify(&convert::string(&code, "code")?, time, window)
        .js()?
    {
        Some(m) => to_js(&TotpMatch {
            step: m.step,
            offset: m.offset,
        })
        .map(Some),
        None => Ok(None),
    }
}

/// The OCRA response (RFC 6287) of `suite` to `input`.
///
/// @throws {SecureLoginError} `InvalidSuite`, `InvalidChallenge`, `ChallengeTooLong`,
/// `MissingPin`/`UnexpectedPin` (and likewise Counter, Session, Time), `InvalidPin`,
/// `SessionTooLong`, `InvalidHex`, `InvalidTime`.
#[wasm_bindgen]
pub fn ocra(
    #[wasm_bindgen(unchecked_param_type = "string")] suite: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: JsValue,
    input: OcraInputJs,
) -> Result<String, JsValue> {
    let (ocra, parts) = ocra_for(&suite, &secret, input)?;
    parts.with(|input| ocra.respond(input)).js()
}

/// Checks an OCRA `response`, trying `counterLookAhead` counters after the input's and
/// `timeWindow` steps either side of its time, in constant time. Returns what matched, or
/// `undefined`.
#[wasm_bindgen(js_name = verifyOcra)]
pub fn verify_ocra(
    #[wasm_bindgen(unchecked_param_type = "string")] suite: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] secret: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] response: JsValue,
    input: OcraInputJs,
    options: Option<OcraVerifyOptionsJs>,
) -> Result<Option<OcraMatchJs>, JsValue> {
    let opts: OcraVerifyOptions = convert::options(
        options.map_or(JsValue::UNDEFINED, Into::into),
        &["counterLookAhead", "timeWindow"],
        "options",
    )?;
    let response = convert::string(&response, "response")?;
    let window = OcraWindow {
        counter_look_ahead: convert::window(opts.counter_look_ahead, Window::EXACT)?,
        time_steps: convert::window(opts.time_window, Window::EXACT)?,
    };
    let (ocra, parts) = ocra_for(&suite, &secret, input)?;
    match parts
        .with(|input| ocra.verify(&response, input, window))
        .js()?
    {
        Some(m) => to_js(&OcraMatch {
            counter: m.counter,
            time_step: m.time_step,
        })
        .map(Some),
        None => Ok(None),
    }
}

/// Parses an OCRA suite into an object describing it.
///
/// @throws {SecureLoginError} `InvalidSuite` naming what is wrong.
#[wasm_bindgen(js_name = parseOcraSuite)]
pub fn parse_ocra_suite(
    #[wasm_bindgen(unchecked_param_type = "string")] suite: JsValue,
) -> Result<OcraSuiteInfoJs, JsValue> {
    let suite: OcraSuite = convert::string(&suite, "suite")?.parse().js()?;
    let challenge = suite.challenge();
    to_js(&OcraSuiteInfo {
        suite: suite.to_string(),
        hash: suite.hash().name(),
        digits: suite.digits(),
        counter: suite.uses_counter(),
        challenge: ChallengeInfo {
            format: match challenge.format() {
                otp::ocra::ChallengeFormat::Alphanumeric => "alphanumeric",
                otp::ocra::ChallengeFormat::Numeric => "numeric",
                otp::ocra::ChallengeFormat::Hex => "hex",
            },
            max_length: challenge.max_len(),
        },
        pin: suite.pin_hash().map(otp::HashAlgorithm::name),
        session_length: suite.session_len(),
        time_step: suite.time_step().map(otp::ocra::OcraTimeStep::seconds),
    })
}

fn hotp_for(secret: JsValue, options: Option<JsValue>) -> Result<Hotp, JsValue> {
    let opts: HotpOptions = convert::options(
        options.unwrap_or(JsValue::UNDEFINED),
        &["digits", "hash"],
        "options",
    )?;
    let secret = convert::secret(&secret)?;
    Hotp::from_secret(
        &secret,
        convert::hash(opts.hash.as_deref())?,
        convert::digits(opts.digits)?,
    )
    .js()
}

pub(crate) fn totp_for(
    secret: JsValue,
    options: JsValue,
    verify: bool,
) -> Result<(Totp, Window), JsValue> {
    let fields: &[&str] = if verify {
        &["digits", "hash", "step", "t0", "window"]
    } else {
        &["digits", "hash", "step", "t0"]
    };
    let opts: TotpOptions = convert::options(options, fields, "options")?;
    let clock = TimeStep::new(opts.step.unwrap_or(30), opts.t0.unwrap_or(0)).js()?;
    let secret = convert::secret(&secret)?;
    let totp = Totp::from_secret(
        &secret,
        convert::hash(opts.hash.as_deref())?,
        convert::digits(opts.digits)?,
        clock,
    )
    .js()?;
    Ok((totp, convert::window(opts.window, Window::ONE)?))
}

/// The decoded parts of an OCRA input, owned, so the core's borrowed `OcraInput` can point at them.
struct OcraParts {
    challenge: Challenge,
    counter: Option<u64>,
    pin: Option<String>,
    pin_hash: Option<zeroize::Zeroizing<Vec<u8>>>,
    session: Option<Vec<u8>>,
    time: Option<OcraTime>,
}

impl OcraParts {
    fn with<T>(&self, f: impl FnOnce(&otp::OcraInput<'_>) -> T) -> T {
        let pin = match (&self.pin, &self.pin_hash) {
            (Some(pin), _) => Some(Pin::Plain(pin)),
            (None, Some(hash)) => Some(Pin::Hash(hash)),
            (None, None) => None,
        };
        f(&otp::OcraInput {
            challenge: &self.challenge,
            counter: self.counter,
            pin,
            session: self.session.as_deref(),
            time: self.time,
        })
    }
}

impl Drop for OcraParts {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.pin);
    }
}

fn ocra_for(
    suite: &JsValue,
    secret: &JsValue,
    input: OcraInputJs,
) -> Result<(Ocra, OcraParts), JsValue> {
    let suite: OcraSuite = convert::string(suite, "suite")?.parse().js()?;
    let input: JsValue = input.into();
    convert::known_fields(
        &input,
        &[
            "challenge",
            "counter",
            "pin",
            "pinHash",
            "session",
            "time",
            "timestep",
        ],
        "input",
    )?;
    // serde would also read the bytes of a Uint8Array as a challenge string: only text here.
    let challenge =
        js_sys::Reflect::get(&input, &JsValue::from_str("challenge")).unwrap_or(JsValue::UNDEFINED);
    let text = |v: &JsValue| v.is_string();
    let is_text = text(&challenge)
        || (js_sys::Array::is_array(&challenge)
            && js_sys::Array::from(&challenge).every(&mut |v, _, _| text(&v)));
    if !convert::absent(&challenge) && !is_text {
        return Err(invalid_argument(
            "input",
            "challenge must be a string or two strings",
        ));
    }
    let mut input: OcraInput = required(input, "input")?;
    let spec = suite.challenge();
    let challenge = match &input.challenge {
        Challenges::One(q) => Challenge::new(spec, q),
        Challenges::Two(first, second) => Challenge::mutual(spec, first, second),
    }
    .js()?;
    if input.pin.is_some() && input.pin_hash.is_some() {
        return Err(invalid_argument("input", "give pin or pinHash, not both"));
    }
    if input.time.is_some() && input.timestep.is_some() {
        return Err(invalid_argument("input", "give time or timestep, not both"));
    }
    let time = match (input.time, input.timestep) {
        (Some(secs), _) => Some(OcraTime::UnixSeconds(secs)),
        (None, Some(steps)) => Some(OcraTime::Steps(steps)),
        (None, None) => None,
    };
    let parts = OcraParts {
        challenge,
        counter: input.counter,
        pin: input.pin.take(),
        pin_hash: input
            .pin_hash
            .as_deref()
            .map(otp::hex_decode)
            .transpose()
            .js()?
            .map(zeroize::Zeroizing::new),
        session: input
            .session
            .as_deref()
            .map(otp::hex_decode)
            .transpose()
            .js()?,
        time,
    };
    let secret = convert::secret(secret)?;
    Ok((Ocra::from_secret(suite, &secret).js()?, parts))
}
