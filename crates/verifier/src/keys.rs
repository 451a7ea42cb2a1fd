//! The key-encryption key and the store: checking at start that the store's secrets are sealed
//! under the vault's key (sealing those of an older database that kept them in clear), and
//! re-sealing every secret under a new key (`admin rotate-key`).

use super::error::{Error, Result};
use super::records::{retry, Tx};
use super::sealing::{has_clear_secret, open_account, open_legacy_account};
use super::store::Store;
use super::vault::{KeyVault, Sealed};
use super::Verifier;

/// The record that says which key the store's secrets are sealed under: a known text sealed
/// under it, so a wrong key is refused at start rather than on the first login.
const CHECK_KEY: &str = "vault/check";
const CHECK_TEXT: &[u8] = b"secure-login key check";
/// Every account record.
const ACCOUNTS: &str = "account/";

impl<S: Store> Verifier<S> {
    /// Checks that the store's secrets are sealed under the vault's key; on a new store, records
    /// the key; on a store written before secrets were sealed, seals them all in one commit.
    /// Returns how many accounts were sealed that way.
    ///
    /// # Errors
    /// [`Error::Sealed`] when the store belongs to another key, [`Error::Store`].
    pub fn check_key(&self) -> Result<usize> {
        let vault = self.vault.as_ref();
        retry(&self.store, || {
            let mut tx = Tx::default();
            let check = self.store.get(CHECK_KEY)?;
            match &check {
                Some(stored) => {
                    let sealed: Sealed = serde_json::from_slice(&stored.value)
                        .map_err(|_| Error::Sealed("the key check record is damaged"))?;
                    if sealed.key_id != vault.key_id() {
                        return Err(Error::Sealed(
                            "the database's secrets are sealed under another key: give the key \
                             it was created with (--key-file or SECURE_LOGIN_KEY)",
                        ));
                    }
                    vault.open(CHECK_KEY, &sealed)?;
                }
                None => put_check(&mut tx, vault, 0)?,
            }
            let mut sealed_now = 0;
            for (_, stored) in self.store.scan(ACCOUNTS)? {
                if has_clear_secret(&stored.value)? {
                    let account = open_legacy_account(&stored.value, vault)?;
                    tx.put_account(vault, stored.version, &account)?;
                    sealed_now += 1;
                } else if check.is_none() {
                    // Sealed records but no check record: refuse rather than guess.
                    open_account(&stored.value, vault)?;
                }
            }
            Ok((tx, sealed_now))
        })
    }

    /// Re-seals every stored secret under `new` in one commit (all or nothing: a failure leaves
    /// every record under the current key). Returns the number of accounts re-sealed. The codes
    /// in flight (SMS, voice, activation codes and temporary passcodes) are hashed under the old
    /// key and stop working.
    ///
    /// # Errors
    /// [`Error::Sealed`] when a record does not open under the current key, [`Error::Store`].
    pub fn rewrap_secrets(&self, new: &dyn KeyVault) -> Result<usize> {
        self.check_key()?;
        let vault = self.vault.as_ref();
        retry(&self.store, || {
            let mut tx = Tx::default();
            let check = self.store.get(CHECK_KEY)?.map_or(0, |c| c.version);
            put_check(&mut tx, new, check)?;
            let mut count = 0;
            for (_, stored) in self.store.scan(ACCOUNTS)? {
                let account = open_account(&stored.value, vault)?;
                tx.put_account(new, stored.version, &account)?;
                count += 1;
            }
            Ok((tx, count))
        })
    }
}

fn put_check(tx: &mut Tx, vault: &dyn KeyVault, expected: u64) -> Result<()> {
    let sealed = vault.seal(CHECK_KEY, CHECK_TEXT)?;
    tx.put(CHECK_KEY.to_owned(), expected, &sealed)?;
    Ok(())
}
