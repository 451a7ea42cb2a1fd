//! OCRA, RFC 6287: challenge/response and signatures from a suite, a key and a data input.
//!
//! `OCRA(K, DataInput) = Truncate(HMAC(K, Suite || 0x00 || [C] || Q || [P] || [S] || [T]))`.

use alloc::{
    format,
    string::{String, ToString},
    vec::Vec,
};

mod challenge;
mod suite;

pub use challenge::{Challenge, ChallengeFormat, ChallengeSpec, Q_FIELD_LEN};
pub use suite::{OcraSuite, OcraTimeStep, TimeUnit};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::code::{parse_typed_code, truncate};
use super::encoding::hex_encode;
use super::error::{DataField, Error, Result};
use super::hash::{Digest, HmacKey};
use super::secret::{check_len, Secret};
use super::window::{FirstMatch, Window};

/// The most (counter, time step) pairs one verification may scan.
pub const MAX_OCRA_CANDIDATES: u64 = 10_000;

/// The PIN part `P` of the data input.
#[derive(Clone, Copy)]
pub enum Pin<'a> {
    /// The PIN itself; it is hashed with the suite's P hash.
    Plain(&'a str),
    /// The PIN already hashed; must be exactly as long as the suite's P hash.
    Hash(&'a [u8]),
}

impl core::fmt::Debug for Pin<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Pin([REDACTED])")
    }
}

/// The time part `T` of the data input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcraTime {
    /// Unix seconds, divided by the suite's step.
    UnixSeconds(u64),
    /// The number of time steps itself (as the RFC's vectors give it).
    Steps(u64),
}

/// Everything besides the key and suite that goes into one OCRA computation.
#[derive(Debug, Clone, Copy)]
pub struct OcraInput<'a> {
    /// The challenge `Q`.
    pub challenge: &'a Challenge,
    /// The counter `C`, when the suite has one.
    pub counter: Option<u64>,
    /// The PIN `P`, when the suite has one.
    pub pin: Option<Pin<'a>>,
    /// The session information `S`, when the suite has one: at most its length in bytes,
    /// zero-padded on the left as the RFC's reference code does.
    pub session: Option<&'a [u8]>,
    /// The time `T`, when the suite has one.
    pub time: Option<OcraTime>,
}

impl<'a> OcraInput<'a> {
    /// An input with only a challenge.
    #[must_use]
    pub fn challenge(challenge: &'a Challenge) -> Self {
        Self {
            challenge,
            counter: None,
            pin: None,
            session: None,
            time: None,
        }
    }
}

/// How far [`Ocra::verify`] looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OcraWindow {
    /// Counters ahead of the given one (suites with `C`).
    pub counter_look_ahead: Window,
    /// Time steps either side of the given time (suites with `T`).
    pub time_steps: Window,
}

/// What a successful OCRA verification matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OcraMatch {
    /// The counter that matched, for suites with `C`: store it and accept only higher ones.
    pub counter: Option<u64>,
    /// The time step that matched, for suites with `T`.
    pub time_step: Option<u64>,
}

/// An OCRA token or verifier: one suite and one key.
///
/// # Examples
///
/// ```
/// use secure_login_otp::{Challenge, Ocra, OcraInput, OcraSuite, OcraWindow, Pin, Window};
///
/// // RFC 6287 Appendix C.1: counter-based responses with a PIN (SHA-1 hash of "1234").
/// let suite: OcraSuite = "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1".parse()?;
/// let key = b"12345678901234567890123456789012";
/// let challenge = Challenge::new(suite.challenge(), "12345678")?;
/// let token = Ocra::new(suite, key)?;
/// let input = |counter| OcraInput {
///     counter: Some(counter),
///     pin: Some(Pin::Plain("1234")),
///     ..OcraInput::challenge(&challenge)
/// };
/// assert_eq!(token.respond(&input(0))?, "65347737");
/// assert_eq!(token.respond(&input(1))?, "86775851");
///
/// // The verifier expects counter 0 and looks 3 ahead: counter 3's response matches.
/// let window = OcraWindow { counter_look_ahead: Window::new(3)?, ..OcraWindow::default() };
/// let found = token.verify("71565254", &input(0), window)?;
/// assert_eq!(found.and_then(|m| m.counter), Some(3));
/// assert_eq!(token.verify("71565254", &input(0), OcraWindow::default())?, None);
/// # Ok::<(), secure_login_otp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Ocra {
    suite: OcraSuite,
    key: HmacKey,
}

