//! What the verifier needs from outside: a clock, randomness and a way to send messages.
//! The server plugs in real ones; tests plug in a hand-driven clock and a seeded generator.

use super::error::Result;

/// The current time.
pub trait Clock: Send + Sync {
    /// Unix seconds now.
    fn now(&self) -> u64;
}

/// Random bytes from a CSPRNG.
pub trait Entropy: Send + Sync {
    /// Fills `buf` with random bytes.
    ///
    /// # Errors
    /// [`Error::Entropy`] when none can be had.
    fn fill(&self, buf: &mut [u8]) -> Result<()>;
}

/// A generator for the verifier's own unit tests: SHA-256 of a counter, never for real use (the
/// crate draws no randomness; the server plugs in the OS's).
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct TestEntropy(std::sync::atomic::AtomicU64);

#[cfg(test)]
impl Entropy for TestEntropy {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        use sha2::{Digest, Sha256};
        for chunk in buf.chunks_mut(32) {
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let block = Sha256::digest(n.to_le_bytes());
            chunk.copy_from_slice(block.get(..chunk.len()).unwrap_or_default());
        }
        Ok(())
    }
}

/// How a code reaches the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A text message.
    Sms,
    /// A phone call that reads the code aloud.
    Voice,
}

impl Channel {
    /// The channel's name on the wire (`"sms"`, `"voice"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Voice => "voice",
        }
    }
}

/// A message for the courier: the code travels only here, never into logs or audit records.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// The outbox id: the same at every attempt, so a gateway can drop a repeated delivery.
    pub id: String,
    /// SMS or voice.
    pub channel: Channel,
    /// The full phone number (the courier needs it; nothing else stores it in clear text).
    pub phone: String,
    /// What the message is for, e.g. `"login"` or `"activation"`.
    pub purpose: &'static str,
    /// The code to deliver.
    pub code: String,
}

impl core::fmt::Debug for Message {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("phone", &super::model::mask_phone(&self.phone))
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// Delivers SMS and voice messages: called by [`super::Verifier::deliver`] for a message it has
/// claimed from the outbox, at least once per message (again after a failure or a crash, with the
/// same [`Message::id`], which a gateway can use to drop repeats).
pub trait Courier: Send + Sync {
    /// Sends `message`.
    ///
    /// # Errors
    /// [`Error::Courier`] when the gateway refuses it.
    fn send(&self, message: &Message) -> Result<()>;
}
