//! One user of the token (the seed's "Add User"): who, for which portal, with which algorithm,
//! and the secret wrapped under the user's PIN.
//!
//! Records are stored as JSON-shaped objects (IndexedDB, backups). Schema 3 is today's; schemas 1
//! and 2 are the shapes of earlier releases, still read so that an old database opens intact (a
//! schema-2 record is a schema-3 one without `device`: a token activated before device
//! authentication, which answers challenges but cannot prove itself for pushes):
//!
//! ```text
//! v1: { id, username, issuer, suite, salt (hex), iterations, wrapped (hex), deviceId }
//!     (OCRA only, suites without a counter, PBKDF2-HMAC-SHA256 implied)
//! v2: { schema: 2, id, username, issuer, deviceId, createdAt,
//!       token: { type: "ocra", suite, counter? } | { type: "totp", algorithm, digits, step, t0 },
//!       kdf: { algorithm: "PBKDF2-HMAC-SHA256", salt, iterations }, wrapped }
//! v3: v2 with schema: 3 and, for a user activated with a device credential,
//!     deviceHandle, deviceKey (hex)
//! ```
//!
//! # Security
//! The device key is kept as it came, **not** wrapped under the PIN: the token proves itself
//! with it before any PIN is typed (to list its pushes), and the portal does not count a wrong
//! device proof against the factor, so a PIN-wrapped key would be an unthrottled online test of
//! PIN guesses. It guards only the push API (who may see and answer pushes); the response and
//! push MACs still need the PIN-wrapped secret.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::input;
use super::pin::Pin;
use super::wrap::{self, Kdf};
use secure_login_otp::{
    Challenge, Digits, HashAlgorithm, Ocra, OcraInput, OcraSuite, OcraTime, PushDecision, Secret,
    TimeStep, Totp,
};

/// The schema of records written today.
pub const SCHEMA: u32 = 3;

/// The bytes of a device key the token accepts (the portal gives 32).
const DEVICE_KEY_LENS: core::ops::RangeInclusive<usize> = 16..=64;

/// The device credential a portal handed over at activation: the token's handle in its calls
/// and the key of its proofs ([`secure_login_otp::device_proof`]).
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceCredential {
    handle: String,
    key: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for DeviceCredential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceCredential")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

impl DeviceCredential {
    /// Checks a credential from an activation answer.
    ///
    /// # Errors
    /// [`Error::InvalidDevice`] for a handle that is not 1 to 128 letters and digits, or a key
    /// that is not 16 to 64 bytes.
    pub fn new(handle: &str, key: &[u8]) -> Result<Self> {
        let handle_ok = !handle.is_empty()
            && handle.len() <= secure_login_otp::MAX_DEVICE_FIELD_LEN
            && handle.bytes().all(|b| b.is_ascii_alphanumeric());
        if !handle_ok {
            return Err(Error::InvalidDevice(
                "a handle is 1 to 128 letters and digits",
            ));
        }
        if !DEVICE_KEY_LENS.contains(&key.len()) {
            return Err(Error::InvalidDevice("a device key is 16 to 64 bytes"));
        }
        Ok(Self {
            handle: handle.to_owned(),
            key: Zeroizing::new(key.to_vec()),
        })
    }

    /// The handle.
    #[must_use]
    pub fn handle(&self) -> &str {
        &self.handle
    }
}

/// The largest integer a JavaScript number holds exactly: counters and times stay below it.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The longest id (ids are random hex chosen by the caller).
const MAX_ID_LEN: usize = 64;

/// What the user's token computes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenParams {
    /// OCRA challenge/response (RFC 6287): the suite, and the next counter when it has `C`.
    Ocra {
        /// The suite.
        suite: OcraSuite,
        /// The counter of the next response, present exactly when the suite has `C`.
        counter: Option<u64>,
    },
    /// TOTP codes (RFC 6238).
    Totp {
        /// The hash under HMAC.
        algorithm: HashAlgorithm,
        /// Digits of a code.
        digits: Digits,
        /// Step and T0.
        time: TimeStep,
    },
}

