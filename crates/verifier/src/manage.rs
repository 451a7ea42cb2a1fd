//! What changes an account after it exists: the holder renames or removes a factor and changes
//! the password (each within the re-authentication window of the session's second factor); an
//! administrator lists, disables, enables and deletes accounts, resets a password and retires a
//! factor. Every change that alters how the account signs in ends sessions in the same commit.

use std::collections::BTreeMap;

use super::audit::EventKind;
use super::binding::Change;
use super::error::{Error, Result};
use super::records::{key, load, retry, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;

/// Events read to find when each factor was last used.
const LAST_USED_EVENTS: usize = 1000;

/// One account, as an administrator's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountListed {
    /// The name typed at login.
    pub username: String,
    /// The account id.
    pub id: String,
    /// Active second factors.
    pub factors: usize,
    /// Disabled by an administrator.
    pub disabled: bool,
}

/// 8 to 1024 characters (NIST SP 800-63B-4: at least 8 with a second factor; long
/// passphrases welcome).
pub(crate) fn check_new_password(password: &str) -> Result<()> {
    if password.chars().count() < 8 || password.len() > 1024 {
        return Err(Error::InvalidInput("a password has 8 to 1024 characters"));
    }
    Ok(())
}

fn check_label(label: &str) -> Result<&str> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 64 || label.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "a label has 1 to 64 characters and no control character",
        ));
    }
    Ok(label)
}

impl<S: Store> Verifier<S> {
    /// Renames factor `factor` of the account of `login_id` (a session's login).
    ///
    /// # Errors
    /// [`Error::NotAllowed`] outside the re-authentication window, [`Error::NotFound`] for a
    /// factor that is not active, [`Error::InvalidInput`] for a bad label.
    pub fn rename_factor(&self, login_id: &str, factor: u32, label: &str) -> Result<()> {
        let label = check_label(label)?;
        let account_id = self.authorized(login_id, Change::Rename)?;
        retry(&self.store, || {
            let account = self.account_record(&account_id)?;
            let mut updated = account.value.clone();
            let found = updated
                .factors
                .iter_mut()
                .find(|f| f.id == factor && f.retired_at.is_none())
                .ok_or(Error::NotFound("factor"))?;
            found.label = label.to_owned();
            let mut tx = Tx::default();
            tx.put_account(self.vault.as_ref(), account.version, &updated)?
                .event(self.event(&account_id, Some(factor), EventKind::FactorRenamed, label));
            Ok((tx, ()))
        })
    }

    /// Removes factor `factor` of the account of `login_id` (a session's login): it is retired
    /// (kept for the record, never usable again) and every other session of the account ends.
    /// The last factor cannot be removed: the account could no longer sign in.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] outside the re-authentication window or for the last factor,
    /// [`Error::NotFound`] for a factor that is not active.
    pub fn remove_factor(&self, login_id: &str, factor: u32) -> Result<()> {
        let account_id = self.authorized(login_id, Change::Remove(factor))?;
        self.retire(
            &account_id,
            factor,
            Some(login_id),
            "removed by the account holder",
        )
    }

    /// An administrator retires factor `factor` of `account` (a lost card, a stolen phone);
    /// every session of the account ends.
    ///
    /// # Errors
    /// As [`Verifier::remove_factor`].
    pub fn retire_factor(&self, account: &str, factor: u32) -> Result<()> {
        self.retire(account, factor, None, "retired by an administrator")
    }

    fn retire(
        &self,
        account_id: &str,
        factor: u32,
        keep_login: Option<&str>,
        why: &str,
    ) -> Result<()> {
        retry(&self.store, || {
            let now = self.now();
            let account = self.account_record(account_id)?;
            let mut updated = account.value.clone();
            if updated.active_factor(factor).is_none() {
                return Err(Error::NotFound("factor"));
            }
            if updated.active_factors().count() == 1 {
                return Err(Error::NotAllowed(
                    "this is the account's last second factor: add another first",
                ));
            }
            for f in updated.factors.iter_mut().filter(|f| f.id == factor) {
                f.retired_at = Some(now);
            }
            let mut tx = Tx::default();
            tx.put_account(self.vault.as_ref(), account.version, &updated)?
                .event(self.event(account_id, Some(factor), EventKind::FactorRetired, why));
            self.end_sessions_in(&mut tx, account_id, keep_login)?;
            Ok((tx, ()))
        })
    }

