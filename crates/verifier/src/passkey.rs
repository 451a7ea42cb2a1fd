//! Passkeys (WebAuthn credentials) as a factor: the rules, not the cryptography.
//!
//! The verifier knows no web: the portal runs the WebAuthn ceremonies (challenges, signatures,
//! origin and RP ID checks) with its WebAuthn library and brings the results here. What the
//! verifier keeps and decides:
//! - a ceremony's state (the library's encoding, opaque here) in the store, under a random id,
//!   for [`Policy::challenge_lifetime`](super::Policy) and used once: any instance of the portal
//!   can finish what another began, and a replayed answer finds nothing;
//! - who may register (a live session within the re-authentication window), the credential as
//!   a factor (one credential id, one factor: a second registration of it is refused), every
//!   other session ended in the same commit, like any new binding;
//! - the signature counter: a count that is not above the stored one (while either is non-zero)
//!   is refused and recorded as `passkey_refused` (a cloned authenticator), compare-and-set, so
//!   two logins cannot both use one count;
//! - the login it completes: the waiting login of a password (second factor), or a new login
//!   complete at once (passwordless, the passkey verified the user): `LoginState::Succeeded`
//!   either way, so the session opens as for any factor.

use serde::{Deserialize, Serialize};

use super::audit::EventKind;
use super::binding::{BindingKind, Change, Strength};
use super::error::{Error, Result};
use super::login::usable_factors;
use super::model::{Factor, FactorKind, Login, LoginState};
use super::records::{key, load, load_or_default, retry, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;

/// The longest credential id accepted (WebAuthn allows 1023 bytes).
pub const MAX_CREDENTIAL_ID: usize = 1023;

/// Expired ceremonies deleted at most per new ceremony (two per new one keep their number at
/// most what began within a lifetime, plus what was left).
const SWEEP: usize = 16;

/// The longest stored public key (the library's encoding: at most 2,058 bytes, an RSA key).
const MAX_PUBLIC_KEY: usize = 4096;

/// What a ceremony is for, kept with its state until the answer comes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum CeremonyPurpose {
    /// A signed-in person registers a passkey.
    Register {
        /// The account.
        account: String,
        /// The login of the session that asked (its re-authentication window counts).
        login: String,
    },
    /// The second factor of a login whose password was accepted.
    SecondFactor {
        /// The login.
        login: String,
        /// Its account.
        account: String,
    },
    /// A login with a discoverable passkey alone (it verifies the user).
    Passwordless,
}

/// A ceremony as stored: its purpose, the WebAuthn library's state (opaque), its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyCeremony {
    /// What it is for.
    pub purpose: CeremonyPurpose,
    /// The library's encoding of the server-side state (challenge, options), hex in the record.
    #[serde(with = "hex_bytes")]
    pub state: Vec<u8>,
    /// Unix seconds.
    pub expires_at: u64,
}

/// The signature counter of a passkey and the library's per-use state (flags), kept beside
/// the account (a login does not rewrite the account record).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyUse {
    /// The authenticator's signature count at its last accepted use (0: it keeps none).
    pub sign_count: u32,
    /// The library's encoding of the credential's changing state, opaque here.
    #[serde(with = "hex_bytes")]
    pub dynamic: Vec<u8>,
}

/// Which account and factor a credential id belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CredentialIndex {
    account: String,
    factor: u32,
}

/// A new passkey, as the registration ceremony verified it.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    /// The credential id.
    pub credential_id: Vec<u8>,
    /// The public key and its parameters, in the library's encoding.
    pub public_key: Vec<u8>,
    /// Whether the authenticator keeps it (a discoverable credential: passwordless login).
    pub discoverable: bool,
    /// Its counter and flags at registration.
    pub first_use: PasskeyUse,
}

