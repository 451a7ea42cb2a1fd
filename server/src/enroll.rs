//! Showing a new authenticator-app key: as a Key URI and as a QR code (SVG). The key itself
//! waits in the session (`secure_login_verifier::Verifier::begin_totp_enrollment`).

use qrcode::render::svg;
use qrcode::QrCode;
use secure_login_otp::{Digits, HashAlgorithm, KeyUri, Secret, TokenKind};

use crate::error::ApiError;

/// A key as the person sees it.
#[derive(Debug)]
pub struct ShownKey {
    /// `otpauth://totp/...`.
    pub uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

/// The Key URI and QR code of `secret` (SHA1, 6 digits, 30 s: what every app reads) for
/// `username` at `issuer`.
///
/// # Errors
/// 400 for a username or issuer a Key URI cannot carry; 503 when the QR code cannot be drawn.
pub fn show_key(username: &str, issuer: &str, secret: Secret) -> Result<ShownKey, ApiError> {
    let uri = KeyUri {
        kind: TokenKind::Totp { period: 30 },
        account: username.to_owned(),
        issuer: Some(issuer.to_owned()),
        secret,
        algorithm: HashAlgorithm::Sha1,
        digits: Digits::SIX,
    }
    .to_uri()
    .map_err(|e| ApiError::invalid_input(e.to_string()))?;
    let qr_svg = QrCode::new(uri.as_bytes())
        .map_err(|_| ApiError::unavailable())?
        .render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .build();
    Ok(ShownKey { uri, qr_svg })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_key_reads_back_with_its_secret() {
        let secret = Secret::from_hex("3132333435363738393031323334353637383930").unwrap();
        let key = show_key("alice", "secure-login", secret).unwrap();
        assert_eq!(
            key.uri,
            "otpauth://totp/secure-login:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=secure-login&algorithm=SHA1&digits=6&period=30"
        );
        assert!(key.qr_svg.contains("<svg") && !key.qr_svg.contains("style"));
        let parsed = KeyUri::parse(&key.uri).unwrap();
        assert_eq!(
            parsed.secret.expose_secret(),
            b"12345678901234567890".as_slice()
        );
    }
}
