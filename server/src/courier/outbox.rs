//! The demo phone (`--demo`): the gateway the delivery worker hands messages to when there is no
//! real one. Every message it "received" is kept in memory for the phone page and in the table
//! `portal_outbox` of the database file, so the phone still shows them after a restart. New
//! messages go out to `/api/phone/events` listeners through a broadcast channel.
//!
//! (The verifier's own outbox, where messages wait to be sent, is its `outbox/` records.)

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection};
use secure_login_verifier::{Clock, Courier, Error, Message, Result};
use serde::Serialize;
use tokio::sync::broadcast;

use super::MessageTexts;

/// Messages kept (in memory and in the table); older ones are dropped.
const KEEP: usize = 200;

/// One message as the demo phone shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PhoneMessage {
    /// Increasing number.
    pub id: i64,
    /// Unix seconds (the server's clock).
    pub at: u64,
    /// `sms` or `voice`.
    #[schema(value_type = crate::api::wire::ChannelName)]
    pub channel: &'static str,
    /// The full number it went to.
    pub to: String,
    /// What the phone shows, or speaks for a call.
    pub text: String,
}

/// The outbox (shared by the courier and the phone endpoints).
pub struct Outbox {
    state: Mutex<State>,
    clock: Arc<dyn Clock>,
    texts: MessageTexts,
    events: broadcast::Sender<PhoneMessage>,
}

#[derive(Debug)]
struct State {
    /// `None`: memory only.
    conn: Option<Connection>,
    messages: VecDeque<PhoneMessage>,
    next_id: i64,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").finish_non_exhaustive()
    }
}

fn store_error(step: &str, e: &rusqlite::Error) -> Error {
    Error::Store(format!("outbox {step}: {e}"))
}

fn channel_from(name: &str) -> &'static str {
    if name == "voice" {
        "voice"
    } else {
        "sms"
    }
}

impl Outbox {
    /// The outbox in the database file at `path` (its own table, created if missing), with the
    /// newest messages loaded.
    ///
    /// # Errors
    /// [`Error::Store`] when SQLite fails.
    pub fn open(path: &Path, clock: Arc<dyn Clock>, texts: MessageTexts) -> Result<Self> {
        let conn = Connection::open(path).map_err(|e| store_error("open", &e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| store_error("busy timeout", &e))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS portal_outbox (
                 id INTEGER PRIMARY KEY,
                 at INTEGER NOT NULL,
                 channel TEXT NOT NULL,
                 phone TEXT NOT NULL,
                 text TEXT NOT NULL
             );",
        )
        .map_err(|e| store_error("create", &e))?;
        let mut messages = VecDeque::new();
        {
            let mut statement = conn
                .prepare(
                    "SELECT id, at, channel, phone, text FROM
                       (SELECT * FROM portal_outbox ORDER BY id DESC LIMIT ?1) ORDER BY id",
                )
                .map_err(|e| store_error("read", &e))?;
            let rows = statement
                .query_map(params![KEEP as i64], |row| {
                    Ok(PhoneMessage {
                        id: row.get(0)?,
                        at: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                        channel: channel_from(&row.get::<_, String>(2)?),
                        to: row.get(3)?,
                        text: row.get(4)?,
                    })
                })
                .map_err(|e| store_error("read", &e))?;
            for row in rows {
                messages.push_back(row.map_err(|e| store_error("read", &e))?);
            }
        }
        let next_id = messages.back().map_or(1, |m| m.id.saturating_add(1));
        Ok(Self::with(Some(conn), messages, next_id, clock, texts))
    }

    /// An outbox in memory only.
    pub fn in_memory(clock: Arc<dyn Clock>, texts: MessageTexts) -> Self {
        Self::with(None, VecDeque::new(), 1, clock, texts)
    }

