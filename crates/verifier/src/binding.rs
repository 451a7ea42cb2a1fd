//! The binding rules (NIST SP 800-63B-4, "authenticator binding"): what a session must have
//! signed in with to add, remove or change how an account signs in, and the device codes with
//! which a person signed in that way moves the soft token to a new device.
//!
//! One rule for every change: the session's second factor must be at least as strong as what
//! the change adds (at least a possession factor), but never stronger than the account's
//! strongest factor (else the account's first passkey could never be added). So once an account
//! has a soft token, a card, an authenticator app or a passkey, an SMS login binds nothing; an
//! account that has only SMS enrols its first device by SMS (the seed's activation). A recovery
//! code or an administrator's temporary passcode is the recovery path and binds anything.

use serde::{Deserialize, Serialize};

use super::audit::EventKind;
use super::error::{Error, Result};
use super::model::{Account, FactorKind, Login, LoginState};
use super::records::{key, load, retry, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;

/// Digits of a device code (40 bits; locked after the activation's failure limit).
const DEVICE_CODE_DIGITS: usize = 12;

/// How hard a factor is to steal or to relay, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// SMS and voice codes: a SIM swap, a forwarded message or a person read the code out.
    Relayable,
    /// A key the person holds (soft token, card, authenticator app): a phishing page can
    /// relay one answer, but nobody gets one without the device.
    Possession,
    /// A passkey: bound to the portal's origin, nothing to relay.
    PhishingResistant,
}

impl Strength {
    /// The name the API shows.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Relayable => "relayable",
            Self::Possession => "possession",
            Self::PhishingResistant => "phishing_resistant",
        }
    }
}

impl FactorKind {
    /// The factor's strength; `None` for the recovery means (a temporary passcode, recovery
    /// codes), which stand in for every device once lost.
    #[must_use]
    pub const fn strength(&self) -> Option<Strength> {
        match self {
            Self::Sms { .. } | Self::Voice { .. } => Some(Strength::Relayable),
            Self::SoftToken { .. } | Self::SecurityCard { .. } | Self::Totp { .. } => {
                Some(Strength::Possession)
            }
            Self::Passkey { .. } => Some(Strength::PhishingResistant),
            Self::TemporaryPasscode { .. } | Self::RecoveryCodes { .. } => None,
        }
    }
}

/// A change to how an account signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A new factor of this strength.
    Add(Strength),
    /// Factor `id` removed.
    Remove(u32),
    /// A factor renamed.
    Rename,
    /// The phone number of SMS and voice.
    Phone,
    /// The password.
    Password,
    /// A new set of recovery codes (they bind anything).
    RecoveryCodes,
    /// A soft token on a new device (a device code).
    NewDevice,
}

/// The strength a session needs for `change` on `account`; `None` when any second factor will
/// do (an account with nothing but recovery means).
#[must_use]
pub fn required_strength(account: &Account, change: Change) -> Option<Strength> {
    let strongest = account
        .active_factors()
        .filter_map(|f| f.kind.strength())
        .max()?;
    let target = match change {
        Change::Add(strength) => strength,
        Change::Remove(id) => account
            .active_factor(id)
            .and_then(|f| f.kind.strength())
            .unwrap_or(Strength::PhishingResistant),
        Change::Rename | Change::Phone | Change::Password => Strength::Relayable,
        Change::RecoveryCodes => Strength::PhishingResistant,
        Change::NewDevice => Strength::Possession,
    };
    Some(target.max(Strength::Possession).min(strongest))
}

/// Whether a login completed with factor `used` of `account` may make a change that needs
/// `required`.
fn satisfies(account: &Account, used: u32, required: Option<Strength>) -> bool {
    let Some(required) = required else {
        return true;
    };
    // Retired factors count too: a temporary passcode retires as it is used.
    match account.factors.iter().find(|f| f.id == used) {
        None => false,
        Some(factor) => factor.kind.strength().is_none_or(|s| s >= required),
    }
}

/// A device code waiting for a new device (the record `devicecode/{account}`): one at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DeviceCode {
    /// Keyed hash of the code, hex.
    pub hash_hex: String,
    /// Its salt, hex.
    pub salt_hex: String,
    /// Unix seconds.
    pub expires_at: u64,
}

/// A device code, shown once on the account page and typed on the new device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodeIssued {
    /// 12 digits, grouped by four for reading.
    pub code: String,
    /// Unix seconds.
    pub expires_at: u64,
}

impl<S: Store> Verifier<S> {
    /// The account of `login_id` if that login completed within the re-authentication window
    /// with a factor strong enough for `change` (see the module's rule).
    ///
    /// # Errors
    /// [`Error::NotAllowed`] without a recent second-factor login,
    /// [`Error::StrongerFactorNeeded`] when its factor is too weak, [`Error::NotFound`].
    pub fn authorized(&self, login_id: &str, change: Change) -> Result<String> {
        let login =
            load::<Login>(&self.store, &key::login(login_id))?.ok_or(Error::NotFound("login"))?;
        // A session cookie stolen later binds nothing: the login must be recent.
        let LoginState::Succeeded { factor, at } = login.value.state else {
            return Err(Error::NotAllowed("sign in with your second factor first"));
        };
        if self.now() > at.saturating_add(self.policy.reauth_window) {
            return Err(Error::NotAllowed("sign in with your second factor again"));
        }
        let account = self.account(&login.value.account)?;
        let required = required_strength(&account, change);
        if !satisfies(&account, factor, required) {
            return Err(Error::StrongerFactorNeeded {
                required: required.unwrap_or(Strength::Possession),
            });
        }
        Ok(account.id)
    }

