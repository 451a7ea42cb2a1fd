//! The login server's brain: accounts, second factors, challenges, lockout and throttles.
//!
//! Pure policy over a [`Store`]: the clock, randomness and the SMS/voice courier come in through
//! [`Clock`], [`Entropy`] and [`Courier`], so every rule can be tested to the second. The HTTP
//! layer of the reference portal is a thin shell over [`Verifier`].

mod activation;
mod admin;
mod audit;
mod binding;
mod device;
mod enrollment;
mod error;
mod keys;
mod lockout;
mod login;
mod manage;
mod model;
mod outbox;
mod passkey;
mod password;
mod password_throttle;
mod phone;
mod policy;
mod ports;
mod push;
mod records;
mod recovery;
mod sealing;
mod secrets;
mod sessions;
mod store;
mod stored;
mod vault;

use std::sync::Arc;

pub use activation::{Activated, ActivationOutcome, ActivationStarted, SOFT_TOKEN_LABEL};
pub use admin::{IssuedCard, IssuedPasscode};
pub use audit::{AuditEvent, EventKind};
pub use binding::{
    required_strength, BindingKind, Change, DeviceCodeIssued, RecentBinding, Strength,
};
pub use device::{
    action as device_action, DeviceCall, DeviceChallenge, MAX_NONCES, NONCE_LIFETIME,
    TICKET_LIFETIME,
};
pub use enrollment::{TotpKeyShown, ENROLLMENT_TRIES};
pub use error::{Error, Result};
pub use login::{CodeSent, LoginOutcome, LoginStarted, LoginStatus, Prompt};
pub use manage::AccountListed;
pub use model::{
    mask_phone, Account, DeviceCredential, DeviceIndex, Factor, FactorKind, FactorSummary,
    LockState, RecoveryCode, MAX_PUSH_FAILURES,
};
pub use outbox::{Deliverer, DeliveryPolicy, DeliveryState, DeliveryStatus};
pub use passkey::{
    counter_accepts, CeremonyPurpose, FoundPasskey, NewPasskey, PasskeyCeremony, PasskeyRefusal,
    PasskeyRegistrant, PasskeySignedIn, PasskeyUse, MAX_CREDENTIAL_ID,
};
pub use password_throttle::{source_of, PasswordFailures};
pub use phone::{PhoneChangeOutcome, PhoneChangeStarted};
pub use policy::Policy;
pub use ports::{Channel, Clock, Courier, Entropy, Message};
pub use push::{PendingPush, PushAnswer, PushStarted};
pub use recovery::{IssuedRecoveryCodes, RECOVERY_CODES};
pub use sessions::{OpenedSession, SessionInfo};
pub use store::{MemoryStore, Store, Versioned, Write};
pub use vault::{AeadVault, KeyVault, Sealed};

/// The verifier: one per server, shared by every request (all methods take `&self`).
pub struct Verifier<S: Store> {
    store: S,
    policy: Policy,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    courier: Arc<dyn Courier>,
    /// Seals factor secrets for the store and keys the hashes of codes.
    vault: Arc<dyn KeyVault>,
    /// A hash of a random password, checked for unknown usernames so they cost the same time.
    decoy_hash: String,
}

impl<S: Store> Verifier<S> {
    /// A verifier over `store` with `policy`.
    ///
    /// # Errors
    /// [`Error::Entropy`] when no randomness is available for the decoy password hash;
    /// [`Error::InvalidInput`] for a policy with impossible numbers.
    pub fn new(
        store: S,
        policy: Policy,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        courier: Arc<dyn Courier>,
        vault: Arc<dyn KeyVault>,
    ) -> Result<Self> {
        if policy.code_digits < 6 || policy.code_digits > 10 {
            return Err(Error::InvalidInput(
                "SMS and voice codes must have 6 to 10 digits",
            ));
        }
        if policy.lockout_threshold == 0 {
            return Err(Error::InvalidInput(
                "the lockout threshold must be at least 1",
            ));
        }
        let mut decoy = [0u8; 32];
        entropy.fill(&mut decoy)?;
        let decoy_hash = secrets::hash_password(
            &secure_login_otp::hex_encode(&decoy),
            &policy,
            entropy.as_ref(),
        )?;
        Ok(Self {
            store,
            policy,
            clock,
            entropy,
            courier,
            vault,
            decoy_hash,
        })
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The store (for the server's own records and for tests).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The account's newest `limit` security events, newest first.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn recent_events(&self, account: &str, limit: usize) -> Result<Vec<AuditEvent>> {
        self.store.events(account, limit.min(1000))
    }

    /// Now, by the verifier's clock (Unix seconds): what every rule is decided with.
    #[must_use]
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    fn event(
        &self,
        account: &str,
        factor: Option<u32>,
        kind: EventKind,
        detail: impl Into<String>,
    ) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            account: account.to_owned(),
            factor,
            kind,
            detail: detail.into(),
        }
    }
}