/// The data input with its fixed parts encoded; C and T are filled in per candidate.
struct Prepared {
    pin: Option<Digest>,
    session: Zeroizing<Vec<u8>>,
}

impl Ocra {
    /// An OCRA instance for `suite` and `secret`.
    ///
    /// # Errors
    /// [`Error::SecretTooShort`] below 16 bytes ([`crate::MIN_SECRET_LEN`]; for a legacy key use
    /// [`Ocra::from_secret`] with [`Secret::from_bytes_allow_short`]),
    /// [`Error::InvalidSecretLength`] above 1024.
    pub fn new(suite: OcraSuite, secret: &[u8]) -> Result<Self> {
        check_len(secret.len())?;
        let key = HmacKey::new(suite.hash(), secret)?;
        Ok(Self { suite, key })
    }

    /// An OCRA instance for a [`Secret`], whatever length its constructor accepted (a legacy
    /// key from [`Secret::from_bytes_allow_short`] too).
    ///
    /// # Errors
    /// None in practice: a `Secret` is never empty.
    pub fn from_secret(suite: OcraSuite, secret: &Secret) -> Result<Self> {
        let key = HmacKey::new(suite.hash(), secret.expose_secret())?;
        Ok(Self { suite, key })
    }

    /// The suite.
    #[must_use]
    pub fn suite(&self) -> &OcraSuite {
        &self.suite
    }

    /// The response to `input` ([RFC 6287 section 5]).
    ///
    /// [RFC 6287 section 5]: https://www.rfc-editor.org/rfc/rfc6287#section-5
    ///
    /// # Errors
    /// [`Error::MissingInput`] / [`Error::UnexpectedInput`] when the input does not fit the suite;
    /// [`Error::InvalidPin`], [`Error::SessionTooLong`], [`Error::InvalidTime`].
    pub fn respond(&self, input: &OcraInput<'_>) -> Result<String> {
        let prepared = self.prepare(input)?;
        let counter = input.counter.unwrap_or(0);
        let step = self.time_centre(input.time)?;
        Ok(self.render(&self.mac(input.challenge, &prepared, counter, step)))
    }

    /// Checks `response` against every counter and time step `window` allows around `input`'s,
    /// all of them, in constant time.
    ///
    /// # Errors
    /// As [`Ocra::respond`]; [`Error::InvalidCode`] for a response of the wrong shape;
    /// [`Error::OcraWindowTooLarge`] for a window with more than [`MAX_OCRA_CANDIDATES`] pairs.
    pub fn verify(
        &self,
        response: &str,
        input: &OcraInput<'_>,
        window: OcraWindow,
    ) -> Result<Option<OcraMatch>> {
        let typed = self.parse_response(response)?;
        let prepared = self.prepare(input)?;
        let counters = match input.counter {
            Some(c) => window.counter_look_ahead.ahead_of(c),
            None => 0..=0,
        };
        let steps = match self.time_centre(input.time)? {
            Some(centre) => window.time_steps.around(centre),
            None => 0..=0,
        };
        let count =
            (counters.end() - counters.start() + 1).saturating_mul(steps.end() - steps.start() + 1);
        if count > MAX_OCRA_CANDIDATES {
            return Err(Error::OcraWindowTooLarge(count));
        }
        let has_time = input.time.is_some();
        let mut first_counter = FirstMatch::new();
        let mut first_step = FirstMatch::new();
        for counter in counters {
            for step in steps.clone() {
                let mac = self.mac(
                    input.challenge,
                    &prepared,
                    counter,
                    has_time.then_some(step),
                );
                let matched = self.render_bytes_eq(&mac, &typed);
                first_counter.offer(counter, matched);
                first_step.offer(step, matched);
            }
        }
        Ok(first_counter.get().map(|counter| OcraMatch {
            counter: input.counter.map(|_| counter),
            time_step: first_step.get().filter(|_| has_time),
        }))
    }