impl TokenParams {
    /// OCRA with `suite`; `counter` (default 0) is used only when the suite has `C`.
    ///
    /// # Errors
    /// [`Error::UnsupportedSuite`] for a counter given to a suite without `C`, or one past
    /// 2^53 - 1 (JavaScript numbers hold the counter), or a time step of zero (`T0H`: a token
    /// reads the clock, it cannot be told the step count).
    pub fn ocra(suite: OcraSuite, counter: Option<u64>) -> Result<Self> {
        if suite.time_step().is_some_and(|t| t.seconds() == 0) {
            return Err(Error::UnsupportedSuite("a time step of zero hours"));
        }
        let counter = match (suite.uses_counter(), counter) {
            (true, c) => Some(c.unwrap_or(0)),
            (false, None) => None,
            (false, Some(_)) => return Err(Error::UnsupportedSuite("the suite has no counter")),
        };
        if counter.is_some_and(|c| c > MAX_SAFE_INTEGER) {
            return Err(Error::UnsupportedSuite("the counter must be below 2^53"));
        }
        Ok(Self::Ocra { suite, counter })
    }

    /// TOTP with these parameters.
    ///
    /// # Errors
    /// [`Error::UnsupportedSuite`] for a T0 past 2^53 - 1.
    pub fn totp(algorithm: HashAlgorithm, digits: Digits, time: TimeStep) -> Result<Self> {
        if time.t0() > MAX_SAFE_INTEGER || time.step() > MAX_SAFE_INTEGER {
            return Err(Error::UnsupportedSuite(
                "the time step and T0 must be below 2^53",
            ));
        }
        Ok(Self::Totp {
            algorithm,
            digits,
            time,
        })
    }

    /// `"ocra"` or `"totp"`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ocra { .. } => "ocra",
            Self::Totp { .. } => "totp",
        }
    }
}

/// Who a new user is and what the token computes for them.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The username at the portal.
    pub username: String,
    /// The portal (the issuer of the key).
    pub issuer: String,
    /// OCRA or TOTP.
    pub params: TokenParams,
}

/// One user of the token. Every value is valid: records are checked when built and when read.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RecordJson", into = "RecordJson")]
pub struct UserRecord {
    id: String,
    username: String,
    issuer: String,
    params: TokenParams,
    kdf: Kdf,
    wrapped: Vec<u8>,
    device_id: String,
    created_at: u64,
    device: Option<DeviceCredential>,
}

impl core::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("issuer", &self.issuer)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// What the caller needs to build a record besides the user: chosen by the binding layer (ids
/// and salt from the CSPRNG, time from the clock).
#[derive(Debug, Clone)]
pub struct Provenance {
    /// A fresh random id (hex).
    pub id: String,
    /// The token's device id.
    pub device_id: String,
    /// Unix seconds now.
    pub created_at: u64,
}

/// The context of one answer: the clock (for `T` and TOTP) and the session information (for `S`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Moment<'a> {
    /// Unix seconds now.
    pub unix_secs: u64,
    /// Session information in hex, for suites with `S`.
    pub session: Option<&'a str>,
}

/// The result of [`UserRecord::respond`].
#[derive(Debug)]
pub struct Responded {
    /// The response to type into the login page.
    pub response: String,
    /// For suites with a counter: the record with the counter moved on, to be stored *before*
    /// the response is shown, so a counter is never used twice.
    pub updated: Option<UserRecord>,
}

impl UserRecord {
    /// Wraps `secret` under `pin` (a newly chosen PIN, see [`Pin::choose`]).
    ///
    /// # Errors
    /// [`Error::InvalidUsername`], [`Error::InvalidIssuer`], [`Error::InvalidSecret`],
    /// [`Error::CorruptRecord`] for an id or device id that is not 1 to 64 hex digits.
    pub fn new(
        user: NewUser,
        secret: &Secret,
        pin: &Pin,
        kdf: Kdf,
        provenance: Provenance,
    ) -> Result<Self> {
        let wrapped = wrap::wrap(secret, pin, &kdf)?;
        Self::checked(Self {
            id: provenance.id,
            username: user.username,
            issuer: user.issuer,
            params: user.params,
            kdf,
            wrapped,
            device_id: provenance.device_id,
            created_at: provenance.created_at,
            device: None,
        })
    }

    /// The record with the device credential of its activation.
    #[must_use]
    pub fn with_device(mut self, device: DeviceCredential) -> Self {
        self.device = Some(device);
        self
    }

    /// The device credential, if the user was activated with one.
    #[must_use]
    pub fn device(&self) -> Option<&DeviceCredential> {
        self.device.as_ref()
    }

    /// The device proof of `action` (with `detail`) under the portal's one-time `nonce`, in hex:
    /// no PIN needed (see the module's "Security").
    ///
    /// # Errors
    /// [`Error::NoDeviceKey`] for a user activated before device authentication;
    /// [`Error::InvalidDevice`] for an empty or over-long nonce or action.
    pub fn device_proof(&self, nonce: &str, action: &str, detail: &str) -> Result<String> {
        let device = self.device.as_ref().ok_or(Error::NoDeviceKey)?;
        secure_login_otp::device_proof(&device.key, nonce, action, &device.handle, detail)
            .map_err(|_| Error::InvalidDevice("a nonce or action is 1 to 128 bytes"))
    }

