//! Authenticator-app enrolment by a signed-in person: a new key waits, sealed, in the session
//! until a code from the app confirms it; only then is it a factor. Both steps need the
//! re-authentication window of the session's second factor (a new binding).

use super::binding::{Change, Strength};
use super::error::{Error, Result};
use super::model::FactorKind;
use super::secrets;
use super::sessions::PendingTotp;
use super::store::Store;
use super::Verifier;
use secure_login_otp::{Digits, HashAlgorithm, Secret, TimeStep, Totp, Window};

/// Wrong codes before a pending key is dropped (start over with a new one).
pub const ENROLLMENT_TRIES: u32 = 5;

/// Bytes of a new authenticator-app key (160 bits, RFC 4226's recommendation).
const KEY_BYTES: usize = 20;

/// The seal's context: the key belongs to this session only.
fn context(session_login: &str) -> String {
    format!("enrollment/{session_login}")
}

/// A key to show the person (as a Key URI and QR code) until they confirm it.
#[derive(Debug)]
pub struct TotpKeyShown {
    /// The account's username, for the Key URI's label.
    pub username: String,
    /// The key.
    pub secret: Secret,
}

impl<S: Store> Verifier<S> {
    /// Starts an authenticator-app enrolment in the session `token`: a new key (SHA-1, 6 digits,
    /// 30 s: what every app reads), replacing any key still waiting there.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] without a live session or outside the re-authentication window,
    /// [`Error::Entropy`], [`Error::Store`].
    pub fn begin_totp_enrollment(&self, token: &str) -> Result<TotpKeyShown> {
        let secret = secrets::random_secret(self.entropy.as_ref(), KEY_BYTES)?;
        let account = self.update_session(token, |session| {
            let account = self.authorized(&session.login, Change::Add(Strength::Possession))?;
            let sealed = self
                .vault
                .seal(&context(&session.login), secret.expose_secret())?;
            session.pending_totp = Some(PendingTotp {
                secret: sealed,
                failures: 0,
            });
            Ok(account)
        })?;
        Ok(TotpKeyShown {
            username: self.account(&account)?.username,
            secret,
        })
    }

    /// Confirms the key waiting in the session `token` with a `code` from the app (one step
    /// either side of now) and adds it as a factor labelled `label`; the code's step is spent.
    /// Returns the new factor's id.
    ///
    /// # Errors
    /// [`Error::WrongCode`] (after [`ENROLLMENT_TRIES`] the key is dropped), [`Error::InvalidInput`]
    /// for a code that is not 6 digits, [`Error::NotAllowed`] without a waiting key, a live
    /// session or a recent second factor.
    pub fn confirm_totp_enrollment(&self, token: &str, label: &str, code: &str) -> Result<u32> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidInput("the code is 6 digits"));
        }
        let now = self.now();
        let checked = self.update_session(token, |session| {
            let account = self.authorized(&session.login, Change::Add(Strength::Possession))?;
            let Some(pending) = session.pending_totp.as_mut() else {
                return Err(Error::NotAllowed(
                    "no authenticator key is waiting: start again",
                ));
            };
            let opened = self.vault.open(&context(&session.login), &pending.secret)?;
            let secret = Secret::from_bytes(opened.to_vec())?;
            let totp = Totp::new(
                secret.expose_secret(),
                HashAlgorithm::Sha1,
                Digits::SIX,
                TimeStep::DEFAULT,
            )?;
            match totp.verify(code, now, Window::ONE)? {
                Some(found) => {
                    session.pending_totp = None;
                    Ok(Ok((account, (secret, found.step), session.login.clone())))
                }
                None => {
                    pending.failures = pending.failures.saturating_add(1);
                    let attempts_left = ENROLLMENT_TRIES.saturating_sub(pending.failures);
                    if attempts_left == 0 {
                        session.pending_totp = None;
                    }
                    Ok(Err(Error::WrongCode { attempts_left }))
                }
            }
        })?;
        let (account, secret, login) = checked?;
        let (secret, step) = secret;
        self.add_factor_with_used_step(
            &account,
            label,
            FactorKind::authenticator_app(secret),
            Some(step),
            Some(&login),
        )
    }
}
