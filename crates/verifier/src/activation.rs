//! Soft token activation (the seed's "activate IB Key" and "Add User"): username and password
//! on the token, then an activation code, then a fresh secret handed over (again only to the
//! same device with the same code, should its first answer be lost).
//!
//! The code is the SMS code only for an account with nothing stronger than SMS (the binding
//! rules, [`super::binding`]); any other account moves its token with a device code that a
//! session signed in with the old token (or another possession factor, or a recovery means)
//! shows on the account page. Activating on a new device retires the old token (migration).

use serde::{Deserialize, Serialize};

use super::audit::EventKind;
use super::binding::{required_strength, BindingKind, Change, DeviceCode, Strength};
use super::error::{Error, Result};
use super::lockout::Charge;
use super::login::LoginOutcome;
use super::model::{Activation, DeviceCredential, DeviceIndex, Factor, FactorKind};
use super::outbox::NewMessage;
use super::ports::Channel;
use super::records::{key, load, retry, Loaded, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;
use secure_login_otp::{OcraSuite, Secret};

/// The label of a new soft token factor (the person may rename it).
pub const SOFT_TOKEN_LABEL: &str = "Soft token";

/// Bytes of a device key (256 bits).
const DEVICE_KEY_LEN: usize = 32;

/// The longest device id accepted.
const MAX_DEVICE_ID: usize = 128;

/// An activation code was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationStarted {
    /// Names the activation in [`Verifier::complete_activation`].
    pub activation_id: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// The outbox id of the code's message (for [`Verifier::deliver`]); empty when no message
    /// was queued (a decoy: wrong password, no phone, or too soon).
    #[serde(default)]
    pub message_id: String,
    /// Whether the password was wrong (for the server's log only: never show it to the client,
    /// whose answer must not depend on it).
    pub password_rejected: bool,
}

/// A new soft token factor: give `secret`, `device_handle` and `device_key` to the token, once;
/// the server keeps its own copies (sealed).
#[derive(Debug)]
pub struct Activated {
    /// Account id.
    pub account: String,
    /// The account's username.
    pub username: String,
    /// The new factor.
    pub factor: u32,
    /// Its OCRA suite.
    pub suite: String,
    /// Its secret.
    pub secret: Secret,
    /// The token's handle in its calls (instead of the device id).
    pub device_handle: String,
    /// The key of the token's device proofs.
    pub device_key: Secret,
    /// The outbox id of the SMS that tells the account's phone of the new token (`None`
    /// without a phone, or for an answer fetched again): [`Verifier::deliver`] sends it.
    pub notice: Option<String>,
}

/// What became of an activation code.
#[derive(Debug)]
pub enum ActivationOutcome {
    /// The token is active.
    Activated(Activated),
    /// Wrong code.
    WrongCode {
        /// Attempts before activation locks.
        attempts_left: u32,
    },
    /// Too many wrong codes.
    Locked {
        /// Unix seconds.
        until: u64,
    },
    /// The code is too old: start over.
    Expired,
}

impl<S: Store> Verifier<S> {
    /// [`Verifier::begin_activation_from`] for a caller without a network source (tools, tests).
    ///
    /// # Errors
    /// As [`Verifier::begin_activation_from`].
    pub fn begin_activation(
        &self,
        username: &str,
        password: &str,
        device_id: &str,
    ) -> Result<ActivationStarted> {
        self.begin_activation_from(username, password, device_id, "local")
    }

    /// Checks username and password from the token (through the password throttles, from
    /// `source`) and sends an activation code by SMS to the account's verified phone.
    ///
    /// The answer is the same whatever the password: a wrong one, an account without a phone, or
    /// a code asked for too soon get an activation that no code completes (a decoy, with its own
    /// attempt count), so this is no oracle for the password; only the code sent to the phone
    /// tells.
    ///
    /// # Errors
    /// [`Error::PasswordThrottled`] (as for any password, right or wrong),
    /// [`Error::InvalidInput`] for a bad device id, [`Error::Store`].
    pub fn begin_activation_from(
        &self,
        username: &str,
        password: &str,
        device_id: &str,
        source: &str,
    ) -> Result<ActivationStarted> {
        check_device_id(device_id)?;
        let account = match self.check_password(username, password, source) {
            Ok(account) => Some(account),
            Err(Error::BadCredentials) => None,
            Err(other) => return Err(other),
        };
        // An SMS code binds the token only where the binding rules let SMS add a device: an
        // account with a stronger factor moves its token with a device code from the portal.
        let sms_binds = account
            .as_ref()
            .is_some_and(|a| required_strength(a, Change::NewDevice) <= Some(Strength::Relayable));
        let phone = account
            .as_ref()
            .filter(|_| sms_binds)
            .and_then(|a| Some((a.id.clone(), a.sms_phone()?.to_owned())));
        let activation_id = secrets::random_id(self.entropy.as_ref())?;
        let code = secrets::random_digits(self.entropy.as_ref(), 8)?;
        let (salt_hex, hash_hex) =
            secrets::hash_code(self.entropy.as_ref(), self.vault.as_ref(), &code)?;
        retry(&self.store, || {
            let now = self.now();
            let expires_at = now.saturating_add(self.policy.activation_lifetime);
            let mut tx = Tx::default();
            let mut message_id = String::new();
            if let Some((account, phone)) = &phone {
                let message = NewMessage {
                    account,
                    factor: None,
                    channel: Channel::Sms,
                    purpose: "activation",
                    phone,
                    code: code.clone(),
                    expires_at,
                };
                match self.queue_message(&mut tx, message, now) {
                    Ok((id, _)) => message_id = id,
                    // Too soon: no message, and an answer like any other.
                    Err(Error::Throttled { .. }) => tx = Tx::default(),
                    Err(other) => return Err(other),
                }
            }
            if let Some(account) = &account {
                tx.event(self.event(
                    &account.id,
                    None,
                    EventKind::PasswordAccepted,
                    format!("activation from {source}"),
                ));
            }
            let record = Activation {
                account: account.as_ref().map(|a| a.id.clone()).unwrap_or_default(),
                device_id: device_id.to_owned(),
                hash_hex: hash_hex.clone(),
                salt_hex: salt_hex.clone(),
                expires_at,
                used: false,
                decoy: account.is_none(),
                sms_binds,
                factor: None,
            };
            tx.put(key::activation(&activation_id), 0, &record)?;
            let started = ActivationStarted {
                activation_id: activation_id.clone(),
                expires_at,
                message_id,
                password_rejected: account.is_none(),
            };
            Ok((tx, started))
        })
    }