    fn checked(mut self) -> Result<Self> {
        self.username = input::label(&self.username).map_err(Error::InvalidUsername)?;
        self.issuer = input::label(&self.issuer).map_err(Error::InvalidIssuer)?;
        check_id(&self.id)?;
        check_id(&self.device_id)?;
        if self.created_at > MAX_SAFE_INTEGER {
            return Err(Error::CorruptRecord("creation time"));
        }
        wrap::check_secret_len(self.wrapped.len())
            .map_err(|_| Error::CorruptRecord("wrapped key length"))?;
        // Re-check the parameters (a record read from storage did not pass the constructors).
        self.params = match self.params {
            TokenParams::Ocra { suite, counter } => TokenParams::ocra(suite, counter)?,
            TokenParams::Totp {
                algorithm,
                digits,
                time,
            } => TokenParams::totp(algorithm, digits, time)?,
        };
        Ok(self)
    }

    /// The id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The username at the portal.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The portal.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// OCRA or TOTP, with their parameters.
    #[must_use]
    pub fn params(&self) -> &TokenParams {
        &self.params
    }

    /// The device the user was activated on.
    #[must_use]
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The key-derivation parameters.
    #[must_use]
    pub fn kdf(&self) -> &Kdf {
        &self.kdf
    }

    /// The wrapped secret (not the secret: see [`super::wrap`]).
    #[must_use]
    pub fn wrapped(&self) -> &[u8] {
        &self.wrapped
    }

    /// Whether two records are the same account: same issuer and username, ignoring case.
    #[must_use]
    pub fn same_account(&self, other: &Self) -> bool {
        self.issuer.to_lowercase() == other.issuer.to_lowercase()
            && self.username.to_lowercase() == other.username.to_lowercase()
    }

    /// The same record under another username.
    ///
    /// # Errors
    /// [`Error::InvalidUsername`].
    pub fn renamed(&self, username: &str) -> Result<Self> {
        let mut renamed = self.clone();
        renamed.username = input::label(username).map_err(Error::InvalidUsername)?;
        Ok(renamed)
    }

    /// What may be shown about the user: everything but the key material.
    #[must_use]
    pub fn info(&self) -> UserInfo {
        let (suite, counter, algorithm, digits, step, t0) = match &self.params {
            TokenParams::Ocra { suite, counter } => {
                (Some(suite.to_string()), *counter, None, None, None, None)
            }
            TokenParams::Totp {
                algorithm,
                digits,
                time,
            } => (
                None,
                None,
                Some(algorithm.name()),
                Some(digits.get()),
                Some(time.step()),
                Some(time.t0()),
            ),
        };
        UserInfo {
            id: self.id.clone(),
            username: self.username.clone(),
            issuer: self.issuer.clone(),
            kind: self.params.kind(),
            suite,
            counter,
            algorithm,
            digits,
            step,
            t0,
            device_id: self.device_id.clone(),
            created_at: self.created_at,
            device_handle: self.device.as_ref().map(|d| d.handle.clone()),
        }
    }

    /// The OCRA response to the challenge as typed (spaces and dashes tolerated). The PIN
    /// unwraps the key and, when the suite has `P`, is its PIN input too.
    ///
    /// # Errors
    /// [`Error::WrongKind`] for a TOTP user; [`Error::InvalidChallenge`],
    /// [`Error::ChallengeLength`]; [`Error::InvalidSession`] / [`Error::UnsupportedSuite`] for
    /// session information missing or not wanted; a wrong PIN is **not** an error.
    pub fn respond(&self, challenge: &str, pin: &Pin, moment: Moment<'_>) -> Result<Responded> {
        let TokenParams::Ocra { suite, counter } = &self.params else {
            return Err(Error::WrongKind("TOTP"));
        };
        // Everything that can be wrong with the input is found before the key is touched.
        let typed = input::challenge(suite.challenge(), challenge)?;
        let challenge = Challenge::new(suite.challenge(), &typed)?;
        let session = match (suite.session_len(), moment.session) {
            (Some(len), Some(text)) => Some(Zeroizing::new(input::session(len, text)?)),
            (Some(_), None) => return Err(Error::InvalidSession("the suite needs it")),
            (None, Some(_)) => return Err(Error::InvalidSession("the suite takes none")),
            (None, None) => None,
        };
        let next = match counter {
            Some(c) if *c >= MAX_SAFE_INTEGER => {
                return Err(Error::Otp(secure_login_otp::Error::CounterOverflow))
            }
            Some(c) => Some(c + 1),
            None => None,
        };
        let secret = wrap::unwrap(&self.wrapped, pin, &self.kdf)?;
        let ocra = Ocra::from_secret(suite.clone(), &secret)?;
        let response = ocra.respond(&OcraInput {
            challenge: &challenge,
            counter: *counter,
            pin: suite
                .pin_hash()
                .map(|_| secure_login_otp::Pin::Plain(pin.expose())),
            session: session.as_ref().map(|s| s.as_slice()),
            time: suite
                .time_step()
                .map(|_| OcraTime::UnixSeconds(moment.unix_secs)),
        })?;
        let updated = next.map(|next| {
            let mut updated = self.clone();
            updated.params = TokenParams::Ocra {
                suite: suite.clone(),
                counter: Some(next),
            };
            updated
        });
        Ok(Responded { response, updated })
    }

