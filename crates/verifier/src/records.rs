//! Typed access to the store: record keys, JSON (de)serialisation, and transactions that retry
//! when another request committed first.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::audit::AuditEvent;
use super::error::{Error, Result};
use super::store::{Store, Write};

/// How often a read-modify-write is retried after losing a race before giving up.
const MAX_RETRIES: usize = 64;

/// Record keys, in one place.
pub(crate) mod key {
    /// Username (lower case) -> account id.
    pub fn username(name: &str) -> String {
        format!("username/{}", name.to_lowercase())
    }
    /// Account id -> account with its factors.
    pub fn account(id: &str) -> String {
        format!("account/{id}")
    }
    /// Lock state of one factor.
    pub fn lock(account: &str, factor: u32) -> String {
        format!("lock/{account}/{factor}")
    }
    /// Lock state of an account's activation codes.
    pub fn activation_lock(account: &str) -> String {
        format!("lock/{account}/activation")
    }
    /// Newest accepted TOTP step of a factor.
    pub fn replay(account: &str, factor: u32) -> String {
        format!("replay/{account}/{factor}")
    }
    /// A login.
    pub fn login(id: &str) -> String {
        format!("login/{id}")
    }
    /// A push request.
    pub fn push(id: &str) -> String {
        format!("push/{id}")
    }
    /// Index of the pushes waiting on a token, by its handle (an empty marker per request).
    pub fn device_push(handle: &str, request: &str) -> String {
        format!("devicepush/{handle}/{request}")
    }
    /// The prefix of [`device_push`] keys of one token.
    pub fn device_pushes(handle: &str) -> String {
        format!("devicepush/{handle}/")
    }
    /// A token's handle -> its account and factor.
    pub fn device(handle: &str) -> String {
        format!("device/{handle}")
    }
    /// The unused nonces of a token.
    pub fn device_nonces(handle: &str) -> String {
        format!("devicenonce/{handle}")
    }
    /// A ticket that opens one event stream.
    pub fn stream_ticket(ticket: &str) -> String {
        format!("streamticket/{ticket}")
    }
    /// The push throttle of an account.
    pub fn push_log(account: &str) -> String {
        format!("pushlog/{account}")
    }
    /// The message throttle of an account.
    pub fn messages(account: &str) -> String {
        format!("messages/{account}")
    }
    /// The message throttle of a phone number (keyed by its hash: no number in clear text).
    pub fn number(phone_hash: &str) -> String {
        format!("number/{phone_hash}")
    }
    /// Failed passwords given for a username (known or not; lower case).
    pub fn password_name(name: &str) -> String {
        format!("pwfail/name/{}", name.to_lowercase())
    }
    /// Failed passwords from a source (a client address, IPv6 by /64).
    pub fn password_source(source: &str) -> String {
        format!("pwfail/source/{source}")
    }
    /// An activation.
    pub fn activation(id: &str) -> String {
        format!("activation/{id}")
    }
    /// The device code of an account waiting for its new device.
    pub fn device_code(account: &str) -> String {
        format!("devicecode/{account}")
    }
    /// The prefix of an account's binding records.
    pub fn bindings(account: &str) -> String {
        format!("binding/{account}/")
    }
    /// A binding that can still be undone during its cooling-off.
    pub fn binding(account: &str, id: &str) -> String {
        format!("binding/{account}/{id}")
    }
    /// A phone change waiting for its confirmation code.
    pub fn phone_change(id: &str) -> String {
        format!("phonechange/{id}")
    }
    /// Lock state of an account's phone-change confirmation codes.
    pub fn phone_lock(account: &str) -> String {
        format!("lock/{account}/phone")
    }
    /// A session, by the SHA-256 of its token.
    pub fn session(token_hash: &str) -> String {
        format!("session/{token_hash}")
    }
    /// The sessions of an account.
    pub fn session_index(account: &str) -> String {
        format!("sessionidx/{account}")
    }
    /// The prefix of [`ceremony`] keys.
    pub const CEREMONIES: &str = "ceremony/";
    /// A WebAuthn ceremony waiting for its answer.
    pub fn ceremony(id: &str) -> String {
        format!("{CEREMONIES}{id}")
    }
    /// Credential id (hex) -> the account and factor of a passkey.
    pub fn passkey_credential(credential_id: &[u8]) -> String {
        format!(
            "passkeycred/{}",
            secure_login_otp::hex_encode(credential_id)
        )
    }
    /// A passkey's signature counter and flags.
    pub fn passkey_use(account: &str, factor: u32) -> String {
        format!("passkeyuse/{account}/{factor}")
    }
    /// The prefix of [`outbox`] keys.
    pub const OUTBOX: &str = "outbox/";
    /// An SMS or voice message in the outbox.
    pub fn outbox(id: &str) -> String {
        format!("{OUTBOX}{id}")
    }
}

