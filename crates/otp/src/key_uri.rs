//! The `otpauth://` Key URI that authenticator apps scan from a QR code, for TOTP, HOTP and
//! (with `ocrasuite=`) OCRA tokens.
//!
//! `otpauth://TYPE/[ISSUER:]ACCOUNT?secret=BASE32[&issuer=..][&algorithm=..][&digits=..][&period=..][&counter=..]`

use alloc::{
    borrow::ToOwned,
    format,
    string::{String, ToString},
};

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::code::Digits;
use super::encoding::base32_decode;
use super::error::{Error, Result};
use super::hash::HashAlgorithm;
use super::hotp::Hotp;
use super::ocra::{Ocra, OcraSuite};
use super::secret::Secret;
use super::totp::{TimeStep, Totp};

/// Longest URI the parser reads.
const MAX_URI_LEN: usize = 4096;

/// Characters left as they are when percent-encoding a label or parameter.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What kind of token a Key URI provisions, with the parameter only that kind has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// Time-based, with its period in seconds.
    Totp {
        /// Step length in seconds (default 30).
        period: u64,
    },
    /// Counter-based, with the first counter.
    Hotp {
        /// Initial counter (required by the format).
        counter: u64,
    },
    /// OCRA challenge/response, with its suite (which fixes hash and digits).
    Ocra {
        /// The suite.
        suite: OcraSuite,
    },
}

/// A parsed Key URI.
///
/// # Examples
///
/// ```
/// use secure_login_otp::{Error, KeyUri, TokenKind};
///
/// // RFC 4226's key in Base32, 8 digits: RFC 6238 Appendix B's code at 59 s.
/// let uri = KeyUri::parse(
///     "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8",
/// )?;
/// assert_eq!(uri.issuer.as_deref(), Some("ACME Co"));
/// assert_eq!(uri.account, "alice@example.com");
/// assert_eq!(uri.kind, TokenKind::Totp { period: 30 });
/// assert_eq!(uri.totp()?.generate(59)?.as_str(), "94287082");
/// assert_eq!(
///     uri.to_uri()?,
///     "otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
///      &issuer=ACME%20Co&algorithm=SHA1&digits=8&period=30"
/// );
///
/// // An 80-bit secret needs the legacy escape.
/// let short = "otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQ&counter=1";
/// assert_eq!(KeyUri::parse(short).unwrap_err(), Error::SecretTooShort(10));
/// assert_eq!(KeyUri::parse_allow_short(short)?.secret.expose_secret(), b"1234567890");
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct KeyUri {
    /// Kind and kind-specific parameter.
    pub kind: TokenKind,
    /// The account name (the label after `issuer:`).
    pub account: String,
    /// The provider, from the `issuer` parameter or else the label's prefix.
    pub issuer: Option<String>,
    /// The shared secret.
    pub secret: Secret,
    /// HMAC hash (for OCRA, the suite's).
    pub algorithm: HashAlgorithm,
    /// Code length (for OCRA, ignored: the suite decides).
    pub digits: Digits,
}

impl KeyUri {
    /// Parses a Key URI; its secret must be at least 16 bytes ([`crate::MIN_SECRET_LEN`]).
    ///
    /// # Errors
    /// [`Error::InvalidKeyUri`] naming the problem (the message never repeats the URI, which
    /// holds the secret); [`Error::InvalidBase32`] for a bad secret, [`Error::SecretTooShort`]
    /// for one below 16 bytes.
    pub fn parse(uri: &str) -> Result<Self> {
        Self::parse_with(uri, Secret::from_bytes)
    }

    /// Parses a Key URI whose secret may be shorter than 16 bytes: the escape for the legacy
    /// 80-bit (16-character Base32) secrets many services issued.
    ///
    /// # Errors
    /// As [`KeyUri::parse`], without [`Error::SecretTooShort`].
    ///
    /// # Security
    /// As [`Secret::from_bytes_allow_short`]: for existing keys only.
    pub fn parse_allow_short(uri: &str) -> Result<Self> {
        Self::parse_with(uri, Secret::from_bytes_allow_short)
    }

