//! Storage behind a trait: versioned records with an atomic multi-record compare-and-set, and an
//! append-only audit log written in the same transaction.
//!
//! Every rule lives in the verifier; a store only has to be atomic. That keeps the in-memory store
//! for tests and the SQLite store of the server small and alike, and makes races a question of
//! versions: two requests that read the same version cannot both commit.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use super::audit::AuditEvent;
use super::error::{Error, Result};

/// A record and the version it was read at (versions start at 1; 0 means "absent").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    /// Incremented by every write.
    pub version: u64,
    /// The record (JSON).
    pub value: Vec<u8>,
}

/// One write of a transaction: applied only if the record is still at `expected` (0: absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// Record key.
    pub key: String,
    /// The version read; 0 to insert a record that must not exist yet.
    pub expected: u64,
    /// The new value, or `None` to delete.
    pub value: Option<Vec<u8>>,
}

/// A store of versioned records and audit events.
pub trait Store: Send + Sync {
    /// The record at `key`.
    ///
    /// # Errors
    /// [`Error::Store`] when the store fails.
    fn get(&self, key: &str) -> Result<Option<Versioned>>;

    /// Every record whose key starts with `prefix`, in key order.
    ///
    /// # Errors
    /// [`Error::Store`] when the store fails.
    fn scan(&self, prefix: &str) -> Result<Vec<(String, Versioned)>>;

    /// Applies all `writes` and appends all `events` in one transaction, or nothing at all when
    /// any record is no longer at its expected version. Returns whether it committed.
    ///
    /// # Errors
    /// [`Error::Store`] when the store fails (nothing is applied then either).
    fn commit(&self, writes: &[Write], events: &[AuditEvent]) -> Result<bool>;

    /// The newest `limit` events of `account`, newest first.
    ///
    /// # Errors
    /// [`Error::Store`] when the store fails.
    fn events(&self, account: &str, limit: usize) -> Result<Vec<AuditEvent>>;
}

/// A store in memory, for tests and demos: one mutex over everything.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    records: BTreeMap<String, Versioned>,
    events: Vec<AuditEvent>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Memory>> {
        self.inner
            .lock()
            .map_err(|_| Error::Store("the memory store's lock is poisoned".into()))
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Versioned>> {
        Ok(self.lock()?.records.get(key).cloned())
    }

    fn scan(&self, prefix: &str) -> Result<Vec<(String, Versioned)>> {
        let memory = self.lock()?;
        Ok(memory
            .records
            .range(prefix.to_owned()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect())
    }

    fn commit(&self, writes: &[Write], events: &[AuditEvent]) -> Result<bool> {
        let mut memory = self.lock()?;
        let current = |key: &str| memory.records.get(key).map_or(0, |v| v.version);
        if writes.iter().any(|w| current(&w.key) != w.expected) {
            return Ok(false);
        }
        for write in writes {
            match &write.value {
                Some(value) => {
                    memory.records.insert(
                        write.key.clone(),
                        Versioned {
                            version: write.expected + 1,
                            value: value.clone(),
                        },
                    );
                }
                None => {
                    memory.records.remove(&write.key);
                }
            }
        }
        memory.events.extend_from_slice(events);
        Ok(true)
    }

    fn events(&self, account: &str, limit: usize) -> Result<Vec<AuditEvent>> {
        let memory = self.lock()?;
        Ok(memory
            .events
            .iter()
            .rev()
            .filter(|e| e.account == account)
            .take(limit)
            .cloned()
            .collect())
    }
}
