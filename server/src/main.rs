//! `secure-login-server`: serves the secure-login portal (the default, or `serve`), or
//! administers its database (`admin ...`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secure_login::verifier::{Policy, SystemEntropy, Verifier};
use secure_login_server::admin::AdminCommand;
use secure_login_server::clock::SystemClock;
use secure_login_server::courier::NoCourier;
use secure_login_server::kek::KeySource;
use secure_login_server::{Config, CourierConfig, SqliteStore};
use tokio::net::TcpListener;

/// Command-line arguments.
#[derive(Parser, Debug)]
#[command(
    version,
    about = "The secure-login reference portal",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serves the portal (what happens without a subcommand too).
    Serve(ServeArgs),
    /// Administers the database file.
    Admin(AdminArgs),
}

/// The database file.
#[derive(Args, Debug, Clone)]
struct DbArgs {
    /// The SQLite database file (created if missing).
    #[arg(long, env = "SECURE_LOGIN_DB", default_value = "secure-login.sqlite3")]
    db: PathBuf,
    /// The key file sealing the factor secrets (created 0600 if missing). Without it,
    /// `SECURE_LOGIN_KEY` (base64 of 32 bytes) when set, else the file `DB.key`.
    #[arg(long, env = "SECURE_LOGIN_KEY_FILE")]
    key_file: Option<PathBuf>,
}

impl DbArgs {
    /// Where the key-encryption key comes from.
    fn key(&self) -> KeySource {
        KeySource::choose(self.key_file.clone(), &self.db)
    }
}

/// The policy's numbers; each defaults to DESIGN.md's value.
#[derive(Args, Debug, Clone, Default)]
struct PolicyArgs {
    /// Consecutive failures that lock a factor (default 10).
    #[arg(long, env = "SECURE_LOGIN_LOCKOUT_THRESHOLD")]
    lockout_threshold: Option<u32>,
    /// Seconds of the first lock (default 900; each further lock doubles it).
    #[arg(long, env = "SECURE_LOGIN_LOCKOUT_DURATION")]
    lockout_duration: Option<u64>,
    /// Seconds between two SMS or voice codes (default 120).
    #[arg(long, env = "SECURE_LOGIN_RESEND_INTERVAL")]
    resend_interval: Option<u64>,
    /// Seconds a login challenge stays valid (default 180).
    #[arg(long, env = "SECURE_LOGIN_CHALLENGE_LIFETIME")]
    challenge_lifetime: Option<u64>,
    /// Seconds an SMS or voice code stays valid (default 600).
    #[arg(long, env = "SECURE_LOGIN_CODE_LIFETIME")]
    code_lifetime: Option<u64>,
    /// Seconds a push waits for its answer (default 120).
    #[arg(long, env = "SECURE_LOGIN_PUSH_LIFETIME")]
    push_lifetime: Option<u64>,
    /// SMS and voice messages per account and day (default 10).
    #[arg(long, env = "SECURE_LOGIN_DAILY_MESSAGE_CAP")]
    daily_message_cap: Option<u32>,
    /// Argon2id memory in KiB for new password hashes (default 19456).
    #[arg(long, env = "SECURE_LOGIN_PASSWORD_MEMORY_KIB")]
    password_memory_kib: Option<u32>,
    /// Argon2id passes for new password hashes (default 2).
    #[arg(long, env = "SECURE_LOGIN_PASSWORD_ITERATIONS")]
    password_iterations: Option<u32>,
    /// Failed passwords in a row per username before each next one waits (default 5).
    #[arg(long, env = "SECURE_LOGIN_PASSWORD_FREE_FAILURES")]
    password_free_failures: Option<u32>,
    /// Failed passwords in a row per client address before each next one waits (default 20).
    #[arg(long, env = "SECURE_LOGIN_SOURCE_FREE_FAILURES")]
    source_free_failures: Option<u32>,
}

