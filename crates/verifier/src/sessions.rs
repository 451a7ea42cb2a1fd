//! Signed-in sessions, kept in the store so a restart keeps them and every instance sees them.
//!
//! The cookie holds a random 256-bit token; the store holds only its SHA-256 (a copy of the
//! database opens no session). A session ends at the first of: its absolute lifetime, its idle
//! timeout, sign-out, "sign out everywhere", or a change to how the account signs in (a factor
//! bound or removed, the phone changed, a token migrated). Each account holds at most
//! [`super::Policy::sessions_per_account`]; a new one evicts that account's oldest.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::audit::EventKind;
use super::error::{Error, Result};
use super::model::{Login, LoginState};
use super::records::{key, load, load_or_default, retry, Tx};
use super::store::Store;
use super::vault::Sealed;
use super::Verifier;
use secure_login_otp::{hex_decode, hex_encode};

/// A session is marked as seen at most this often (one write a minute, not one per request).
const TOUCH_INTERVAL: u64 = 60;

/// A session just opened: the token goes into the cookie and nowhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSession {
    /// 64 hex digits.
    pub token: String,
    /// The account signed in.
    pub account: String,
}

/// What a live session knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Account id.
    pub account: String,
    /// The login that opened the session (its second factor is the re-authentication time).
    pub login: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds of the last request seen (to within a minute).
    pub last_seen: u64,
}

/// The stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    pub account: String,
    pub login: String,
    pub created_at: u64,
    pub last_seen: u64,
    /// An authenticator-app key shown to the person and not yet confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_totp: Option<PendingTotp>,
}

/// A TOTP key waiting for its first code, sealed like every stored secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingTotp {
    pub secret: Sealed,
    pub failures: u32,
}

/// The sessions of one account, oldest first (for the cap and for ending them all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SessionIndex {
    pub sessions: Vec<IndexEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IndexEntry {
    /// SHA-256 of the token, hex.
    pub hash: String,
    pub created_at: u64,
}

/// SHA-256 of a well-formed token (64 hex digits), hex; `None` for anything else.
pub(crate) fn token_hash(token: &str) -> Option<String> {
    if token.len() != 64 {
        return None;
    }
    let bytes = hex_decode(token).ok()?;
    Some(hex_encode(&Sha256::digest(bytes)))
}

impl<S: Store> Verifier<S> {
    /// Opens the session of a login completed with a second factor: once per login, and only
    /// within [`super::Policy::claim_window`] of its success (a login nobody claimed expires).
    ///
    /// # Errors
    /// [`Error::NotAllowed`] for a login that is not complete or already opened its session,
    /// [`Error::Expired`] after the claim window, [`Error::NotFound`], [`Error::Entropy`].
    pub fn open_session(&self, login_id: &str) -> Result<OpenedSession> {
        let mut bytes = [0u8; 32];
        self.entropy.fill(&mut bytes)?;
        let token = hex_encode(&bytes);
        let hash = hex_encode(&Sha256::digest(bytes));
        retry(&self.store, || {
            let now = self.now();
            let login = load::<Login>(&self.store, &key::login(login_id))?
                .ok_or(Error::NotFound("login"))?;
            let LoginState::Succeeded { at, .. } = login.value.state else {
                return Err(Error::NotAllowed("sign in with your second factor first"));
            };
            if login.value.session_opened {
                return Err(Error::NotAllowed("this login has already signed in"));
            }
            if now > at.saturating_add(self.policy.claim_window) {
                return Err(Error::Expired);
            }
            let account = login.value.account.clone();
            let mut tx = Tx::default();
            let opened = Login {
                session_opened: true,
                ..login.value.clone()
            };
            tx.put(key::login(login_id), login.version, &opened)?;
            let index_key = key::session_index(&account);
            let index = load_or_default::<SessionIndex>(&self.store, &index_key)?;
            let mut entries = index.value.sessions.clone();
            let cap = self.policy.sessions_per_account.max(1) as usize;
            while entries.len() >= cap {
                let oldest = entries.remove(0);
                self.delete_session_record(&mut tx, &oldest.hash)?;
            }
            entries.push(IndexEntry {
                hash: hash.clone(),
                created_at: now,
            });
            tx.put(
                index_key,
                index.version,
                &SessionIndex { sessions: entries },
            )?;
            tx.put(
                key::session(&hash),
                0,
                &SessionRecord {
                    account: account.clone(),
                    login: login_id.to_owned(),
                    created_at: now,
                    last_seen: now,
                    pending_totp: None,
                },
            )?;
            Ok((
                tx,
                OpenedSession {
                    token: token.clone(),
                    account,
                },
            ))
        })
    }

