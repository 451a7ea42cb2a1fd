//! The SQLite store: the `Store` contract (checked against `MemoryStore` and the PostgreSQL store
//! too), durability across a reopen and a killed process, migrations, real threads on one file,
//! and quiet errors. (What is PostgreSQL's own is in `pg_store.rs`.)

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::time::Duration;

use rusqlite::Connection;
use secure_login_server::sqlite_store::MIGRATIONS;
use secure_login_server::{PgStore, SqliteOptions, SqliteStore};
use secure_login_verifier::{AuditEvent, Error, EventKind, MemoryStore, Store, Versioned, Write};
use tempfile::TempDir;

fn temp_store() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("store.db")).unwrap();
    (dir, store)
}

fn put(key: &str, expected: u64, value: &[u8]) -> Write {
    Write {
        key: key.to_owned(),
        expected,
        value: Some(value.to_vec()),
    }
}

fn delete(key: &str, expected: u64) -> Write {
    Write {
        key: key.to_owned(),
        expected,
        value: None,
    }
}

fn event(account: &str, at: u64, kind: EventKind) -> AuditEvent {
    AuditEvent {
        at,
        account: account.to_owned(),
        factor: Some(1),
        kind,
        detail: format!("at {at}"),
    }
}

fn versioned(version: u64, value: &[u8]) -> Option<Versioned> {
    Some(Versioned {
        version,
        value: value.to_vec(),
    })
}

/// Runs `check` on a `MemoryStore` (the reference), an in-memory SQLite store, a SQLite file and,
/// where PostgreSQL is installed, a PostgreSQL store on a fresh schema.
fn on_every_store(check: impl Fn(&dyn Store)) {
    check(&MemoryStore::new());
    check(&SqliteStore::open_in_memory().unwrap());
    let (_dir, store) = temp_store();
    check(&store);
    if let Some(cluster) = crate::harness::postgres::cluster() {
        check(&PgStore::open(&cluster.fresh_schema()).unwrap());
    }
}

// ---------------------------------------------------------------------------------------------
// The contract

#[test]
fn insert_if_absent() {
    on_every_store(|store| {
        assert_eq!(store.get("k").unwrap(), None);
        assert!(store.commit(&[put("k", 0, b"first")], &[]).unwrap());
        assert_eq!(store.get("k").unwrap(), versioned(1, b"first"));
        // A second insert of the same key loses: the record exists.
        assert!(!store.commit(&[put("k", 0, b"second")], &[]).unwrap());
        assert_eq!(store.get("k").unwrap(), versioned(1, b"first"));
    });
}

#[test]
fn compare_and_set_succeeds_at_the_read_version_only() {
    on_every_store(|store| {
        assert!(store.commit(&[put("k", 0, b"v1")], &[]).unwrap());
        assert!(store.commit(&[put("k", 1, b"v2")], &[]).unwrap());
        assert_eq!(store.get("k").unwrap(), versioned(2, b"v2"));
        // Stale, future and "absent" versions all fail and change nothing.
        for expected in [1, 3, 0, u64::MAX] {
            assert!(
                !store.commit(&[put("k", expected, b"nope")], &[]).unwrap(),
                "{expected}"
            );
        }
        assert_eq!(store.get("k").unwrap(), versioned(2, b"v2"));
        // Binary values come back byte for byte.
        let bytes: Vec<u8> = (0..=255).collect();
        assert!(store.commit(&[put("k", 2, &bytes)], &[]).unwrap());
        assert_eq!(store.get("k").unwrap(), versioned(3, &bytes));
    });
}

