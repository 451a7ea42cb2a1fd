//! The verifier's [`Store`] on SQLite: one database file, shared by a small pool of connections
//! so that requests on different threads read in parallel.
//!
//! - **Schema.** Two tables: `records` (key, version, value) and the append-only `audit` log.
//!   The schema is built by the numbered SQL of [`MIGRATIONS`]; `PRAGMA user_version` says how many
//!   of them a file has had, and each missing one is applied in its own transaction together with
//!   the new `user_version`, so a file is always at one whole version.
//! - **Isolation.** A commit runs in `BEGIN IMMEDIATE`: it takes the database's write lock before
//!   reading any version, so checking the versions and writing are one serialisable step and two
//!   commits that read the same version cannot both succeed. Reads (`get`, `scan`, `events`) are
//!   single statements, each on a consistent snapshot; in WAL mode they never wait for a writer.
//! - **Errors.** Every SQLite failure becomes [`Error::Store`] after a rollback. Messages name the
//!   step that failed and SQLite's own text, never a key or a value (records hold secrets).

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use secure_login_verifier::{AuditEvent, Error, EventKind, Result, Store, Versioned, Write};

/// The schema, one step per entry: entry `n` takes a file from `user_version` `n` to `n + 1`.
/// Append new steps; never edit one that has shipped.
///
/// The first step uses plain `CREATE TABLE` (no `IF NOT EXISTS`) on purpose: a file at version 0
/// that already has tables of another layout is refused, untouched, instead of half-used.
pub const MIGRATIONS: &[&str] = &[
    // 1: records and the audit log.
    "CREATE TABLE records (
         key TEXT PRIMARY KEY,
         version INTEGER NOT NULL,
         value BLOB NOT NULL
     );
     CREATE TABLE audit (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         at INTEGER NOT NULL,
         account TEXT NOT NULL,
         factor INTEGER NULL,
         kind TEXT NOT NULL,
         detail TEXT NOT NULL
     );
     CREATE INDEX audit_account ON audit (account, id);",
];

/// How a [`SqliteStore`] uses its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// The most connections open at once (at least 1). Readers use them in parallel; writers
    /// take turns on SQLite's write lock.
    pub max_connections: usize,
    /// How long a statement waits for another connection's lock before failing as busy.
    pub busy_timeout: Duration,
    /// How long a call waits for a free connection when all `max_connections` are in use.
    pub checkout_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
            checkout_timeout: Duration::from_secs(30),
        }
    }
}

/// A [`Store`] in an SQLite database file.
#[derive(Debug)]
pub struct SqliteStore {
    /// `None` for an in-memory database (which then has exactly one connection).
    path: Option<PathBuf>,
    options: SqliteOptions,
    pool: Mutex<Pool>,
    returned: Condvar,
}

