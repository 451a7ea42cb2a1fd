//! A throwaway PostgreSQL cluster for the tests: Debian's binaries (`/usr/lib/postgresql/*/bin`),
//! `initdb` in a temporary directory, listening on a Unix socket in that directory only (no TCP
//! port, so runs beside each other never meet), started once per test process and stopped when
//! the process ends. PostgreSQL refuses to run as root: as root the cluster runs as the user
//! `postgres` (which Debian's package creates), or `nobody`, in a directory given to that user.
//!
//! Where PostgreSQL is not installed, [`cluster`] prints one `skipped: ...` line and returns
//! `None`; `scripts/setup.sh --test` installs it, so the README's test command always has it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// A running cluster: connect through its socket directory as the superuser `test`.
pub struct Cluster {
    socket_dir: PathBuf,
    /// The process that stops the cluster after this one ends (never waited for: it outlives
    /// the tests by design).
    _guard: std::process::Child,
}

/// The port number names the socket file (`.s.PGSQL.5432`); nothing listens on TCP.
const PORT: u16 = 5432;

impl Cluster {
    /// The URL of database `dbname` (`?options=` sets connection parameters, if any).
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "postgres://test@/{dbname}?host={}&port={PORT}",
            self.socket_dir.display()
        )
    }

    /// A new, empty database of its own, and its URL: for a store that must be alone in its
    /// database (migrations, several instances).
    pub fn fresh_database(&self) -> String {
        let name = fresh_name();
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// A new, empty schema in the database `postgres`, and a URL whose connections use it
    /// (`search_path`): a fresh store at the cost of one `CREATE SCHEMA`, for the many tests
    /// that each want one.
    pub fn fresh_schema(&self) -> String {
        let name = fresh_name();
        self.psql("postgres", &format!("CREATE SCHEMA {name}"));
        format!("{}&options=-c%20search_path%3D{name}", self.url("postgres"))
    }

    /// Runs `sql` in database `dbname` with `psql` and returns what it printed (unaligned,
    /// tuples only); panics with its error when it fails.
    pub fn psql(&self, dbname: &str, sql: &str) -> String {
        let output = Command::new(bin_dir().join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(&self.socket_dir)
            .args([
                "-p",
                &PORT.to_string(),
                "-U",
                "test",
                "-d",
                dbname,
                "-c",
                sql,
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

/// A name no other database or schema of this cluster has.
fn fresh_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// The newest installed version's binaries (`/usr/lib/postgresql/<version>/bin`).
fn find_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn bin_dir() -> PathBuf {
    find_bin_dir().expect("the cluster started, so its binaries exist")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// The user the cluster runs as when the tests run as root.
fn service_user() -> &'static str {
    let known = |user: &str| {
        Command::new("id")
            .arg(user)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if known("postgres") {
        "postgres"
    } else {
        "nobody"
    }
}

/// `program args` as the service user when root, else as ourselves.
fn as_owner(root: bool, program: &Path) -> Command {
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", service_user(), "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn start() -> Option<Cluster> {
    let Some(bin) = find_bin_dir() else {
        println!(
            "skipped: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): the \
             PostgreSQL store's tests did not run; scripts/setup.sh --test installs it"
        );
        return None;
    };
    let root = is_root();
    // Not a TempDir: the cluster outlives every test of the process, and the guard below
    // removes it once the process is gone.
    let dir = tempfile::Builder::new()
        .prefix("sl-pg-")
        .tempdir()
        .unwrap()
        .keep();
    if root {
        run(
            {
                let mut c = Command::new("chown");
                c.arg(service_user()).arg(&dir);
                c
            },
            "chown the cluster's directory",
        );
    }
    let data = dir.join("data");
    let mut initdb = as_owner(root, &bin.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "test", "-E", "UTF8", "--no-sync"]);
    run(initdb, "initdb");
    let mut pg_ctl = as_owner(root, &bin.join("pg_ctl"));
    pg_ctl
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .arg("-o")
        .arg(format!(
            "-p {PORT} -k {} -c listen_addresses='' -c max_connections=400",
            dir.display()
        ));
    pg_ctl.args(["-w", "start"]).stdin(Stdio::null());
    run(pg_ctl, "pg_ctl start");
    // Stops the cluster (immediately: nothing in it is kept) and removes its directory once
    // this test process is gone, however it ends.
    let stop = if root {
        format!("runuser -u {} -- ", service_user())
    } else {
        String::new()
    };
    let guard = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {stop}{pg_ctl} -D {data} -m immediate -w stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display(),
    );
    let guard = Command::new("sh")
        .args(["-c", &guard])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Some(Cluster {
        socket_dir: dir,
        _guard: guard,
    })
}

/// The process's cluster, started on first use; `None` (after one `skipped:` line) where
/// PostgreSQL is not installed.
pub fn cluster() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
    CLUSTER.get_or_init(start).as_ref()
}
