//! The operating system's CSPRNG (getrandom): the portal is where randomness enters; the verifier
//! draws it only through its [`Entropy`] port, and the OTP core not at all.

use secure_login_otp::{Result as OtpResult, Secret, DEFAULT_SECRET_LEN};
use secure_login_verifier::{Entropy, Error, Result};

/// The verifier's entropy port over getrandom.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf).map_err(|e| Error::Entropy(e.to_string()))
    }
}

/// A new factor secret of the default 20 bytes, from getrandom.
///
/// # Errors
/// [`secure_login_otp::Error::Entropy`] when the system has no randomness to give.
pub fn random_secret() -> OtpResult<Secret> {
    Secret::generate(DEFAULT_SECRET_LEN, getrandom::fill)
}
