//! The PostgreSQL store's own: its migrations (concurrent starts apply each step once; a newer
//! or a foreign schema is refused), compare-and-set between two stores on one database (two
//! instances: separate pools, separate connections), bytes PostgreSQL's `text` could not hold,
//! and quiet errors. The `Store` contract itself runs on it in `sqlite_store.rs`
//! (`on_every_store`), and the verifier's scenarios in `verifier_postgres.rs`.
//!
//! Each test returns early after the harness's one `skipped:` line where PostgreSQL is not
//! installed.

use std::sync::Barrier;

use secure_login_server::pg_store::MIGRATIONS;
use secure_login_server::{PgOptions, PgStore};
use secure_login_verifier::{AuditEvent, EventKind, MemoryStore, Store, Versioned, Write};

use crate::harness::postgres::{cluster, Cluster};

fn pg() -> Option<&'static Cluster> {
    cluster()
}

fn put(key: &str, expected: u64, value: &[u8]) -> Write {
    Write {
        key: key.to_owned(),
        expected,
        value: Some(value.to_vec()),
    }
}

fn event(account: &str, at: u64, detail: &str) -> AuditEvent {
    AuditEvent {
        at,
        account: account.to_owned(),
        factor: Some(1),
        kind: EventKind::CodeRejected,
        detail: detail.to_owned(),
    }
}

/// The database name of a URL from `fresh_database`.
fn dbname(url: &str) -> &str {
    url.trim_start_matches("postgres://test@/")
        .split('?')
        .next()
        .unwrap()
}