#[test]
fn one_stale_write_applies_nothing_and_records_no_event() {
    on_every_store(|store| {
        assert!(store
            .commit(
                &[put("a", 0, b"a1"), put("b", 0, b"b1")],
                &[event("alice", 1, EventKind::AccountCreated)]
            )
            .unwrap());
        // `b` is stale (it is at 1): neither `a`, `b` nor the new `c` changes, no event is kept.
        let writes = [
            put("a", 1, b"a2"),
            put("b", 0, b"b2"),
            put("c", 0, b"c1"),
            delete("a", 1),
        ];
        let events = [event("alice", 2, EventKind::LoginSucceeded)];
        assert!(!store.commit(&writes, &events).unwrap());
        assert_eq!(store.get("a").unwrap(), versioned(1, b"a1"));
        assert_eq!(store.get("b").unwrap(), versioned(1, b"b1"));
        assert_eq!(store.get("c").unwrap(), None);
        assert_eq!(
            store.events("alice", 10).unwrap(),
            [event("alice", 1, EventKind::AccountCreated)]
        );
        // The same change at the right versions applies whole.
        let writes = [put("a", 1, b"a2"), put("b", 1, b"b2"), put("c", 0, b"c1")];
        assert!(store.commit(&writes, &events).unwrap());
        assert_eq!(store.get("a").unwrap(), versioned(2, b"a2"));
        assert_eq!(store.get("b").unwrap(), versioned(2, b"b2"));
        assert_eq!(store.get("c").unwrap(), versioned(1, b"c1"));
        assert_eq!(store.events("alice", 10).unwrap().len(), 2);
    });
}

#[test]
fn delete_at_the_read_version() {
    on_every_store(|store| {
        assert!(store
            .commit(&[put("k", 0, b"v1"), put("k2", 0, b"x")], &[])
            .unwrap());
        assert!(!store.commit(&[delete("k", 2)], &[]).unwrap());
        assert!(!store.commit(&[delete("k", 0)], &[]).unwrap());
        assert_eq!(store.get("k").unwrap(), versioned(1, b"v1"));
        assert!(store.commit(&[delete("k", 1)], &[]).unwrap());
        assert_eq!(store.get("k").unwrap(), None);
        assert_eq!(store.get("k2").unwrap(), versioned(1, b"x"));
        // Deleting an absent record at 0 is a (committed) no-op.
        assert!(store.commit(&[delete("k", 0)], &[]).unwrap());
        // A key inserted again starts over at version 1 (see the report: versions are per life).
        assert!(store.commit(&[put("k", 0, b"again")], &[]).unwrap());
        assert_eq!(store.get("k").unwrap(), versioned(1, b"again"));
    });
}

#[test]
fn a_key_written_twice_in_one_commit_ends_as_memory_store_does() {
    on_every_store(|store| {
        // Both writes are checked against the state before the commit; the last one wins.
        assert!(store
            .commit(&[put("k", 0, b"one"), put("k", 0, b"two")], &[])
            .unwrap());
        assert_eq!(store.get("k").unwrap(), versioned(1, b"two"));
        assert!(store
            .commit(&[put("k", 1, b"three"), delete("k", 1)], &[])
            .unwrap());
        assert_eq!(store.get("k").unwrap(), None);
    });
}

#[test]
fn scan_returns_the_prefix_in_key_order() {
    let keys = [
        "b",
        "a/y",
        "a",
        "a0",
        "a/x",
        "a/",
        "a/x/deep",
        "%/x",
        "_x",
        "a%",
        "é/1",
        "é",
        "Z",
        "",
        "a\u{10ffff}",
    ];
    on_every_store(|store| {
        let reference = MemoryStore::new();
        for key in keys {
            assert!(store.commit(&[put(key, 0, key.as_bytes())], &[]).unwrap());
            assert!(reference
                .commit(&[put(key, 0, key.as_bytes())], &[])
                .unwrap());
        }
        let names = |prefix: &str| -> Vec<String> {
            let found = store.scan(prefix).unwrap();
            for (key, v) in &found {
                assert_eq!(
                    v,
                    &Versioned {
                        version: 1,
                        value: key.as_bytes().to_vec()
                    }
                );
            }
            assert_eq!(found, reference.scan(prefix).unwrap(), "prefix {prefix:?}");
            found.into_iter().map(|(k, _)| k).collect()
        };
        assert_eq!(names("a/"), ["a/", "a/x", "a/x/deep", "a/y"]);
        assert_eq!(names("a/x"), ["a/x", "a/x/deep"]);
        assert_eq!(
            names("a"),
            [
                "a",
                "a%",
                "a/",
                "a/x",
                "a/x/deep",
                "a/y",
                "a0",
                "a\u{10ffff}"
            ]
        );
        // No LIKE wildcards: `%` and `_` are plain characters.
        assert_eq!(names("%"), ["%/x"]);
        assert_eq!(names("_"), ["_x"]);
        assert_eq!(names("é"), ["é", "é/1"]);
        assert_eq!(names("zz"), Vec::<String>::new());
        assert_eq!(names("a/x/deep/"), Vec::<String>::new());
        // The empty prefix is everything, in byte order ("" < "%/x" < "Z" < "_x" < "a" ...).
        let mut sorted: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        sorted.sort();
        assert_eq!(names(""), sorted);
    });
}