    /// Completes an activation with the code from the SMS. Creates the soft token factor with a
    /// fresh secret and retires the account's previous soft token.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown activation, [`Error::InvalidInput`].
    pub fn complete_activation(
        &self,
        activation_id: &str,
        code: &str,
        device_id: &str,
    ) -> Result<ActivationOutcome> {
        check_device_id(device_id)?;
        // Spaces and dashes typed for reading (`1234 5678 9012`) are not part of a code.
        if code.len() > 128 {
            return Err(Error::InvalidInput("an activation code is digits only"));
        }
        let code: String = code
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let code = code.as_str();
        if code.is_empty() || code.len() > 32 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidInput("an activation code is digits only"));
        }
        let now = self.now();
        let activation = load::<Activation>(&self.store, &key::activation(activation_id))?
            .ok_or(Error::NotFound("activation"))?;
        if now >= activation.value.expires_at {
            return Ok(ActivationOutcome::Expired);
        }
        let account_id = activation.value.account.clone();
        // A decoy counts its attempts on its own: it names no account to lock.
        let lock_key = if activation.value.decoy {
            key::activation_lock(&format!("decoy/{activation_id}"))
        } else {
            key::activation_lock(&account_id)
        };
        let (attempts_left, number) = match self.charge(&account_id, 0, &lock_key, now)? {
            Charge::Locked { until } => return Ok(ActivationOutcome::Locked { until }),
            Charge::Allowed {
                attempts_left,
                number,
            } => (attempts_left, number),
        };
        if !activation.value.decoy && activation.value.device_id == device_id {
            let done = match self.activation_proof(&activation.value, code, now)? {
                None => None,
                Some(Proof::Again(factor)) => self.activated_again(&account_id, factor)?,
                Some(proof) => self.activate(activation_id, &activation, proof, now)?,
            };
            if let Some(activated) = done {
                self.forgive(&lock_key, number)?;
                return Ok(ActivationOutcome::Activated(activated));
            }
        }
        Ok(
            match self.fail(&account_id, 0, &lock_key, attempts_left, now)? {
                LoginOutcome::Locked { until } => ActivationOutcome::Locked { until },
                _ => ActivationOutcome::WrongCode { attempts_left },
            },
        )
    }

    /// What `code` proves for `activation`, if anything.
    fn activation_proof(
        &self,
        activation: &Activation,
        code: &str,
        now: u64,
    ) -> Result<Option<Proof>> {
        let vault = self.vault.as_ref();
        let sms_code =
            || secrets::code_matches(vault, &activation.salt_hex, &activation.hash_hex, code);
        if activation.used {
            // The same code again: the caller lost the answer (a crash before it was saved).
            return Ok(activation.factor.filter(|_| sms_code()).map(Proof::Again));
        }
        if activation.sms_binds && sms_code() {
            return Ok(Some(Proof::Sms));
        }
        let device_code = load::<DeviceCode>(&self.store, &key::device_code(&activation.account))?
            .filter(|c| now < c.value.expires_at)
            .filter(|c| secrets::code_matches(vault, &c.value.salt_hex, &c.value.hash_hex, code));
        Ok(device_code.map(Proof::DeviceCode))
    }

    /// The answer of an activation already completed, again.
    fn activated_again(&self, account_id: &str, factor: u32) -> Result<Option<Activated>> {
        let account = self.account(account_id)?;
        let Some(found) = account.active_factor(factor) else {
            return Ok(None);
        };
        let FactorKind::SoftToken {
            suite,
            secret,
            device: Some(device),
            ..
        } = &found.kind
        else {
            return Ok(None);
        };
        Ok(Some(Activated {
            account: account.id.clone(),
            username: account.username.clone(),
            factor,
            suite: suite.to_string(),
            secret: secret.clone(),
            device_handle: device.handle.clone(),
            device_key: device.key.clone(),
            notice: None,
        }))
    }

    /// Marks the code used and adds the token factor, retiring the old one, in one commit.
    fn activate(
        &self,
        activation_id: &str,
        activation: &Loaded<Activation>,
        proof: Proof,
        now: u64,
    ) -> Result<Option<Activated>> {
        let suite: OcraSuite = self.policy.soft_token_suite.parse()?;
        let secret =
            secrets::random_secret(self.entropy.as_ref(), suite.hash().output_len().max(20))?;
        let device = DeviceCredential {
            handle: secrets::random_id(self.entropy.as_ref())?,
            key: secrets::random_secret(self.entropy.as_ref(), DEVICE_KEY_LEN)?,
        };
        let account = self.account_record(&activation.value.account)?;
        let mut updated = account.value.clone();
        let mut tx = Tx::default();
        let mut migrated = false;
        let mut replaces = Vec::new();
        let cooling_off = self.policy.binding_cooling_off;
        for old in updated
            .factors
            .iter_mut()
            .filter(|f| f.retired_at.is_none() && f.retires_at.is_none())
        {
            if matches!(old.kind, FactorKind::SoftToken { .. }) {
                migrated = true;
                let why = if cooling_off == 0 {
                    old.retired_at = Some(now);
                    "replaced by a new activation"
                } else {
                    // It works on through the cooling-off, so its holder can undo a migration
                    // that was not theirs ("this wasn't me").
                    old.retires_at = Some(now.saturating_add(cooling_off));
                    replaces.push(old.id);
                    "replaced by a new activation; works until the cooling-off ends"
                };
                tx.event(self.event(&updated.id, Some(old.id), EventKind::FactorRetired, why));
            }
        }
        let factor = updated.next_factor_id;
        updated.next_factor_id += 1;
        updated.factors.push(Factor {
            id: factor,
            // Neutral: the device id is no label (it was shown on the login and account pages).
            label: SOFT_TOKEN_LABEL.to_owned(),
            kind: FactorKind::SoftToken {
                suite: suite.clone(),
                secret: secret.clone(),
                device_id: activation.value.device_id.clone(),
                device: Some(device.clone()),
            },
            created_at: now,
            retired_at: None,
            retires_at: None,
        });
        if migrated {
            // The token moved: whoever is signed in signed in with what no longer counts.
            self.end_sessions_in(&mut tx, &updated.id, None)?;
        }
        let notice =
            self.record_binding(&mut tx, &updated, BindingKind::Token, factor, replaces, now)?;
        let mut used = Activation {
            used: true,
            factor: Some(factor),
            ..activation.value.clone()
        };
        let how = match proof {
            Proof::DeviceCode(device_code) => {
                // Single use; and the same code fetches the answer again.
                tx.delete(key::device_code(&updated.id), device_code.version);
                used.hash_hex = device_code.value.hash_hex;
                used.salt_hex = device_code.value.salt_hex;
                "with a device code"
            }
            Proof::Sms | Proof::Again(_) => "with an SMS code",
        };
        let index = DeviceIndex {
            account: updated.id.clone(),
            factor,
        };
        tx.put(key::activation(activation_id), activation.version, &used)?
            .put(key::device(&device.handle), 0, &index)?
            .put_account(self.vault.as_ref(), account.version, &updated)?
            .event(self.event(&updated.id, Some(factor), EventKind::TokenActivated, how));
        if !tx.commit(&self.store)? {
            return Ok(None);
        }
        Ok(Some(Activated {
            account: updated.id.clone(),
            username: updated.username.clone(),
            factor,
            suite: suite.to_string(),
            secret,
            device_handle: device.handle,
            device_key: device.key,
            notice,
        }))
    }
}

/// What an activation code proved.
enum Proof {
    /// The SMS code, where it binds.
    Sms,
    /// The account's device code (to be spent).
    DeviceCode(Loaded<DeviceCode>),
    /// The code of an activation already completed: its factor.
    Again(u32),
}

fn check_device_id(device_id: &str) -> Result<()> {
    let ok = !device_id.is_empty()
        && device_id.len() <= MAX_DEVICE_ID
        && device_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(
            "a device id is 1 to 128 letters, digits, '-' or '_'",
        ))
    }
}

/// `+41 79 123-45-67` -> `+41791234567`: an optional `+`, then 6 to 15 digits; spaces, dashes,
/// dots and brackets are dropped.
pub(crate) fn normalize_phone(phone: &str) -> Result<String> {
    const BAD: Error = Error::InvalidInput("a phone number is an optional + and 6 to 15 digits");
    let trimmed = phone.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", trimmed),
    };
    let mut digits = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(BAD),
        }
    }
    if !(6..=15).contains(&digits.len()) {
        return Err(BAD);
    }
    Ok(format!("{plus}{digits}"))
}