#[test]
fn a_fresh_database_migrates_to_the_latest_version_once_even_when_instances_start_together() {
    let Some(cluster) = pg() else { return };
    let url = cluster.fresh_database();
    let barrier = Barrier::new(6);
    let versions: Vec<u32> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let (url, barrier) = (&url, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    PgStore::open(url).unwrap().schema_version().unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(versions, vec![MIGRATIONS.len() as u32; 6]);
    let db = dbname(&url);
    assert_eq!(
        cluster.psql(db, "SELECT version FROM secure_login_schema"),
        format!("{}\n", MIGRATIONS.len()),
        "one row, at the latest version"
    );
    assert_eq!(
        cluster.psql(
            db,
            "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables \
             WHERE schemaname = 'public'"
        ),
        "audit,records,secure_login_schema\n"
    );
    // Reopening an up-to-date database changes nothing.
    PgStore::open(&url).unwrap();
    assert_eq!(
        cluster.psql(db, "SELECT count(*) FROM secure_login_schema"),
        "1\n"
    );
}

#[test]
fn a_database_from_a_newer_program_is_refused() {
    let Some(cluster) = pg() else { return };
    let url = cluster.fresh_database();
    drop(PgStore::open(&url).unwrap());
    cluster.psql(dbname(&url), "UPDATE secure_login_schema SET version = 99");
    let err = PgStore::open(&url).unwrap_err();
    assert_eq!(err.code(), "StorageFailure");
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn tables_of_another_layout_at_version_0_are_refused_and_left_untouched() {
    let Some(cluster) = pg() else { return };
    let url = cluster.fresh_database();
    let db = dbname(&url);
    cluster.psql(
        db,
        "CREATE TABLE records (name TEXT); INSERT INTO records VALUES ('theirs')",
    );
    let err = PgStore::open(&url).unwrap_err();
    assert!(err.to_string().contains("migration to version 1"), "{err}");
    assert_eq!(cluster.psql(db, "SELECT name FROM records"), "theirs\n");
    // The failed step took its version table with it: nothing of ours is left.
    assert_eq!(
        cluster.psql(
            db,
            "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'"
        ),
        "records\n"
    );
}

#[test]
fn two_instances_inserting_one_key_have_exactly_one_winner() {
    let Some(cluster) = pg() else { return };
    let url = cluster.fresh_schema();
    let stores = [PgStore::open(&url).unwrap(), PgStore::open(&url).unwrap()];
    let barrier = Barrier::new(50);
    let wins: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|t| {
                let (store, barrier) = (&stores[t % 2], &barrier);
                s.spawn(move || {
                    barrier.wait();
                    store
                        .commit(
                            &[put("replay/1/1", 0, t.to_string().as_bytes())],
                            &[event("1", 0, &t.to_string())],
                        )
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
    // The winner's value and its event, and no loser's.
    let stored = stores[1].get("replay/1/1").unwrap().unwrap();
    let events = stores[0].events("1", 100).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(stored.version, 1);
    assert_eq!(events[0].detail.as_bytes(), stored.value);
}

#[test]
fn two_instances_incrementing_one_counter_lose_no_update() {
    let Some(cluster) = pg() else { return };
    let url = cluster.fresh_schema();
    let stores = [PgStore::open(&url).unwrap(), PgStore::open(&url).unwrap()];
    let barrier = Barrier::new(20);
    std::thread::scope(|s| {
        for t in 0..20 {
            let (store, barrier) = (&stores[t % 2], &barrier);
            s.spawn(move || {
                barrier.wait();
                for _ in 0..10 {
                    loop {
                        let (expected, n) = match store.get("counter").unwrap() {
                            Some(v) => (
                                v.version,
                                String::from_utf8(v.value).unwrap().parse().unwrap(),
                            ),
                            None => (0, 0u64),
                        };
                        let next = (n + 1).to_string();
                        if store
                            .commit(
                                &[put("counter", expected, next.as_bytes())],
                                &[event("counter", n, "+1")],
                            )
                            .unwrap()
                        {
                            break;
                        }
                    }
                }
            });
        }
    });
    assert_eq!(
        stores[0].get("counter").unwrap(),
        Some(Versioned {
            version: 200,
            value: b"200".to_vec()
        })
    );
    // Every committed increment, and only those, left its event: at 0..200, each once.
    let mut at: Vec<u64> = stores[1]
        .events("counter", 1000)
        .unwrap()
        .iter()
        .map(|e| e.at)
        .collect();
    at.sort_unstable();
    assert_eq!(at, (0..200).collect::<Vec<u64>>());
}

#[test]
fn commits_that_cross_on_two_keys_never_both_win_and_never_fail() {
    // Each commit writes a and b, in opposite orders: locks are taken in key order, so neither
    // waits on the other in a circle; where PostgreSQL would still see a deadlock the commit is
    // a lost race (false), never an error.
    let Some(cluster) = pg() else { return };
    let url = cluster.fresh_schema();
    let stores = [PgStore::open(&url).unwrap(), PgStore::open(&url).unwrap()];
    assert!(stores[0]
        .commit(&[put("a", 0, b"0"), put("b", 0, b"0")], &[])
        .unwrap());
    let barrier = Barrier::new(40);
    let wins: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..40)
            .map(|t| {
                let (store, barrier) = (&stores[t % 2], &barrier);
                s.spawn(move || {
                    let writes = if t % 2 == 0 {
                        [put("a", 1, b"x"), put("b", 1, b"x")]
                    } else {
                        [put("b", 1, b"y"), put("a", 1, b"y")]
                    };
                    barrier.wait();
                    store.commit(&writes, &[]).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
    let a = stores[0].get("a").unwrap().unwrap();
    let b = stores[0].get("b").unwrap().unwrap();
    assert_eq!((a.version, b.version), (2, 2));
    assert_eq!(a.value, b.value, "both from the one winner");
}

#[test]
fn keys_and_details_with_a_nul_character_round_trip_as_in_memory() {
    // PostgreSQL's text cannot hold NUL; a hostile username can. The store keeps bytes.
    let Some(cluster) = pg() else { return };
    let store = PgStore::open(&cluster.fresh_schema()).unwrap();
    let reference = MemoryStore::new();
    let key = "username/a\u{0}b";
    for s in [&store as &dyn Store, &reference] {
        assert!(s
            .commit(&[put(key, 0, b"v")], &[event("a\u{0}b", 7, "from \u{0}")])
            .unwrap());
    }
    assert_eq!(store.get(key).unwrap(), reference.get(key).unwrap());
    assert_eq!(
        store.scan("username/a").unwrap(),
        reference.scan("username/a").unwrap()
    );
    assert_eq!(
        store.scan("username/a\u{0}").unwrap(),
        reference.scan("username/a\u{0}").unwrap()
    );
    assert_eq!(store.get("username/a").unwrap(), None);
    assert_eq!(
        store.events("a\u{0}b", 10).unwrap(),
        reference.events("a\u{0}b", 10).unwrap()
    );
}

#[test]
fn an_unreachable_database_is_a_quiet_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "postgres://portal:s3cret@/login?host={}&port=5432",
        dir.path().display()
    );
    let options = PgOptions {
        connect_timeout: std::time::Duration::from_secs(2),
        ..PgOptions::default()
    };
    let err = PgStore::open_with(&url, options).unwrap_err();
    assert_eq!(err.code(), "StorageFailure");
    assert!(!err.to_string().contains("s3cret"), "{err}");
    let err = PgStore::open("postgres://[").unwrap_err();
    assert_eq!(err.code(), "StorageFailure");
}

#[tokio::test]
async fn a_store_is_used_and_dropped_inside_a_runtime_without_panicking() {
    let Some(cluster) = pg() else { return };
    let url = cluster.fresh_schema();
    // Opened and used from the async code itself (not the blocking pool): the store's calls run
    // on its own runtime, so this may block the test's thread but never panics.
    let store = PgStore::open(&url).unwrap();
    assert!(store.commit(&[put("k", 0, b"v")], &[]).unwrap());
    assert_eq!(store.get("k").unwrap().unwrap().version, 1);
    drop(store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_from_one_instance_reaches_another_listening() {
    let Some(cluster) = pg() else { return };
    let url = cluster.fresh_database();
    let (teller, listener) = (PgStore::open(&url).unwrap(), PgStore::open(&url).unwrap());
    let mut notes = listener.listen(&["test_channel"]).unwrap();
    // The listener's connection subscribes in the background: notes sent before it did are
    // missed (by design: notes only say "look again"), so send until one arrives.
    let mut received = None;
    for n in 0..300 {
        teller.notify("test_channel", format!("note {n}"));
        if let Ok(note) =
            tokio::time::timeout(std::time::Duration::from_millis(100), notes.recv()).await
        {
            received = Some(note.unwrap());
            break;
        }
    }
    let (channel, payload) = received.expect("a note within 30 s");
    assert_eq!(channel, "test_channel");
    assert!(payload.starts_with("note "), "{payload}");
    // Another channel's notes are not delivered to this listener.
    teller.notify("other_channel", "x".into());
    teller.notify("test_channel", "last".into());
    loop {
        let (channel, payload) = notes.recv().await.unwrap();
        assert_eq!(channel, "test_channel");
        if payload == "last" {
            break;
        }
    }
}

#[test]
fn a_postgres_start_without_a_named_key_refuses_before_connecting() {
    // No key file beside a URL: every instance must be given the same key.
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_secure-login-server"))
        .env_remove("SECURE_LOGIN_KEY")
        .env_remove("SECURE_LOGIN_KEY_FILE")
        .arg("--database")
        .arg(format!(
            "postgres://portal:s3cret@/login?host={}",
            dir.path().display()
        ))
        .args(["--test-clock", "--addr", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("needs its key named"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
    // Nothing was written beside the URL as if it were a file.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_start_line_names_the_postgres_database_without_its_password() {
    let Some(cluster) = pg() else { return };
    let url = cluster.fresh_database();
    let with_password = url.replacen("postgres://test@", "postgres://test:s3cret@", 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("www")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_secure-login-server"))
        .env("SECURE_LOGIN_KEY", crate::harness::PG_KEY)
        .arg("--database")
        .arg(&with_password)
        .args(["--test-clock", "--addr", "127.0.0.1:0", "--www"])
        .arg(dir.path().join("www"))
        .arg("--pkg")
        .arg(dir.path().join("www"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("secure-login portal listening on ");
        printed.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let db = dbname(&url);
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with(&format!("database: PostgreSQL database {db} on "))),
        "{printed:?}"
    );
    assert!(printed.iter().all(|l| !l.contains("s3cret")), "{printed:?}");
}