/// A registered passkey, found by its credential id, with what its check needs.
#[derive(Debug, Clone)]
pub struct FoundPasskey {
    /// The account.
    pub account: String,
    /// The account's username.
    pub username: String,
    /// The factor.
    pub factor: u32,
    /// The credential id.
    pub credential_id: Vec<u8>,
    /// The public key, in the library's encoding.
    pub public_key: Vec<u8>,
    /// Whether it is discoverable.
    pub discoverable: bool,
    /// Its counter and flags as last accepted.
    pub last_use: PasskeyUse,
}

/// Who is registering: for the creation options (the user entity and the credentials the
/// authenticator must not register twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRegistrant {
    /// The account id (the WebAuthn user handle).
    pub account: String,
    /// The username (the user entity's name).
    pub username: String,
    /// The login of the session (for [`CeremonyPurpose::Register`]).
    pub login: String,
    /// The credential ids of the account's active passkeys.
    pub existing: Vec<Vec<u8>>,
}

/// A completed passkey login: the session opens from `login_id` as for any factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeySignedIn {
    /// The login now `Succeeded`.
    pub login_id: String,
    /// The account.
    pub account: String,
    /// The account's username.
    pub username: String,
    /// The factor used.
    pub factor: u32,
}

/// Why an accepted signature still completes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeyRefusal {
    /// The signature count did not go up: a copy of the credential is in use somewhere.
    CounterWentBack {
        /// The stored count.
        stored: u32,
        /// The count presented.
        presented: u32,
    },
}

impl FactorKind {
    /// The credential id of a passkey factor.
    #[must_use]
    pub fn passkey_credential_id(&self) -> Option<&[u8]> {
        match self {
            Self::Passkey { credential_id, .. } => Some(credential_id),
            _ => None,
        }
    }
}

/// The counter rule (WebAuthn, "signature counter"): while either count is non-zero, the new
/// one must be strictly above the stored one.
#[must_use]
pub fn counter_accepts(stored: u32, presented: u32) -> bool {
    (stored == 0 && presented == 0) || presented > stored
}

impl<S: Store> Verifier<S> {
    /// Who registers a passkey in the session `token`: a live session within the
    /// re-authentication window, as for every new binding.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] without a live session or a recent second factor.
    pub fn passkey_registrant(&self, token: &str) -> Result<PasskeyRegistrant> {
        let session = self
            .session(token)?
            .ok_or(Error::NotAllowed("sign in first"))?;
        let account_id =
            self.authorized(&session.login, Change::Add(Strength::PhishingResistant))?;
        let account = self.account(&account_id)?;
        let existing = account
            .active_factors()
            .filter_map(|f| f.kind.passkey_credential_id().map(<[u8]>::to_vec))
            .collect();
        Ok(PasskeyRegistrant {
            account: account.id,
            username: account.username,
            login: session.login,
            existing,
        })
    }

    /// The account's active passkeys (credential ids) for the second factor of `login_id`,
    /// whose password was accepted and which is not over.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown login or an account without passkeys,
    /// [`Error::Expired`], [`Error::NotAllowed`] once the login is over.
    pub fn passkeys_for_login(&self, login_id: &str) -> Result<(String, Vec<Vec<u8>>)> {
        let now = self.now();
        let login = self.live_login(login_id, now)?;
        if matches!(
            login.value.state,
            LoginState::Succeeded { .. } | LoginState::Denied
        ) {
            return Err(Error::NotAllowed("this login is over"));
        }
        let account = self.account(&login.value.account)?;
        let ids: Vec<Vec<u8>> = usable_factors(&account, now)
            .filter_map(|f| f.kind.passkey_credential_id().map(<[u8]>::to_vec))
            .collect();
        if ids.is_empty() {
            return Err(Error::NotFound("passkey"));
        }
        Ok((account.id, ids))
    }