    fn prepare(&self, input: &OcraInput<'_>) -> Result<Prepared> {
        let suite = &self.suite;
        presence(
            DataField::Counter,
            suite.uses_counter(),
            input.counter.is_some(),
        )?;
        presence(
            DataField::Pin,
            suite.pin_hash().is_some(),
            input.pin.is_some(),
        )?;
        presence(
            DataField::Session,
            suite.session_len().is_some(),
            input.session.is_some(),
        )?;
        presence(
            DataField::Time,
            suite.time_step().is_some(),
            input.time.is_some(),
        )?;

        let pin = match (suite.pin_hash(), input.pin) {
            (Some(hash), Some(Pin::Plain(pin))) => {
                if pin.is_empty() {
                    return Err(Error::InvalidPin("the PIN is empty"));
                }
                Some(hash.digest(pin.as_bytes()))
            }
            (Some(hash), Some(Pin::Hash(bytes))) => {
                if bytes.len() != hash.output_len() {
                    return Err(Error::InvalidPin(
                        "the PIN hash has the wrong length for the suite",
                    ));
                }
                Some(Digest::from_slice(bytes))
            }
            _ => None,
        };
        let mut session = Zeroizing::new(Vec::new());
        if let (Some(len), Some(bytes)) = (suite.session_len(), input.session) {
            let len = usize::from(len);
            if bytes.len() > len {
                return Err(Error::SessionTooLong {
                    len: bytes.len(),
                    max: len,
                });
            }
            session.resize(len - bytes.len(), 0);
            session.extend_from_slice(bytes);
        }
        Ok(Prepared { pin, session })
    }

    /// The time step count at the centre of the input's time, if the suite has `T`.
    fn time_centre(&self, time: Option<OcraTime>) -> Result<Option<u64>> {
        match (self.suite.time_step(), time) {
            (Some(step), Some(OcraTime::UnixSeconds(secs))) => match step.seconds() {
                0 => Err(Error::InvalidTime(
                    "the suite's time step is 0 hours: give the number of steps instead",
                )),
                len => Ok(Some(secs / len)),
            },
            (_, Some(OcraTime::Steps(steps))) => Ok(Some(steps)),
            _ => Ok(None),
        }
    }

    fn mac(
        &self,
        challenge: &Challenge,
        prepared: &Prepared,
        counter: u64,
        step: Option<u64>,
    ) -> Digest {
        let counter = counter.to_be_bytes();
        let counter: &[u8] = if self.suite.uses_counter() {
            &counter
        } else {
            &[]
        };
        let time = step.unwrap_or(0).to_be_bytes();
        let time: &[u8] = if step.is_some() { &time } else { &[] };
        let pin = prepared.pin.as_ref().map_or(&[][..], Digest::as_bytes);
        self.key.mac(&[
            self.suite.as_str().as_bytes(),
            &[0],
            counter,
            challenge.field(),
            pin,
            &prepared.session,
            time,
        ])
    }

    fn render(&self, mac: &Digest) -> String {
        match self.suite.digits() {
            0 => hex_encode(mac.as_bytes()),
            digits => truncate(mac, digits).to_string(),
        }
    }

    /// Compares a candidate with the typed response in constant time, without allocating.
    fn render_bytes_eq(&self, mac: &Digest, typed: &[u8]) -> subtle::Choice {
        match self.suite.digits() {
            0 => {
                let mut hex = [0u8; 128];
                let bytes = mac.as_bytes();
                for (pair, byte) in hex.chunks_exact_mut(2).zip(bytes) {
                    if let [high, low] = pair {
                        *high = hex_digit(byte >> 4);
                        *low = hex_digit(byte & 0x0f);
                    }
                }
                hex.get(..bytes.len() * 2).unwrap_or_default().ct_eq(typed)
            }
            digits => truncate(mac, digits).ct_eq_bytes(typed),
        }
    }

    /// A response must be `t` digits, or for `t = 0` the whole HMAC in hex (either case).
    fn parse_response(&self, response: &str) -> Result<Vec<u8>> {
        match self.suite.digits() {
            0 => {
                let hex_len = self.suite.hash().output_len() * 2;
                let ok =
                    response.len() == hex_len && response.bytes().all(|b| b.is_ascii_hexdigit());
                if ok {
                    Ok(response.to_ascii_lowercase().into_bytes())
                } else {
                    Err(Error::InvalidCode(format!("{hex_len} hex digits")))
                }
            }
            digits => parse_typed_code(response, digits).map(<[u8]>::to_vec),
        }
    }
}