#[derive(Debug)]
struct Pool {
    idle: Vec<Connection>,
    /// Connections that exist: idle plus checked out.
    open: usize,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// # Errors
    /// [`Error::Store`] when the file cannot be opened, is not a database, cannot use WAL, has a
    /// schema newer than this program knows, or a migration fails (the file is then left at the
    /// last version that applied whole).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// [`SqliteStore::open`] with explicit options.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        let options = SqliteOptions {
            max_connections: options.max_connections.max(1),
            ..options
        };
        let path = path.as_ref().to_path_buf();
        crate::kek::private_database_files(&path).map_err(|e| Error::Store(e.0))?;
        let conn = connect(Some(&path), &options)?;
        migrate(&conn, MIGRATIONS)?;
        Ok(Self::with_first(Some(path), options, conn))
    }

    /// A database in memory, gone when the store is dropped: one connection, so calls take turns.
    /// For tests and demos; the server uses a file.
    ///
    /// # Errors
    /// [`Error::Store`] when SQLite cannot start.
    pub fn open_in_memory() -> Result<Self> {
        let options = SqliteOptions {
            max_connections: 1,
            ..SqliteOptions::default()
        };
        let conn = connect(None, &options)?;
        migrate(&conn, MIGRATIONS)?;
        Ok(Self::with_first(None, options, conn))
    }

    fn with_first(path: Option<PathBuf>, options: SqliteOptions, conn: Connection) -> Self {
        Self {
            path,
            options,
            pool: Mutex::new(Pool {
                idle: vec![conn],
                open: 1,
            }),
            returned: Condvar::new(),
        }
    }

    /// Copies every committed change from the WAL into the database file and empties the WAL, so
    /// that what secure deletion zeroed is zeroed on disk too (after secrets were sealed).
    ///
    /// # Errors
    /// [`Error::Store`] when SQLite fails or another connection keeps the WAL busy.
    pub fn truncate_wal(&self) -> Result<()> {
        let mut pooled = self.checkout()?;
        let busy: i64 = pooled
            .conn()?
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .map_err(sql_error("wal_checkpoint"))?;
        if busy != 0 {
            return Err(Error::Store("sqlite wal_checkpoint: busy".into()));
        }
        Ok(())
    }

    /// Copies the database, as it is at one moment, into the new file `dest` with SQLite's online
    /// backup, while the server may go on writing (WAL: the copy reads one snapshot and blocks
    /// no writer). The copy is written beside `dest` first (`DEST.partial`, mode 0600: it holds
    /// the password hashes and the sealed factor secrets), checked with `integrity_check`,
    /// synced, then renamed, so `dest` is whole or absent. The key file is not in it: a restore
    /// needs the same key. Returns the number of pages copied.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `dest` or its `.partial` exists (a backup never overwrites);
    /// [`Error::Store`] when SQLite or the file system fails (the partial file is removed).
    pub fn backup_to(&self, dest: &Path) -> Result<u64> {
        if dest.exists() {
            return Err(Error::InvalidInput(
                "the backup file exists already: name a new one",
            ));
        }
        let mut partial = dest.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&partial).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::InvalidInput(
                "DEST.partial exists: an earlier backup was cut short; remove it first",
            ),
            _ => Error::Store(format!("cannot create the backup file: {e}")),
        })?;
        let copied = self.copy_into(&partial).and_then(|pages| {
            let file = std::fs::File::open(&partial)
                .map_err(|e| Error::Store(format!("cannot reopen the backup file: {e}")))?;
            file.sync_all()
                .map_err(|e| Error::Store(format!("cannot sync the backup file: {e}")))?;
            std::fs::rename(&partial, dest)
                .map_err(|e| Error::Store(format!("cannot name the backup file: {e}")))?;
            Ok(pages)
        });
        if copied.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        copied
    }

    /// The online backup into the (empty) file `target`, then its integrity check.
    fn copy_into(&self, target: &Path) -> Result<u64> {
        use rusqlite::backup::{Backup, StepResult};
        let mut copy = Connection::open(target).map_err(sql_error("backup open"))?;
        let pages = {
            let mut pooled = self.checkout()?;
            let source = pooled.conn()?;
            let backup = Backup::new(source, &mut copy).map_err(sql_error("backup"))?;
            // Every page in one step: one read snapshot of the source, so writers never make
            // the copy start over (as they would between smaller steps).
            let deadline = std::time::Instant::now() + self.options.busy_timeout;
            loop {
                match backup.step(-1).map_err(sql_error("backup step"))? {
                    StepResult::Done => break,
                    _ if std::time::Instant::now() >= deadline => {
                        return Err(Error::Store(
                            "sqlite backup: the database stayed busy".into(),
                        ))
                    }
                    _ => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
            u64::try_from(backup.progress().pagecount).unwrap_or(0)
        };
        let check: String = copy
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(sql_error("backup integrity_check"))?;
        if check != "ok" {
            return Err(Error::Store(format!(
                "sqlite backup: the copy is damaged: {check}"
            )));
        }
        copy.close()
            .map_err(|(_, e)| sql_error("backup close")(e))?;
        Ok(pages)
    }

    /// The schema version of the open file (the number of [`MIGRATIONS`] applied).
    ///
    /// # Errors
    /// [`Error::Store`] when SQLite fails.
    pub fn schema_version(&self) -> Result<u32> {
        let mut pooled = self.checkout()?;
        user_version(pooled.conn()?)
    }

    // The pool's state is a list and a count that are never left half-updated, so a panic on
    // another thread while holding the lock does not make it unusable: poisoning is ignored.
    fn lock_pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection for one call: an idle one, a new one while fewer than `max_connections`
    /// exist, or the next one returned.
    fn checkout(&self) -> Result<Pooled<'_>> {
        // `None`: a timeout too long to represent, so no deadline.
        let deadline = Instant::now().checked_add(self.options.checkout_timeout);
        let mut pool = self.lock_pool();
        loop {
            if let Some(conn) = pool.idle.pop() {
                return Ok(Pooled {
                    store: self,
                    conn: Some(conn),
                });
            }
            // An in-memory database lives in its one connection: another would be a new, empty
            // database, so it is never opened (`checkin` keeps that connection whatever happens).
            if pool.open < self.options.max_connections && self.path.is_some() {
                pool.open += 1;
                drop(pool);
                // Opened outside the lock: other threads go on using the pool meanwhile.
                return match connect(self.path.as_deref(), &self.options) {
                    Ok(conn) => Ok(Pooled {
                        store: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.lock_pool().open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            pool = match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(Error::Store("every database connection stayed busy".into()));
                    }
                    self.returned
                        .wait_timeout(pool, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .returned
                    .wait(pool)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    fn checkin(&self, conn: Connection) {
        if !conn.is_autocommit() {
            // A transaction survived its rollback on drop (SQLite failed twice): one more try.
            // Its error is of no use here: the test below decides.
            let _ = conn.execute_batch("ROLLBACK");
        }
        let mut pool = self.lock_pool();
        if conn.is_autocommit() || self.path.is_none() {
            pool.idle.push(conn);
        } else {
            // Still inside a transaction: this connection cannot be trusted with the next call,
            // so it is closed, and a fresh one is opened when needed.
            pool.open -= 1;
            drop(pool);
            drop(conn);
        }
        self.returned.notify_one();
    }
}

/// A checked-out connection, returned to the pool when dropped.
struct Pooled<'a> {
    store: &'a SqliteStore,
    conn: Option<Connection>,
}

impl Pooled<'_> {
    /// The connection (present from checkout until the guard is dropped).
    fn conn(&mut self) -> Result<&mut Connection> {
        self.conn
            .as_mut()
            .ok_or_else(|| Error::Store("a pooled connection went missing".into()))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.store.checkin(conn);
        }
    }
}

/// An [`Error::Store`] naming the step and SQLite's complaint. rusqlite's errors carry SQLite's
/// message, a column index or type, or our own SQL text, never a bound parameter, so no record
/// value or key can end up in the message.
fn sql_error(step: &'static str) -> impl Fn(rusqlite::Error) -> Error {
    move |e| Error::Store(format!("sqlite {step}: {e}"))
}

/// Opens one connection and sets it up. Every setting below is per connection except
/// `journal_mode`, which is stored in the file (setting it again is a no-op).
fn connect(path: Option<&Path>, options: &SqliteOptions) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match path {
        Some(path) => Connection::open_with_flags(path, flags),
        None => Connection::open_in_memory(),
    }
    .map_err(sql_error("open"))?;
    // First, so that switching to WAL below also waits for other connections' locks.
    conn.busy_timeout(options.busy_timeout)
        .map_err(sql_error("busy_timeout"))?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(sql_error("journal_mode"))?;
    let expected = if path.is_some() { "wal" } else { "memory" };
    if !mode.eq_ignore_ascii_case(expected) {
        return Err(Error::Store(format!(
            "sqlite journal_mode: got {mode}, want {expected}"
        )));
    }
    // In WAL mode, `synchronous=NORMAL` already survives the process dying between two calls
    // (a commit is in the WAL file, that is in the OS, before `commit` returns), but not the
    // machine losing power or the kernel crashing: the WAL is only synced at checkpoints, so the
    // last commits could vanish. Here a lost commit is a security hole, not just lost data: a
    // forgotten replay mark lets an accepted code be used again, a forgotten failure count
    // undoes a lockout. `FULL` syncs the WAL at every commit, so once `commit` returns true the
    // change survives any crash.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sql_error("synchronous"))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(sql_error("foreign_keys"))?;
    // Deleted and overwritten content is zeroed, not left in free space: a secret replaced by its
    // sealed form (or a code hash by the next) is gone from the file once the WAL is
    // checkpointed.
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(sql_error("secure_delete"))?;
    Ok(conn)
}

fn user_version(conn: &Connection) -> Result<u32> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sql_error("read user_version"))?;
    u32::try_from(version).map_err(|_| Error::Store(format!("sqlite: bad user_version {version}")))
}

