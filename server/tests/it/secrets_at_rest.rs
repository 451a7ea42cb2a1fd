//! Secrets at rest, against the real `secure-login-server` binary (a normal start with a webhook
//! courier, accounts made with the `admin` subcommands and the API):
//!
//! - a copy of the database file, its WAL and shared memory, taken while the server runs, holds
//!   no OTP/OCRA key (hex, upper-case hex, raw bytes, Base32), no card PIN hash and no code that
//!   was issued (SMS, activation, temporary passcode);
//! - the stored hash of an SMS code matches none of the 10^6 unkeyed SHA-256 candidates;
//! - the database files and the key file are mode 0600, and a wider key file is refused;
//! - the same files with a wrong key file do not start the server, nor open in `admin`, even with
//!   the key check record deleted;
//! - `admin rotate-key` re-seals every secret: the server then starts and signs in with the new
//!   key, and no longer with the old one; a rotation under a wrong current key changes nothing.

use crate::harness;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use harness::*;
use secure_login_otp::{base32_encode, hex_decode, KeyUri};
use serde_json::{json, Value};
use sha1::Digest as _;

const BIN: &str = env!("CARGO_BIN_EXE_secure-login-server");
const PHONE: &str = "+41791234567";
const PIN: &str = "4711";

/// An SMS gateway that keeps the texts it receives.
async fn gateway() -> (Arc<Mutex<Vec<String>>>, String) {
    let texts = Arc::new(Mutex::new(Vec::new()));
    async fn receive(State(texts): State<Arc<Mutex<Vec<String>>>>, body: String) {
        let value: Value = serde_json::from_str(&body).unwrap();
        texts
            .lock()
            .unwrap()
            .push(value["text"].as_str().unwrap_or_default().to_owned());
    }
    let app = Router::new()
        .route("/sms", post(receive))
        .with_state(texts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (texts, url)
}

/// The code in a message: its last run of 6 to 10 digits.
fn last_code(texts: &Mutex<Vec<String>>) -> String {
    let text = texts.lock().unwrap().last().cloned().expect("a message");
    text.split(|c: char| !c.is_ascii_digit())
        .rfind(|run| (6..=10).contains(&run.len()))
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned()
}

fn with_suffix(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Copies the database, its WAL and shared memory into `to`; the copy's database path.
fn copy_database(db: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    let copy = to.join("copy.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let from = with_suffix(db, suffix);
        assert!(
            from.exists(),
            "{} exists while the server runs",
            from.display()
        );
        std::fs::copy(&from, with_suffix(&copy, suffix)).unwrap();
    }
    copy
}

/// All the bytes of the three files.
fn raw_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        all.extend(std::fs::read(with_suffix(db, suffix)).unwrap_or_default());
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether the code occurs as a whole token (not inside a longer run of letters or digits).
fn contains_token(haystack: &[u8], code: &str) -> bool {
    let n = code.len();
    haystack.windows(n).enumerate().any(|(i, w)| {
        let alnum = |j: Option<usize>| {
            j.and_then(|j| haystack.get(j))
                .is_some_and(u8::is_ascii_alphanumeric)
        };
        w == code.as_bytes() && !alnum(i.checked_sub(1)) && !alnum(Some(i + n))
    })
}

/// Asserts the key occurs in the files in none of its forms.
fn assert_no_key(bytes: &[u8], what: &str, key: &[u8]) {
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let forms: [(&str, Vec<u8>); 5] = [
        ("hex", hex.clone().into_bytes()),
        ("HEX", hex.to_uppercase().into_bytes()),
        ("raw", key.to_vec()),
        (
            "base32",
            base32_encode(key).trim_end_matches('=').as_bytes().to_vec(),
        ),
        (
            "base32 lower",
            base32_encode(key)
                .trim_end_matches('=')
                .to_lowercase()
                .into_bytes(),
        ),
    ];
    for (form, needle) in forms {
        assert!(!contains(bytes, &needle), "{what} found as {form}");
    }
}

/// The start of a login of `name` with a security card: login id and the right response.
async fn card_login(http: &mut Http, name: &str, suite: &str, secret: &str) -> (String, String) {
    let started = http
        .post(
            "/api/login",
            &json!({ "username": name, "password": PASSWORD }),
        )
        .await
        .unwrap();
    let login = started.ok()["loginId"].as_str().unwrap().to_owned();
    let card = started.ok()["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "security_card")
        .unwrap()["id"]
        .clone();
    let prompt = http
        .post(
            &format!("/api/login/{login}/factor"),
            &json!({ "factorId": card }),
        )
        .await
        .unwrap();
    let challenge = prompt.ok()["challenge"].as_str().unwrap().to_owned();
    (login, ocra_response(suite, secret, &challenge, Some(PIN)))
}

async fn sign_in_with_card(base: &str, name: &str, suite: &str, secret: &str) -> Answer {
    let mut http = Http::new(base);
    http.set_clock(T0 + 3600).await;
    let (login, right) = card_login(&mut http, name, suite, secret).await;
    http.post(
        &format!("/api/login/{login}/response"),
        &json!({ "response": right }),
    )
    .await
    .unwrap()
}

/// `admin` with an explicit key file; the command's output (stdout, stderr) and success.
fn admin_keyed(db: &Path, key: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(BIN)
        .arg("admin")
        .arg("--db")
        .arg(db)
        .arg("--key-file")
        .arg(key)
        .args(CHEAP)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Starts the binary on `db` with `key` and waits for it to refuse: its stderr.
fn refused_start(dir: &Path, db: &Path, key: &Path) -> String {
    // A test-clock start, as the databases here were made by one (a production start refuses
    // those before it reads the key); the key is checked alike in every mode.
    let output = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--test-clock"])
        .arg("--db")
        .arg(db)
        .arg("--key-file")
        .arg(key)
        .arg("--www")
        .arg(dir.join("www"))
        .arg("--pkg")
        .arg(dir.join("pkg"))
        .output()
        .unwrap();
    assert!(!output.status.success(), "the server started with {key:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_of_the_database_files_holds_no_key_pin_or_code() {
    let (texts, url) = gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("kek");
    let key_arg = key.to_str().unwrap();
    let mut args = vec!["--key-file", key_arg, "--webhook", &url];
    args.extend(CHEAP);
    let portal = Portal::start(Path::new(BIN), dir.path(), &args);
    let db = portal.db();
    let admin = |args: &[&str]| {
        let (ok, out) = admin_keyed(&db, &key, args);
        assert!(ok, "{out}");
        out
    };
    admin(&[
        "create-user",
        "alice",
        "--password-file",
        &secret_file(PASSWORD),
    ]);
    admin(&["add-factor", "alice", "sms", "--phone", PHONE]);

    // A soft token activated over the API: the activation code came by SMS (alice's first
    // device; her other factors come after).
    let mut http = portal.client();
    http.set_clock(T0).await;
    let started = http
        .post(
            "/api/token/activate",
            &json!({ "username": "alice", "password": PASSWORD, "deviceId": "phone-1" }),
        )
        .await
        .unwrap();
    let activation = started.ok()["activationId"].as_str().unwrap().to_owned();
    let activation_code = last_code(&texts);
    let activated = http
        .post(
            &format!("/api/token/activate/{activation}"),
            &json!({ "code": activation_code, "deviceId": "phone-1" }),
        )
        .await
        .unwrap();
    let soft_secret = hex_decode(activated.ok()["secret"].as_str().unwrap()).unwrap();
    let totp = admin(&["add-factor", "alice", "totp"]);
    let totp_secret = KeyUri::parse(line_value(&totp, "key URI:")).unwrap();
    let card = admin(&["issue-card", "alice", "--pin-file", &secret_file(PIN)]);
    let card_secret = hex_decode(line_value(&card, "secret:")).unwrap();
    let passcode = admin(&["issue-passcode", "alice"]);
    let passcode = line_value(&passcode, "passcode:").to_owned();

    // A login waiting on its SMS code: the code's hash is in the login's record.
    http.set_clock(T0 + 600).await;
    let login = http
        .post(
            "/api/login",
            &json!({ "username": "alice", "password": PASSWORD }),
        )
        .await
        .unwrap();
    let login_id = login.ok()["loginId"].as_str().unwrap().to_owned();
    let sms = login.ok()["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "sms")
        .unwrap()["id"]
        .clone();
    let prompt = http
        .post(
            &format!("/api/login/{login_id}/factor"),
            &json!({ "factorId": sms }),
        )
        .await
        .unwrap();
    assert_eq!(prompt.ok()["prompt"], "code_sent");
    let sms_code = last_code(&texts);

    // The copy, taken while the server runs.
    let copy = copy_database(&db, &dir.path().join("stolen"));
    let bytes = raw_bytes(&copy);
    assert!(bytes.len() > 4096, "the copy has the data");
    assert!(contains(&bytes, b"alice"), "the copy is of this database");
    assert_no_key(&bytes, "the TOTP key", totp_secret.secret.expose_secret());
    assert_no_key(&bytes, "the card key", &card_secret);
    assert_no_key(&bytes, "the soft token key", &soft_secret);
    let pin_hash = sha1::Sha1::digest(PIN.as_bytes());
    assert_no_key(&bytes, "the card PIN's SHA-1", &pin_hash);
    for (what, code) in [
        ("the SMS code", &sms_code),
        ("the activation code", &activation_code),
        ("the temporary passcode", &passcode),
    ] {
        assert!(!contains_token(&bytes, code), "{what} {code} found");
    }

    // The stored hash of the SMS code: none of the 10^6 unkeyed SHA-256 candidates matches.
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let record: Vec<u8> = conn
        .query_row(
            "SELECT value FROM records WHERE key = ?1",
            [format!("login/{login_id}")],
            |row| row.get(0),
        )
        .unwrap();
    let record: Value = serde_json::from_slice(&record).unwrap();
    let stored = record["state"]["hash_hex"].as_str().unwrap().to_owned();
    let salt = record["state"]["salt_hex"].as_str().unwrap().to_owned();
    assert_eq!(stored.len(), 64, "{record}");
    let stored = hex_decode(&stored).unwrap();
    let mut tried = 0;
    let mut candidate = [b'0'; 6];
    for n in 0..1_000_000u32 {
        let mut rest = n;
        for digit in candidate.iter_mut().rev() {
            *digit = b'0' + u8::try_from(rest % 10).unwrap();
            rest /= 10;
        }
        let salted = sha2::Sha256::new()
            .chain_update(salt.as_bytes())
            .chain_update([0])
            .chain_update(candidate)
            .finalize();
        let plain = sha2::Sha256::digest(candidate);
        assert!(
            stored != salted.as_slice() && stored != plain.as_slice(),
            "reversed: {}",
            String::from_utf8_lossy(&candidate)
        );
        tried += 1;
    }
    assert_eq!(tried, 1_000_000);
    eprintln!(
        "copy of {} bytes (database, WAL, shared memory): 3 keys and the PIN hash in 5 forms \
         each, 3 codes, and {tried} unkeyed candidates: none found",
        bytes.len()
    );
    assert_eq!(sms_code.len(), 6, "the candidates cover the real code");

    // Every file secret on disk is its owner's only.
    for path in [
        db.clone(),
        with_suffix(&db, "-wal"),
        with_suffix(&db, "-shm"),
        key.clone(),
    ] {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_opens_nothing_and_rotate_key_moves_every_secret() {
    let dir = tempfile::tempdir().unwrap();
    let old_key = dir.path().join("old.key");
    let old_arg = old_key.to_str().unwrap().to_owned();
    let mut args = vec!["--key-file", &old_arg];
    args.extend(CHEAP);
    let mut portal = Portal::start(Path::new(BIN), dir.path(), &args);
    let db = portal.db();
    let (ok, out) = admin_keyed(
        &db,
        &old_key,
        &[
            "create-user",
            "bob",
            "--password-file",
            &secret_file(PASSWORD),
        ],
    );
    assert!(ok, "{out}");
    let (ok, card) = admin_keyed(
        &db,
        &old_key,
        &["issue-card", "bob", "--pin-file", &secret_file(PIN)],
    );
    assert!(ok, "{card}");
    let suite = line_value(&card, "suite:").to_owned();
    let secret = line_value(&card, "secret:").to_owned();
    let done = sign_in_with_card(&portal.base, "bob", &suite, &secret).await;
    assert_eq!(done.outcome(), "success", "{}", done.text);
    let copy = copy_database(&db, &dir.path().join("stolen"));
    portal.kill();

    // The stolen files and a key of the thief's own: no start, no admin, no factor.
    let wrong = dir.path().join("wrong.key");
    let (ok, out) = admin_keyed(&copy, &wrong, &["show", "bob"]);
    assert!(!ok && out.contains("another key"), "{out}");
    let stderr = refused_start(dir.path(), &copy, &wrong);
    assert!(stderr.contains("another key"), "{stderr}");
    // Without the key check record, the sealed factors themselves refuse the wrong key.
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let deleted = conn
        .execute("DELETE FROM records WHERE key = 'vault/check'", [])
        .unwrap();
    assert_eq!(deleted, 1);
    drop(conn);
    let stderr = refused_start(dir.path(), &copy, &wrong);
    assert!(stderr.contains("sealed"), "{stderr}");

    // A rotation under a wrong current key changes nothing: the old key still signs in.
    let new_key = dir.path().join("new.key");
    let (ok, out) = admin_keyed(
        &db,
        &wrong,
        &["rotate-key", "--new-key-file", new_key.to_str().unwrap()],
    );
    assert!(!ok, "{out}");
    portal.restart();
    let done = sign_in_with_card(&portal.base, "bob", &suite, &secret).await;
    assert_eq!(done.outcome(), "success", "{}", done.text);
    portal.kill();

    // The rotation: every record re-sealed under the new key.
    let (ok, out) = admin_keyed(
        &db,
        &old_key,
        &["rotate-key", "--new-key-file", new_key.to_str().unwrap()],
    );
    assert!(ok && out.contains("1 accounts re-sealed"), "{out}");
    assert_eq!(mode(&new_key), 0o600);
    let stderr = refused_start(dir.path(), &db, &old_key);
    assert!(stderr.contains("another key"), "{stderr}");
    let (ok, out) = admin_keyed(&db, &old_key, &["show", "bob"]);
    assert!(!ok, "{out}");
    let new_arg = new_key.to_str().unwrap().to_owned();
    let mut args = vec!["--key-file", &new_arg];
    args.extend(CHEAP);
    let portal = Portal::start(Path::new(BIN), dir.path(), &args);
    let done = sign_in_with_card(&portal.base, "bob", &suite, &secret).await;
    assert_eq!(done.outcome(), "success", "{}", done.text);
}

#[test]
fn a_key_file_others_may_read_is_refused_and_so_is_a_malformed_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("www")).unwrap();
    std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
    let db = dir.path().join("portal.sqlite3");
    let key = dir.path().join("wide.key");
    std::fs::write(&key, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let stderr = refused_start(dir.path(), &db, &key);
    assert!(stderr.contains("mode 644"), "{stderr}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(&key, "not base64 of 32 bytes\n").unwrap();
    let stderr = refused_start(dir.path(), &db, &key);
    assert!(stderr.contains("32 bytes"), "{stderr}");
    // The database the refused start created is its owner's only.
    assert_eq!(mode(&db), 0o600);

    // The key in SECURE_LOGIN_KEY instead of a file: the same rules.
    let with_env = |key: &str, args: &[&str]| {
        let output = Command::new(BIN)
            .env("SECURE_LOGIN_KEY", key)
            .arg("admin")
            .arg("--db")
            .arg(dir.path().join("env.sqlite3"))
            .args(CHEAP)
            .args(args)
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let one = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    let two = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
    assert!(
        with_env(
            one,
            &[
                "create-user",
                "erin",
                "--password-file",
                &secret_file(PASSWORD)
            ]
        )
        .0
    );
    assert!(with_env(one, &["show", "erin"]).0);
    let (ok, stderr) = with_env(two, &["show", "erin"]);
    assert!(!ok && stderr.contains("another key"), "{stderr}");
    let (ok, stderr) = with_env("AQEB", &["show", "erin"]);
    assert!(!ok && stderr.contains("SECURE_LOGIN_KEY"), "{stderr}");
    assert!(
        !dir.path().join("env.sqlite3.key").exists(),
        "no key file beside"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_with_keys_in_clear_is_sealed_on_its_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut portal = Portal::start(Path::new(BIN), dir.path(), &CHEAP);
    portal.admin(&[
        "create-user",
        "alice",
        "--password-file",
        &secret_file(PASSWORD),
    ]);
    portal.kill();
    // A TOTP factor written in clear, as the database kept keys before they were sealed.
    let key_hex = "3132333435363738393031323334353637383930";
    let conn = rusqlite::Connection::open(portal.db()).unwrap();
    let id: String = conn
        .query_row(
            "SELECT value FROM records WHERE key = 'username/alice'",
            [],
            |row| row.get::<_, Vec<u8>>(0),
        )
        .map(|v| serde_json::from_slice(&v).unwrap())
        .unwrap();
    let account_key = format!("account/{id}");
    let stored: Vec<u8> = conn
        .query_row(
            "SELECT value FROM records WHERE key = ?1",
            [&account_key],
            |row| row.get(0),
        )
        .unwrap();
    let mut account: Value = serde_json::from_slice(&stored).unwrap();
    account["factors"] = json!([{
        "id": 1, "label": "app", "created_at": 0, "retired_at": null,
        "kind": { "type": "totp", "secret_hex": key_hex, "algorithm": "SHA1", "digits": 6, "period": 30 }
    }]);
    account["next_factor_id"] = json!(2);
    conn.execute(
        "UPDATE records SET value = ?1, version = version + 1 WHERE key = ?2",
        rusqlite::params![serde_json::to_vec(&account).unwrap(), account_key],
    )
    .unwrap();
    drop(conn);
    let key = hex_decode(key_hex).unwrap();
    let before = raw_bytes(&portal.db());
    assert!(
        contains(&before, key_hex.as_bytes()),
        "the scan finds a key in clear"
    );

    portal.restart();
    let after = raw_bytes(&portal.db());
    assert_no_key(&after, "the TOTP key after the first start", &key);
    // And the sealed key still signs in.
    let mut http = portal.client();
    http.set_clock(T0).await;
    let started = http
        .post(
            "/api/login",
            &json!({ "username": "alice", "password": PASSWORD }),
        )
        .await
        .unwrap();
    let login = started.ok()["loginId"].as_str().unwrap().to_owned();
    http.post(
        &format!("/api/login/{login}/factor"),
        &json!({ "factorId": 1 }),
    )
    .await
    .unwrap()
    .ok();
    let done = http
        .post(
            &format!("/api/login/{login}/response"),
            &json!({ "response": totp_code(key_hex, T0) }),
        )
        .await
        .unwrap();
    assert_eq!(done.outcome(), "success", "{}", done.text);
}