#[test]
fn events_are_per_account_newest_first_and_limited() {
    on_every_store(|store| {
        for i in 0..5 {
            let events = [
                event("alice", 100 + i, EventKind::CodeRejected),
                event("bob", 200 + i, EventKind::MessageSent),
            ];
            assert!(store.commit(&[], &events).unwrap());
        }
        let at = |events: Vec<AuditEvent>| events.into_iter().map(|e| e.at).collect::<Vec<_>>();
        assert_eq!(
            at(store.events("alice", 10).unwrap()),
            [104, 103, 102, 101, 100]
        );
        assert_eq!(at(store.events("alice", 2).unwrap()), [104, 103]);
        assert_eq!(at(store.events("bob", 3).unwrap()), [204, 203, 202]);
        assert_eq!(at(store.events("alice", 0).unwrap()), Vec::<u64>::new());
        assert_eq!(at(store.events("alice", usize::MAX).unwrap()).len(), 5);
        assert_eq!(at(store.events("carol", 10).unwrap()), Vec::<u64>::new());
        // Newest means committed last, not largest `at`.
        assert!(store
            .commit(&[], &[event("alice", 1, EventKind::FactorLocked)])
            .unwrap());
        assert_eq!(at(store.events("alice", 2).unwrap()), [1, 104]);
        // Events without writes, and several in one commit, keep their order.
        assert!(store
            .commit(
                &[],
                &[
                    event("dave", 7, EventKind::PushSent),
                    event("dave", 7, EventKind::PushApproved)
                ]
            )
            .unwrap());
        let kinds: Vec<EventKind> = store
            .events("dave", 5)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, [EventKind::PushApproved, EventKind::PushSent]);
    });
}

const ALL_KINDS: [EventKind; 14] = [
    EventKind::AccountCreated,
    EventKind::PasswordAccepted,
    EventKind::LoginSucceeded,
    EventKind::CodeRejected,
    EventKind::FactorLocked,
    EventKind::FactorUnlocked,
    EventKind::MessageSent,
    EventKind::PushSent,
    EventKind::PushApproved,
    EventKind::PushDenied,
    EventKind::TokenActivated,
    EventKind::FactorAdded,
    EventKind::FactorRetired,
    EventKind::PhoneChanged,
];

#[test]
fn every_event_field_round_trips() {
    on_every_store(|store| {
        let events: Vec<AuditEvent> = ALL_KINDS
            .iter()
            .enumerate()
            .map(|(i, kind)| AuditEvent {
                at: [0, 1, u64::from(u32::MAX), i64::MAX as u64][i % 4],
                account: "ünïcode 'account'".to_owned(),
                factor: [None, Some(0), Some(u32::MAX)][i % 3],
                kind: *kind,
                detail: format!("sms to +41 ** *** ** {i:02}; \"quoted\" \n line"),
            })
            .collect();
        assert!(store.commit(&[], &events).unwrap());
        let mut back = store.events("ünïcode 'account'", 100).unwrap();
        back.reverse();
        assert_eq!(back, events);
    });
}

