//! What administrators do: create accounts, add and issue factors, unlock.

use serde::{Deserialize, Serialize};

use super::activation::normalize_phone;
use super::audit::EventKind;
use super::binding::BindingKind;
use super::error::{Error, Result};
use super::lockout;
use super::model::{Account, DeviceIndex, Factor, FactorKind, LockState, ReplayState};
use super::records::{key, load_or_default, retry, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;
use secure_login_otp::{OcraSuite, Secret};
use zeroize::Zeroizing;

/// A security card issued: print `serial`, load `secret` into the card with its PIN.
#[derive(Debug)]
pub struct IssuedCard {
    /// The new factor.
    pub factor: u32,
    /// Printed on the card.
    pub serial: String,
    /// OCRA suite.
    pub suite: String,
    /// The card's secret.
    pub secret: Secret,
}

/// A temporary passcode issued for a lost device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPasscode {
    /// The new factor.
    pub factor: u32,
    /// Tell the person this, once; only its hash is kept.
    pub passcode: String,
    /// Unix seconds.
    pub expires_at: u64,
}

impl<S: Store> Verifier<S> {
    /// Creates an account with a password (hashed with Argon2id).
    ///
    /// # Errors
    /// [`Error::UsernameTaken`], [`Error::InvalidInput`].
    pub fn create_account(&self, username: &str, password: &str) -> Result<Account> {
        let username = username.trim();
        let ok_name = (1..=64).contains(&username.chars().count())
            && username
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
        if !ok_name {
            return Err(Error::InvalidInput(
                "a username is 1 to 64 letters, digits, '.', '-', '_' or '@'",
            ));
        }
        super::manage::check_new_password(password)?;
        let account = Account {
            id: secrets::random_id(self.entropy.as_ref())?,
            username: username.to_owned(),
            password_hash: secrets::hash_password(password, &self.policy, self.entropy.as_ref())?,
            created_at: self.now(),
            factors: Vec::new(),
            next_factor_id: 1,
            disabled: false,
        };
        let mut tx = Tx::default();
        tx.put(key::username(username), 0, &account.id)?
            .put_account(self.vault.as_ref(), 0, &account)?
            .event(self.event(&account.id, None, EventKind::AccountCreated, ""));
        if tx.commit(&self.store)? {
            Ok(account)
        } else {
            Err(Error::UsernameTaken)
        }
    }

    /// Adds a second factor after checking its parameters.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown account, [`Error::InvalidInput`] or [`Error::Otp`] for
    /// bad parameters.
    pub fn add_factor(&self, account: &str, label: &str, kind: FactorKind) -> Result<u32> {
        self.add_factor_with_used_step(account, label, kind, None, None)
    }

    /// Adds an authenticator-app factor whose enrollment code, of time step `used_step`, was just
    /// checked: that code is refused at login from now on, in the same commit.
    ///
    /// # Errors
    /// As [`Verifier::add_factor`]; [`Error::InvalidInput`] for a factor that is not TOTP.
    pub fn add_confirmed_totp(
        &self,
        account: &str,
        label: &str,
        kind: FactorKind,
        used_step: u64,
    ) -> Result<u32> {
        if !matches!(kind, FactorKind::Totp { .. }) {
            return Err(Error::InvalidInput(
                "only an authenticator-app factor has a used step",
            ));
        }
        self.add_factor_with_used_step(account, label, kind, Some(used_step), None)
    }

    /// Adds a factor; with `used_step`, an authenticator app whose code of that step was just
    /// checked. With `binder`, the factor is bound by the signed-in person of that login: every
    /// other session of the account ends in the same commit.
    pub(crate) fn add_factor_with_used_step(
        &self,
        account: &str,
        label: &str,
        kind: FactorKind,
        used_step: Option<u64>,
        binder: Option<&str>,
    ) -> Result<u32> {
        let kind = validate(kind)?;
        let label = label.trim();
        if label.chars().count() > 64 {
            return Err(Error::InvalidInput("a label has at most 64 characters"));
        }
        retry(&self.store, || {
            let now = self.now();
            let record = self.account_record(account)?;
            let mut updated = record.value.clone();
            let id = updated.next_factor_id;
            updated.next_factor_id += 1;
            updated.factors.push(Factor {
                id,
                label: if label.is_empty() {
                    kind.name().to_owned()
                } else {
                    label.to_owned()
                },
                kind: kind.clone(),
                created_at: now,
                retired_at: None,
                retires_at: None,
            });
            let mut tx = Tx::default();
            tx.put_account(self.vault.as_ref(), record.version, &updated)?
                .event(self.event(account, Some(id), EventKind::FactorAdded, kind.name()));
            if let Some(login) = binder {
                self.end_sessions_in(&mut tx, account, Some(login))?;
                self.record_binding(&mut tx, &updated, BindingKind::Factor, id, Vec::new(), now)?;
            }
            if let FactorKind::SoftToken {
                device: Some(device),
                ..
            } = &kind
            {
                // The handle names this factor in the token's calls (a handle in use fails the commit).
                let index = DeviceIndex {
                    account: account.to_owned(),
                    factor: id,
                };
                tx.put(key::device(&device.handle), 0, &index)?;
            }
            if let Some(step) = used_step {
                // Factor ids are never reused, so this factor has no replay record yet.
                tx.put(
                    key::replay(account, id),
                    0,
                    &ReplayState {
                        last_step: Some(step),
                    },
                )?;
            }
            Ok((tx, id))
        })
    }

