//! Couriers for SMS and voice codes: the demo phone's outbox, and a JSON webhook to a real
//! gateway. Both word messages the same way ([`message_text`]).

mod outbox;
mod webhook;

pub use outbox::{Outbox, OutboxCourier, PhoneMessage};
pub use webhook::WebhookCourier;

use secure_login::verifier::{Channel, Courier, Error, Message, Result};

/// What the person reads or hears: `Your secure-login code is 123456` by SMS, and a call that
/// speaks each digit (`Your code is 1, 2, 3, 4, 5, 6`).
pub fn message_text(message: &Message) -> String {
    let what = if message.purpose == "activation" {
        "activation code"
    } else {
        "code"
    };
    match message.channel {
        Channel::Sms => format!("Your secure-login {what} is {}", message.code),
        Channel::Voice => {
            let digits: Vec<String> = message.code.chars().map(String::from).collect();
            format!("Your {what} is {}", digits.join(", "))
        }
    }
}

/// The name of a channel in JSON (`sms`, `voice`).
pub fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Voice => "voice",
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
            channel,
            phone: "+41790000001".into(),
            purpose,
            code: "123456".into(),
        }
    }

    #[test]
    fn sms_and_voice_wording() {
        assert_eq!(
            message_text(&message(Channel::Sms, "login")),
            "Your secure-login code is 123456"
        );
        assert_eq!(
            message_text(&message(Channel::Voice, "login")),
            "Your code is 1, 2, 3, 4, 5, 6"
        );
        assert_eq!(
            message_text(&message(Channel::Sms, "activation")),
            "Your secure-login activation code is 123456"
        );
    }
}