#[test]
fn the_event_kind_is_stored_as_its_snake_case_name() {
    let (dir, store) = temp_store();
    let events: Vec<AuditEvent> = ALL_KINDS.iter().map(|k| event("alice", 1, *k)).collect();
    assert!(store.commit(&[], &events).unwrap());
    let raw = Connection::open(dir.path().join("store.db")).unwrap();
    let names: Vec<String> = raw
        .prepare("SELECT kind FROM audit ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names.first().map(String::as_str), Some("account_created"));
    assert_eq!(names.get(3).map(String::as_str), Some("code_rejected"));
    for (name, kind) in names.iter().zip(ALL_KINDS) {
        assert_eq!(format!("\"{name}\""), serde_json::to_string(&kind).unwrap());
    }
    // An unknown name in the file is a store error, not a panic.
    raw.execute("UPDATE audit SET kind = 'nonsense' WHERE id = 1", [])
        .unwrap();
    let err = store.events("alice", 100).unwrap_err();
    assert!(
        matches!(&err, Error::Store(m) if m.contains("unknown event kind")),
        "{err:?}"
    );
}

#[test]
fn out_of_range_numbers_are_store_errors() {
    let (_dir, store) = temp_store();
    let too_late = AuditEvent {
        at: u64::MAX,
        ..event("alice", 0, EventKind::CodeRejected)
    };
    let err = store.commit(&[put("k", 0, b"v")], &[too_late]).unwrap_err();
    assert_eq!(err.code(), "StorageFailure");
    assert_eq!(store.get("k").unwrap(), None, "nothing applied");
    assert!(store.events("alice", 10).unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Durability

fn fill(store: &SqliteStore) {
    assert!(store
        .commit(
            &[
                put("account/1", 0, b"{\"name\":\"alice\"}"),
                put("replay/1/1", 0, b"57")
            ],
            &[event("1", 10, EventKind::AccountCreated)],
        )
        .unwrap());
    assert!(store
        .commit(
            &[put("replay/1/1", 1, b"58")],
            &[event("1", 11, EventKind::LoginSucceeded)]
        )
        .unwrap());
}

fn check_filled(store: &SqliteStore) {
    assert_eq!(
        store.get("account/1").unwrap(),
        versioned(1, b"{\"name\":\"alice\"}")
    );
    assert_eq!(store.get("replay/1/1").unwrap(), versioned(2, b"58"));
    assert_eq!(
        store.events("1", 10).unwrap(),
        [
            event("1", 11, EventKind::LoginSucceeded),
            event("1", 10, EventKind::AccountCreated)
        ]
    );
}

#[test]
fn everything_is_there_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        fill(&store);
    }
    let store = SqliteStore::open(&path).unwrap();
    check_filled(&store);
    // And it goes on from there: versions continue, the log appends.
    assert!(store
        .commit(
            &[put("replay/1/1", 2, b"59")],
            &[event("1", 12, EventKind::LoginSucceeded)]
        )
        .unwrap());
    assert_eq!(store.events("1", 10).unwrap().len(), 3);
}

const CHILD_ENV: &str = "SECURE_LOGIN_SQLITE_STORE_CHILD";

/// The process is killed right after `commit` returns (no destructor, no checkpoint: the data is
/// only in the WAL); a new process finds everything.
#[test]
fn everything_is_there_after_the_process_dies() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        // The child: commit, then die at once.
        let path = Path::new(&path);
        let store = SqliteStore::open(path).unwrap();
        fill(&store);
        std::fs::write(path.with_extension("committed"), b"").unwrap();
        std::process::abort();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            // This test's own name in the one test binary (tests/it/main.rs).
            "sqlite_store::everything_is_there_after_the_process_dies",
            "--exact",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(
        dir.path().join("store.committed").exists(),
        "the child did not get to commit"
    );
    assert!(!status.success(), "the child must have died");
    assert!(
        dir.path().join("store.db-wal").exists(),
        "the commits are still only in the WAL"
    );
    let store = SqliteStore::open(&path).unwrap();
    check_filled(&store);
}

// ---------------------------------------------------------------------------------------------
// Migrations

fn pragma(conn: &Connection, name: &str) -> i64 {
    conn.pragma_query_value(None, name, |r| r.get(0)).unwrap()
}

