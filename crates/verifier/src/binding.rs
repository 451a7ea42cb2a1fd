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

/// The purpose of the SMS that tells of a soft token activated for the account.
pub(crate) const TOKEN_NOTICE: &str = "token_activated";

/// The purpose of the SMS that tells of a factor added to the account.
pub(crate) const FACTOR_NOTICE: &str = "factor_added";

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
        let (account_id, factor) = self.recent_login(login_id)?;
        let account = self.account(&account_id)?;
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

/// What a binding bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingKind {
    /// A soft token activated (on a new device: a migration when it replaced one).
    Token,
    /// A factor added from a session (an authenticator app, a passkey).
    Factor,
}

impl BindingKind {
    /// The name the API shows.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Factor => "factor",
        }
    }

    /// The purpose of the SMS notice to the account's phone.
    const fn notice(self) -> &'static str {
        match self {
            Self::Token => TOKEN_NOTICE,
            Self::Factor => FACTOR_NOTICE,
        }
    }
}

/// A binding within its cooling-off (the record `binding/{account}/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BindingRecord {
    pub kind: BindingKind,
    /// The new factor.
    pub factor: u32,
    /// The soft tokens it scheduled for retirement (working until `until`).
    pub replaces: Vec<u32>,
    /// Unix seconds.
    pub at: u64,
    /// The end of the cooling-off.
    pub until: u64,
    /// Undone by "this wasn't me".
    pub undone: bool,
}

/// A binding the account page offers to undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentBinding {
    /// Names it in [`Verifier::undo_binding`].
    pub id: String,
    /// What was bound.
    pub kind: BindingKind,
    /// The new factor.
    pub factor: u32,
    /// The factors it replaces (still working until `until`).
    pub replaces: Vec<u32>,
    /// Unix seconds.
    pub at: u64,
    /// The end of the cooling-off.
    pub until: u64,
}

impl<S: Store> Verifier<S> {
    /// Records a binding made by the account holder in `tx`: a record undoable for the
    /// cooling-off ([`super::Policy::binding_cooling_off`]) and an SMS notice to the account's
    /// phone. Returns the notice's outbox id, if the account has a phone.
    pub(crate) fn record_binding(
        &self,
        tx: &mut Tx,
        account: &Account,
        kind: BindingKind,
        factor: u32,
        replaces: Vec<u32>,
        now: u64,
    ) -> Result<Option<String>> {
        let notice = match account.sms_phone() {
            Some(phone) => Some(self.queue_notice(tx, &account.id, phone, kind.notice(), now)?),
            None => None,
        };
        if self.policy.binding_cooling_off == 0 {
            return Ok(notice);
        }
        let until = now.saturating_add(self.policy.binding_cooling_off);
        let record = BindingRecord {
            kind,
            factor,
            replaces,
            at: now,
            until,
            undone: false,
        };
        let id = secrets::random_id(self.entropy.as_ref())?;
        tx.put(key::binding(&account.id, &id), 0, &record)?;
        Ok(notice)
    }

    /// The account's bindings still within their cooling-off whose factor is still there,
    /// oldest first.
    ///
    /// # Errors
    /// [`Error::Store`], [`Error::NotFound`] for an unknown account.
    pub fn recent_bindings(&self, account: &str) -> Result<Vec<RecentBinding>> {
        let now = self.now();
        let holder = self.account(account)?;
        let prefix = key::bindings(account);
        let mut recent = Vec::new();
        for (record_key, stored) in self.store.scan(&prefix)? {
            let record: BindingRecord = serde_json::from_slice(&stored.value)
                .map_err(|e| Error::Store(format!("undecodable record: {e}")))?;
            if record.undone || now >= record.until || holder.active_factor(record.factor).is_none()
            {
                continue;
            }
            recent.push(RecentBinding {
                id: record_key[prefix.len()..].to_owned(),
                kind: record.kind,
                factor: record.factor,
                replaces: record.replaces,
                at: record.at,
                until: record.until,
            });
        }
        recent.sort_by_key(|b| b.at);
        Ok(recent)
    }

    /// "This wasn't me": undoes binding `id` of the account of `login_id`, a login within the
    /// re-authentication window with a factor the account had before the binding (the new
    /// factor cannot undo itself). The new factor is retired, the tokens it replaced work on
    /// with no end, and every other session ends.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown binding, [`Error::NotAllowed`] after the cooling-off,
    /// for a binding already undone, for a login with a factor as new as the binding, or
    /// without a recent login; [`Error::StrongerFactorNeeded`] for a login weaker than what the
    /// account had before the binding (at most a possession factor is asked).
    pub fn undo_binding(&self, login_id: &str, id: &str) -> Result<()> {
        let (account_id, used) = self.recent_login(login_id)?;
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::NotFound("change"));
        }
        retry(&self.store, || {
            let now = self.now();
            let record = load::<BindingRecord>(&self.store, &key::binding(&account_id, id))?
                .ok_or(Error::NotFound("change"))?;
            let binding = &record.value;
            if binding.undone || now >= binding.until {
                return Err(Error::NotAllowed("this change can no longer be undone"));
            }
            // Factor ids only grow: a smaller one was there before the binding.
            if used >= binding.factor {
                return Err(Error::NotAllowed(
                    "undo it with a factor you had before this change",
                ));
            }
            let account = self.account_record(&account_id)?;
            // As strong as what the account had before (an SMS login undoes nothing on an
            // account that had a device, so it cannot remove one this way either).
            let before = account
                .value
                .active_factors()
                .filter(|f| f.id != binding.factor)
                .filter_map(|f| f.kind.strength())
                .max()
                .map(|strongest| strongest.min(Strength::Possession));
            if !satisfies(&account.value, used, before) {
                return Err(Error::StrongerFactorNeeded {
                    required: before.unwrap_or(Strength::Possession),
                });
            }
            let mut updated = account.value.clone();
            for factor in &mut updated.factors {
                if factor.id == binding.factor && factor.retired_at.is_none() {
                    factor.retired_at = Some(now);
                } else if binding.replaces.contains(&factor.id) {
                    factor.retires_at = None;
                }
            }
            let undone = BindingRecord {
                undone: true,
                ..binding.clone()
            };
            let mut tx = Tx::default();
            tx.put_account(self.vault.as_ref(), account.version, &updated)?
                .put(key::binding(&account_id, id), record.version, &undone)?
                .event(self.event(
                    &account_id,
                    Some(binding.factor),
                    EventKind::BindingUndone,
                    binding.kind.as_str(),
                ));
            self.end_sessions_in(&mut tx, &account_id, Some(login_id))?;
            Ok((tx, ()))
        })
    }

    /// The account and the factor of `login_id`, a login completed within the
    /// re-authentication window.
    fn recent_login(&self, login_id: &str) -> Result<(String, u32)> {
        let login =
            load::<Login>(&self.store, &key::login(login_id))?.ok_or(Error::NotFound("login"))?;
        // A session cookie stolen later binds nothing: the login must be recent.
        let LoginState::Succeeded { factor, at } = login.value.state else {
            return Err(Error::NotAllowed("sign in with your second factor first"));
        };
        if self.now() > at.saturating_add(self.policy.reauth_window) {
            return Err(Error::NotAllowed("sign in with your second factor again"));
        }
        Ok((login.value.account, factor))
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
            retires_at: None,
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
