//! `admin backup DEST` (issue 17 item 5): SQLite's online backup of the live database. Taken
//! while a production start answers logins and the admin commands add accounts, each copy is a
//! whole database (integrity check) holding every account made before it began; a portal started
//! on a copy (with the same key file) serves logins; a backup never overwrites a file.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::harness::production::*;

/// The usernames `admin list-users` prints for the database `db` (sealed with `key`).
fn users(db: &Path, key: &Path) -> Vec<String> {
    let output = std::process::Command::new(BIN)
        .arg("admin")
        .arg("--db")
        .arg(db)
        .arg("--key-file")
        .arg(key)
        .args(CHEAP)
        .arg("list-users")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_while_the_portal_writes_is_whole_and_a_portal_serves_logins_from_it() {
    let site = Site::new();
    let uri = site.account("alice");
    let key = site.dir.path().join("portal.sqlite3.key");
    assert!(key.is_file(), "the key file beside the database");
    let gateway = Gateway::start().await;
    let mut portal = production(&site, &gateway, &[]);

    // Writers: the admin commands add accounts, and a browser's failed logins add audit events,
    // without pause until the backups are done.
    let done = Arc::new(AtomicBool::new(false));
    let admin_writer = {
        let done = done.clone();
        let db = site.db();
        std::thread::spawn(move || {
            let mut made = 0;
            while !done.load(Ordering::SeqCst) {
                let name = format!("writer{made}");
                let password = secret_file(PASSWORD);
                let status = std::process::Command::new(BIN)
                    .arg("admin")
                    .arg("--db")
                    .arg(&db)
                    .args(CHEAP)
                    .args(["create-user", &name, "--password-file", &password])
                    .output()
                    .unwrap();
                assert!(status.status.success(), "{status:?}");
                made += 1;
            }
            made
        })
    };
    let login_writer = {
        let done = done.clone();
        let base = portal.base.clone();
        tokio::spawn(async move {
            // Another address and an unknown name: the throttles it fills are not alice's.
            let mut browser = Browser::from_address(&base, Some([127, 0, 0, 2].into()));
            let mut tries = 0;
            while !done.load(Ordering::SeqCst) {
                let body =
                    serde_json::json!({ "username": "nobody", "password": "wrong password" });
                let answer = browser.post("/api/login", &body).await;
                assert!([401, 429].contains(&answer.status), "{}", answer.text);
                tries += 1;
            }
            tries
        })
    };

    let mut backups = Vec::new();
    for round in 0..3 {
        // Wait until the writers made something new since the last copy.
        let before = loop {
            let now = users(&site.db(), &key);
            if now.len() > 1 + round {
                break now;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let dest = site.dir.path().join(format!("backup-{round}.sqlite3"));
        let printed = site.admin(&["backup", dest.to_str().unwrap()]);
        assert!(printed.contains("backed up"), "{printed}");
        assert!(!Path::new(&format!("{}.partial", dest.display())).exists());
        backups.push((dest, before));
    }
    done.store(true, Ordering::SeqCst);
    let made = admin_writer.join().unwrap();
    let tries = login_writer.await.unwrap();
    assert!(
        made >= 3 && tries >= 1,
        "{made} accounts, {tries} logins written meanwhile"
    );
    let last = users(&site.db(), &key);

    for (dest, before) in &backups {
        let copy = rusqlite::Connection::open(dest).unwrap();
        let check: String = copy
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok", "{}", dest.display());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dest).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the copy is readable by others: {mode:o}");
        }
        drop(copy);
        let copied = users(dest, &key);
        for name in before {
            assert!(
                copied.contains(name),
                "{name} missing from {}",
                dest.display()
            );
        }
        for name in &copied {
            assert!(
                last.contains(name),
                "{name} in the copy but not in the database"
            );
        }
    }

    // A backup never overwrites: not another backup, not the database itself.
    let (first, _) = &backups[0];
    let size = std::fs::metadata(first).unwrap().len();
    let (ok, _, stderr) = site.admin_fed(&["backup", first.to_str().unwrap()], "");
    assert!(!ok && stderr.contains("InvalidInput"), "{stderr}");
    assert_eq!(std::fs::metadata(first).unwrap().len(), size);
    let db = site.db();
    let (ok, _, stderr) = site.admin_fed(&["backup", db.to_str().unwrap()], "");
    assert!(!ok && stderr.contains("exists"), "{stderr}");
    portal.stop();

    // Restore: the last copy as the database of a new site, with the same key file.
    let restored = Site::new();
    let (copy, _) = backups.last().unwrap();
    std::fs::copy(copy, restored.db()).unwrap();
    let gateway = Gateway::start().await;
    // Without the key file (a new one would be made beside it) the copy does not start.
    let keyless = run_to_exit(&production_args(&restored, &gateway, &[]), &[]);
    assert!(!keyless.success, "{}", keyless.stdout);
    std::fs::copy(&key, restored.dir.path().join("portal.sqlite3.key")).unwrap();
    let portal = production(&restored, &gateway, &[]);
    let mut browser = Browser::new(&portal.base);
    let (_, answer) = browser
        .login_with("alice", PASSWORD, 2, &totp_now(&uri))
        .await;
    assert_eq!(answer.ok()["outcome"], "success", "{}", answer.text);
    assert_eq!(browser.get("/api/account").await.ok()["username"], "alice");
}

#[test]
fn a_backup_of_no_database_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("copy.sqlite3");
    let output = std::process::Command::new(BIN)
        .arg("admin")
        .arg("--db")
        .arg(dir.path().join("missing.sqlite3"))
        .args(["backup", dest.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no database file"),
        "{output:?}"
    );
    assert!(!dest.exists());
    assert!(!dir.path().join("missing.sqlite3").exists());
}