fn tables(conn: &Connection) -> Vec<String> {
    conn.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_fresh_file_migrates_to_the_latest_version_in_wal_mode() {
    let (dir, store) = temp_store();
    let latest = u32::try_from(MIGRATIONS.len()).unwrap();
    assert!(latest >= 1);
    assert_eq!(store.schema_version().unwrap(), latest);
    let raw = Connection::open(dir.path().join("store.db")).unwrap();
    assert_eq!(pragma(&raw, "user_version"), i64::from(latest));
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(tables(&raw), ["audit", "audit_account", "records"]);
    let index: Vec<String> = raw
        .prepare("SELECT name FROM pragma_index_info('audit_account') ORDER BY seqno")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(index, ["account", "id"]);
}

#[test]
fn reopening_an_up_to_date_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).unwrap());
    let raw = Connection::open(&path).unwrap();
    let (version, schema) = (pragma(&raw, "user_version"), pragma(&raw, "schema_version"));
    let store = SqliteStore::open(&path).unwrap();
    fill(&store);
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    check_filled(&store);
    // `schema_version` counts every schema change: none happened on the reopens.
    assert_eq!(
        (pragma(&raw, "user_version"), pragma(&raw, "schema_version")),
        (version, schema)
    );
}

#[test]
fn an_old_hand_made_layout_at_version_0_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A layout from before migrations: `records` with other columns, user_version 0.
        let raw = Connection::open(&path).unwrap();
        raw.execute_batch(
            "CREATE TABLE records (name TEXT PRIMARY KEY, data TEXT);
             INSERT INTO records VALUES ('account/1', 'old data');",
        )
        .unwrap();
        assert_eq!(pragma(&raw, "user_version"), 0);
    }
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(&err, Error::Store(m) if m.contains("migration to version 1") && m.contains("already exists")),
        "{err:?}"
    );
    // The failed migration was rolled back whole: no `audit` table, the old row still there.
    let raw = Connection::open(&path).unwrap();
    assert_eq!(pragma(&raw, "user_version"), 0);
    assert_eq!(tables(&raw), ["records"]);
    let data: String = raw
        .query_row(
            "SELECT data FROM records WHERE name = 'account/1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(data, "old data");
}

#[test]
fn a_file_from_a_newer_program_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).unwrap());
    let newer = i64::try_from(MIGRATIONS.len()).unwrap() + 1;
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(&err, Error::Store(m) if m.contains("newer than this program")),
        "{err:?}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_a_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    std::fs::write(
        &path,
        b"this is not an SQLite database, it is a text file of some length....",
    )
    .unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert_eq!(err.code(), "StorageFailure");
}

// ---------------------------------------------------------------------------------------------
// Real threads on one file

#[test]
fn fifty_threads_incrementing_one_counter_lose_no_update() {
    let (_dir, store) = temp_store();
    let barrier = Barrier::new(50);
    std::thread::scope(|s| {
        for t in 0..50 {
            let (store, barrier) = (&store, &barrier);
            s.spawn(move || {
                barrier.wait();
                for _ in 0..20 {
                    loop {
                        let current = store.get("counter").unwrap();
                        let (expected, n) = match &current {
                            Some(v) => (
                                v.version,
                                std::str::from_utf8(&v.value)
                                    .unwrap()
                                    .parse::<u64>()
                                    .unwrap(),
                            ),
                            None => (0, 0),
                        };
                        let next = (n + 1).to_string();
                        let events = [event("counter", t, EventKind::CodeRejected)];
                        if store
                            .commit(&[put("counter", expected, next.as_bytes())], &events)
                            .unwrap()
                        {
                            break;
                        }
                    }
                }
            });
        }
    });
    assert_eq!(store.get("counter").unwrap(), versioned(1000, b"1000"));
    // Every committed increment, and only those, left its event.
    assert_eq!(store.events("counter", 5000).unwrap().len(), 1000);
}

