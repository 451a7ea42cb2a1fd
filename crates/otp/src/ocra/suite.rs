//! The OCRA suite string (RFC 6287 section 6), parsed once into a value that cannot be invalid.
//!
//! ```text
//! OCRA-1:HOTP-SHA{1,256,512}-{0,4..10}:[C-]Q{A,N,H}{04..64}[-P{SHA1,SHA256,SHA512}][-Snnn][-T{1..59S|1..59M|0..48H}]
//! ```

use alloc::{
    format,
    string::{String, ToString},
};

use core::fmt;
use core::str::FromStr;

use super::super::error::{Error, Result};
use super::super::hash::HashAlgorithm;
use super::challenge::{ChallengeFormat, ChallengeSpec};

/// Longest suite the parser reads; the longest valid one is well under this.
const MAX_SUITE_LEN: usize = 64;

/// A parsed OCRA suite. Fields are private: every value of this type is a valid suite, and
/// [`fmt::Display`] prints back exactly the string it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OcraSuite {
    text: String,
    hash: HashAlgorithm,
    digits: u8,
    counter: bool,
    challenge: ChallengeSpec,
    pin: Option<HashAlgorithm>,
    session_len: Option<u16>,
    time_step: Option<OcraTimeStep>,
}

/// The `T` part of a suite: the length of one time step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OcraTimeStep {
    amount: u8,
    unit: TimeUnit,
}

/// Seconds, minutes or hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// `S`, 1 to 59.
    Seconds,
    /// `M`, 1 to 59.
    Minutes,
    /// `H`, 0 to 48.
    Hours,
}

impl OcraTimeStep {
    /// The step in seconds (0 for the RFC's odd but legal `T0H`).
    #[must_use]
    pub fn seconds(self) -> u64 {
        let unit = match self.unit {
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => 60,
            TimeUnit::Hours => 3600,
        };
        u64::from(self.amount) * unit
    }

    /// The number before the unit.
    #[must_use]
    pub fn amount(self) -> u8 {
        self.amount
    }

    /// The unit.
    #[must_use]
    pub fn unit(self) -> TimeUnit {
        self.unit
    }
}

impl fmt::Display for OcraTimeStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            TimeUnit::Seconds => 'S',
            TimeUnit::Minutes => 'M',
            TimeUnit::Hours => 'H',
        };
        write!(f, "{}{unit}", self.amount)
    }
}

impl OcraSuite {
    /// The hash under HMAC.
    #[must_use]
    pub fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    /// Digits of the response; 0 means the whole HMAC, in hex.
    #[must_use]
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// Whether the data input has a counter `C`.
    #[must_use]
    pub fn uses_counter(&self) -> bool {
        self.counter
    }

    /// The challenge's format and maximum length.
    #[must_use]
    pub fn challenge(&self) -> ChallengeSpec {
        self.challenge
    }

    /// The hash of the PIN `P`, if the suite has one.
    #[must_use]
    pub fn pin_hash(&self) -> Option<HashAlgorithm> {
        self.pin
    }

    /// The length in bytes of the session information `S`, if the suite has one.
    #[must_use]
    pub fn session_len(&self) -> Option<u16> {
        self.session_len
    }

    /// The time step `T`, if the suite has one.
    #[must_use]
    pub fn time_step(&self) -> Option<OcraTimeStep> {
        self.time_step
    }

    /// The suite string, as parsed.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for OcraSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for OcraSuite {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        parse(text)
    }
}

/// Parses `text` strictly: exact case, the fields in the RFC's order, no leading zeros where the
/// RFC writes none. So one suite has one spelling, and printing gives back the input.
fn parse(text: &str) -> Result<OcraSuite> {
    if text.len() > MAX_SUITE_LEN {
        return Err(Error::InvalidSuite("too long"));
    }
    let mut parts = text.split(':');
    let (Some(version), Some(function), Some(data), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::InvalidSuite("expected three parts separated by ':'"));
    };
    if version != "OCRA-1" {
        return Err(Error::InvalidSuite("the version must be OCRA-1"));
    }
    let (hash, digits) = parse_function(function)?;

    let mut fields = data.split('-').peekable();
    let counter = fields.next_if_eq(&"C").is_some();
    let challenge = fields
        .next()
        .ok_or(Error::InvalidSuite("the challenge Q is missing"))
        .and_then(parse_challenge)?;
    let pin = match fields.next_if(|f| f.starts_with('P')) {
        Some(p) => Some(
            p.get(1..)
                .filter(|name| matches!(*name, "SHA1" | "SHA256" | "SHA512"))
                .and_then(|name| name.parse().ok())
                .ok_or(Error::InvalidSuite("P must be PSHA1, PSHA256 or PSHA512"))?,
        ),
        None => None,
    };
    let session_len = match fields.next_if(|f| f.starts_with('S')) {
        Some(s) => Some(parse_session(s)?),
        None => None,
    };
    let time_step = match fields.next_if(|f| f.starts_with('T')) {
        Some(t) => Some(parse_time_step(t)?),
        None => None,
    };
    if fields.next().is_some() {
        return Err(Error::InvalidSuite(
            "unexpected field: the data input is [C-]Q..[-P..][-S..][-T..] in that order",
        ));
    }
    let mut suite = OcraSuite {
        text: String::new(),
        hash,
        digits,
        counter,
        challenge,
        pin,
        session_len,
        time_step,
    };
    suite.text = render(&suite);
    // The rules above admit one spelling per suite; this guards that promise.
    if suite.text != text {
        return Err(Error::InvalidSuite("not in the RFC's canonical spelling"));
    }
    Ok(suite)
}