/// Brings `conn`'s file to `migrations.len()`: each missing step in its own `BEGIN IMMEDIATE`
/// transaction, which reads the version again, so two processes opening the same new file at once
/// apply each step once. A failing step is rolled back whole and reported; the steps before it
/// stay applied.
fn migrate(conn: &Connection, migrations: &[&str]) -> Result<()> {
    let latest =
        u32::try_from(migrations.len()).map_err(|_| Error::Store("too many migrations".into()))?;
    loop {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
            .map_err(sql_error("begin migration"))?;
        let current = user_version(&tx)?;
        if current > latest {
            return Err(Error::Store(format!(
                "the database has schema version {current}, newer than this program's {latest}"
            )));
        }
        let Some(step) = migrations.get(current as usize) else {
            // Up to date: nothing to write (the transaction is rolled back when dropped).
            return Ok(());
        };
        tx.execute_batch(step).map_err(|e| {
            Error::Store(format!("sqlite migration to version {}: {e}", current + 1))
        })?;
        tx.pragma_update(None, "user_version", current + 1)
            .map_err(sql_error("write user_version"))?;
        tx.commit().map_err(sql_error("commit migration"))?;
    }
}

fn to_sql_int(n: u64, what: &'static str) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Store(format!("{what} out of range for sqlite")))
}

