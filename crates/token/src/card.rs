//! The Digital Security Card+ of the seed, as a state machine with the card's screens and
//! buttons:
//!
//! ```text
//! off --press--> PIN> --4 digits, OK--> CHALLNG> --6 digits, OK--> 12345678 --(60 s)--> off
//! ```
//!
//! * `press` turns the card on (at `PIN>`), and off again from any screen.
//! * `back` erases the last digit; on an empty `CHALLNG>` it returns to `PIN>` with the PIN
//!   as typed, so it can be corrected; on the response it turns the card off.
//! * `clear` erases the whole entry; on an empty `CHALLNG>` it starts over at `PIN>`; on the
//!   response it turns the card off.
//! * `OK` with too few digits does nothing; digits past the entry's length are ignored.
//! * With no button pressed for 60 s the card turns off; the response is shown for 60 s.
//!
//! # The PIN
//! The suite is `OCRA-1:HOTP-SHA256-8:QN06-PSHA1` (docs/design.md, "Defaults"): the PIN is set
//! when the card is issued, and the server, which knows it, checks it through the `P` input. On
//! the card the typed PIN does **both** jobs: it unwraps the card's key (as on the soft token,
//! with no integrity tag, see [`super::wrap`]) *and* is hashed into `P`. The card stores nothing
//! that tells a right PIN from a wrong one (no PIN hash, no check value): a wrong PIN shows a
//! plausible wrong response, which the server counts, so a card's memory copied out offers no
//! offline PIN test. Other suites may be configured if their challenge is numeric (the card has
//! only digit keys), up to 10 digits long (the width of the display), with a decimal response,
//! and neither a counter nor session information (a card keeps no state between uses); with
//! `P` the PIN enters `P`, with `T` the card's clock does.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::pin::{Pin, CARD_PIN_LEN};
use super::wrap::{self, Kdf};
use secure_login_otp::ocra::ChallengeFormat;
use secure_login_otp::{Challenge, Ocra, OcraInput, OcraSuite, OcraTime, Secret};

/// The suite of the seed's card: 6-digit challenge, 8-digit response, SHA-256, PIN in `P`.
pub const CARD_SUITE: &str = "OCRA-1:HOTP-SHA256-8:QN06-PSHA1";

/// How long the response stays on the display.
pub const RESPONSE_SHOWN_MS: u64 = 60_000;

/// How long the card waits for a button before it turns itself off.
pub const IDLE_OFF_MS: u64 = 60_000;

/// The longest challenge the display holds.
const MAX_CARD_CHALLENGE: usize = 10;

/// The name of the card record format.
const CARD_FORMAT: &str = "secure-login-card";

/// What a card keeps: its serial number, its suite and its key wrapped under its PIN.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CardJson", into = "CardJson")]
pub struct CardRecord {
    serial: String,
    suite: OcraSuite,
    kdf: Kdf,
    wrapped: Vec<u8>,
}

impl core::fmt::Debug for CardRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CardRecord")
            .field("serial", &self.serial)
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl CardRecord {
    /// Issues a card: `secret` wrapped under `pin` (4 digits, not an obvious one).
    ///
    /// # Errors
    /// [`Error::InvalidPin`], [`Error::WeakPin`], [`Error::InvalidSecret`],
    /// [`Error::UnsupportedSuite`], [`Error::InvalidUsername`] for a bad serial number.
    pub fn provision(
        serial: &str,
        suite: OcraSuite,
        secret: &Secret,
        pin: &str,
        kdf: Kdf,
    ) -> Result<Self> {
        let pin = Pin::choose_for_card(pin)?;
        check_suite(&suite)?;
        let serial = super::input::label(serial).map_err(Error::InvalidUsername)?;
        let wrapped = wrap::wrap(secret, &pin, &kdf)?;
        Ok(Self {
            serial,
            suite,
            kdf,
            wrapped,
        })
    }

    /// The serial number printed on the card.
    #[must_use]
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The suite.
    #[must_use]
    pub fn suite(&self) -> &OcraSuite {
        &self.suite
    }

    /// The record as JSON (holds the wrapped key, not the key).
    ///
    /// # Errors
    /// None in practice.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|_| Error::CorruptRecord("serialization"))
    }

    /// Reads a record written by [`CardRecord::to_json`].
    ///
    /// # Errors
    /// [`Error::CorruptRecord`].
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > 4096 {
            return Err(Error::CorruptRecord("too long"));
        }
        serde_json::from_str(json).map_err(|_| Error::CorruptRecord("not a card record"))
    }
}