    /// The TOTP generator this URI describes.
    ///
    /// # Errors
    /// [`Error::InvalidKeyUri`] when it is not a totp URI.
    pub fn totp(&self) -> Result<Totp> {
        match self.kind {
            TokenKind::Totp { period } => Totp::from_secret(
                &self.secret,
                self.algorithm,
                self.digits,
                TimeStep::new(period, 0)?,
            ),
            _ => Err(Error::InvalidKeyUri("not a totp URI")),
        }
    }

    /// The HOTP generator this URI describes; its first counter is in [`TokenKind::Hotp`].
    ///
    /// # Errors
    /// [`Error::InvalidKeyUri`] when it is not a hotp URI.
    pub fn hotp(&self) -> Result<Hotp> {
        match self.kind {
            TokenKind::Hotp { .. } => Hotp::from_secret(&self.secret, self.algorithm, self.digits),
            _ => Err(Error::InvalidKeyUri("not a hotp URI")),
        }
    }

    /// The OCRA instance this URI describes.
    ///
    /// # Errors
    /// [`Error::InvalidKeyUri`] when it is not an ocra URI.
    pub fn ocra(&self) -> Result<Ocra> {
        match &self.kind {
            TokenKind::Ocra { suite } => Ocra::from_secret(suite.clone(), &self.secret),
            _ => Err(Error::InvalidKeyUri("not an ocra URI")),
        }
    }

    fn parse_with(uri: &str, secret: fn(alloc::vec::Vec<u8>) -> Result<Secret>) -> Result<Self> {
        if uri.len() > MAX_URI_LEN {
            return Err(Error::InvalidKeyUri("too long"));
        }
        let rest = strip_prefix_ignore_case(uri, "otpauth://")
            .ok_or(Error::InvalidKeyUri("it must start with otpauth://"))?;
        let (kind_name, rest) = rest
            .split_once('/')
            .ok_or(Error::InvalidKeyUri("no label after the type"))?;
        let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
        let label = decode(label)?;
        let (label_issuer, account) = match label.split_once(':') {
            Some((issuer, account)) => (Some(issuer.trim().to_owned()), account.trim().to_owned()),
            None => (None, label.trim().to_owned()),
        };
        if account.is_empty() {
            return Err(Error::InvalidKeyUri("the account name is empty"));
        }

        let mut params = Params::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            params.set(&name.to_ascii_lowercase(), decode(value)?)?;
        }

