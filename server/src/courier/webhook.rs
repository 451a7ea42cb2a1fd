//! A courier for a real SMS/voice gateway: each message is one `POST` of
//! `{"channel", "to", "purpose", "text"}` as JSON to a configured URL, which must answer 2xx
//! within the timeout.
//!
//! The verifier's courier is synchronous and is called inside `spawn_blocking`, so a blocking
//! HTTP client (ureq) fits. Errors name the status at most: never the URL (it may carry a
//! gateway token) nor the text (it carries the code).

use std::time::Duration;

use secure_login::verifier::{Courier, Error, Message, Result};
use serde_json::json;

use super::{channel_name, message_text};

/// Posts messages to a gateway.
pub struct WebhookCourier {
    agent: ureq::Agent,
    url: String,
}

impl std::fmt::Debug for WebhookCourier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookCourier").finish_non_exhaustive()
    }
}

impl WebhookCourier {
    /// A courier posting to `url` (`http://` or `https://`), giving up after `timeout`.
    ///
    /// # Errors
    /// A message when the URL is not http(s).
    pub fn new(url: &str, timeout: Duration) -> std::result::Result<Self, String> {
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
        })
    }
}

impl Courier for WebhookCourier {
    fn send(&self, message: &Message) -> Result<()> {
        let body = json!({
            "channel": channel_name(message.channel),
            "to": message.phone,
            "purpose": message.purpose,
            "text": message_text(message),
        })
        .to_string();
        let response = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
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

    #[test]
    fn only_http_urls() {
        assert!(WebhookCourier::new("ftp://x", Duration::from_secs(1)).is_err());
        assert!(WebhookCourier::new("http://", Duration::from_secs(1)).is_err());
        assert!(WebhookCourier::new("https://gw.example/sms", Duration::from_secs(1)).is_ok());
    }
}