    /// A device code for the account of `login_id`: typed on a new device instead of an SMS
    /// code, it activates a soft token there (and, as any activation, retires the old one). It
    /// needs a session signed in with a possession factor (the old token, a card, an
    /// authenticator app, a passkey) or a recovery means; a new code replaces the previous one.
    ///
    /// # Errors
    /// As [`Verifier::authorized`].
    pub fn issue_device_code(&self, login_id: &str) -> Result<DeviceCodeIssued> {
        let account = self.authorized(login_id, Change::NewDevice)?;
        let code = secrets::random_digits(self.entropy.as_ref(), DEVICE_CODE_DIGITS)?;
        let (salt_hex, hash_hex) =
            secrets::hash_code(self.entropy.as_ref(), self.vault.as_ref(), &code)?;
        retry(&self.store, || {
            let expires_at = self.now().saturating_add(self.policy.activation_lifetime);
            let record = DeviceCode {
                hash_hex: hash_hex.clone(),
                salt_hex: salt_hex.clone(),
                expires_at,
            };
            let version = load::<DeviceCode>(&self.store, &key::device_code(&account))?
                .map_or(0, |old| old.version);
            let mut tx = Tx::default();
            tx.put(key::device_code(&account), version, &record)?
                .event(self.event(&account, None, EventKind::DeviceCodeIssued, ""));
            let shown = DeviceCodeIssued {
                code: grouped(&code),
                expires_at,
            };
            Ok((tx, shown))
        })
    }
}

/// `123456789012` -> `1234 5678 9012`.
fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Factor;
    use secure_login_otp::Secret;

    fn factor(id: u32, kind: FactorKind) -> Factor {
        Factor {
            id,
            label: String::new(),
            kind,
            created_at: 0,
            retired_at: None,
        }
    }

    fn account(kinds: Vec<FactorKind>) -> Account {
        Account {
            id: "a".into(),
            username: "u".into(),
            password_hash: String::new(),
            created_at: 0,
            factors: kinds
                .into_iter()
                .zip(1..)
                .map(|(kind, id)| factor(id, kind))
                .collect(),
            next_factor_id: 99,
            disabled: false,
        }
    }

    fn sms() -> FactorKind {
        FactorKind::Sms {
            phone: "+41790000001".into(),
        }
    }

    fn app() -> FactorKind {
        FactorKind::authenticator_app(Secret::from_bytes(vec![7; 20]).unwrap())
    }

    fn passkey() -> FactorKind {
        FactorKind::Passkey {
            credential_id: vec![1],
            public_key: vec![2],
            discoverable: false,
        }
    }

    #[test]
    fn an_sms_only_account_enrols_its_first_device_by_sms() {
        let account = account(vec![sms()]);
        for change in [
            Change::NewDevice,
            Change::Add(Strength::Possession),
            Change::Phone,
        ] {
            let required = required_strength(&account, change);
            assert_eq!(required, Some(Strength::Relayable), "{change:?}");
            assert!(satisfies(&account, 1, required));
        }
    }

    #[test]
    fn once_a_device_is_bound_sms_binds_nothing() {
        let account = account(vec![sms(), app()]);
        for change in [
            Change::NewDevice,
            Change::Add(Strength::Possession),
            Change::Add(Strength::PhishingResistant),
            Change::Add(Strength::Relayable),
            Change::Phone,
            Change::Password,
            Change::Rename,
            Change::Remove(2),
            Change::Remove(1),
            Change::RecoveryCodes,
        ] {
            let required = required_strength(&account, change);
            assert_eq!(required, Some(Strength::Possession), "{change:?}");
            assert!(!satisfies(&account, 1, required), "sms: {change:?}");
            assert!(satisfies(&account, 2, required), "app: {change:?}");
        }
    }

    #[test]
    fn a_passkey_is_removed_or_added_only_with_a_passkey_once_there_is_one() {
        let account = account(vec![app(), passkey()]);
        let remove = required_strength(&account, Change::Remove(2));
        assert_eq!(remove, Some(Strength::PhishingResistant));
        assert!(!satisfies(&account, 1, remove));
        assert!(satisfies(&account, 2, remove));
        // The app still adds an app or a phone number.
        let add_app = required_strength(&account, Change::Add(Strength::Possession));
        assert!(satisfies(&account, 1, add_app));
        // Without a passkey yet, the app adds the first one.
        let without = self::account(vec![app()]);
        let first = required_strength(&without, Change::Add(Strength::PhishingResistant));
        assert_eq!(first, Some(Strength::Possession));
    }

    #[test]
    fn recovery_means_bind_anything_and_unknown_factors_nothing() {
        let mut account = account(vec![sms(), passkey()]);
        account.factors.push(factor(
            3,
            FactorKind::TemporaryPasscode {
                hash_hex: String::new(),
                salt_hex: String::new(),
                expires_at: 0,
            },
        ));
        // Used, hence retired: still the factor the login completed with.
        account.factors[2].retired_at = Some(1);
        let required = required_strength(&account, Change::RecoveryCodes);
        assert_eq!(required, Some(Strength::PhishingResistant));
        assert!(satisfies(&account, 3, required));
        assert!(!satisfies(&account, 42, required));
    }

    #[test]
    fn device_codes_read_in_groups_of_four() {
        assert_eq!(grouped("123456789012"), "1234 5678 9012");
    }
}
