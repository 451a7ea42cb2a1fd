//! A courier for a real SMS/voice gateway: each message is one `POST` of
//! `{"id", "channel", "to", "purpose", "text"}` as JSON to a configured URL, which must answer 2xx
//! within the timeout.
//!
//! - **Signed.** `X-Secure-Login-Signature: t=<unix seconds>,v1=<hex>` carries
//!   HMAC-SHA256(secret, `"<t>.<body>"`), as Stripe signs its webhooks: the gateway recomputes it
//!   with the shared secret, compares in constant time, and refuses a `t` too far from its clock
//!   (a replayed request).
//! - **Idempotent.** `Idempotency-Key` (and `id` in the body) is the message's outbox id, the same
//!   at every attempt: a delivery repeated after a timeout or a crash can be dropped.
//!
//! The delivery worker calls the courier inside `spawn_blocking`, so a blocking HTTP client
//! (ureq) fits. Errors name the status at most: never the URL (it may carry a gateway token) nor
//! the text (it carries the code).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use secure_login_verifier::{Courier, Error, Message, Result};
use serde_json::json;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::MessageTexts;

/// The header of the signature.
pub const SIGNATURE_HEADER: &str = "X-Secure-Login-Signature";

/// The shortest secret accepted, in bytes.
const MIN_SECRET: usize = 16;

/// The secret shared with the gateway (never in argv: a file or an environment variable).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Zeroizing<Vec<u8>>);

impl WebhookSecret {
    /// The secret from its text (surrounding whitespace, such as a file's last newline, is not
    /// part of it).
    ///
    /// # Errors
    /// A message when it is shorter than 16 bytes.
    pub fn new(text: &str) -> std::result::Result<Self, String> {
        let secret = text.trim();
        if secret.len() < MIN_SECRET {
            return Err(format!(
                "the webhook secret must have at least {MIN_SECRET} characters"
            ));
        }
        Ok(Self(Zeroizing::new(secret.as_bytes().to_vec())))
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

/// The signature header's value for `body` sent at Unix second `t`.
pub fn signature(secret: &WebhookSecret, t: u64, body: &str) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(&secret.0).map(|mut mac| {
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        mac.finalize().into_bytes()
    });
    let hex: String = mac
        .map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect())
        .unwrap_or_default();
    format!("t={t},v1={hex}")
}

/// Posts messages to a gateway.
pub struct WebhookCourier {
    agent: ureq::Agent,
    url: String,
    secret: WebhookSecret,
    texts: MessageTexts,
}

impl std::fmt::Debug for WebhookCourier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookCourier").finish_non_exhaustive()
    }
}

impl WebhookCourier {
    /// A courier posting to `url` (`http://` or `https://`) signed with `secret`, giving up after
    /// `timeout`.
    ///
    /// # Errors
    /// A message when the URL is not http(s).
    pub fn new(
        url: &str,
        timeout: Duration,
        secret: WebhookSecret,
        texts: MessageTexts,
    ) -> std::result::Result<Self, String> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.len() < 8 {
            return Err("the webhook URL must start with http:// or https://".into());
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Ok(Self {
            agent,
            url: url.to_owned(),
            secret,
            texts,
        })
    }
}

impl Courier for WebhookCourier {
    fn send(&self, message: &Message) -> Result<()> {
        self.post(message).inspect_err(|error| {
            // The id and channel only: never the number, the text (the code) or the secret.
            tracing::warn!(
                event = "message_failed",
                message = %message.id,
                channel = message.channel.as_str(),
                %error,
                "the gateway did not take a message"
            );
        })
    }
}

impl WebhookCourier {
    /// One signed `POST` of `message` to the gateway.
    fn post(&self, message: &Message) -> Result<()> {
        let body = json!({
            "id": message.id,
            "channel": message.channel.as_str(),
            "to": message.phone,
            "purpose": message.purpose,
            "text": self.texts.text(message),
        })
        .to_string();
        // The gateway's clock is the real one, whatever clock the verifier runs on.
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let response = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &message.id)
            .header(SIGNATURE_HEADER, &signature(&self.secret, t, &body))
            .send(body)
            .map_err(|e| match e {
                ureq::Error::Timeout(_) => {
                    Error::Courier("the gateway did not answer in time".into())
                }
                _ => Error::Courier("the gateway could not be reached".into()),
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(Error::Courier(format!(
                "the gateway answered {}",
                status.as_u16()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> WebhookSecret {
        WebhookSecret::new("0123456789abcdef").unwrap()
    }

    #[test]
    fn only_http_urls() {
        let new = |url| {
            WebhookCourier::new(
                url,
                Duration::from_secs(1),
                secret(),
                MessageTexts::default(),
            )
        };
        assert!(new("ftp://x").is_err());
        assert!(new("http://").is_err());
        assert!(new("https://gw.example/sms").is_ok());
    }

    #[test]
    fn short_secrets_are_refused_and_never_printed() {
        assert!(WebhookSecret::new(" 0123456789abcde \n").is_err());
        assert_eq!(format!("{:?}", secret()), "WebhookSecret(..)");
    }

    #[test]
    fn the_signature_header_has_a_time_and_a_hex_mac() {
        // The format; the value is checked independently in tests/webhook.rs.
        let got = signature(&secret(), 42, "{}");
        assert!(got.starts_with("t=42,v1="));
        assert_eq!(got.len(), "t=42,v1=".len() + 64);
    }
}
