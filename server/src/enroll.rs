//! Authenticator-app enrollment: a new TOTP key waits in the session, shown as a Key URI and a
//! QR code (SVG), until the person types a code from the app; then it becomes a factor.

use qrcode::render::svg;
use qrcode::QrCode;
use secure_login_otp::{Digits, HashAlgorithm, KeyUri, Secret, TimeStep, TokenKind, Totp, Window};
use secure_login_verifier::FactorKind;

use crate::error::ApiError;
use axum::http::StatusCode;

/// Wrong codes before a pending key is dropped (start over with a new one).
pub const MAX_TRIES: u32 = 5;

/// A key shown to the person, not yet confirmed.
#[derive(Debug)]
pub struct PendingTotp {
    secret: Secret,
    failures: u32,
}

/// A fresh key: keep `pending` in the session, show `uri` and `qr_svg`.
#[derive(Debug)]
pub struct NewKey {
    /// For the session.
    pub pending: PendingTotp,
    /// `otpauth://totp/...`.
    pub uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

fn unavailable<E>(_: E) -> ApiError {
    ApiError::unavailable()
}

/// A new 160-bit TOTP key (SHA1, 6 digits, 30 s: what every app reads) for `username`.
///
/// # Errors
/// 503 when no randomness is available.
pub fn new_key(username: &str, issuer: &str) -> Result<NewKey, ApiError> {
    let secret = crate::entropy::random_secret().map_err(unavailable)?;
    let uri = KeyUri {
        kind: TokenKind::Totp { period: 30 },
        account: username.to_owned(),
        issuer: Some(issuer.to_owned()),
        secret: secret.clone(),
        algorithm: HashAlgorithm::Sha1,
        digits: Digits::SIX,
    }
    .to_uri()
    .map_err(|e| ApiError::invalid_input(e.to_string()))?;
    let qr_svg = QrCode::new(uri.as_bytes())
        .map_err(unavailable)?
        .render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .build();
    Ok(NewKey {
        pending: PendingTotp {
            secret,
            failures: 0,
        },
        uri,
        qr_svg,
    })
}

/// Checks `code` against the pending key at `now` (one step either side). On a match, returns
/// the factor to add and the time step the code belonged to (so it cannot sign in once more);
/// on a miss, counts it (the caller drops the key after [`MAX_TRIES`]).
///
/// # Errors
/// 400 `InvalidInput` for a code that is not 6 digits, 400 `WrongCode` for a wrong one.
pub fn confirm(
    pending: &mut PendingTotp,
    code: &str,
    now: u64,
) -> Result<(FactorKind, u64), ApiError> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid_input("the code is 6 digits"));
    }
    let totp = Totp::new(
        pending.secret.expose_secret(),
        HashAlgorithm::Sha1,
        Digits::SIX,
        TimeStep::DEFAULT,
    )
    .map_err(unavailable)?;
    match totp.verify(code, now, Window::ONE) {
        Ok(Some(found)) => Ok((
            FactorKind::authenticator_app(pending.secret.clone()),
            found.step,
        )),
        _ => {
            pending.failures = pending.failures.saturating_add(1);
            let left = MAX_TRIES.saturating_sub(pending.failures);
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "WrongCode",
                format!("the code does not match; {left} tries left for this key"),
            ))
        }
    }
}

/// Whether the key has had its tries.
pub fn exhausted(pending: &PendingTotp) -> bool {
    pending.failures >= MAX_TRIES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_reads_back_and_confirms_with_its_code() {
        let mut key = new_key("alice", "secure-login").unwrap();
        assert!(key
            .uri
            .starts_with("otpauth://totp/secure-login:alice?secret="));
        assert!(key.qr_svg.contains("<svg") && !key.qr_svg.contains("style"));
        let parsed = KeyUri::parse(&key.uri).unwrap();
        let now = 1_795_651_200;
        let app = Totp::new(
            parsed.secret.expose_secret(),
            HashAlgorithm::Sha1,
            Digits::SIX,
            TimeStep::DEFAULT,
        )
        .unwrap();
        let code = app.generate(now).unwrap().to_string();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(
            confirm(&mut key.pending, wrong, now).unwrap_err().code(),
            "WrongCode"
        );
        assert_eq!(
            confirm(&mut key.pending, "12ab56", now).unwrap_err().code(),
            "InvalidInput"
        );
        let (factor, step) = confirm(&mut key.pending, &code, now + 30).unwrap();
        assert_eq!(step, now / 30, "the code's own step, one behind the clock");
        assert!(matches!(
            factor,
            FactorKind::Totp {
                algorithm: HashAlgorithm::Sha1,
                digits: Digits::SIX,
                period: TimeStep::DEFAULT,
                ..
            }
        ));
        for _ in 1..MAX_TRIES {
            let _ = confirm(&mut key.pending, wrong, now);
        }
        assert!(exhausted(&key.pending));
    }
}
