//! The verifier's [`Store`] on PostgreSQL (`--database postgres://...`): the store several
//! portal instances share.
//!
//! - **Schema.** The same two tables as the SQLite store, `records` and the append-only `audit`
//!   log, built by the numbered SQL of [`MIGRATIONS`]; the table `secure_login_schema` says how
//!   many have been applied. Each missing step runs in its own transaction under an advisory
//!   lock, so instances starting at once apply every step exactly once.
//! - **Bytes, not text.** Keys, account ids and details are `bytea`: PostgreSQL's `text` cannot
//!   hold a NUL character, which a hostile username can, and `bytea` compares bytewise, the order
//!   of Rust's `str`, so a prefix scan is one index range.
//! - **Compare-and-set.** A commit locks the rows it writes (`SELECT ... FOR UPDATE`, in key
//!   order, so two commits never wait on each other in a circle), compares their versions, and
//!   writes them and its audit events in the same transaction. A record that must not exist yet
//!   is inserted plainly: if another transaction inserted it meanwhile, the unique key refuses
//!   and the commit reports a lost race (`Ok(false)`), as it does for a deadlock or a
//!   serialization failure PostgreSQL detects. The verifier then reads again and decides again.
//! - **Blocking calls.** The trait is synchronous (the server calls the verifier from its
//!   blocking pool); each call runs on the store's own small tokio runtime, where the connection
//!   pool (deadpool-postgres) lives, and the calling thread waits for the answer.
//! - **Signals between instances.** [`PgStore::notify`] and [`PgStore::listen`] carry short
//!   notes (`NOTIFY`/`LISTEN`) from one instance to all: a push changed, a message's attempt was
//!   reported. They only say "look again": what is true is in the records.
//! - **Errors.** Every failure becomes [`Error::Store`] naming the step and PostgreSQL's own
//!   message; parameters (keys, values) are never in it.

use std::collections::BTreeMap;
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Transaction};
use secure_login_verifier::{AuditEvent, Error, EventKind, Result, Store, Versioned, Write};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

/// The schema, one step per entry: entry `n` takes a database from version `n` to `n + 1`.
/// Append new steps; never edit one that has shipped.
///
/// The first step uses plain `CREATE TABLE`: a database at version 0 that already has tables of
/// these names is refused, untouched.
pub const MIGRATIONS: &[&str] = &[
    // 1: records and the audit log.
    "CREATE TABLE records (
         key BYTEA PRIMARY KEY,
         version BIGINT NOT NULL,
         value BYTEA NOT NULL
     );
     CREATE TABLE audit (
         id BIGSERIAL PRIMARY KEY,
         at BIGINT NOT NULL,
         account BYTEA NOT NULL,
         factor BIGINT NULL,
         kind TEXT NOT NULL,
         detail BYTEA NOT NULL
     );
     CREATE INDEX audit_account ON audit (account, id);",
];

/// The advisory lock the migrations take (any constant of ours: "secure-l" in ASCII).
const MIGRATION_LOCK: i64 = 0x7365_6375_7265_2d6c;

/// How a [`PgStore`] uses the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgOptions {
    /// The most connections open at once (at least 1).
    pub max_connections: usize,
    /// How long a new connection may take.
    pub connect_timeout: Duration,
    /// How long a call waits for a free connection when all are in use.
    pub checkout_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            connect_timeout: Duration::from_secs(5),
            checkout_timeout: Duration::from_secs(30),
        }
    }
}

/// A note from some instance: its channel and payload.
pub type Notification = (String, String);

/// How long a broken `LISTEN` connection waits before connecting again.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// A [`Store`] in a PostgreSQL database.
pub struct PgStore {
    pool: Pool,
    /// For the `LISTEN` connection, which is not the pool's.
    config: tokio_postgres::Config,
    /// Where the pool's connections run; `None` only while being dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime waits for its tasks, which is refused inside another runtime (a
        // test's, the server's): let them end in the background instead.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// An [`Error::Store`] naming the step and PostgreSQL's complaint (its message, code and
/// position, never a bound parameter).
fn pg_error(step: &'static str) -> impl Fn(tokio_postgres::Error) -> Error {
    move |e| match e.as_db_error() {
        Some(db) => Error::Store(format!(
            "postgres {step}: {}: {}",
            db.code().code(),
            db.message()
        )),
        None => Error::Store(format!("postgres {step}: {e}")),
    }
}

fn pool_error(e: deadpool_postgres::PoolError) -> Error {
    Error::Store(format!("postgres connection: {e}"))
}

/// Whether `e` means another transaction won a race on the same rows: a key inserted
/// meanwhile, a deadlock broken by PostgreSQL, a serialization failure.
fn lost_race(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|code| {
        *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
    })
}