    /// Changes the password of the account of `login_id` (a session's login), given the
    /// current one (checked and throttled like a login's, from `source`); every other session
    /// of the account ends.
    ///
    /// # Errors
    /// [`Error::BadCredentials`] for a wrong current password, [`Error::PasswordThrottled`],
    /// [`Error::NotAllowed`] outside the re-authentication window, [`Error::InvalidInput`].
    pub fn change_password(
        &self,
        login_id: &str,
        current: &str,
        new: &str,
        source: &str,
    ) -> Result<()> {
        check_new_password(new)?;
        let account_id = self.authorized(login_id, Change::Password)?;
        let username = self.account(&account_id)?.username;
        self.check_password(&username, current, source)?;
        self.set_password(&account_id, new, Some(login_id), EventKind::PasswordChanged)
    }

    /// An administrator sets a new password for `account`; every session ends.
    ///
    /// # Errors
    /// [`Error::InvalidInput`], [`Error::NotFound`].
    pub fn reset_password(&self, account: &str, new: &str) -> Result<()> {
        check_new_password(new)?;
        self.set_password(account, new, None, EventKind::PasswordReset)
    }

    fn set_password(
        &self,
        account_id: &str,
        new: &str,
        keep_login: Option<&str>,
        kind: EventKind,
    ) -> Result<()> {
        let hash = secrets::hash_password(new, &self.policy, self.entropy.as_ref())?;
        retry(&self.store, || {
            let account = self.account_record(account_id)?;
            let mut updated = account.value.clone();
            updated.password_hash = hash.clone();
            let mut tx = Tx::default();
            tx.put_account(self.vault.as_ref(), account.version, &updated)?
                .event(self.event(account_id, None, kind, ""));
            self.end_sessions_in(&mut tx, account_id, keep_login)?;
            Ok((tx, ()))
        })
    }

    /// Every account, by username.
    ///
    /// # Errors
    /// [`Error::Store`], [`Error::Sealed`].
    pub fn list_accounts(&self) -> Result<Vec<AccountListed>> {
        let mut listed = Vec::new();
        for (_, stored) in self.store.scan("username/")? {
            let id: String = serde_json::from_slice(&stored.value)
                .map_err(|e| Error::Store(format!("undecodable record: {e}")))?;
            let account = self.account(&id)?;
            listed.push(AccountListed {
                factors: account.active_factors().count(),
                username: account.username,
                id,
                disabled: account.disabled,
            });
        }
        Ok(listed)
    }

    /// An administrator disables (`true`) or enables `account`. A disabled account's password
    /// is refused (after it is checked: `AccountDisabled`) and all its sessions end.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Store`].
    pub fn set_disabled(&self, account_id: &str, disabled: bool) -> Result<()> {
        retry(&self.store, || {
            let account = self.account_record(account_id)?;
            let mut tx = Tx::default();
            if account.value.disabled == disabled {
                return Ok((tx, ()));
            }
            let mut updated = account.value.clone();
            updated.disabled = disabled;
            let kind = if disabled {
                self.end_sessions_in(&mut tx, account_id, None)?;
                EventKind::AccountDisabled
            } else {
                EventKind::AccountEnabled
            };
            tx.put_account(self.vault.as_ref(), account.version, &updated)?
                .event(self.event(account_id, None, kind, ""));
            Ok((tx, ()))
        })
    }

    /// An administrator deletes `account`: the account and its username go (the name may be
    /// registered again), its sessions end; its security events stay for the record.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Store`].
    pub fn delete_account(&self, account_id: &str) -> Result<()> {
        retry(&self.store, || {
            let account = self.account_record(account_id)?;
            let name_key = key::username(&account.value.username);
            let name = load::<String>(&self.store, &name_key)?;
            let mut tx = Tx::default();
            tx.delete(key::account(account_id), account.version);
            if let Some(name) = name.filter(|n| n.value == account_id) {
                tx.delete(name_key, name.version);
            }
            self.end_sessions_in(&mut tx, account_id, None)?;
            tx.event(self.event(
                account_id,
                None,
                EventKind::AccountDeleted,
                account.value.username.clone(),
            ));
            Ok((tx, ()))
        })
    }

    /// When each factor of `account` last completed a login (from its newest 1,000 events).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn factors_last_used(&self, account: &str) -> Result<BTreeMap<u32, u64>> {
        let mut last = BTreeMap::new();
        for event in self.store.events(account, LAST_USED_EVENTS)? {
            if event.kind == EventKind::LoginSucceeded {
                if let Some(factor) = event.factor {
                    last.entry(factor).or_insert(event.at);
                }
            }
        }
        Ok(last)
    }
}