    /// The TOTP code now.
    ///
    /// # Errors
    /// [`Error::WrongKind`] for an OCRA user; a time before T0. A wrong PIN is **not** an error.
    pub fn current_code(&self, pin: &Pin, unix_secs: u64) -> Result<String> {
        let TokenParams::Totp {
            algorithm,
            digits,
            time,
        } = &self.params
        else {
            return Err(Error::WrongKind("OCRA"));
        };
        time.counter_at(unix_secs)?;
        let secret = wrap::unwrap(&self.wrapped, pin, &self.kdf)?;
        let totp = Totp::from_secret(&secret, *algorithm, *digits, *time)?;
        Ok(totp.generate(unix_secs)?.to_string())
    }

    /// The MAC that approves push `request_id` for the number typed from the login screen
    /// ([`secure_login_otp::push_response`] with [`PushDecision::Approve`]).
    ///
    /// # Errors
    /// As [`UserRecord::answer_push`]. A wrong PIN is **not** an error.
    pub fn approve_push(&self, request_id: &str, number: &str, pin: &Pin) -> Result<String> {
        self.answer_push(request_id, number, pin, PushDecision::Approve)
    }

    /// The MAC that answers push `request_id` for the number typed from the login screen.
    ///
    /// # Errors
    /// [`Error::InvalidRequestId`], [`Error::InvalidNumber`]. A wrong PIN is **not** an error.
    pub fn answer_push(
        &self,
        request_id: &str,
        number: &str,
        pin: &Pin,
        decision: PushDecision,
    ) -> Result<String> {
        let request_id = input::request_id(request_id)?;
        let number = input::push_number(number)?;
        let secret = wrap::unwrap(&self.wrapped, pin, &self.kdf)?;
        Ok(secure_login_otp::push_response(
            secret.expose_secret(),
            request_id,
            number,
            decision,
        )?)
    }

    /// Reads a record of schema 1 (see the module documentation), stamped `created_at`.
    ///
    /// # Errors
    /// [`Error::CorruptRecord`] when it does not have the schema-1 shape.
    pub fn from_v1(json: &str, created_at: u64) -> Result<Self> {
        let v1: RecordV1 = serde_json::from_str(json)
            .map_err(|_| Error::CorruptRecord("not a schema-1 record"))?;
        let suite: OcraSuite = v1
            .suite
            .parse()
            .map_err(|_| Error::CorruptRecord("suite"))?;
        if suite.uses_counter() {
            return Err(Error::CorruptRecord("schema 1 had no counters"));
        }
        let salt = secure_login_otp::hex_decode(&v1.salt)
            .ok()
            .and_then(|s| <[u8; wrap::SALT_LEN]>::try_from(s).ok())
            .ok_or(Error::CorruptRecord("salt"))?;
        Self::checked(Self {
            id: v1.id,
            username: v1.username,
            issuer: v1.issuer,
            params: TokenParams::ocra(suite, None)?,
            kdf: Kdf::new(salt, v1.iterations).map_err(|_| Error::CorruptRecord("iterations"))?,
            wrapped: secure_login_otp::hex_decode(&v1.wrapped)
                .map_err(|_| Error::CorruptRecord("wrapped"))?,
            device_id: v1.device_id,
            created_at,
            device: None,
        })
    }