impl PolicyArgs {
    fn policy(&self) -> Policy {
        let default = Policy::default();
        Policy {
            lockout_threshold: self.lockout_threshold.unwrap_or(default.lockout_threshold),
            lockout_duration: self.lockout_duration.unwrap_or(default.lockout_duration),
            resend_interval: self.resend_interval.unwrap_or(default.resend_interval),
            challenge_lifetime: self
                .challenge_lifetime
                .unwrap_or(default.challenge_lifetime),
            code_lifetime: self.code_lifetime.unwrap_or(default.code_lifetime),
            push_lifetime: self.push_lifetime.unwrap_or(default.push_lifetime),
            daily_message_cap: self.daily_message_cap.unwrap_or(default.daily_message_cap),
            password_memory_kib: self
                .password_memory_kib
                .unwrap_or(default.password_memory_kib),
            password_iterations: self
                .password_iterations
                .unwrap_or(default.password_iterations),
            password_free_failures: self
                .password_free_failures
                .unwrap_or(default.password_free_failures),
            source_free_failures: self
                .source_free_failures
                .unwrap_or(default.source_free_failures),
            ..default
        }
    }
}

/// How to serve.
#[derive(Args, Debug, Clone)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the line printed on start names it).
    #[arg(long, env = "SECURE_LOGIN_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory of the pages (default: `www/` of the repository around the current directory).
    #[arg(long)]
    www: Option<PathBuf>,
    /// Directory of the wasm package (default: `pkg/` of the repository around the current directory).
    #[arg(long)]
    pkg: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Send SMS and voice codes as JSON to this URL instead of the demo phone's outbox.
    #[arg(long, env = "SECURE_LOGIN_WEBHOOK")]
    webhook: Option<String>,
    /// Seconds to wait for the webhook.
    #[arg(long, default_value_t = 10)]
    webhook_timeout: u64,
    /// Create the demo accounts that are missing, print them, and serve `/api/demo/cards`.
    #[arg(long)]
    demo: bool,
    /// A clock that stands still until `POST /api/test/clock` sets it (for tests only).
    #[arg(long)]
    test_clock: bool,
    /// Seconds a session lasts.
    #[arg(long, default_value_t = 12 * 3600)]
    session_lifetime: u64,
}

/// `admin` and its command.
#[derive(Args, Debug)]
struct AdminArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(subcommand)]
    command: AdminCommand,
}

/// The repository root: the current directory or the nearest parent holding `www/`.
fn find_repo_root() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find(|dir| dir.join("www").is_dir())
        .map(Path::to_path_buf)
}

/// The directory given on the command line, else `name` in the repository root.
fn resolve_dir(given: Option<PathBuf>, root: Option<&Path>, name: &str) -> Result<PathBuf, String> {
    match (given, root) {
        (Some(dir), _) => Ok(dir),
        (None, Some(root)) => Ok(root.join(name)),
        (None, None) => Err(format!(
            "no {name}/ directory found in the current directory or its parents; pass --{name} DIR"
        )),
    }
}

/// Waits for Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Threads of tokio's blocking pool: the verifier's calls (SQLite, Argon2) run there. Argon2 is
/// bounded apart (`PasswordGate`); this bounds the rest, which otherwise grows to 512 threads.
const MAX_BLOCKING_THREADS: usize = 32;

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()
    {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Admin(admin)) => return run_admin(admin).await,
        Some(Command::Serve(serve)) => serve_portal(serve).await,
        None => serve_portal(cli.serve).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one admin command; exit 0 with its output, or 1 with `error: CODE: message`.
async fn run_admin(args: AdminArgs) -> ExitCode {
    let outcome = tokio::task::spawn_blocking(move || {
        let store = SqliteStore::open(&args.db.db)?;
        let vault = args
            .db
            .key()
            .vault()
            .map_err(|e| secure_login::verifier::Error::Store(e.0))?;
        let verifier = Verifier::new(
            store,
            args.policy.policy(),
            Arc::new(SystemClock),
            Arc::new(SystemEntropy),
            Arc::new(NoCourier),
            vault,
        )?;
        secure_login_server::check_key(&verifier)?;
        secure_login_server::admin::run(&verifier, args.command, "secure-login")
    })
    .await;
    match outcome {
        Ok(Ok(text)) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            eprintln!("error: {}: {error}", error.code());
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("error: the command did not finish");
            ExitCode::FAILURE
        }
    }
}