fn from_sql_int(n: i64, what: &'static str) -> Result<u64> {
    u64::try_from(n).map_err(|_| Error::Store(format!("sqlite: negative {what} in the database")))
}

fn kind_from_name(name: &str) -> Result<EventKind> {
    name.parse()
        .map_err(|()| Error::Store("sqlite: unknown event kind in the audit log".into()))
}

/// What a commit found: go on, or stop without writing.
enum Outcome {
    Committed,
    Stale,
}

fn commit_in(conn: &mut Connection, writes: &[Write], events: &[AuditEvent]) -> Result<Outcome> {
    // Write lock first, then read: the versions checked cannot change before the writes land.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_error("begin"))?;
    // Every write is checked against the state before the transaction, then all are applied in
    // order (as `MemoryStore` does, so a key written twice ends with the last write).
    {
        let mut version_of = tx
            .prepare_cached("SELECT version FROM records WHERE key = ?1")
            .map_err(sql_error("prepare read"))?;
        for write in writes {
            let current = version_of
                .query_row(params![write.key], |row| row.get::<_, i64>(0))
                .optional()
                .map_err(sql_error("read version"))?
                .map_or(Ok(0), |v| from_sql_int(v, "version"))?;
            if current != write.expected {
                drop(version_of);
                tx.rollback().map_err(sql_error("rollback"))?;
                return Ok(Outcome::Stale);
            }
        }
    }
    {
        let mut upsert = tx
            .prepare_cached(
                "INSERT INTO records (key, version, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET version = excluded.version, value = excluded.value",
            )
            .map_err(sql_error("prepare write"))?;
        let mut delete = tx
            .prepare_cached("DELETE FROM records WHERE key = ?1")
            .map_err(sql_error("prepare delete"))?;
        for write in writes {
            match &write.value {
                Some(value) => {
                    let next = write
                        .expected
                        .checked_add(1)
                        .ok_or_else(|| Error::Store("version out of range".into()))?;
                    upsert
                        .execute(params![write.key, to_sql_int(next, "version")?, value])
                        .map_err(sql_error("write record"))?;
                }
                None => {
                    delete
                        .execute(params![write.key])
                        .map_err(sql_error("delete record"))?;
                }
            }
        }
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO audit (at, account, factor, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sql_error("prepare event"))?;
        for event in events {
            insert
                .execute(params![
                    to_sql_int(event.at, "event time")?,
                    event.account,
                    event.factor,
                    event.kind.as_str(),
                    event.detail,
                ])
                .map_err(sql_error("write event"))?;
        }
    }
    tx.commit().map_err(sql_error("commit"))?;
    Ok(Outcome::Committed)
}