/// The lower-case hex digit of a nibble, without a branch or a table lookup on it.
fn hex_digit(nibble: u8) -> u8 {
    // 9 - n wraps to 250..=255 (top bit set) exactly when n is 10..=15: then skip to 'a'.
    let letter = (9u8.wrapping_sub(nibble) >> 7) & 1;
    b'0' + nibble + letter * (b'a' - b'0' - 10)
}

fn presence(field: DataField, needed: bool, given: bool) -> Result<()> {
    match (needed, given) {
        (true, false) => Err(Error::MissingInput(field)),
        (false, true) => Err(Error::UnexpectedInput(field)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::macs_computed_by;

    #[test]
    fn verification_scans_the_whole_counter_by_time_grid() {
        let suite: OcraSuite = "OCRA-1:HOTP-SHA256-8:C-QN08-T1M".parse().unwrap();
        let challenge = Challenge::new(suite.challenge(), "12345678").unwrap();
        let ocra = Ocra::new(suite, b"12345678901234567890123456789012").unwrap();
        let input = OcraInput {
            counter: Some(5),
            time: Some(OcraTime::Steps(100)),
            ..OcraInput::challenge(&challenge)
        };
        let response = ocra.respond(&input).unwrap();
        let window = OcraWindow {
            counter_look_ahead: Window::new(3).unwrap(),
            time_steps: Window::new(2).unwrap(),
        };
        // 4 counters x 5 steps, whether the response is found at the first cell or nowhere.
        let hit = macs_computed_by(|| {
            let found = ocra.verify(&response, &input, window).unwrap().unwrap();
            assert_eq!((found.counter, found.time_step), (Some(5), Some(100)));
        });
        let miss = macs_computed_by(|| {
            assert!(ocra.verify("00000000", &input, window).unwrap().is_none())
        });
        assert_eq!((hit, miss), (20, 20));
    }

    #[test]
    fn hex_digits_are_lower_case() {
        let digits: Vec<u8> = (0..16).map(hex_digit).collect();
        assert_eq!(digits, b"0123456789abcdef");
    }

    /// `HOTP-SHAx-0` answers the whole HMAC in hex: verification compares it without allocating,
    /// in either case, and a changed digit fails.
    #[test]
    fn whole_hmac_responses_verify_in_either_case() {
        for suite in ["OCRA-1:HOTP-SHA1-0:QN08", "OCRA-1:HOTP-SHA512-0:C-QN08"] {
            let suite: OcraSuite = suite.parse().unwrap();
            let challenge = Challenge::new(suite.challenge(), "12345678").unwrap();
            let uses_counter = suite.uses_counter();
            let ocra = Ocra::new(suite, b"12345678901234567890").unwrap();
            let input = OcraInput {
                counter: uses_counter.then_some(7),
                ..OcraInput::challenge(&challenge)
            };
            let response = ocra.respond(&input).unwrap();
            assert_eq!(response.len(), ocra.suite().hash().output_len() * 2);
            let window = OcraWindow::default();
            assert!(ocra.verify(&response, &input, window).unwrap().is_some());
            let upper = response.to_ascii_uppercase();
            assert!(ocra.verify(&upper, &input, window).unwrap().is_some());
            let mut wrong = response.into_bytes();
            wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
            let wrong = String::from_utf8(wrong).unwrap();
            assert!(ocra.verify(&wrong, &input, window).unwrap().is_none());
        }
    }

    #[test]
    fn a_window_too_large_is_refused_before_any_work() {
        let suite: OcraSuite = "OCRA-1:HOTP-SHA1-6:C-QN08-T1M".parse().unwrap();
        let challenge = Challenge::new(suite.challenge(), "1").unwrap();
        let ocra = Ocra::new(suite, b"0123456789abcdef").unwrap();
        let input = OcraInput {
            counter: Some(0),
            time: Some(OcraTime::Steps(0)),
            ..OcraInput::challenge(&challenge)
        };
        let huge = OcraWindow {
            counter_look_ahead: Window::new(1000).unwrap(),
            time_steps: Window::new(1000).unwrap(),
        };
        let macs = macs_computed_by(|| {
            assert!(matches!(
                ocra.verify("000000", &input, huge),
                Err(Error::OcraWindowTooLarge(_))
            ));
        });
        assert_eq!(macs, 0);
    }
}
