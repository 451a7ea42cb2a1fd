//! Second-factor verifications per second through the portal's HTTP API, over loopback: the real
//! binary, started as `secure-login-server --demo --test-clock` on a fresh SQLite file in a
//! temporary directory, or with `--postgres` as `--instances N` binaries on one fresh database of
//! a throwaway PostgreSQL cluster (the tests' harness: `tests/it/harness/postgres.rs`), the
//! requests spread over them in turn.
//!
//! ```text
//! cargo bench -p secure-login-server --bench portal -- [--concurrency 1,16] [--logins 2000]
//!     [--users 16] [--runs 3] [--json FILE] [--postgres [--instances 1]]
//! ```
//!
//! Set-up (not timed): `users` accounts, each with a security card (the admin subcommands of the
//! same binary, cheap Argon2 parameters), then for every run `logins` logins spread over them,
//! each past its password and with its card chosen, so each waits for the response to its own
//! OCRA challenge (`OCRA-1:HOTP-SHA256-8:QN06-PSHA1`, computed here with the card's key and PIN).
//!
//! Timed, at each concurrency in turn: that many workers on keep-alive connections post those
//! responses,
//! `POST /api/login/{id}/response`, each the next login not yet answered, until all are. Each
//! answer is a full verification (the OCRA check, the lock state, the login's state change and
//! its audit events committed in one SQLite transaction with `synchronous=FULL`, the session)
//! and must be `{"outcome": "success"}`. Reported per run: verifications per second, and the
//! latency of one request at the 50th and 99th percentile.
// A benchmark whose set-up fails has nothing to measure: stopping loudly is the right thing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark: a failed unwrap is a failed run"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secure_login_otp::{hex_decode, Challenge, Ocra, OcraInput, OcraSuite, Pin};
use serde_json::{json, Value};

#[path = "../tests/it/harness/postgres.rs"]
#[allow(dead_code, reason = "the tests' cluster; the bench uses part of it")]
mod postgres;

const BIN: &str = env!("CARGO_BIN_EXE_secure-login-server");
const PASSWORD: &str = "bench-password-1";
const PIN: &str = "4826";
/// Cheap password hashes: the password step is set-up here, not what is measured.
const CHEAP: [&str; 4] = ["--password-memory-kib", "8", "--password-iterations", "1"];
/// The key sealing a PostgreSQL database's secrets (no key file beside a URL).
const PG_KEY: &str = "ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4Q=";

struct Options {
    concurrency: Vec<usize>,
    logins: usize,
    users: usize,
    runs: usize,
    json: Option<String>,
    postgres: bool,
    instances: usize,
}