    /// Keeps a ceremony's state until its answer comes; returns the id the page sends back.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a state over 4 KiB, [`Error::Entropy`], [`Error::Store`].
    pub fn save_passkey_ceremony(&self, purpose: CeremonyPurpose, state: &[u8]) -> Result<String> {
        if state.len() > 4096 {
            return Err(Error::InvalidInput("a ceremony state is at most 4 KiB"));
        }
        self.sweep_ceremonies()?;
        let id = secrets::random_id(self.entropy.as_ref())?;
        let ceremony = PasskeyCeremony {
            purpose,
            state: state.to_vec(),
            expires_at: self.now().saturating_add(self.policy.challenge_lifetime),
        };
        let mut tx = Tx::default();
        tx.put(key::ceremony(&id), 0, &ceremony)?;
        if !tx.commit(&self.store)? {
            return Err(Error::Store("ceremony id collision".into()));
        }
        Ok(id)
    }

    /// Deletes up to [`SWEEP`] ceremonies past their end (begun and never answered: a
    /// passwordless ceremony needs no account, so nothing else would remove them). Best effort:
    /// a record another request changed meanwhile is left for the next sweep.
    fn sweep_ceremonies(&self) -> Result<()> {
        let now = self.now();
        let mut tx = Tx::default();
        let mut swept = 0;
        for (record_key, stored) in self.store.scan(key::CEREMONIES)? {
            let expired = serde_json::from_slice::<PasskeyCeremony>(&stored.value)
                .map_or(true, |c| now > c.expires_at);
            if expired {
                tx.delete(record_key, stored.version);
                swept += 1;
                if swept == SWEEP {
                    break;
                }
            }
        }
        if swept > 0 {
            tx.commit(&self.store)?;
        }
        Ok(())
    }