fn check_suite(suite: &OcraSuite) -> Result<()> {
    let challenge = suite.challenge();
    if challenge.format() != ChallengeFormat::Numeric {
        return Err(Error::UnsupportedSuite(
            "the card has digit keys only: the challenge must be numeric",
        ));
    }
    if challenge.max_len() > MAX_CARD_CHALLENGE {
        return Err(Error::UnsupportedSuite(
            "the card's display holds at most 10 challenge digits",
        ));
    }
    if suite.digits() == 0 {
        return Err(Error::UnsupportedSuite(
            "the card shows a decimal response (not hex)",
        ));
    }
    if suite.time_step().is_some_and(|t| t.seconds() == 0) {
        return Err(Error::UnsupportedSuite("a time step of zero hours"));
    }
    if suite.uses_counter() || suite.session_len().is_some() {
        return Err(Error::UnsupportedSuite(
            "a card keeps no counter and takes no session information",
        ));
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardJson {
    format: String,
    version: u32,
    serial: String,
    suite: String,
    kdf: Kdf,
    wrapped: String,
}

impl TryFrom<CardJson> for CardRecord {
    type Error = Error;
    fn try_from(json: CardJson) -> Result<Self> {
        if json.format != CARD_FORMAT || json.version != 1 {
            return Err(Error::CorruptRecord("not a version-1 card record"));
        }
        let suite: OcraSuite = json.suite.parse()?;
        check_suite(&suite)?;
        let wrapped = secure_login_otp::hex_decode(&json.wrapped)
            .map_err(|_| Error::CorruptRecord("wrapped"))?;
        wrap::check_secret_len(wrapped.len())
            .map_err(|_| Error::CorruptRecord("wrapped key length"))?;
        Ok(Self {
            serial: super::input::label(&json.serial).map_err(Error::InvalidUsername)?,
            suite,
            kdf: json.kdf,
            wrapped,
        })
    }
}

impl From<CardRecord> for CardJson {
    fn from(card: CardRecord) -> Self {
        Self {
            format: CARD_FORMAT.to_owned(),
            version: 1,
            serial: card.serial.clone(),
            suite: card.suite.to_string(),
            kdf: card.kdf.clone(),
            wrapped: secure_login_otp::hex_encode(&card.wrapped),
        }
    }
}

/// Digits typed so far, wiped when dropped.
#[derive(Default)]
struct Entry(Zeroizing<Vec<u8>>);

impl Entry {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

enum Screen {
    Off,
    Pin(Entry),
    Challenge { pin: Entry, entry: Entry },
    Response(Zeroizing<String>),
}

/// A security card in someone's hand: its record, the screen, and when a button was last
/// pressed. Every button takes the time (milliseconds) from the caller.
pub struct SecurityCard {
    record: CardRecord,
    screen: Screen,
    last_press_ms: u64,
}

impl core::fmt::Debug for SecurityCard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecurityCard")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

impl SecurityCard {
    /// A card, switched off.
    #[must_use]
    pub fn new(record: CardRecord) -> Self {
        Self {
            record,
            screen: Screen::Off,
            last_press_ms: 0,
        }
    }

    /// The card's record.
    #[must_use]
    pub fn record(&self) -> &CardRecord {
        &self.record
    }

    /// Turns off a card left alone too long, or whose response has been shown long enough.
    fn tick(&mut self, now_ms: u64) {
        let limit = match self.screen {
            Screen::Off => return,
            Screen::Response(_) => RESPONSE_SHOWN_MS,
            Screen::Pin(_) | Screen::Challenge { .. } => IDLE_OFF_MS,
        };
        if now_ms.saturating_sub(self.last_press_ms) >= limit {
            self.screen = Screen::Off;
        }
    }

    fn pressed(&mut self, now_ms: u64) {
        self.tick(now_ms);
        self.last_press_ms = now_ms;
    }

    /// The power button: on at `PIN>` when off, off otherwise.
    pub fn press(&mut self, now_ms: u64) {
        self.pressed(now_ms);
        self.screen = match self.screen {
            Screen::Off => Screen::Pin(Entry::default()),
            _ => Screen::Off,
        };
    }

    /// A digit key, 0 to 9. Ignored when the card is off, shows a response, or the entry is
    /// full.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] for a number above 9 (the card has no such key).
    pub fn key(&mut self, digit: u8, now_ms: u64) -> Result<()> {
        if digit > 9 {
            return Err(Error::InvalidKey);
        }
        self.pressed(now_ms);
        let challenge_len = self.record.suite.challenge().max_len();
        let (entry, max) = match &mut self.screen {
            Screen::Pin(entry) => (entry, CARD_PIN_LEN),
            Screen::Challenge { entry, .. } => (entry, challenge_len),
            Screen::Off | Screen::Response(_) => return Ok(()),
        };
        if entry.len() < max {
            entry.0.push(b'0' + digit);
        }
        Ok(())
    }

    /// OK: accepts a complete PIN or challenge; on the response, turns the card off.
    ///
    /// # Errors
    /// Only from the OTP core on a damaged record; a wrong PIN is **not** an error.
    pub fn ok(&mut self, now_ms: u64) -> Result<()> {
        self.pressed(now_ms);
        let challenge_len = self.record.suite.challenge().max_len();
        self.screen = match core::mem::replace(&mut self.screen, Screen::Off) {
            Screen::Pin(pin) if pin.len() == CARD_PIN_LEN => Screen::Challenge {
                pin,
                entry: Entry::default(),
            },
            Screen::Challenge { pin, entry } if entry.len() == challenge_len => {
                Screen::Response(self.respond(&pin, &entry, now_ms)?)
            }
            Screen::Response(_) | Screen::Off => Screen::Off,
            unchanged => unchanged,
        };
        Ok(())
    }

    /// Erases the entry; on an empty challenge starts over at `PIN>`; on the response, off.
    pub fn clear(&mut self, now_ms: u64) {
        self.pressed(now_ms);
        self.screen = match core::mem::replace(&mut self.screen, Screen::Off) {
            Screen::Pin(_) => Screen::Pin(Entry::default()),
            Screen::Challenge { entry, .. } if entry.len() == 0 => Screen::Pin(Entry::default()),
            Screen::Challenge { pin, .. } => Screen::Challenge {
                pin,
                entry: Entry::default(),
            },
            Screen::Response(_) | Screen::Off => Screen::Off,
        };
    }

    /// Erases the last digit; on an empty challenge goes back to the PIN; on the response, off.
    pub fn back(&mut self, now_ms: u64) {
        self.pressed(now_ms);
        self.screen = match core::mem::replace(&mut self.screen, Screen::Off) {
            Screen::Pin(mut entry) => {
                entry.0.pop();
                Screen::Pin(entry)
            }
            Screen::Challenge { pin, entry } if entry.len() == 0 => Screen::Pin(pin),
            Screen::Challenge { pin, mut entry } => {
                entry.0.pop();
                Screen::Challenge { pin, entry }
            }
            Screen::Response(_) | Screen::Off => Screen::Off,
        };
    }

    /// What the display shows: `""` when off, `PIN>` with a `*` per digit, `CHALLNG>` with the
    /// digits, or the response.
    pub fn screen(&mut self, now_ms: u64) -> String {
        self.tick(now_ms);
        match &self.screen {
            Screen::Off => String::new(),
            Screen::Pin(entry) => format!("PIN>{}", "*".repeat(entry.len())),
            Screen::Challenge { entry, .. } => format!("CHALLNG>{}", entry.as_str()),
            Screen::Response(response) => response.as_str().to_owned(),
        }
    }

    fn respond(&self, pin: &Entry, challenge: &Entry, now_ms: u64) -> Result<Zeroizing<String>> {
        let suite = &self.record.suite;
        let pin = Pin::parse(pin.as_str())?;
        let challenge = Challenge::new(suite.challenge(), challenge.as_str())?;
        let key = wrap::unwrap(&self.record.wrapped, &pin, &self.record.kdf)?;
        let ocra = Ocra::from_secret(suite.clone(), &key)?;
        let response = ocra.respond(&OcraInput {
            challenge: &challenge,
            counter: None,
            pin: suite
                .pin_hash()
                .map(|_| secure_login_otp::Pin::Plain(pin.expose())),
            session: None,
            time: suite
                .time_step()
                .map(|_| OcraTime::UnixSeconds(now_ms / 1000)),
        })?;
        Ok(Zeroizing::new(response))
    }
}
