//! The verifier's scenarios (every rule at its boundary, the 50-replay and 1,000-guess races)
//! against the SQLite store on a real file, with real threads. The scenario modules are included
//! here once for the test binary; `verifier_postgres.rs` runs them on PostgreSQL.

#[macro_use]
#[path = "../../../crates/verifier/tests/common/verifier_scenarios.rs"]
pub mod scenarios;

#[macro_use]
#[path = "../../../crates/verifier/tests/common/lifecycle_scenarios.rs"]
pub mod lifecycle;

#[macro_use]
#[path = "../../../crates/verifier/tests/common/device_scenarios.rs"]
pub mod device;

#[macro_use]
#[path = "../../../crates/verifier/tests/common/passkey_scenarios.rs"]
pub mod passkey;

use secure_login_server::SqliteStore;
use secure_login_verifier::{AuditEvent, Result, Store, Versioned, Write};
use tempfile::TempDir;

/// An SQLite store on a fresh file, removed with the store (fields drop in order).
struct FileStore {
    store: SqliteStore,
    _dir: TempDir,
}

impl Store for FileStore {
    fn get(&self, key: &str) -> Result<Option<Versioned>> {
        self.store.get(key)
    }
    fn scan(&self, prefix: &str) -> Result<Vec<(String, Versioned)>> {
        self.store.scan(prefix)
    }
    fn commit(&self, writes: &[Write], events: &[AuditEvent]) -> Result<bool> {
        self.store.commit(writes, events)
    }
    fn events(&self, account: &str, limit: usize) -> Result<Vec<AuditEvent>> {
        self.store.events(account, limit)
    }
}

fn fresh_store() -> FileStore {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("verifier.sqlite3")).unwrap();
    FileStore { store, _dir: dir }
}

verifier_scenarios!(fresh_store());
lifecycle_scenarios!(fresh_store());
device_scenarios!(fresh_store());
passkey_scenarios!(fresh_store());
