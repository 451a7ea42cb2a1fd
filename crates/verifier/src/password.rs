//! The first factor: every password check goes through the throttles of [`super::password_throttle`]
//! (charged before Argon2 runs) and leaves an audit event when it fails.

use super::audit::EventKind;
use super::error::{Error, Result};
use super::model::Account;
use super::password_throttle::{self, Curve, PasswordFailures};
use super::records::{key, load_or_default, retry, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;

/// The longest username accepted.
const MAX_USERNAME: usize = 64;
/// The longest password accepted (Argon2 takes any length; this bounds the work).
const MAX_PASSWORD: usize = 1024;

/// Where a password came from: the throttle key of the client address
/// ([`password_throttle::source_of`]), or a name for tools without one.
pub type Source<'a> = &'a str;

impl<S: Store> Verifier<S> {
    /// The account whose password this is. Unknown usernames and wrong passwords give the same
    /// [`Error::BadCredentials`] after the same Argon2 work, and the same throttling.
    ///
    /// # Errors
    /// [`Error::PasswordThrottled`] when the username or the source must wait (nothing is checked
    /// then), [`Error::BadCredentials`], [`Error::Store`].
    pub(crate) fn check_password(
        &self,
        username: &str,
        password: &str,
        source: Source<'_>,
    ) -> Result<Account> {
        let well_formed = !username.is_empty()
            && username.chars().count() <= MAX_USERNAME
            && password.len() <= MAX_PASSWORD;
        // A malformed username is charged to its source only (it names no account).
        let name_key = well_formed.then(|| key::password_name(username));
        let source_key = key::password_source(source);
        self.charge_password(name_key.as_deref(), &source_key)?;
        let account = if well_formed {
            self.account_by_username(username)?
        } else {
            None
        };
        let matched = match &account {
            Some(account) => secrets::password_matches(password, &account.password_hash),
            None => {
                // Still spend the hash's time: an unknown name says nothing either.
                let _ = secrets::password_matches(password, &self.decoy_hash);
                false
            }
        };
        match account {
            Some(account) if matched => {
                self.refund_password(name_key.as_deref(), &source_key)?;
                if account.disabled {
                    return Err(Error::AccountDisabled);
                }
                Ok(account)
            }
            known => {
                let (id, detail) = match &known {
                    Some(account) => (account.id.clone(), format!("from {source}")),
                    None => (
                        String::new(),
                        format!("unknown user {:?} from {source}", truncated(username)),
                    ),
                };
                let mut tx = Tx::default();
                tx.event(self.event(&id, None, EventKind::PasswordRejected, detail));
                tx.commit(&self.store)?;
                Err(Error::BadCredentials)
            }
        }
    }

    /// Charges one attempt to the username and the source, both or neither.
    fn charge_password(&self, name_key: Option<&str>, source_key: &str) -> Result<()> {
        let account_curve = Curve::account(&self.policy);
        let source_curve = Curve::source(&self.policy);
        retry(&self.store, || {
            // The clock is read afresh for each try: a retry may come after a tick.
            let now = self.now();
            let mut tx = Tx::default();
            let mut wait = 0;
            let throttles = name_key
                .map(|k| (k, account_curve))
                .into_iter()
                .chain([(source_key, source_curve)]);
            for (key, curve) in throttles {
                let state = load_or_default::<PasswordFailures>(&self.store, key)?;
                match password_throttle::charge(&state.value, now, &curve) {
                    Ok(next) => {
                        tx.put(key.to_owned(), state.version, &next)?;
                    }
                    Err(seconds) => wait = wait.max(seconds),
                }
            }
            if wait > 0 {
                return Err(Error::PasswordThrottled { retry_after: wait });
            }
            Ok((tx, ()))
        })
    }

    /// A right password ends the username's run of failures and takes back its own charge at
    /// the source (other attempts from there stay counted).
    fn refund_password(&self, name_key: Option<&str>, source_key: &str) -> Result<()> {
        let source_curve = Curve::source(&self.policy);
        retry(&self.store, || {
            let mut tx = Tx::default();
            if let Some(key) = name_key {
                let state = load_or_default::<PasswordFailures>(&self.store, key)?;
                tx.put(key.to_owned(), state.version, &PasswordFailures::default())?;
            }
            let state = load_or_default::<PasswordFailures>(&self.store, source_key)?;
            let refunded = password_throttle::refund(&state.value, &source_curve);
            tx.put(source_key.to_owned(), state.version, &refunded)?;
            Ok((tx, ()))
        })
    }

    /// Failed passwords of a username (for `admin show` and tests).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn password_failures(&self, username: &str) -> Result<PasswordFailures> {
        Ok(load_or_default::<PasswordFailures>(&self.store, &key::password_name(username))?.value)
    }
}

/// A username as the audit may show it: at most 64 characters.
fn truncated(username: &str) -> String {
    username.chars().take(MAX_USERNAME).collect()
}