    /// Issues a Digital Security Card+ with a fresh secret and the PIN chosen at issue.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a PIN that is not 4 digits, [`Error::NotFound`].
    pub fn issue_card(&self, account: &str, pin: &str) -> Result<IssuedCard> {
        if pin.len() != 4 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidInput("a card PIN is 4 digits"));
        }
        // The card refuses obvious PINs when it is provisioned; refuse them here too, so no card
        // is issued that the card cannot load.
        if secure_login_otp::pin_weakness(pin).is_some() {
            return Err(Error::InvalidInput("the card PIN is too easy to guess"));
        }
        let suite: OcraSuite = self.policy.card_suite.parse()?;
        let secret =
            secrets::random_secret(self.entropy.as_ref(), suite.hash().output_len().max(20))?;
        let pin_hash = suite
            .pin_hash()
            .map(|hash| Zeroizing::new(hash.digest(pin.as_bytes()).as_bytes().to_vec()));
        let serial = secrets::random_digits(self.entropy.as_ref(), 10)?;
        let factor = self.add_factor(
            account,
            &format!("card {}", serial.get(6..).unwrap_or_default()),
            FactorKind::SecurityCard {
                suite: suite.clone(),
                secret: secret.clone(),
                pin_hash,
                serial: serial.clone(),
            },
        )?;
        Ok(IssuedCard {
            factor,
            serial,
            suite: suite.to_string(),
            secret,
        })
    }

    /// Issues a temporary passcode (the seed: for a lost device), valid for `lifetime` seconds,
    /// once.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a lifetime of zero or over a week, [`Error::NotFound`].
    pub fn issue_temporary_passcode(&self, account: &str, lifetime: u64) -> Result<IssuedPasscode> {
        if lifetime == 0 || lifetime > 7 * 86_400 {
            return Err(Error::InvalidInput(
                "a temporary passcode lives 1 second to 7 days",
            ));
        }
        let passcode = secrets::random_text(
            self.entropy.as_ref(),
            b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789",
            10,
        )?;
        let (salt_hex, hash_hex) =
            secrets::hash_code(self.entropy.as_ref(), self.vault.as_ref(), &passcode)?;
        let expires_at = self.now().saturating_add(lifetime);
        let factor = self.add_factor(
            account,
            "temporary passcode",
            FactorKind::TemporaryPasscode {
                hash_hex,
                salt_hex,
                expires_at,
            },
        )?;
        Ok(IssuedPasscode {
            factor,
            passcode,
            expires_at,
        })
    }

    /// Lifts a factor's lock and failure count.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown account or factor.
    pub fn unlock(&self, account: &str, factor: u32) -> Result<()> {
        let record = self.account(account)?;
        record
            .factors
            .iter()
            .find(|f| f.id == factor)
            .ok_or(Error::NotFound("factor"))?;
        let lock_key = key::lock(account, factor);
        retry(&self.store, || {
            let lock = load_or_default::<LockState>(&self.store, &lock_key)?;
            let mut tx = Tx::default();
            tx.put(
                lock_key.clone(),
                lock.version,
                &lockout::unlocked(&lock.value),
            )?
            .event(self.event(account, Some(factor), EventKind::FactorUnlocked, ""));
            Ok((tx, ()))
        })
    }

    /// A factor's failure count and lock.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn lock_state(&self, account: &str, factor: u32) -> Result<LockState> {
        Ok(load_or_default::<LockState>(&self.store, &key::lock(account, factor))?.value)
    }
}

/// Checks what types cannot: a card's PIN hash fits its suite; phone numbers are normalised.
fn validate(kind: FactorKind) -> Result<FactorKind> {
    Ok(match kind {
        FactorKind::SecurityCard {
            ref suite,
            ref pin_hash,
            ..
        } => {
            let fits = match (suite.pin_hash(), pin_hash) {
                (None, None) => true,
                (Some(hash), Some(bytes)) => bytes.len() == hash.output_len(),
                _ => false,
            };
            if !fits {
                return Err(Error::InvalidInput(
                    "a card's PIN hash must fit its suite (present exactly with P)",
                ));
            }
            kind
        }
        FactorKind::Sms { phone } => FactorKind::Sms {
            phone: normalize_phone(&phone)?,
        },
        FactorKind::Voice { phone } => FactorKind::Voice {
            phone: normalize_phone(&phone)?,
        },
        kind => kind,
    })
}