    /// The live session of `token`, marking it as seen. `None` for an unknown, ended, idle or
    /// too old session, and for anything that is not a token.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn session(&self, token: &str) -> Result<Option<SessionInfo>> {
        let Some(hash) = token_hash(token) else {
            return Ok(None);
        };
        let Some(record) = load::<SessionRecord>(&self.store, &key::session(&hash))? else {
            return Ok(None);
        };
        let now = self.now();
        let session = &record.value;
        if self.session_over(session, now) {
            return Ok(None);
        }
        if now >= session.last_seen.saturating_add(TOUCH_INTERVAL) {
            let seen = SessionRecord {
                last_seen: now,
                ..session.clone()
            };
            let mut tx = Tx::default();
            tx.put(key::session(&hash), record.version, &seen)?;
            // Losing the race means another request just marked it: as good.
            tx.commit(&self.store)?;
        }
        Ok(Some(SessionInfo {
            account: session.account.clone(),
            login: session.login.clone(),
            created_at: session.created_at,
            last_seen: now,
        }))
    }

    pub(crate) fn session_over(&self, session: &SessionRecord, now: u64) -> bool {
        now >= session
            .created_at
            .saturating_add(self.policy.session_lifetime)
            || now
                >= session
                    .last_seen
                    .saturating_add(self.policy.session_idle_timeout)
    }

    /// Ends the session of `token` (sign-out); nothing for an unknown one.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn end_session(&self, token: &str) -> Result<()> {
        let Some(hash) = token_hash(token) else {
            return Ok(());
        };
        retry(&self.store, || {
            let mut tx = Tx::default();
            let Some(record) = load::<SessionRecord>(&self.store, &key::session(&hash))? else {
                return Ok((tx, ()));
            };
            tx.delete(key::session(&hash), record.version);
            let index_key = key::session_index(&record.value.account);
            if let Some(index) = load::<SessionIndex>(&self.store, &index_key)? {
                let mut kept = index.value.clone();
                kept.sessions.retain(|e| e.hash != hash);
                tx.put(index_key, index.version, &kept)?;
            }
            Ok((tx, ()))
        })
    }

    /// Ends every session of `account` ("sign out everywhere"). Returns how many ended.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn end_all_sessions(&self, account: &str) -> Result<usize> {
        retry(&self.store, || {
            let mut tx = Tx::default();
            let ended = self.end_sessions_in(&mut tx, account, None)?;
            if ended > 0 {
                tx.event(self.event(account, None, EventKind::SessionsEnded, ended.to_string()));
            }
            Ok((tx, ended))
        })
    }

    /// Adds to `tx` the end of every session of `account` but the one opened by `keep_login`
    /// (the person making the change stays signed in): part of any change to how the account
    /// signs in, committed with it. Returns how many end.
    pub(crate) fn end_sessions_in(
        &self,
        tx: &mut Tx,
        account: &str,
        keep_login: Option<&str>,
    ) -> Result<usize> {
        let index_key = key::session_index(account);
        let Some(index) = load::<SessionIndex>(&self.store, &index_key)? else {
            return Ok(0);
        };
        let mut kept = Vec::new();
        let mut ended = 0;
        for entry in &index.value.sessions {
            let session_key = key::session(&entry.hash);
            let Some(record) = load::<SessionRecord>(&self.store, &session_key)? else {
                continue;
            };
            if keep_login.is_some_and(|login| record.value.login == login) {
                kept.push(entry.clone());
            } else {
                tx.delete(session_key, record.version);
                ended += 1;
            }
        }
        if kept.is_empty() {
            tx.delete(index_key, index.version);
        } else {
            tx.put(index_key, index.version, &SessionIndex { sessions: kept })?;
        }
        Ok(ended)
    }

    /// Adds the deletion of the session record `hash` to `tx`.
    fn delete_session_record(&self, tx: &mut Tx, hash: &str) -> Result<()> {
        let session_key = key::session(hash);
        if let Some(stored) = self.store.get(&session_key)? {
            tx.delete(session_key, stored.version);
        }
        Ok(())
    }

    /// Runs `f` on the stored record of the live session `token` and writes back what it
    /// returns as changed (compare-and-set, retried).
    pub(crate) fn update_session<T>(
        &self,
        token: &str,
        mut f: impl FnMut(&mut SessionRecord) -> Result<T>,
    ) -> Result<T> {
        let hash = token_hash(token).ok_or(Error::NotAllowed("sign in first"))?;
        retry(&self.store, || {
            let record = load::<SessionRecord>(&self.store, &key::session(&hash))?
                .filter(|r| !self.session_over(&r.value, self.now()))
                .ok_or(Error::NotAllowed("sign in first"))?;
            let mut session = record.value.clone();
            let answer = f(&mut session)?;
            let mut tx = Tx::default();
            if session != record.value {
                tx.put(key::session(&hash), record.version, &session)?;
            }
            Ok((tx, answer))
        })
    }
}
