//! Device authentication of the soft token (issue 13 item 6): the token names itself by the
//! opaque handle it got at activation (never by its device id) and proves every call with a MAC
//! under its device key over a one-time nonce from [`Verifier::device_challenge`]
//! ([`secure_login_otp::device_proof`]). A nonce is used once, whether the proof was right or
//! not, and expires after [`NONCE_LIFETIME`] seconds; a token holds at most [`MAX_NONCES`] unused.
//! The event stream, which cannot send a proof, opens with a single-use ticket from
//! [`Verifier::stream_ticket`].

use serde::{Deserialize, Serialize};

use super::error::{Error, Result};
use super::model::{DeviceIndex, DeviceNonces, FactorKind, StreamTicket};
use super::push::PendingPush;
use super::records::{key, load, load_or_default, retry, Tx};
use super::secrets;
use super::store::Store;
use super::Verifier;
use secure_login_otp::verify_device_proof;

/// Seconds a nonce lives.
pub const NONCE_LIFETIME: u64 = 60;

/// Seconds a stream ticket lives.
pub const TICKET_LIFETIME: u64 = 60;

/// Unused nonces kept per token: a new one past this drops the oldest.
pub const MAX_NONCES: usize = 8;

/// The actions a proof names: each proof is good for one.
pub mod action {
    /// List the waiting pushes.
    pub const PUSHES: &str = "pushes";
    /// Get a ticket for the event stream.
    pub const STREAM: &str = "stream";
    /// Answer a push; the detail is `"{request_id} {approve|deny}"`.
    pub const ANSWER: &str = "answer";
}

/// A one-time nonce for the token's next call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceChallenge {
    /// Random hex.
    pub nonce: String,
    /// Unix seconds.
    pub expires_at: u64,
}

/// One authenticated call: who the token says it is, the nonce it used, and its proof.
#[derive(Debug, Clone, Copy)]
pub struct DeviceCall<'a> {
    /// The handle from activation.
    pub handle: &'a str,
    /// A nonce from [`Verifier::device_challenge`].
    pub nonce: &'a str,
    /// The MAC in hex.
    pub proof: &'a str,
}

/// The one refusal of every failed proof (unknown handle, used or expired nonce, wrong MAC, a
/// retired token): they look alike.
const REFUSED: Error = Error::NotAllowed("the device proof was refused");

fn check_field(text: &str) -> Result<()> {
    if !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Error::InvalidInput(
            "a device handle or nonce is 1 to 128 letters and digits",
        ))
    }
}

impl<S: Store> Verifier<S> {
    /// A one-time nonce for the token `handle`'s next call.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] for a handle that names no active token (as a refused proof),
    /// [`Error::InvalidInput`], [`Error::Store`].
    pub fn device_challenge(&self, handle: &str) -> Result<DeviceChallenge> {
        check_field(handle)?;
        let index = load::<DeviceIndex>(&self.store, &key::device(handle))?.ok_or(REFUSED)?;
        self.device_factor_key(&index.value, handle)?;
        let nonce = secrets::random_id(self.entropy.as_ref())?;
        retry(&self.store, || {
            let now = self.now();
            let expires_at = now.saturating_add(NONCE_LIFETIME);
            let nonces_key = key::device_nonces(handle);
            let stored = load_or_default::<DeviceNonces>(&self.store, &nonces_key)?;
            let mut kept: Vec<(String, u64)> = stored
                .value
                .nonces
                .iter()
                .filter(|(_, until)| now < *until)
                .cloned()
                .collect();
            while kept.len() >= MAX_NONCES {
                kept.remove(0);
            }
            kept.push((nonce.clone(), expires_at));
            let mut tx = Tx::default();
            tx.put(nonces_key, stored.version, &DeviceNonces { nonces: kept })?;
            Ok((
                tx,
                DeviceChallenge {
                    nonce: nonce.clone(),
                    expires_at,
                },
            ))
        })
    }