fn options() -> Options {
    let mut options = Options {
        concurrency: vec![16],
        logins: 2000,
        users: 16,
        runs: 3,
        json: None,
        postgres: false,
        instances: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the option");
        match arg.as_str() {
            "--concurrency" => {
                options.concurrency = value().split(',').map(|n| n.parse().unwrap()).collect();
            }
            "--logins" => options.logins = value().parse().unwrap(),
            "--users" => options.users = value().parse().unwrap(),
            "--runs" => options.runs = value().parse().unwrap(),
            "--json" => options.json = Some(value()),
            "--postgres" => options.postgres = true,
            "--instances" => options.instances = value().parse::<usize>().unwrap().max(1),
            // What `cargo bench` passes to every bench target.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    options
}

/// `secure-login-server admin ARGS` on the database; its stdout.
/// `admin ARGS` on `db`, with the password and card PIN of every account in the environment
/// (the admin commands take secrets from there or from a file, never from the command line).
fn admin(db: &Path, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .env("SECURE_LOGIN_KEY", PG_KEY)
        .arg("admin")
        .arg("--db")
        .arg(db)
        .args(CHEAP)
        .args(args)
        .env("SECURE_LOGIN_PASSWORD", PASSWORD)
        .env("SECURE_LOGIN_PIN", PIN)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The portal on a free loopback port over `db` (a file or a URL), serving `dir`'s empty `www/`
/// and `pkg/`; the process and its base URL.
fn serve(dir: &Path, db: &Path) -> (Child, String) {
    for sub in ["www", "pkg"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let mut child = Command::new(BIN)
        // Used by a PostgreSQL start only (an SQLite one takes the key file beside the file).
        .env("SECURE_LOGIN_KEY", PG_KEY)
        .args(["--addr", "127.0.0.1:0", "--demo", "--test-clock"])
        .arg("--db")
        .arg(db)
        .arg("--www")
        .arg(dir.join("www"))
        .arg("--pkg")
        .arg(dir.join("pkg"))
        .args(CHEAP)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(url) = line.strip_prefix("secure-login portal listening on ") {
            break url.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

/// One account's card: its user name, key and suite.
struct Card {
    username: String,
    ocra: Ocra,
}

/// A login waiting for the response to its challenge.
struct Pending {
    id: String,
    response: String,
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let answer = http
        .post(url)
        .header("content-type", "application/json")
        .header("x-secure-login", "1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Password, then the card: the login now waits for the response to its challenge.
async fn prepare(http: &reqwest::Client, base: &str, card: &Card) -> Pending {
    let (status, login) = post(
        http,
        format!("{base}/api/login"),
        json!({"username": card.username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    let id = login["loginId"].as_str().unwrap().to_owned();
    let factor = login["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "security_card")
        .expect("the account has a card")["id"]
        .clone();
    let (status, prompt) = post(
        http,
        format!("{base}/api/login/{id}/factor"),
        json!({ "factorId": factor }),
    )
    .await;
    assert_eq!(status, 200, "{prompt}");
    let challenge = prompt["challenge"].as_str().unwrap();
    let challenge = Challenge::new(card.ocra.suite().challenge(), challenge).unwrap();
    let response = card
        .ocra
        .respond(&OcraInput {
            pin: Some(Pin::Plain(PIN)),
            ..OcraInput::challenge(&challenge)
        })
        .unwrap();
    Pending { id, response }
}

/// Runs `jobs` over `concurrency` workers, each taking the next index.
async fn spread<F, Fut, T>(count: usize, concurrency: usize, job: F) -> Vec<T>
where
    F: Fn(usize) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = T> + 'static,
    T: 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let local = tokio::task::LocalSet::new();
    let mut handles = Vec::new();
    for _ in 0..concurrency {
        let next = next.clone();
        let job = job.clone();
        handles.push(local.spawn_local(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break out;
                }
                out.push((i, job(i).await));
            }
        }));
    }
    local.await;
    let mut all = Vec::new();
    for handle in handles {
        all.extend(handle.await.unwrap());
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

fn main() {
    let options = options();
    let dir = tempfile::tempdir().unwrap();
    let db = if options.postgres {
        let cluster =
            postgres::cluster().expect("PostgreSQL is installed (scripts/setup.sh --test)");
        std::path::PathBuf::from(cluster.fresh_database())
    } else {
        dir.path().join("portal.sqlite3")
    };
    let store = if options.postgres {
        format!("PostgreSQL, {} instance(s)", options.instances)
    } else {
        "SQLite".to_owned()
    };
    eprintln!(
        "portal bench ({store}): {} users with a card, {} logins per run, concurrency {:?}, {} runs",
        options.users, options.logins, options.concurrency, options.runs
    );
    // A demo start runs only on a database a demo start made: make it with one, then fill it.
    let (mut first, _) = serve(dir.path(), &db);
    first.kill().unwrap();
    first.wait().unwrap();
    let mut cards = Vec::new();
    for u in 0..options.users {
        let username = format!("bench{u:03}");
        admin(&db, &["create-user", &username]);
        let issued = admin(&db, &["issue-card", &username]);
        let field = |name: &str| {
            issued
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .expect("the card's fields")
                .trim()
                .to_owned()
        };
        let suite: OcraSuite = field("suite:").parse().unwrap();
        let key = hex_decode(&field("secret:")).unwrap();
        cards.push(Card {
            username,
            ocra: Ocra::new(suite, &key).unwrap(),
        });
    }
    let cards = Arc::new(cards);
    let instances = if options.postgres {
        options.instances
    } else {
        1
    };
    let (mut servers, bases): (Vec<Child>, Vec<String>) = (0..instances)
        .map(|i| serve(&dir.path().join(format!("instance-{i}")), &db))
        .unzip();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.concurrency.iter().copied().max().unwrap_or(1))
        .build()
        .unwrap();

    let mut results = Vec::new();
    for &concurrency in &options.concurrency {
        let mut runs = Vec::new();
        for run in 0..options.runs {
            runs.push(timed_run(
                &runtime,
                &http,
                &bases,
                &cards,
                concurrency,
                options.logins,
                run,
            ));
        }
        results.push(json!({ "concurrency": concurrency, "runs": runs }));
    }
    for server in &mut servers {
        server.kill().unwrap();
        server.wait().unwrap();
    }

    let report = json!({
        "store": store,
        "users": options.users,
        "logins_per_run": options.logins,
        "factor": "security card, OCRA-1:HOTP-SHA256-8:QN06-PSHA1",
        "results": results,
    });
    match options.json {
        Some(path) => std::fs::write(path, report.to_string()).unwrap(),
        None => println!("{report:#}"),
    }
}

/// Prepares `logins` logins, then answers them all with `concurrency` workers, login `i` on
/// instance `i % instances` (and prepared on the next one); the figures.
fn timed_run(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    bases: &[String],
    cards: &Arc<Vec<Card>>,
    concurrency: usize,
    logins: usize,
    run: usize,
) -> Value {
    let bases = Arc::new(bases.to_vec());
    let prepared = runtime.block_on(spread(logins, concurrency.max(8), {
        let (http, bases, cards) = (http.clone(), bases.clone(), cards.clone());
        move |i| {
            let (http, bases, cards) = (http.clone(), bases.clone(), cards.clone());
            async move {
                let base = &bases[(i + 1) % bases.len()];
                prepare(&http, base, &cards[i % cards.len()]).await
            }
        }
    }));
    let prepared = Arc::new(prepared);
    let started = Instant::now();
    let latencies = runtime.block_on(spread(logins, concurrency, {
        let (http, bases, prepared) = (http.clone(), bases.clone(), prepared.clone());
        move |i| {
            let (http, bases, prepared) = (http.clone(), bases.clone(), prepared.clone());
            async move {
                let login = &prepared[i];
                let base = &bases[i % bases.len()];
                let sent = Instant::now();
                let (status, outcome) = post(
                    &http,
                    format!("{base}/api/login/{}/response", login.id),
                    json!({ "response": login.response }),
                )
                .await;
                let took = sent.elapsed();
                assert_eq!(
                    (status, outcome["outcome"].as_str()),
                    (200, Some("success")),
                    "{outcome}"
                );
                took
            }
        }
    }));
    let elapsed = started.elapsed().as_secs_f64();
    let mut sorted = latencies;
    sorted.sort();
    let result = json!({
        "run": run + 1,
        "verifications": logins,
        "seconds": elapsed,
        "per_second": logins as f64 / elapsed,
        "p50_ms": percentile(&sorted, 50.0),
        "p99_ms": percentile(&sorted, 99.0),
        "max_ms": percentile(&sorted, 100.0),
    });
    eprintln!(
        "concurrency {concurrency}, run {}: {:.0} verifications/s, p50 {:.2} ms, p99 {:.2} ms",
        run + 1,
        result["per_second"].as_f64().unwrap(),
        result["p50_ms"].as_f64().unwrap(),
        result["p99_ms"].as_f64().unwrap()
    );
    result
}
