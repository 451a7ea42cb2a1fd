//! Accounts as stored, version 1 (the JSON shape of every release so far): secrets and
//! parameters as text. [`sealing`](super::sealing) converts between this and the typed
//! [`Account`] once, when a record is loaded or written; a factor that does not parse is a
//! [`Error::CorruptRecord`] naming it, never a wrong code. A new shape would be a `V2` type
//! beside this one, with its conversion (records already written stay readable).

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use secure_login_otp::{
    hex_decode, hex_encode, Digits, HashAlgorithm, OcraSuite, Secret, TimeStep,
};

use super::error::{Error, Result};
use super::model::{Account, DeviceCredential, Factor, FactorKind, RecoveryCode};

/// An account and its factors, as stored.
#[derive(Serialize, Deserialize)]
pub(crate) struct AccountV1 {
    id: String,
    username: String,
    password_hash: String,
    created_at: u64,
    factors: Vec<FactorV1>,
    next_factor_id: u32,
    /// Absent in records written before accounts could be disabled.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    disabled: bool,
}

#[derive(Serialize, Deserialize)]
struct FactorV1 {
    id: u32,
    label: String,
    kind: FactorKindV1,
    created_at: u64,
    retired_at: Option<u64>,
    /// Absent in records written before migrations had a cooling-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retires_at: Option<u64>,
}

/// The fields named `secret_hex`, `pin_hash_hex` and `device_key_hex` are the ones sealing.rs
/// seals.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FactorKindV1 {
    SoftToken {
        suite: String,
        secret_hex: Zeroizing<String>,
        device_id: String,
        /// Absent for a token activated before device authentication (with `device_key_hex`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_handle: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_key_hex: Option<Zeroizing<String>>,
    },
    SecurityCard {
        suite: String,
        secret_hex: Zeroizing<String>,
        /// Empty when the suite has no P.
        pin_hash_hex: Zeroizing<String>,
        serial: String,
    },
    Totp {
        secret_hex: Zeroizing<String>,
        algorithm: String,
        digits: u32,
        period: u64,
    },
    Sms {
        phone: String,
    },
    Voice {
        phone: String,
    },
    TemporaryPasscode {
        hash_hex: String,
        salt_hex: String,
        expires_at: u64,
    },
    /// Public data only (nothing sealed).
    Passkey {
        credential_id_hex: String,
        public_key_hex: String,
        discoverable: bool,
    },
    RecoveryCodes {
        codes: Vec<RecoveryCodeV1>,
    },
}

#[derive(Serialize, Deserialize)]
struct RecoveryCodeV1 {
    hash_hex: String,
    salt_hex: String,
    used_at: Option<u64>,
}

impl From<&Account> for AccountV1 {
    fn from(account: &Account) -> Self {
        Self {
            id: account.id.clone(),
            username: account.username.clone(),
            password_hash: account.password_hash.clone(),
            created_at: account.created_at,
            factors: account.factors.iter().map(FactorV1::from).collect(),
            next_factor_id: account.next_factor_id,
            disabled: account.disabled,
        }
    }
}

impl From<&Factor> for FactorV1 {
    fn from(factor: &Factor) -> Self {
        Self {
            id: factor.id,
            label: factor.label.clone(),
            kind: FactorKindV1::from(&factor.kind),
            created_at: factor.created_at,
            retired_at: factor.retired_at,
            retires_at: factor.retires_at,
        }
    }
}

impl From<&FactorKind> for FactorKindV1 {
    fn from(kind: &FactorKind) -> Self {
        let hex = |secret: &Secret| Zeroizing::new(hex_encode(secret.expose_secret()));
        match kind {
            FactorKind::SoftToken {
                suite,
                secret,
                device_id,
                device,
            } => Self::SoftToken {
                suite: suite.to_string(),
                secret_hex: hex(secret),
                device_id: device_id.clone(),
                device_handle: device.as_ref().map(|d| d.handle.clone()),
                device_key_hex: device.as_ref().map(|d| hex(&d.key)),
            },
            FactorKind::SecurityCard {
                suite,
                secret,
                pin_hash,
                serial,
            } => Self::SecurityCard {
                suite: suite.to_string(),
                secret_hex: hex(secret),
                pin_hash_hex: Zeroizing::new(
                    pin_hash
                        .as_ref()
                        .map(|bytes| hex_encode(bytes))
                        .unwrap_or_default(),
                ),
                serial: serial.clone(),
            },
            FactorKind::Totp {
                secret,
                algorithm,
                digits,
                period,
            } => Self::Totp {
                secret_hex: hex(secret),
                algorithm: algorithm.name().to_owned(),
                digits: u32::from(digits.get()),
                period: period.step(),
            },
            FactorKind::Sms { phone } => Self::Sms {
                phone: phone.clone(),
            },
            FactorKind::Voice { phone } => Self::Voice {
                phone: phone.clone(),
            },
            FactorKind::TemporaryPasscode {
                hash_hex,
                salt_hex,
                expires_at,
            } => Self::TemporaryPasscode {
                hash_hex: hash_hex.clone(),
                salt_hex: salt_hex.clone(),
                expires_at: *expires_at,
            },
            FactorKind::Passkey {
                credential_id,
                public_key,
                discoverable,
            } => Self::Passkey {
                credential_id_hex: hex_encode(credential_id),
                public_key_hex: hex_encode(public_key),
                discoverable: *discoverable,
            },
            FactorKind::RecoveryCodes { codes } => Self::RecoveryCodes {
                codes: codes
                    .iter()
                    .map(|c| RecoveryCodeV1 {
                        hash_hex: c.hash_hex.clone(),
                        salt_hex: c.salt_hex.clone(),
                        used_at: c.used_at,
                    })
                    .collect(),
            },
        }
    }
}

