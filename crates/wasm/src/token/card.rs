//! `SecurityCard`: the Digital Security Card+ emulator, its buttons and its screen.

use wasm_bindgen::prelude::*;

use super::args::{self, field};
use super::types::SecurityCardOptionsJs;
use super::{now_ms, random, TokenJs};
use secure_login_token::{self as token, CardRecord, Kdf, DEFAULT_ITERATIONS};

/// A security card (the seed's Digital Security Card+): `press()`, `PIN>`, four digits, `ok()`,
/// `CHALLNG>`, six digits, `ok()`, the eight-digit response for 60 s, off. Each button returns
/// what the screen shows next; the clock is the page's (`Date.now()`).
///
/// The PIN unwraps the card's key and enters the suite's `P`; the card keeps nothing that tells
/// a right PIN from a wrong one, so a wrong PIN shows a wrong response (see `secure_login_token::card`).
/// Keep the card between visits with `toRecord()` / `SecurityCard.fromRecord()`: the record
/// holds the wrapped key only.
#[wasm_bindgen(js_name = SecurityCard)]
pub struct SecurityCardJs {
    card: token::SecurityCard,
}

#[wasm_bindgen(js_class = SecurityCard)]
impl SecurityCardJs {
    /// Issues a card with its own secret and 4-digit PIN (default suite
    /// `OCRA-1:HOTP-SHA256-8:QN06-PSHA1`). Takes about 0.3 s: the PIN-derived wrap.
    ///
    /// @throws {SecureLoginError} `InvalidArgument`, `InvalidPin`, `WeakPin`, `InvalidSecret`,
    /// `InvalidBase32`, `InvalidSuite`, `UnsupportedSuite`, `InvalidUsername` (the serial),
    /// `InvalidKdf`.
    pub fn provision(options: SecurityCardOptionsJs) -> Result<SecurityCardJs, JsValue> {
        let options: JsValue = options.into();
        let options = args::required_object(
            &options,
            &["secret", "pin", "suite", "serial", "iterations"],
            "options",
        )?;
        let secret = args::secret(&field(&options, "secret")?)?;
        let pin = args::secret_string(&field(&options, "pin")?, "pin")?;
        let suite = args::opt_string(&field(&options, "suite")?, "suite")?;
        let suite = args::suite(suite.as_deref().unwrap_or(token::CARD_SUITE))?;
        let serial = args::opt_string(&field(&options, "serial")?, "serial")?;
        let iterations = args::opt_u32(&field(&options, "iterations")?, "iterations")?
            .unwrap_or(DEFAULT_ITERATIONS);
        let kdf = Kdf::new(random::<{ token::SALT_LEN }>()?, iterations).js()?;
        let record = CardRecord::provision(
            serial.as_deref().unwrap_or("DSC+"),
            suite,
            &secret,
            &pin,
            kdf,
        )
        .js()?;
        Ok(Self {
            card: token::SecurityCard::new(record),
        })
    }

    /// A card from the record `toRecord()` gave, switched off.
    ///
    /// @throws {SecureLoginError} `CorruptRecord`, `InvalidArgument`.
    #[wasm_bindgen(js_name = fromRecord)]
    pub fn from_record(
        #[wasm_bindgen(unchecked_param_type = "string")] record: JsValue,
    ) -> Result<SecurityCardJs, JsValue> {
        let record = CardRecord::from_json(&args::string(&record, "record")?).js()?;
        Ok(Self {
            card: token::SecurityCard::new(record),
        })
    }

    /// The card's record as JSON text: serial, suite, KDF parameters and the wrapped key.
    ///
    /// @throws {SecureLoginError} never in practice.
    #[wasm_bindgen(js_name = toRecord)]
    pub fn to_record(&self) -> Result<String, JsValue> {
        self.card.record().to_json().js()
    }

    /// The serial number.
    #[wasm_bindgen(getter)]
    pub fn serial(&self) -> String {
        self.card.record().serial().to_owned()
    }

    /// The OCRA suite.
    #[wasm_bindgen(getter)]
    pub fn suite(&self) -> String {
        self.card.record().suite().to_string()
    }

    /// The power button. Returns the screen.
    pub fn press(&mut self) -> String {
        let now = now_ms();
        self.card.press(now);
        self.card.screen(now)
    }

    /// A digit key: a number 0 to 9, or a one-digit string. Returns the screen.
    ///
    /// @throws {SecureLoginError} `InvalidKey` for anything else.
    pub fn key(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number | string")] digit: JsValue,
    ) -> Result<String, JsValue> {
        let digit = match (
            digit.as_f64(),
            digit.as_string().as_deref().map(str::as_bytes),
        ) {
            // A whole number from 0 to 9: the cast is exact.
            (Some(n), _) if n.fract() == 0.0 && (0.0..=9.0).contains(&n) => n as u8,
            (_, Some(&[d])) if d.is_ascii_digit() => d - b'0',
            _ => return Err(token::Error::InvalidKey).js(),
        };
        let now = now_ms();
        self.card.key(digit, now).js()?;
        Ok(self.card.screen(now))
    }

    /// OK. Returns the screen (the response, after a complete challenge).
    ///
    /// @throws {SecureLoginError} only for a damaged record; a wrong PIN is not an error.
    pub fn ok(&mut self) -> Result<String, JsValue> {
        let now = now_ms();
        self.card.ok(now).js()?;
        Ok(self.card.screen(now))
    }

    /// Clear: erases the entry (on an empty challenge, starts over at `PIN>`). Returns the screen.
    pub fn clear(&mut self) -> String {
        let now = now_ms();
        self.card.clear(now);
        self.card.screen(now)
    }

    /// Back: erases the last digit (on an empty challenge, returns to the PIN). Returns the
    /// screen.
    pub fn back(&mut self) -> String {
        let now = now_ms();
        self.card.back(now);
        self.card.screen(now)
    }

    /// What the display shows now: `""` (off), `"PIN>**"`, `"CHALLNG>1234"` or the response.
    pub fn screen(&mut self) -> String {
        self.card.screen(now_ms())
    }
}