    /// Reads a record of today's schema from JSON.
    ///
    /// # Errors
    /// [`Error::CorruptRecord`] when it is not one.
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|_| Error::CorruptRecord("not a schema-2 or schema-3 user record"))
    }

    /// The record as JSON (schema 3). It holds the PIN-wrapped key and, if any, the device key.
    ///
    /// # Errors
    /// None in practice; serialization of these plain fields cannot fail.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|_| Error::CorruptRecord("serialization"))
    }
}

fn check_id(id: &str) -> Result<()> {
    if !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::CorruptRecord("ids are 1 to 64 hex digits"))
    }
}

/// What the page may show about a user (no key material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// The id that names the user in every call.
    pub id: String,
    /// The username at the portal.
    pub username: String,
    /// The portal.
    pub issuer: String,
    /// `"ocra"` or `"totp"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// OCRA: the suite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// OCRA with `C`: the next counter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counter: Option<u64>,
    /// TOTP: the hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<&'static str>,
    /// TOTP: digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digits: Option<u8>,
    /// TOTP: seconds per step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    /// TOTP: T0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t0: Option<u64>,
    /// The device the user was activated on.
    pub device_id: String,
    /// Unix seconds when the user was added.
    pub created_at: u64,
    /// The handle of the device credential (never the key), if the user has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_handle: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordV1 {
    id: String,
    username: String,
    issuer: String,
    suite: String,
    salt: String,
    iterations: u32,
    wrapped: String,
    device_id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RecordJson {
    schema: u32,
    id: String,
    username: String,
    issuer: String,
    device_id: String,
    created_at: u64,
    token: TokenJson,
    kdf: Kdf,
    wrapped: String,
    /// The device credential: both or neither (flat, to keep the wasm small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_key: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum TokenJson {
    Ocra {
        suite: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counter: Option<u64>,
    },
    Totp {
        algorithm: String,
        digits: u32,
        step: u64,
        t0: u64,
    },
}

impl TryFrom<RecordJson> for UserRecord {
    type Error = Error;
    fn try_from(json: RecordJson) -> Result<Self> {
        // Schema 2 is schema 3 without a device credential.
        let device = match (&json.device_handle, &json.device_key) {
            (None, None) => None,
            (Some(handle), Some(key)) if json.schema == SCHEMA => {
                let key = Zeroizing::new(
                    secure_login_otp::hex_decode(key)
                        .map_err(|_| Error::CorruptRecord("device key"))?,
                );
                Some(
                    DeviceCredential::new(handle, &key)
                        .map_err(|_| Error::CorruptRecord("device credential"))?,
                )
            }
            _ => return Err(Error::CorruptRecord("device credential")),
        };
        if json.schema != SCHEMA && json.schema != 2 {
            return Err(Error::CorruptRecord("unknown schema"));
        }
        let params = match json.token {
            TokenJson::Ocra { suite, counter } => TokenParams::ocra(suite.parse()?, counter)?,
            TokenJson::Totp {
                algorithm,
                digits,
                step,
                t0,
            } => TokenParams::totp(
                algorithm.parse()?,
                Digits::new(digits)?,
                TimeStep::new(step, t0)?,
            )?,
        };
        Self::checked(Self {
            id: json.id,
            username: json.username,
            issuer: json.issuer,
            params,
            kdf: json.kdf,
            wrapped: secure_login_otp::hex_decode(&json.wrapped)
                .map_err(|_| Error::CorruptRecord("wrapped"))?,
            device_id: json.device_id,
            created_at: json.created_at,
            device,
        })
    }
}

impl From<UserRecord> for RecordJson {
    fn from(record: UserRecord) -> Self {
        let token = match &record.params {
            TokenParams::Ocra { suite, counter } => TokenJson::Ocra {
                suite: suite.to_string(),
                counter: *counter,
            },
            TokenParams::Totp {
                algorithm,
                digits,
                time,
            } => TokenJson::Totp {
                algorithm: algorithm.name().to_owned(),
                digits: u32::from(digits.get()),
                step: time.step(),
                t0: time.t0(),
            },
        };
        Self {
            schema: SCHEMA,
            id: record.id.clone(),
            username: record.username.clone(),
            issuer: record.issuer.clone(),
            device_id: record.device_id.clone(),
            created_at: record.created_at,
            token,
            kdf: record.kdf.clone(),
            wrapped: secure_login_otp::hex_encode(&record.wrapped),
            device_handle: record.device.as_ref().map(|d| d.handle.clone()),
            device_key: record
                .device
                .as_ref()
                .map(|d| secure_login_otp::hex_encode(&d.key)),
        }
    }
}