/// A record as read: its value and the version to write against.
#[derive(Debug, Clone)]
pub(crate) struct Loaded<T> {
    pub value: T,
    pub version: u64,
}

/// Reads and decodes the record at `key`.
pub(crate) fn load<T: DeserializeOwned>(store: &dyn Store, key: &str) -> Result<Option<Loaded<T>>> {
    store
        .get(key)?
        .map(|v| {
            serde_json::from_slice(&v.value)
                .map(|value| Loaded {
                    value,
                    version: v.version,
                })
                .map_err(|e| Error::Store(format!("undecodable record: {e}")))
        })
        .transpose()
}

/// Reads the record at `key`, or the default (at version 0, absent) when there is none.
pub(crate) fn load_or_default<T: DeserializeOwned + Default>(
    store: &dyn Store,
    key: &str,
) -> Result<Loaded<T>> {
    Ok(load(store, key)?.unwrap_or(Loaded {
        value: T::default(),
        version: 0,
    }))
}

/// The writes and events of one atomic change.
#[derive(Debug, Default)]
pub(crate) struct Tx {
    writes: Vec<Write>,
    events: Vec<AuditEvent>,
}

impl Tx {
    /// Writes `value` at `key`, expecting the record still at `expected`.
    pub fn put<T: Serialize>(
        &mut self,
        key: String,
        expected: u64,
        value: &T,
    ) -> Result<&mut Self> {
        let value = serde_json::to_vec(value)
            .map_err(|e| Error::Store(format!("unencodable record: {e}")))?;
        self.writes.push(Write {
            key,
            expected,
            value: Some(value),
        });
        Ok(self)
    }

    /// Writes the account, its secrets sealed by `vault`, expecting it still at `expected`.
    pub fn put_account(
        &mut self,
        vault: &dyn super::vault::KeyVault,
        expected: u64,
        account: &super::model::Account,
    ) -> Result<&mut Self> {
        let value = super::sealing::seal_account(account, vault)?;
        self.writes.push(Write {
            key: key::account(&account.id),
            expected,
            value: Some(value),
        });
        Ok(self)
    }

    /// Records `event` with the change.
    pub fn event(&mut self, event: AuditEvent) -> &mut Self {
        self.events.push(event);
        self
    }

    /// Deletes the record at `key`, expecting it still at `expected`.
    pub fn delete(&mut self, key: String, expected: u64) -> &mut Self {
        self.writes.push(Write {
            key,
            expected,
            value: None,
        });
        self
    }

    /// Commits; `false` when another change came first.
    pub fn commit(&self, store: &dyn Store) -> Result<bool> {
        store.commit(&self.writes, &self.events)
    }
}

/// Runs `attempt` until its transaction commits. `attempt` reads, decides and returns the
/// transaction together with the answer it stands for; a lost race reads and decides again.
pub(crate) fn retry<T>(
    store: &dyn Store,
    mut attempt: impl FnMut() -> Result<(Tx, T)>,
) -> Result<T> {
    for _ in 0..MAX_RETRIES {
        let (tx, answer) = attempt()?;
        if tx.commit(store)? {
            return Ok(answer);
        }
    }
    Err(Error::Store(
        "too much contention: the change could not be committed".into(),
    ))
}