/// The portal's configuration from the arguments.
fn config(args: ServeArgs) -> Result<Config, String> {
    let root = find_repo_root();
    let www = resolve_dir(args.www, root.as_deref(), "www")?;
    let pkg = resolve_dir(args.pkg, root.as_deref(), "pkg")?;
    let key = args.db.key();
    let mut config = Config::new(args.db.db, www, pkg);
    config.key = key;
    config.policy = args.policy.policy();
    config.demo = args.demo;
    config.test_clock = args.test_clock;
    config.session_lifetime = args.session_lifetime;
    if let Some(url) = args.webhook {
        config.courier = CourierConfig::Webhook {
            url,
            timeout: Duration::from_secs(args.webhook_timeout.max(1)),
        };
    }
    Ok(config)
}

/// Serves until Ctrl-C or SIGTERM.
async fn serve_portal(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let addr = args.addr;
    let config = config(args)?;
    if !config.www.is_dir() {
        return Err(format!("{} is not a directory", config.www.display()).into());
    }
    if !config.pkg.join("secure_login.js").is_file() {
        eprintln!(
            "warning: {} has no secure_login.js; build it with `wasm-pack build --target web --release --out-dir pkg`",
            config.pkg.display()
        );
    }
    let db = config.db.clone();
    let key = config.key.clone();
    let portal = tokio::task::spawn_blocking(move || secure_login_server::portal(config))
        .await
        .map_err(|_| "the portal could not start")??;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let addr = listener.local_addr()?;
    println!("database: {}", db.display());
    println!("secrets sealed with the {key:?}");
    if let Some(report) = &portal.demo_report {
        print!("{report}");
    }
    if portal.state.test_clock.is_some() {
        println!("test clock: on (POST /api/test/clock sets it)");
    }
    println!("secure-login portal listening on http://{addr}");
    let service = portal
        .router
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_directory_wins() {
        let got = resolve_dir(
            Some(PathBuf::from("/srv/www")),
            Some(Path::new("/repo")),
            "www",
        );
        assert_eq!(got, Ok(PathBuf::from("/srv/www")));
    }

    #[test]
    fn else_the_directory_in_the_repository() {
        let got = resolve_dir(None, Some(Path::new("/repo")), "pkg");
        assert_eq!(got, Ok(PathBuf::from("/repo/pkg")));
    }

    #[test]
    fn no_repository_and_no_directory_is_an_error_naming_the_flag() {
        let got = resolve_dir(None, None, "www");
        assert!(got.is_err_and(|e| e.contains("--www")));
    }

    #[test]
    fn the_arguments_parse() {
        let cli = Cli::try_parse_from([
            "secure-login-server",
            "--addr",
            "127.0.0.1:0",
            "--pkg",
            "p",
            "--demo",
            "--lockout-threshold",
            "3",
        ])
        .unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.addr, "127.0.0.1:0".parse().unwrap());
        assert_eq!(cli.serve.pkg, Some(PathBuf::from("p")));
        assert_eq!(cli.serve.www, None);
        assert!(cli.serve.demo);
        let policy = cli.serve.policy.policy();
        assert_eq!(policy.lockout_threshold, 3);
        assert_eq!(policy.resend_interval, 120);
    }

    #[test]
    fn admin_commands_parse() {
        let cli = Cli::try_parse_from([
            "secure-login-server",
            "admin",
            "--db",
            "x.sqlite3",
            "issue-card",
            "alice",
            "--pin",
            "1234",
        ])
        .unwrap();
        let Some(Command::Admin(admin)) = cli.command else {
            panic!("not admin");
        };
        assert_eq!(admin.db.db, PathBuf::from("x.sqlite3"));
        assert_eq!(
            admin.command,
            AdminCommand::IssueCard {
                name: "alice".into(),
                pin: "1234".into()
            }
        );
        assert!(
            Cli::try_parse_from(["secure-login-server", "--demo", "admin", "show", "a"]).is_err()
        );
    }
}