    fn with(
        conn: Option<Connection>,
        messages: VecDeque<PhoneMessage>,
        next_id: i64,
        clock: Arc<dyn Clock>,
        texts: MessageTexts,
    ) -> Self {
        let (events, _) = broadcast::channel(64);
        Self {
            state: Mutex::new(State {
                conn,
                messages,
                next_id,
            }),
            clock,
            texts,
            events,
        }
    }

    /// The kept messages, oldest first.
    pub fn messages(&self) -> Vec<PhoneMessage> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.messages.iter().cloned().collect()
    }

    /// New messages from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PhoneMessage> {
        self.events.subscribe()
    }

    /// Keeps `message` (SQLite first: a message that is not stored is not sent).
    fn deliver(&self, message: &Message) -> Result<()> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let phone_message = PhoneMessage {
            id: state.next_id,
            at: self.clock.now(),
            channel: message.channel.as_str(),
            to: message.phone.clone(),
            text: self.texts.text(message),
        };
        if let Some(conn) = &state.conn {
            let at = i64::try_from(phone_message.at).unwrap_or(i64::MAX);
            conn.execute(
                "INSERT INTO portal_outbox (id, at, channel, phone, text) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    phone_message.id,
                    at,
                    phone_message.channel,
                    phone_message.to,
                    phone_message.text
                ],
            )
            .map_err(|e| store_error("insert", &e))?;
            // Only the newest are kept; a failure here loses nothing that matters.
            let _ = conn.execute(
                "DELETE FROM portal_outbox WHERE id <= ?1",
                params![phone_message.id.saturating_sub(KEEP as i64)],
            );
        }
        state.next_id = state.next_id.saturating_add(1);
        state.messages.push_back(phone_message.clone());
        while state.messages.len() > KEEP {
            state.messages.pop_front();
        }
        drop(state);
        // No listener is not an error.
        let _ = self.events.send(phone_message);
        Ok(())
    }
}

/// The demo courier: "sends" to the [`Outbox`] that the demo phone page shows.
#[derive(Debug, Clone)]
pub struct OutboxCourier(pub Arc<Outbox>);

impl Courier for OutboxCourier {
    fn send(&self, message: &Message) -> Result<()> {
        self.0.deliver(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::TestClock;
    use secure_login_verifier::Channel;

    fn message(code: &str) -> Message {
        Message {
            id: format!("m{code}"),
            channel: Channel::Sms,
            phone: "+41790000001".into(),
            purpose: "login",
            code: code.into(),
        }
    }

    #[test]
    fn messages_survive_a_reopen_and_are_numbered_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox.sqlite3");
        let clock = Arc::new(TestClock::new(1_000));
        let outbox = Arc::new(Outbox::open(&path, clock.clone(), MessageTexts::default()).unwrap());
        let mut listener = outbox.subscribe();
        OutboxCourier(outbox.clone())
            .send(&message("111111"))
            .unwrap();
        OutboxCourier(outbox.clone())
            .send(&message("222222"))
            .unwrap();
        assert!(listener
            .try_recv()
            .unwrap()
            .text
            .starts_with("Your secure-login code is 111111. "));
        drop(outbox);

        let reopened = Outbox::open(&path, clock, MessageTexts::default()).unwrap();
        let kept = reopened.messages();
        assert_eq!(kept.len(), 2);
        assert!(kept[1].text.ends_with("\n@localhost #222222"));
        assert_eq!(kept[1].at, 1_000);
        assert_eq!(kept[0].channel, "sms");
        OutboxCourier(Arc::new(reopened))
            .send(&message("333333"))
            .unwrap();
    }

    #[test]
    fn only_the_newest_are_kept() {
        let outbox = Arc::new(Outbox::in_memory(
            Arc::new(TestClock::new(5)),
            MessageTexts::default(),
        ));
        for i in 0..(KEEP + 5) {
            OutboxCourier(outbox.clone())
                .send(&message(&format!("{i:06}")))
                .unwrap();
        }
        let kept = outbox.messages();
        assert_eq!(kept.len(), KEEP);
        assert_eq!(kept[0].id, 6);
    }
}