/// Writes the suite string from its fields.
fn render(suite: &OcraSuite) -> String {
    let mut out = format!("OCRA-1:HOTP-{}-{}:", suite.hash.name(), suite.digits);
    if suite.counter {
        out.push_str("C-");
    }
    out.push_str(&suite.challenge.to_string());
    if let Some(pin) = suite.pin {
        out.push_str("-P");
        out.push_str(pin.name());
    }
    if let Some(len) = suite.session_len {
        out.push_str(&format!("-S{len:03}"));
    }
    if let Some(step) = suite.time_step {
        out.push_str(&format!("-T{step}"));
    }
    out
}

fn parse_function(function: &str) -> Result<(HashAlgorithm, u8)> {
    const BAD: Error = Error::InvalidSuite("the function must be HOTP-SHA1|SHA256|SHA512-t");
    let rest = function.strip_prefix("HOTP-").ok_or(BAD)?;
    let (name, digits) = rest.split_once('-').ok_or(BAD)?;
    let hash = match name {
        "SHA1" => HashAlgorithm::Sha1,
        "SHA256" => HashAlgorithm::Sha256,
        "SHA512" => HashAlgorithm::Sha512,
        _ => return Err(BAD),
    };
    let digits = match digits {
        "0" => 0,
        "4" | "5" | "6" | "7" | "8" | "9" | "10" => digits.parse().map_err(|_| BAD)?,
        _ => {
            return Err(Error::InvalidSuite(
                "the truncation must be 0 or 4 to 10 digits",
            ))
        }
    };
    Ok((hash, digits))
}

fn parse_challenge(field: &str) -> Result<ChallengeSpec> {
    const BAD: Error =
        Error::InvalidSuite("the challenge must be QA, QN or QH and two digits 04 to 64");
    let rest = field.strip_prefix('Q').ok_or(BAD)?;
    let mut chars = rest.chars();
    let format = match chars.next() {
        Some('A') => ChallengeFormat::Alphanumeric,
        Some('N') => ChallengeFormat::Numeric,
        Some('H') => ChallengeFormat::Hex,
        _ => return Err(BAD),
    };
    let len = chars.as_str();
    let max_len = fixed_width_number(len, 2).ok_or(BAD)?;
    if !(4..=64).contains(&max_len) {
        return Err(BAD);
    }
    ChallengeSpec::new(format, max_len).ok_or(BAD)
}

fn parse_session(field: &str) -> Result<u16> {
    const BAD: Error = Error::InvalidSuite("the session must be S and three digits 001 to 999");
    let len = field
        .get(1..)
        .and_then(|n| fixed_width_number(n, 3))
        .ok_or(BAD)?;
    if len == 0 {
        return Err(BAD);
    }
    Ok(len)
}

fn parse_time_step(field: &str) -> Result<OcraTimeStep> {
    const BAD: Error = Error::InvalidSuite("the time step must be T1S-T59S, T1M-T59M or T0H-T48H");
    let body = field.get(1..).ok_or(BAD)?;
    let (amount, unit) = body
        .split_at_checked(body.len().saturating_sub(1))
        .ok_or(BAD)?;
    let unit = match unit {
        "S" => TimeUnit::Seconds,
        "M" => TimeUnit::Minutes,
        "H" => TimeUnit::Hours,
        _ => return Err(BAD),
    };
    // One or two digits, no leading zero (but "0" itself for 0H).
    let canonical = matches!(amount.len(), 1 | 2)
        && amount.bytes().all(|b| b.is_ascii_digit())
        && !(amount.len() == 2 && amount.starts_with('0'));
    if !canonical {
        return Err(BAD);
    }
    let amount: u8 = amount.parse().map_err(|_| BAD)?;
    let in_range = match unit {
        TimeUnit::Seconds | TimeUnit::Minutes => (1..=59).contains(&amount),
        TimeUnit::Hours => amount <= 48,
    };
    if !in_range {
        return Err(BAD);
    }
    Ok(OcraTimeStep { amount, unit })
}

/// Exactly `width` ASCII digits as a number.
fn fixed_width_number(text: &str, width: usize) -> Option<u16> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}