        let secret =
            secret(base32_decode(params.secret.as_deref().ok_or(
                Error::InvalidKeyUri("the secret parameter is missing"),
            )?)?)?;
        let issuer = params
            .issuer
            .take()
            .or(label_issuer)
            .filter(|i| !i.is_empty());
        let mut algorithm = match params.algorithm.as_deref() {
            Some(name) => name
                .parse()
                .map_err(|_| Error::InvalidKeyUri("algorithm must be SHA1, SHA256 or SHA512"))?,
            None => HashAlgorithm::Sha1,
        };
        let digits = match params.digits.as_deref() {
            Some(d) => Digits::new(
                number(d, "digits must be a number")?
                    .try_into()
                    .unwrap_or(u32::MAX),
            )
            .map_err(|_| Error::InvalidKeyUri("digits must be 6 to 10"))?,
            None => Digits::SIX,
        };
        let kind = match kind_name.to_ascii_lowercase().as_str() {
            "totp" => {
                let period = match params.period.as_deref() {
                    Some(p) => number(p, "period must be a number of seconds")?,
                    None => 30,
                };
                if period == 0 {
                    return Err(Error::InvalidKeyUri("period must be at least 1 second"));
                }
                TokenKind::Totp { period }
            }
            "hotp" => TokenKind::Hotp {
                counter: number(
                    params
                        .counter
                        .as_deref()
                        .ok_or(Error::InvalidKeyUri("a hotp URI needs a counter"))?,
                    "counter must be a number",
                )?,
            },
            "ocra" => {
                let suite: OcraSuite = params
                    .ocrasuite
                    .as_deref()
                    .ok_or(Error::InvalidKeyUri("an ocra URI needs an ocrasuite"))?
                    .parse()?;
                algorithm = suite.hash();
                TokenKind::Ocra { suite }
            }
            _ => return Err(Error::InvalidKeyUri("the type must be totp, hotp or ocra")),
        };
        Ok(Self {
            kind,
            account,
            issuer,
            secret,
            algorithm,
            digits,
        })
    }

    /// Writes the URI: label `issuer:account`, then `secret`, `issuer`, and the kind's parameters.
    /// Parameters at their defaults are still written, so every app reads the same token.
    ///
    /// # Errors
    /// [`Error::InvalidKeyUri`] when the account is empty, a name contains `:` or a control
    /// character, or the URI would be
    /// longer than [`KeyUri::parse`] reads (4096 bytes).
    pub fn to_uri(&self) -> Result<String> {
        if self.account.trim().is_empty() {
            return Err(Error::InvalidKeyUri("the account name is empty"));
        }
        if self.account.contains(':') || self.issuer.as_deref().is_some_and(|i| i.contains(':')) {
            return Err(Error::InvalidKeyUri(
                "account and issuer may not contain ':'",
            ));
        }
        let names = [Some(self.account.as_str()), self.issuer.as_deref()];
        if names
            .iter()
            .flatten()
            .any(|n| n.chars().any(char::is_control))
        {
            return Err(CONTROL_CHARACTERS);
        }
        let kind = match self.kind {
            TokenKind::Totp { .. } => "totp",
            TokenKind::Hotp { .. } => "hotp",
            TokenKind::Ocra { .. } => "ocra",
        };
        let account = encode(&self.account);
        let mut uri = match &self.issuer {
            Some(issuer) => format!("otpauth://{kind}/{}:{account}", encode(issuer)),
            None => format!("otpauth://{kind}/{account}"),
        };
        uri.push_str("?secret=");
        uri.push_str(&self.secret.to_base32());
        if let Some(issuer) = &self.issuer {
            uri.push_str("&issuer=");
            uri.push_str(&encode(issuer));
        }
        match &self.kind {
            TokenKind::Ocra { suite } => {
                uri.push_str("&ocrasuite=");
                uri.push_str(&encode(suite.as_str()));
            }
            TokenKind::Totp { period } => {
                uri.push_str(&format!(
                    "&algorithm={}&digits={}&period={period}",
                    self.algorithm,
                    self.digits.get()
                ));
            }
            TokenKind::Hotp { counter } => {
                uri.push_str(&format!(
                    "&algorithm={}&digits={}&counter={counter}",
                    self.algorithm,
                    self.digits.get()
                ));
            }
        }
        // Never write what `parse` refuses: the label and the issuer parameter both carry the
        // issuer, so a URI that parsed can come out longer than it went in.
        if uri.len() > MAX_URI_LEN {
            return Err(Error::InvalidKeyUri("too long"));
        }
        Ok(uri)
    }
}

#[derive(Default)]
struct Params {
    secret: Option<String>,
    issuer: Option<String>,
    algorithm: Option<String>,
    digits: Option<String>,
    period: Option<String>,
    counter: Option<String>,
    ocrasuite: Option<String>,
}

impl Params {
    fn set(&mut self, name: &str, value: String) -> Result<()> {
        let slot = match name {
            "secret" => &mut self.secret,
            "issuer" => &mut self.issuer,
            "algorithm" => &mut self.algorithm,
            "digits" => &mut self.digits,
            "period" => &mut self.period,
            "counter" => &mut self.counter,
            "ocrasuite" => &mut self.ocrasuite,
            _ => return Ok(()), // unknown parameters (image, color, ...) are ignored, as apps do
        };
        if slot.replace(value).is_some() {
            return Err(Error::InvalidKeyUri("a parameter appears twice"));
        }
        Ok(())
    }
}

impl Drop for Params {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

fn decode(text: &str) -> Result<String> {
    let decoded = percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| Error::InvalidKeyUri("percent-encoding is not valid UTF-8"))?;
    if decoded.chars().any(char::is_control) {
        return Err(CONTROL_CHARACTERS);
    }
    Ok(decoded)
}

/// A NUL, a line break or another control character in a name or a parameter: no app shows it
/// truthfully, and it could hide the rest of a name from a person reading it.
const CONTROL_CHARACTERS: Error =
    Error::InvalidKeyUri("control characters (such as NUL or a line break) are not allowed");

fn encode(text: &str) -> String {
    utf8_percent_encode(text, KEEP).to_string()
}

fn number(text: &str, problem: &'static str) -> Result<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidKeyUri(problem));
    }
    text.parse().map_err(|_| Error::InvalidKeyUri(problem))
}