#[test]
fn fifty_threads_inserting_one_key_have_exactly_one_winner() {
    let (_dir, store) = temp_store();
    let barrier = Barrier::new(50);
    let wins: Vec<(usize, bool)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|t| {
                let (store, barrier) = (&store, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let won = store
                        .commit(
                            &[put("replay/1/1", 0, t.to_string().as_bytes())],
                            &[event("1", 0, EventKind::LoginSucceeded)],
                        )
                        .unwrap();
                    (t, won)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<usize> = wins
        .iter()
        .filter(|(_, won)| *won)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let winner = winners.first().unwrap().to_string();
    assert_eq!(
        store.get("replay/1/1").unwrap(),
        versioned(1, winner.as_bytes())
    );
    assert_eq!(store.events("1", 100).unwrap().len(), 1);
}

#[test]
fn readers_do_not_wait_for_a_writer_and_never_see_its_uncommitted_changes() {
    let (dir, store) = temp_store();
    assert!(store.commit(&[put("k", 0, b"committed")], &[]).unwrap());
    let mut writer = Connection::open(dir.path().join("store.db")).unwrap();
    let tx = writer
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    tx.execute(
        "UPDATE records SET version = 2, value = x'00' WHERE key = 'k'",
        [],
    )
    .unwrap();
    // The write lock is held: reads on several threads still answer at once, with the old value.
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                assert_eq!(store.get("k").unwrap(), versioned(1, b"committed"));
                assert_eq!(store.scan("").unwrap().len(), 1);
            });
        }
    });
    tx.rollback().unwrap();
}

#[test]
fn a_small_pool_serves_many_threads() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions {
        max_connections: 2,
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(dir.path().join("store.db"), options).unwrap();
    std::thread::scope(|s| {
        for t in 0..16 {
            let store = &store;
            s.spawn(move || {
                let key = format!("thread/{t:02}");
                assert!(store.commit(&[put(&key, 0, b"x")], &[]).unwrap());
                for _ in 0..20 {
                    assert_eq!(store.get(&key).unwrap(), versioned(1, b"x"));
                }
            });
        }
    });
    assert_eq!(store.scan("thread/").unwrap().len(), 16);
}

// ---------------------------------------------------------------------------------------------
// Errors

const SECRET: &[u8] = b"SECRET-SEED-3132333435363738393031323334353637383930";

fn assert_quiet(err: &Error) {
    let message = err.to_string();
    let debug = format!("{err:?}");
    for text in [&message, &debug] {
        assert!(!text.contains("SECRET"), "{text}");
        assert!(!text.contains("3132333435363738"), "{text}");
        assert!(!text.contains("secret-key"), "{text}");
    }
    assert_eq!(err.code(), "StorageFailure");
}

#[test]
fn a_failing_commit_rolls_back_and_never_shows_the_value() {
    let (dir, store) = temp_store();
    assert!(store.commit(&[put("other", 0, b"before")], &[]).unwrap());
    let raw = Connection::open(dir.path().join("store.db")).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON records WHEN NEW.key = 'secret-key'
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
    )
    .unwrap();
    // `other` is updated first, then the insert of `secret-key` fails: neither remains.
    let writes = [put("other", 1, SECRET), put("secret-key", 0, SECRET)];
    let err = store
        .commit(&writes, &[event("alice", 1, EventKind::FactorAdded)])
        .unwrap_err();
    assert_quiet(&err);
    assert!(err.to_string().contains("refused by the test"), "{err}");
    assert_eq!(store.get("other").unwrap(), versioned(1, b"before"));
    assert_eq!(store.get("secret-key").unwrap(), None);
    assert!(store.events("alice", 10).unwrap().is_empty());
    // The store goes on working once the cause is gone.
    raw.execute_batch("DROP TRIGGER refuse").unwrap();
    assert!(store
        .commit(&writes, &[event("alice", 1, EventKind::FactorAdded)])
        .unwrap());
    assert_eq!(store.get("secret-key").unwrap(), versioned(1, SECRET));
}

#[test]
fn a_commit_blocked_past_the_busy_timeout_is_a_quiet_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(100),
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(&path, options).unwrap();
    let mut other = Connection::open(&path).unwrap();
    let tx = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let err = store
        .commit(&[put("secret-key", 0, SECRET)], &[])
        .unwrap_err();
    assert_quiet(&err);
    assert!(err.to_string().contains("locked"), "{err}");
    tx.rollback().unwrap();
    assert!(store.commit(&[put("secret-key", 0, SECRET)], &[]).unwrap());
}
