//! How SMS and voice codes reach the phone. The verifier commits each message to its outbox
//! together with the code's hash; the [`DeliveryWorker`] hands it to a [`Courier`]: a signed JSON
//! webhook to a real gateway ([`WebhookCourier`]), or with `--demo` the demo phone
//! ([`OutboxCourier`]). Both word messages the same way ([`MessageTexts`]).

mod outbox;
mod webhook;
mod worker;

pub use outbox::{Outbox, OutboxCourier, PhoneMessage};
pub use webhook::{signature, WebhookCourier, WebhookSecret, SIGNATURE_HEADER};
pub use worker::DeliveryWorker;

use secure_login_verifier::{Channel, Courier, Error, Message, Result};

/// What messages name: the site (the issuer) and the domain of its WebOTP line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTexts {
    /// The site's name, as in Key URIs (`secure-login`).
    pub issuer: String,
    /// The portal's domain, bound to SMS codes by the WebOTP line (`@portal.example #123456`).
    pub domain: String,
}

impl MessageTexts {
    /// What the person reads or hears. An SMS names the site, says never to share the code and
    /// ends with the WebOTP line, so the browser can offer the code to the right site only:
    ///
    /// ```text
    /// Your secure-login code is 123456. Never share it: secure-login will never ask you for it.
    ///
    /// @portal.example #123456
    /// ```
    ///
    /// A call speaks each digit (`Your secure-login code is 1, 2, 3, 4, 5, 6. Never share it.`).
    ///
    /// The old number of a phone change, and the phone of an account that got a new soft token
    /// or factor, get a notice without a code.
    pub fn text(&self, message: &Message) -> String {
        let issuer = &self.issuer;
        let what = match message.purpose {
            "activation" => "activation code",
            "phone_confirm" => "confirmation code",
            "phone_changed" => {
                return format!(
                    "Your {issuer} account no longer sends codes to this number: its phone number \
                     was changed. If this wasn't you, contact {issuer} at once."
                )
            }
            "token_activated" => {
                return format!(
                    "A soft token was activated for your {issuer} account on a new device. If this \
                     wasn't you, log in with a device you had before and choose \"This wasn't me\" \
                     on your account page, or contact {issuer} at once."
                )
            }
            "factor_added" => {
                return format!(
                "A new way to log in was added to your {issuer} account. If this wasn't you, log \
                     in with a device you had before and choose \"This wasn't me\" on your account \
                     page, or contact {issuer} at once."
            )
            }
            _ => "code",
        };
        match message.channel {
            Channel::Sms => format!(
                "Your {issuer} {what} is {code}. Never share it: {issuer} will never ask you for it.\n\n@{domain} #{code}",
                code = message.code,
                domain = self.domain,
            ),
            Channel::Voice => {
                let digits: Vec<String> = message.code.chars().map(String::from).collect();
                format!(
                    "Your {issuer} {what} is {}. Never share it.",
                    digits.join(", ")
                )
            }
        }
    }
}

impl Default for MessageTexts {
    fn default() -> Self {
        Self {
            issuer: "secure-login".into(),
            domain: "localhost".into(),
        }
    }
}

/// A courier that sends nothing: the admin commands never need one.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCourier;

impl Courier for NoCourier {
    fn send(&self, _message: &Message) -> Result<()> {
        Err(Error::Courier("this tool sends no messages".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(channel: Channel, purpose: &'static str) -> Message {
        Message {
            id: "m1".into(),
            channel,
            phone: "+41790000001".into(),
            purpose,
            code: "123456".into(),
        }
    }

    #[test]
    fn sms_and_voice_wording() {
        let texts = MessageTexts {
            issuer: "Example Bank".into(),
            domain: "login.example.com".into(),
        };
        assert_eq!(
            texts.text(&message(Channel::Sms, "login")),
            "Your Example Bank code is 123456. Never share it: Example Bank will never ask you for it.\n\n@login.example.com #123456"
        );
        assert_eq!(
            texts.text(&message(Channel::Voice, "login")),
            "Your Example Bank code is 1, 2, 3, 4, 5, 6. Never share it."
        );
        assert_eq!(
            texts.text(&message(Channel::Sms, "activation")),
            "Your Example Bank activation code is 123456. Never share it: Example Bank will never ask you for it.\n\n@login.example.com #123456"
        );
    }
}