impl Store for SqliteStore {
    fn get(&self, key: &str) -> Result<Option<Versioned>> {
        let mut pooled = self.checkout()?;
        let conn = pooled.conn()?;
        let mut stmt = conn
            .prepare_cached("SELECT version, value FROM records WHERE key = ?1")
            .map_err(sql_error("prepare get"))?;
        let row = stmt
            .query_row(params![key], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
            })
            .optional()
            .map_err(sql_error("get"))?;
        row.map(|(version, value)| {
            Ok(Versioned {
                version: from_sql_int(version, "version")?,
                value,
            })
        })
        .transpose()
    }

    fn scan(&self, prefix: &str) -> Result<Vec<(String, Versioned)>> {
        // `key >= prefix` walks the primary key index from the first candidate; the loop stops
        // at the first key without the prefix. TEXT keys compare bytewise (BINARY collation), the
        // same order as Rust's `str`, so this is exactly the prefix range, with no LIKE wildcards.
        let mut pooled = self.checkout()?;
        let conn = pooled.conn()?;
        let mut stmt = conn
            .prepare_cached("SELECT key, version, value FROM records WHERE key >= ?1 ORDER BY key")
            .map_err(sql_error("prepare scan"))?;
        let mut rows = stmt.query(params![prefix]).map_err(sql_error("scan"))?;
        let mut found = Vec::new();
        while let Some(row) = rows.next().map_err(sql_error("scan"))? {
            let key: String = row.get(0).map_err(sql_error("scan key"))?;
            if !key.starts_with(prefix) {
                break;
            }
            let version: i64 = row.get(1).map_err(sql_error("scan version"))?;
            let value: Vec<u8> = row.get(2).map_err(sql_error("scan value"))?;
            found.push((
                key,
                Versioned {
                    version: from_sql_int(version, "version")?,
                    value,
                },
            ));
        }
        Ok(found)
    }

    fn commit(&self, writes: &[Write], events: &[AuditEvent]) -> Result<bool> {
        let mut pooled = self.checkout()?;
        let conn = pooled.conn()?;
        // On an error the transaction is dropped, which rolls it back; a connection still inside
        // a transaction after that is closed instead of reused (see `checkin`).
        match commit_in(conn, writes, events)? {
            Outcome::Committed => Ok(true),
            Outcome::Stale => Ok(false),
        }
    }

    fn events(&self, account: &str, limit: usize) -> Result<Vec<AuditEvent>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut pooled = self.checkout()?;
        let conn = pooled.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT at, factor, kind, detail FROM audit
                 WHERE account = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(sql_error("prepare events"))?;
        let rows = stmt
            .query_map(params![account, limit], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, Option<u32>>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .map_err(sql_error("events"))?;
        let mut events = Vec::new();
        for row in rows {
            let (at, factor, kind, detail) = row.map_err(sql_error("events"))?;
            events.push(AuditEvent {
                at: from_sql_int(at, "event time")?,
                account: account.to_owned(),
                factor,
                kind: kind_from_name(&kind)?,
                detail,
            });
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    //! The migration runner with lists of steps other than [`MIGRATIONS`].

    use super::*;

    fn fresh() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = connect(Some(&dir.path().join("m.db")), &SqliteOptions::default()).unwrap();
        (dir, conn)
    }

    #[test]
    fn steps_through_each_missing_migration_in_order() {
        let (_dir, conn) = fresh();
        migrate(&conn, &["CREATE TABLE a (x INTEGER)"]).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 1);
        conn.execute("INSERT INTO a VALUES (1)", []).unwrap();
        // A second and third step: only those run (the first would fail: `a` exists).
        let steps = [
            "CREATE TABLE a (x INTEGER)",
            "ALTER TABLE a ADD COLUMN y INTEGER NOT NULL DEFAULT 7",
            "CREATE TABLE b AS SELECT x + y AS z FROM a",
        ];
        migrate(&conn, &steps).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 3);
        let z: i64 = conn.query_row("SELECT z FROM b", [], |r| r.get(0)).unwrap();
        assert_eq!(z, 8);
        // Up to date: a no-op.
        migrate(&conn, &steps).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 3);
    }

    #[test]
    fn a_failing_step_is_rolled_back_whole_and_earlier_steps_stay() {
        let (_dir, conn) = fresh();
        let steps = [
            "CREATE TABLE a (x INTEGER)",
            // Creates `c`, then fails: `c` must not survive.
            "CREATE TABLE c (x INTEGER); INSERT INTO nowhere VALUES (1);",
        ];
        let err = migrate(&conn, &steps).unwrap_err();
        assert!(
            matches!(&err, Error::Store(m) if m.contains("migration to version 2")),
            "{err:?}"
        );
        assert_eq!(user_version(&conn).unwrap(), 1);
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        assert_eq!(tables, ["a"]);
        assert!(conn.is_autocommit());
    }
}