    /// Takes the ceremony `id` out of the store: once only, whatever its answer turns out to be.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown or used ceremony, [`Error::Expired`] after its
    /// lifetime (it is gone then too).
    pub fn take_passkey_ceremony(&self, id: &str) -> Result<PasskeyCeremony> {
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::NotFound("ceremony"));
        }
        let ceremony = retry(&self.store, || {
            let Some(found) = load::<PasskeyCeremony>(&self.store, &key::ceremony(id))? else {
                return Err(Error::NotFound("ceremony"));
            };
            let mut tx = Tx::default();
            tx.delete(key::ceremony(id), found.version);
            Ok((tx, found.value))
        })?;
        if self.now() > ceremony.expires_at {
            return Err(Error::Expired);
        }
        Ok(ceremony)
    }

    /// Adds a verified passkey to the account of a [`CeremonyPurpose::Register`] ceremony:
    /// checks the re-authentication window again, refuses a credential id registered before
    /// (to any account), and ends every other session of the account in the same commit.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] for another purpose, outside the window or for a known credential;
    /// [`Error::InvalidInput`] for an empty or oversized credential id or key, or a long label.
    pub fn add_passkey(
        &self,
        purpose: &CeremonyPurpose,
        label: &str,
        passkey: NewPasskey,
    ) -> Result<u32> {
        let CeremonyPurpose::Register { account, login } = purpose else {
            return Err(Error::NotAllowed("this ceremony registers nothing"));
        };
        if passkey.credential_id.is_empty() || passkey.credential_id.len() > MAX_CREDENTIAL_ID {
            return Err(Error::InvalidInput("a credential id has 1 to 1023 bytes"));
        }
        if passkey.public_key.is_empty() || passkey.public_key.len() > MAX_PUBLIC_KEY {
            return Err(Error::InvalidInput("a passkey's public key is too long"));
        }
        let label = label.trim();
        if label.chars().count() > 64 {
            return Err(Error::InvalidInput("a label has at most 64 characters"));
        }
        let index_key = key::passkey_credential(&passkey.credential_id);
        retry(&self.store, || {
            if self.authorized(login, Change::Add(Strength::PhishingResistant))? != *account {
                return Err(Error::NotAllowed("sign in again"));
            }
            if self.store.get(&index_key)?.is_some() {
                return Err(Error::NotAllowed("this passkey is registered already"));
            }
            let record = self.account_record(account)?;
            let mut updated = record.value.clone();
            let id = updated.next_factor_id;
            updated.next_factor_id += 1;
            updated.factors.push(Factor {
                id,
                label: if label.is_empty() {
                    "passkey".to_owned()
                } else {
                    label.to_owned()
                },
                kind: FactorKind::Passkey {
                    credential_id: passkey.credential_id.clone(),
                    public_key: passkey.public_key.clone(),
                    discoverable: passkey.discoverable,
                },
                created_at: self.now(),
                retired_at: None,
                retires_at: None,
            });
            let mut tx = Tx::default();
            tx.put_account(self.vault.as_ref(), record.version, &updated)?
                .put(
                    index_key.clone(),
                    0,
                    &CredentialIndex {
                        account: account.clone(),
                        factor: id,
                    },
                )?
                // Factor ids are never reused: no use record exists yet.
                .put(key::passkey_use(account, id), 0, &passkey.first_use)?
                .event(self.event(account, Some(id), EventKind::FactorAdded, "passkey"));
            self.end_sessions_in(&mut tx, account, Some(login))?;
            let now = self.now();
            self.record_binding(&mut tx, &updated, BindingKind::Factor, id, Vec::new(), now)?;
            Ok((tx, id))
        })
    }

    /// The active passkey with credential id `credential_id`, if one is registered.
    ///
    /// # Errors
    /// [`Error::Store`], [`Error::CorruptRecord`].
    pub fn passkey_by_credential(&self, credential_id: &[u8]) -> Result<Option<FoundPasskey>> {
        if credential_id.is_empty() || credential_id.len() > MAX_CREDENTIAL_ID {
            return Ok(None);
        }
        let Some(index) =
            load::<CredentialIndex>(&self.store, &key::passkey_credential(credential_id))?
        else {
            return Ok(None);
        };
        let CredentialIndex { account, factor } = index.value;
        // A deleted account's credentials are unknown.
        let record = match self.account(&account) {
            Ok(record) => record,
            Err(Error::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(Factor {
            kind:
                FactorKind::Passkey {
                    credential_id,
                    public_key,
                    discoverable,
                },
            ..
        }) = record.active_factor(factor)
        else {
            return Ok(None);
        };
        let last_use =
            load_or_default::<PasskeyUse>(&self.store, &key::passkey_use(&account, factor))?.value;
        Ok(Some(FoundPasskey {
            account,
            username: record.username.clone(),
            factor,
            credential_id: credential_id.clone(),
            public_key: public_key.clone(),
            discoverable: *discoverable,
            last_use,
        }))
    }

    /// Completes the login of a ceremony whose assertion by `passkey` the portal verified
    /// (signature, challenge, origin, RP ID, user verification), with the authenticator's new
    /// counter and flags in `used`. The counter is checked against the stored one (see
    /// [`counter_accepts`]) and stored in the same commit as the login's success.
    ///
    /// Returns `Ok(Err(refusal))` for a counter that did not go up (recorded as
    /// `passkey_refused`, nothing else changes).
    ///
    /// # Errors
    /// [`Error::AccountDisabled`] for an account an administrator disabled;
    /// [`Error::NotAllowed`] for a passkey of another account than the login's, a
    /// non-discoverable passkey used without a password, a registration ceremony or a login
    /// that is over; [`Error::Expired`]; [`Error::NotFound`].
    pub fn complete_passkey_login(
        &self,
        purpose: &CeremonyPurpose,
        passkey: &FoundPasskey,
        used: &PasskeyUse,
    ) -> Result<core::result::Result<PasskeySignedIn, PasskeyRefusal>> {
        let new_login_id = match purpose {
            CeremonyPurpose::Register { .. } => {
                return Err(Error::NotAllowed("this ceremony signs nobody in"))
            }
            CeremonyPurpose::SecondFactor { account, .. } if *account != passkey.account => {
                return Err(Error::NotAllowed("this passkey is not this account's"))
            }
            CeremonyPurpose::SecondFactor { .. } => None,
            CeremonyPurpose::Passwordless if !passkey.discoverable => {
                return Err(Error::NotAllowed("this passkey needs the password first"))
            }
            CeremonyPurpose::Passwordless => Some(secrets::random_id(self.entropy.as_ref())?),
        };
        let use_key = key::passkey_use(&passkey.account, passkey.factor);
        retry(&self.store, || {
            let now = self.now();
            let stored = load_or_default::<PasskeyUse>(&self.store, &use_key)?;
            let mut tx = Tx::default();
            if !counter_accepts(stored.value.sign_count, used.sign_count) {
                let refusal = PasskeyRefusal::CounterWentBack {
                    stored: stored.value.sign_count,
                    presented: used.sign_count,
                };
                tx.event(self.event(
                    &passkey.account,
                    Some(passkey.factor),
                    EventKind::PasskeyRefused,
                    format!(
                        "signature count {} after {}: a copy of the passkey?",
                        used.sign_count, stored.value.sign_count
                    ),
                ));
                return Ok((tx, Err(refusal)));
            }
            let account = self.account(&passkey.account)?;
            if !usable_factors(&account, now).any(|f| f.id == passkey.factor) {
                return Err(Error::NotFound("factor"));
            }
            // As the password check says it: a disabled account signs in with nothing.
            if account.disabled {
                return Err(Error::AccountDisabled);
            }
            let done = LoginState::Succeeded {
                factor: passkey.factor,
                at: now,
            };
            let (login_id, detail) = match (&new_login_id, purpose) {
                (Some(id), _) => {
                    let login = Login {
                        account: passkey.account.clone(),
                        created_at: now,
                        state: done,
                        session_opened: false,
                    };
                    tx.put(key::login(id), 0, &login)?;
                    (id.clone(), "passkey, passwordless")
                }
                (None, CeremonyPurpose::SecondFactor { login, .. }) => {
                    let waiting = self.live_login(login, now)?;
                    if matches!(
                        waiting.value.state,
                        LoginState::Succeeded { .. } | LoginState::Denied
                    ) {
                        return Err(Error::NotAllowed("this login is over"));
                    }
                    if waiting.value.account != passkey.account {
                        return Err(Error::NotAllowed("this passkey is not this account's"));
                    }
                    let updated = Login {
                        state: done,
                        ..waiting.value.clone()
                    };
                    tx.put(key::login(login), waiting.version, &updated)?;
                    (login.clone(), "passkey")
                }
                (None, _) => return Err(Error::NotAllowed("this ceremony signs nobody in")),
            };
            tx.put(use_key.clone(), stored.version, used)?
                .event(self.event(
                    &passkey.account,
                    Some(passkey.factor),
                    EventKind::LoginSucceeded,
                    detail,
                ));
            Ok((
                tx,
                Ok(PasskeySignedIn {
                    login_id,
                    account: account.id.clone(),
                    username: account.username.clone(),
                    factor: passkey.factor,
                }),
            ))
        })
    }

    /// Records a passkey assertion the portal refused (bad signature, no user verification,
    /// wrong origin): the event `passkey_refused` with `reason` (no secret; the portal's words).
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn record_passkey_refusal(&self, passkey: &FoundPasskey, reason: &str) -> Result<()> {
        let reason: String = reason.chars().take(120).collect();
        retry(&self.store, || {
            let mut tx = Tx::default();
            tx.event(self.event(
                &passkey.account,
                Some(passkey.factor),
                EventKind::PasskeyRefused,
                reason.clone(),
            ));
            Ok((tx, ()))
        })
    }
}

/// `Vec<u8>` as lower-case hex in a record.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&secure_login_otp::hex_encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        secure_login_otp::hex_decode(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::counter_accepts;

    #[test]
    fn the_counter_must_go_up_unless_the_authenticator_keeps_none() {
        // WebAuthn Level 3, 7.2 step 22: both zero is an authenticator without a counter.
        assert!(counter_accepts(0, 0));
        assert!(counter_accepts(0, 1));
        assert!(counter_accepts(5, 6));
        assert!(!counter_accepts(5, 5));
        assert!(!counter_accepts(5, 4));
        // A counter that falls back to zero is a clone (or a reset), not "no counter".
        assert!(!counter_accepts(5, 0));
    }
}