impl TryFrom<AccountV1> for Account {
    type Error = Error;

    fn try_from(stored: AccountV1) -> Result<Self> {
        let mut factors = Vec::with_capacity(stored.factors.len());
        for factor in stored.factors {
            let kind =
                FactorKind::try_from(factor.kind).map_err(|reason| Error::CorruptRecord {
                    record: format!("account/{}/factor/{}", stored.id, factor.id),
                    reason,
                })?;
            // Before device authentication a soft token was labelled with its device id, then a
            // bearer name: read as the neutral label (and written so at the next change).
            let label = match kind {
                FactorKind::SoftToken { .. } if factor.label.starts_with("soft token on ") => {
                    super::activation::SOFT_TOKEN_LABEL.to_owned()
                }
                _ => factor.label,
            };
            factors.push(Factor {
                id: factor.id,
                label,
                kind,
                created_at: factor.created_at,
                retired_at: factor.retired_at,
                retires_at: factor.retires_at,
            });
        }
        Ok(Self {
            id: stored.id,
            username: stored.username,
            password_hash: stored.password_hash,
            created_at: stored.created_at,
            factors,
            next_factor_id: stored.next_factor_id,
            disabled: stored.disabled,
        })
    }
}

impl TryFrom<FactorKindV1> for FactorKind {
    type Error = &'static str;

    fn try_from(stored: FactorKindV1) -> core::result::Result<Self, &'static str> {
        let suite = |text: &str| {
            text.parse::<OcraSuite>()
                .map_err(|_| "an unknown OCRA suite")
        };
        // A stored secret passed its constructor's check when the factor was made (a legacy
        // short one through `Secret::from_bytes_allow_short`): it is read back as it was.
        let secret = |hex: &str| {
            hex_decode(hex)
                .and_then(Secret::from_bytes_allow_short)
                .map_err(|_| "a malformed secret")
        };
        Ok(match stored {
            FactorKindV1::SoftToken {
                suite: text,
                secret_hex,
                device_id,
                device_handle,
                device_key_hex,
            } => Self::SoftToken {
                suite: suite(&text)?,
                secret: secret(&secret_hex)?,
                device_id,
                device: match (device_handle, device_key_hex) {
                    (None, None) => None,
                    (Some(handle), Some(key)) => Some(DeviceCredential {
                        handle,
                        key: hex_decode(&key)
                            .and_then(Secret::from_bytes)
                            .map_err(|_| "a malformed device key")?,
                    }),
                    _ => return Err("a device handle without its key"),
                },
            },
            FactorKindV1::SecurityCard {
                suite: text,
                secret_hex,
                pin_hash_hex,
                serial,
            } => {
                let suite = suite(&text)?;
                let pin_hash = match (suite.pin_hash(), pin_hash_hex.is_empty()) {
                    (None, true) => None,
                    (Some(hash), false) => {
                        let bytes = Zeroizing::new(
                            hex_decode(&pin_hash_hex).map_err(|_| "a malformed PIN hash")?,
                        );
                        if bytes.len() != hash.output_len() {
                            return Err("a PIN hash of the wrong length for the suite");
                        }
                        Some(bytes)
                    }
                    _ => return Err("a PIN hash that does not fit the suite"),
                };
                Self::SecurityCard {
                    suite,
                    secret: secret(&secret_hex)?,
                    pin_hash,
                    serial,
                }
            }
            FactorKindV1::Totp {
                secret_hex,
                algorithm,
                digits,
                period,
            } => Self::Totp {
                secret: secret(&secret_hex)?,
                algorithm: algorithm
                    .parse::<HashAlgorithm>()
                    .map_err(|_| "an unknown TOTP algorithm")?,
                digits: Digits::new(digits).map_err(|_| "a TOTP digit count out of range")?,
                period: TimeStep::new(period, 0).map_err(|_| "a TOTP period out of range")?,
            },
            FactorKindV1::Sms { phone } => Self::Sms { phone },
            FactorKindV1::Voice { phone } => Self::Voice { phone },
            FactorKindV1::TemporaryPasscode {
                hash_hex,
                salt_hex,
                expires_at,
            } => Self::TemporaryPasscode {
                hash_hex,
                salt_hex,
                expires_at,
            },
            FactorKindV1::Passkey {
                credential_id_hex,
                public_key_hex,
                discoverable,
            } => {
                let credential_id = hex_decode(&credential_id_hex)
                    .map_err(|_| "a malformed passkey credential id")?;
                let public_key =
                    hex_decode(&public_key_hex).map_err(|_| "a malformed passkey public key")?;
                if credential_id.is_empty()
                    || credential_id.len() > super::passkey::MAX_CREDENTIAL_ID
                    || public_key.is_empty()
                {
                    return Err("a passkey without a credential id or key");
                }
                Self::Passkey {
                    credential_id,
                    public_key,
                    discoverable,
                }
            }
            FactorKindV1::RecoveryCodes { codes } => Self::RecoveryCodes {
                codes: codes
                    .into_iter()
                    .map(|c| RecoveryCode {
                        hash_hex: c.hash_hex,
                        salt_hex: c.salt_hex,
                        used_at: c.used_at,
                    })
                    .collect(),
            },
        })
    }
}