    /// Checks one call of a token: spends the nonce (right proof or wrong), then checks the MAC
    /// over `action` and `detail` with the key of the active token the handle names.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] for any refused proof, [`Error::InvalidInput`] for a malformed one.
    pub fn authenticate_device(
        &self,
        call: DeviceCall<'_>,
        action: &str,
        detail: &str,
    ) -> Result<DeviceIndex> {
        check_field(call.handle)?;
        check_field(call.nonce)?;
        if call.proof.len() != 64 || !call.proof.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidInput("a device proof is 64 hex digits"));
        }
        let fresh = retry(&self.store, || {
            let now = self.now();
            let nonces_key = key::device_nonces(call.handle);
            let Some(stored) = load::<DeviceNonces>(&self.store, &nonces_key)? else {
                return Ok((Tx::default(), false));
            };
            let fresh = stored
                .value
                .nonces
                .iter()
                .any(|(n, until)| n == call.nonce && now < *until);
            let kept: Vec<(String, u64)> = stored
                .value
                .nonces
                .iter()
                .filter(|(n, until)| n != call.nonce && now < *until)
                .cloned()
                .collect();
            let mut tx = Tx::default();
            if kept.len() != stored.value.nonces.len() {
                tx.put(nonces_key, stored.version, &DeviceNonces { nonces: kept })?;
            }
            Ok((tx, fresh))
        })?;
        if !fresh {
            return Err(REFUSED);
        }
        let index = load::<DeviceIndex>(&self.store, &key::device(call.handle))?.ok_or(REFUSED)?;
        let device_key = self.device_factor_key(&index.value, call.handle)?;
        match verify_device_proof(
            device_key.expose_secret(),
            call.nonce,
            action,
            call.handle,
            detail,
            call.proof,
        ) {
            Ok(true) => Ok(index.value),
            _ => Err(REFUSED),
        }
    }

    /// The device key of the active soft token `index` names, if its handle is `handle`.
    fn device_factor_key(
        &self,
        index: &DeviceIndex,
        handle: &str,
    ) -> Result<secure_login_otp::Secret> {
        let account = match self.account(&index.account) {
            Ok(account) => account,
            Err(Error::NotFound(_)) => return Err(REFUSED),
            Err(other) => return Err(other),
        };
        account
            .live_factor(index.factor, self.now())
            .and_then(|f| match &f.kind {
                FactorKind::SoftToken {
                    device: Some(device),
                    ..
                } if device.handle == handle => Some(device.key.clone()),
                _ => None,
            })
            .ok_or(REFUSED)
    }

    /// The pushes waiting for the token, for a call proved with [`action::PUSHES`].
    ///
    /// # Errors
    /// As [`Verifier::authenticate_device`].
    pub fn device_pushes(&self, call: DeviceCall<'_>) -> Result<Vec<PendingPush>> {
        self.authenticate_device(call, action::PUSHES, "")?;
        self.pending_pushes(call.handle)
    }

    /// A single-use ticket, valid [`TICKET_LIFETIME`] seconds, that opens one event stream of
    /// the token's pushes, for a call proved with [`action::STREAM`].
    ///
    /// # Errors
    /// As [`Verifier::authenticate_device`].
    pub fn stream_ticket(&self, call: DeviceCall<'_>) -> Result<DeviceChallenge> {
        self.authenticate_device(call, action::STREAM, "")?;
        let ticket = secrets::random_id(self.entropy.as_ref())?;
        let expires_at = self.now().saturating_add(TICKET_LIFETIME);
        let mut tx = Tx::default();
        tx.put(
            key::stream_ticket(&ticket),
            0,
            &StreamTicket {
                handle: call.handle.to_owned(),
                expires_at,
            },
        )?;
        if !tx.commit(&self.store)? {
            return Err(Error::Store("a stream ticket collided".into()));
        }
        Ok(DeviceChallenge {
            nonce: ticket,
            expires_at,
        })
    }

    /// Spends a stream ticket: the handle whose pushes the stream may send.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] for an unknown, used or expired ticket, [`Error::InvalidInput`].
    pub fn open_stream(&self, ticket: &str) -> Result<String> {
        check_field(ticket)?;
        let ticket_key = key::stream_ticket(ticket);
        let stored = load::<StreamTicket>(&self.store, &ticket_key)?.ok_or(REFUSED)?;
        let mut tx = Tx::default();
        tx.delete(ticket_key, stored.version);
        if !tx.commit(&self.store)? || self.now() >= stored.value.expires_at {
            return Err(REFUSED);
        }
        Ok(stored.value.handle)
    }
}