fn to_sql_int(n: u64, what: &'static str) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Store(format!("{what} out of range for postgres")))
}

fn from_sql_int(n: i64, what: &'static str) -> Result<u64> {
    u64::try_from(n).map_err(|_| Error::Store(format!("postgres: negative {what} in the database")))
}

fn text(bytes: Vec<u8>, what: &'static str) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| Error::Store(format!("postgres: {what} is not UTF-8")))
}

/// The first byte string after every string that starts with `prefix`: `prefix` with its last
/// byte below 0xFF incremented and what follows it dropped. `None` when there is none (an
/// empty prefix, or only 0xFF bytes): the range is then open at the top.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|&b| b < 0xFF)?;
    let mut end = prefix.get(..=last)?.to_vec();
    if let Some(byte) = end.last_mut() {
        *byte += 1;
    }
    Some(end)
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`, or a
    /// Unix socket's directory in `?host=`) and brings its schema up to date.
    ///
    /// # Errors
    /// [`Error::Store`] when the URL does not parse, the database cannot be reached, has a schema
    /// newer than this program knows, or a migration fails (the database is then left at the last
    /// version that applied whole).
    pub fn open(url: &str) -> Result<Self> {
        Self::open_with(url, PgOptions::default())
    }

    /// [`PgStore::open`] with explicit options.
    ///
    /// # Errors
    /// As [`PgStore::open`].
    pub fn open_with(url: &str, options: PgOptions) -> Result<Self> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|_| Error::Store("postgres: the database URL does not parse".into()))?;
        config.connect_timeout(options.connect_timeout);
        config.application_name("secure-login");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("postgres")
            .enable_all()
            .build()
            .map_err(|e| Error::Store(format!("postgres: cannot start the client runtime: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.checkout_timeout))
            .create_timeout(Some(options.connect_timeout))
            .recycle_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|e| Error::Store(format!("postgres pool: {e}")))?;
        let store = Self {
            pool,
            config,
            runtime: Some(runtime),
        };
        let pool = store.pool.clone();
        store.run(async move { migrate(&pool, MIGRATIONS).await })?;
        Ok(store)
    }

    /// The schema version of the database (the number of [`MIGRATIONS`] applied).
    ///
    /// # Errors
    /// [`Error::Store`] when PostgreSQL fails.
    pub fn schema_version(&self) -> Result<u32> {
        let pool = self.pool.clone();
        self.run(async move {
            let client = pool.get().await.map_err(pool_error)?;
            let row = client
                .query_one("SELECT version FROM secure_login_schema", &[])
                .await
                .map_err(pg_error("read the schema version"))?;
            u32::try_from(row.get::<_, i32>(0))
                .map_err(|_| Error::Store("postgres: bad schema version".into()))
        })
    }

    /// Sends `payload` on `channel` to every instance listening (this one too), without waiting:
    /// a note that is lost (the database is down) only delays what the records say anyway.
    pub fn notify(&self, channel: &'static str, payload: String) {
        let Some(runtime) = &self.runtime else { return };
        let pool = self.pool.clone();
        runtime.spawn(async move {
            let sent = match pool.get().await {
                Ok(client) => client
                    .execute("SELECT pg_notify($1, $2)", &[&channel, &payload])
                    .await
                    .map_err(pg_error("notify")),
                Err(e) => Err(pool_error(e)),
            };
            if let Err(error) = sent {
                tracing::warn!(%error, channel, "a note to the other instances was not sent");
            }
        });
    }

    /// Every note on `channels` from now on (from any instance, this one included), over a
    /// connection of its own that is opened again whenever it breaks. Notes sent while it is
    /// broken are missed: listeners must also look at the records from time to time.
    ///
    /// # Errors
    /// [`Error::Store`] when the store is closing.
    pub fn listen(
        &self,
        channels: &'static [&'static str],
    ) -> Result<tokio::sync::broadcast::Receiver<Notification>> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| Error::Store("postgres: the store is closing".into()))?;
        let (notes, receiver) = tokio::sync::broadcast::channel(256);
        let config = self.config.clone();
        runtime.spawn(async move {
            // Ends when nobody listens any more.
            while notes.receiver_count() > 0 {
                if let Err(error) = listen_once(&config, channels, &notes).await {
                    tracing::warn!(%error, "listening for the other instances' notes");
                }
                tokio::time::sleep(RELISTEN_AFTER).await;
            }
        });
        Ok(receiver)
    }

    /// Runs `task` on the store's runtime and waits for it. Never panics, whatever runtime the
    /// caller is on (a plain thread, the blocking pool, a test's runtime).
    fn run<T, F>(&self, task: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| Error::Store("postgres: the store is closing".into()))?;
        let (done, answer) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            // The caller waits for this; if it went away, nobody needs the answer.
            let _ = done.send(task.await);
        });
        answer
            .recv()
            .map_err(|_| Error::Store("postgres: the call did not finish".into()))?
    }
}

/// One `LISTEN` connection: forwards its notifications to `notes` until it breaks.
async fn listen_once(
    config: &tokio_postgres::Config,
    channels: &[&str],
    notes: &tokio::sync::broadcast::Sender<Notification>,
) -> Result<()> {
    let (client, mut connection) = config.connect(NoTls).await.map_err(pg_error("listen"))?;
    let forward = {
        let notes = notes.clone();
        async move {
            while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                match message {
                    Ok(tokio_postgres::AsyncMessage::Notification(note)) => {
                        // Nobody listening right now is fine.
                        let _ = notes.send((note.channel().to_owned(), note.payload().to_owned()));
                    }
                    Ok(_) => {}
                    Err(e) => return Err(pg_error("listen")(e)),
                }
            }
            Ok(())
        }
    };
    let subscribe = async {
        let sql: String = channels
            .iter()
            .map(|c| format!("LISTEN \"{c}\";"))
            .collect();
        client
            .batch_execute(&sql)
            .await
            .map_err(pg_error("listen"))?;
        // Keeps the client (and so the connection) open until `forward` ends.
        std::future::pending::<Result<()>>().await
    };
    tokio::select! {
        ended = forward => ended,
        failed = subscribe => failed,
    }
}

/// Brings the database to `migrations.len()`: each missing step in its own transaction, after
/// the advisory lock and a fresh read of the version, so concurrent starts apply each step once.
async fn migrate(pool: &Pool, migrations: &'static [&'static str]) -> Result<()> {
    let latest =
        i32::try_from(migrations.len()).map_err(|_| Error::Store("too many migrations".into()))?;
    let mut client = pool.get().await.map_err(pool_error)?;
    loop {
        let tx = client
            .transaction()
            .await
            .map_err(pg_error("begin migration"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(pg_error("lock for migration"))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS secure_login_schema (version INTEGER NOT NULL);
             INSERT INTO secure_login_schema (version)
                 SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM secure_login_schema);",
        )
        .await
        .map_err(pg_error("schema version table"))?;
        let current: i32 = tx
            .query_one("SELECT version FROM secure_login_schema", &[])
            .await
            .map_err(pg_error("read the schema version"))?
            .get(0);
        if current > latest {
            return Err(Error::Store(format!(
                "the database has schema version {current}, newer than this program's {latest}"
            )));
        }
        let Some(step) = usize::try_from(current)
            .ok()
            .and_then(|at| migrations.get(at))
        else {
            tx.commit().await.map_err(pg_error("commit migration"))?;
            return Ok(());
        };
        tx.batch_execute(step).await.map_err(|e| {
            let message = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |db| db.message().to_owned());
            Error::Store(format!(
                "postgres migration to version {}: {message}",
                current + 1
            ))
        })?;
        tx.execute(
            "UPDATE secure_login_schema SET version = $1",
            &[&(current + 1)],
        )
        .await
        .map_err(pg_error("write the schema version"))?;
        tx.commit().await.map_err(pg_error("commit migration"))?;
    }
}

/// The writes of one commit, one per key (the last write of a key wins, as in the other
/// stores; the versions were all checked against the state before the commit).
fn final_writes(writes: &[Write]) -> BTreeMap<&str, (u64, Option<&[u8]>)> {
    writes
        .iter()
        .map(|w| (w.key.as_str(), (w.expected, w.value.as_deref())))
        .collect()
}

/// A statement's result inside a commit: `Ok(None)` for a lost race (the commit then reports
/// `false`), a quiet store error for any other failure.
fn raced<T>(
    result: std::result::Result<T, tokio_postgres::Error>,
    step: &'static str,
) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if lost_race(&e) => Ok(None),
        Err(e) => Err(pg_error(step)(e)),
    }
}

/// Checks and writes inside `tx`: `Ok(false)` when a version is not the expected one or another
/// transaction won a race on the same rows.
async fn commit_in(tx: &Transaction<'_>, writes: &[Write], events: &[AuditEvent]) -> Result<bool> {
    let finals = final_writes(writes);
    let keys: Vec<&[u8]> = finals.keys().map(|k| k.as_bytes()).collect();
    // Locks every existing row written, in key order, and reads its version.
    let locked = tx
        .query(
            "SELECT key, version FROM records WHERE key = ANY($1) ORDER BY key FOR UPDATE",
            &[&keys],
        )
        .await;
    let Some(rows) = raced(locked, "lock records")? else {
        return Ok(false);
    };
    let mut current = BTreeMap::new();
    for row in rows {
        current.insert(
            row.get::<_, Vec<u8>>(0),
            from_sql_int(row.get(1), "version")?,
        );
    }
    if writes
        .iter()
        .any(|w| current.get(w.key.as_bytes()).copied().unwrap_or(0) != w.expected)
    {
        return Ok(false);
    }
    for (key, (expected, value)) in finals {
        let next = to_sql_int(
            expected
                .checked_add(1)
                .ok_or_else(|| Error::Store("version out of range".into()))?,
            "version",
        )?;
        let key = key.as_bytes();
        let written = match (expected, value) {
            (0, Some(value)) => raced(
                tx.execute(
                    "INSERT INTO records (key, version, value) VALUES ($1, $2, $3)",
                    &[&key, &next, &value],
                )
                .await,
                "insert record",
            )?,
            (_, Some(value)) => raced(
                tx.execute(
                    "UPDATE records SET version = $2, value = $3 WHERE key = $1",
                    &[&key, &next, &value],
                )
                .await,
                "update record",
            )?,
            // Absent, and to stay absent.
            (0, None) => Some(0),
            (_, None) => raced(
                tx.execute("DELETE FROM records WHERE key = $1", &[&key])
                    .await,
                "delete record",
            )?,
        };
        if written.is_none() {
            return Ok(false);
        }
    }
    if !events.is_empty() {
        let mut at = Vec::with_capacity(events.len());
        let mut account = Vec::with_capacity(events.len());
        let mut factor = Vec::with_capacity(events.len());
        let mut kind = Vec::with_capacity(events.len());
        let mut detail = Vec::with_capacity(events.len());
        for event in events {
            at.push(to_sql_int(event.at, "event time")?);
            account.push(event.account.as_bytes());
            factor.push(event.factor.map(i64::from));
            kind.push(event.kind.as_str());
            detail.push(event.detail.as_bytes());
        }
        // One statement for all of them, in order (ids follow the array's order).
        let written = tx
            .execute(
                "INSERT INTO audit (at, account, factor, kind, detail)
             SELECT at, account, factor, kind, detail
             FROM UNNEST($1::BIGINT[], $2::BYTEA[], $3::BIGINT[], $4::TEXT[], $5::BYTEA[])
                 WITH ORDINALITY AS e(at, account, factor, kind, detail, n) ORDER BY n",
                &[&at, &account, &factor, &kind, &detail],
            )
            .await;
        if raced(written, "write events")?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

async fn commit(pool: Pool, writes: Vec<Write>, events: Vec<AuditEvent>) -> Result<bool> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error("begin"))?;
    // On `false` or an error the transaction is dropped, which rolls it back.
    if !commit_in(&tx, &writes, &events).await? {
        return Ok(false);
    }
    Ok(raced(tx.commit().await, "commit")?.is_some())
}

impl Store for PgStore {
    fn get(&self, key: &str) -> Result<Option<Versioned>> {
        let pool = self.pool.clone();
        let key = key.as_bytes().to_vec();
        self.run(async move {
            let client = pool.get().await.map_err(pool_error)?;
            let statement = client
                .prepare_cached("SELECT version, value FROM records WHERE key = $1")
                .await
                .map_err(pg_error("prepare get"))?;
            let row = client
                .query_opt(&statement, &[&key])
                .await
                .map_err(pg_error("get"))?;
            row.map(|row| {
                Ok(Versioned {
                    version: from_sql_int(row.get(0), "version")?,
                    value: row.get(1),
                })
            })
            .transpose()
        })
    }

    fn scan(&self, prefix: &str) -> Result<Vec<(String, Versioned)>> {
        let pool = self.pool.clone();
        let start = prefix.as_bytes().to_vec();
        let end = prefix_end(&start);
        self.run(async move {
            let client = pool.get().await.map_err(pool_error)?;
            let rows = match end {
                Some(end) => {
                    let statement = client
                        .prepare_cached(
                            "SELECT key, version, value FROM records
                             WHERE key >= $1 AND key < $2 ORDER BY key",
                        )
                        .await
                        .map_err(pg_error("prepare scan"))?;
                    client.query(&statement, &[&start, &end]).await
                }
                None => {
                    let statement = client
                        .prepare_cached(
                            "SELECT key, version, value FROM records WHERE key >= $1 ORDER BY key",
                        )
                        .await
                        .map_err(pg_error("prepare scan"))?;
                    client.query(&statement, &[&start]).await
                }
            }
            .map_err(pg_error("scan"))?;
            rows.into_iter()
                .map(|row| {
                    Ok((
                        text(row.get(0), "a record key")?,
                        Versioned {
                            version: from_sql_int(row.get(1), "version")?,
                            value: row.get(2),
                        },
                    ))
                })
                .collect()
        })
    }

    fn commit(&self, writes: &[Write], events: &[AuditEvent]) -> Result<bool> {
        let pool = self.pool.clone();
        let (writes, events) = (writes.to_vec(), events.to_vec());
        self.run(commit(pool, writes, events))
    }

    fn events(&self, account: &str, limit: usize) -> Result<Vec<AuditEvent>> {
        let pool = self.pool.clone();
        let owner = account.to_owned();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(async move {
            let client = pool.get().await.map_err(pool_error)?;
            let statement = client
                .prepare_cached(
                    "SELECT at, factor, kind, detail FROM audit
                     WHERE account = $1 ORDER BY id DESC LIMIT $2",
                )
                .await
                .map_err(pg_error("prepare events"))?;
            let rows = client
                .query(&statement, &[&owner.as_bytes(), &limit])
                .await
                .map_err(pg_error("events"))?;
            rows.into_iter()
                .map(|row| {
                    let factor: Option<i64> = row.get(1);
                    let kind: String = row.get(2);
                    Ok(AuditEvent {
                        at: from_sql_int(row.get(0), "event time")?,
                        account: owner.clone(),
                        factor: factor
                            .map(|f| {
                                u32::try_from(f).map_err(|_| {
                                    Error::Store("postgres: bad factor in the audit log".into())
                                })
                            })
                            .transpose()?,
                        kind: kind.parse::<EventKind>().map_err(|()| {
                            Error::Store("postgres: unknown event kind in the audit log".into())
                        })?,
                        detail: text(row.get(3), "an event's detail")?,
                    })
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_range_ends_after_every_key_with_the_prefix() {
        assert_eq!(prefix_end(b"lock/"), Some(b"lock0".to_vec()));
        assert_eq!(prefix_end(b"a\xff\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff"), None);
        assert_eq!(prefix_end(b""), None);
        // Keys with the prefix are inside [prefix, end); the next key without it is not.
        let end = prefix_end("dé".as_bytes()).unwrap();
        for inside in ["dé", "dé/x", "dé\u{10ffff}"] {
            assert!(inside.as_bytes() >= "dé".as_bytes() && inside.as_bytes() < end.as_slice());
        }
        assert!("dê".as_bytes() >= end.as_slice());
    }

    #[test]
    fn the_last_write_of_a_key_is_the_one_applied() {
        let write = |key: &str, expected, value: Option<&[u8]>| Write {
            key: key.into(),
            expected,
            value: value.map(<[u8]>::to_vec),
        };
        let writes = [
            write("b", 0, Some(b"1")),
            write("a", 3, None),
            write("b", 0, Some(b"2")),
        ];
        let finals = final_writes(&writes);
        assert_eq!(finals.get("b"), Some(&(0, Some(&b"2"[..]))));
        assert_eq!(finals.get("a"), Some(&(3, None)));
        assert_eq!(finals.len(), 2);
    }
}
