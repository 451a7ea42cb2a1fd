//! `secure-login-server`: serves the secure-login portal (the default, or `serve`), or
//! administers its database (`admin ...`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secure_login_server::admin::AdminCommand;
use secure_login_server::client_addr::TrustedProxies;
use secure_login_server::clock::SystemClock;
use secure_login_server::config_file::{ConfigFile, PolicyFile};
use secure_login_server::courier::{NoCourier, WebhookSecret};
use secure_login_server::entropy::SystemEntropy;
use secure_login_server::kek::KeySource;
use secure_login_server::logging::{self, LogFormat};
use secure_login_server::mode::Mode;
use secure_login_server::origin::PublicOrigin;
use secure_login_server::static_files::missing_package;
use secure_login_server::{Config, CourierConfig, Database, Files};
use secure_login_verifier::{Policy, Verifier};
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
    Serve(Box<ServeArgs>),
    /// Administers the database file.
    Admin(Box<AdminArgs>),
}

/// The database file when neither `--db` nor the config file names one.
const DEFAULT_DB: &str = "secure-login.sqlite3";
/// The listening address when neither `--addr` nor the config file names one.
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// The database.
#[derive(Args, Debug, Clone)]
struct DbArgs {
    /// The SQLite database file, created if missing [default: secure-login.sqlite3], or a
    /// PostgreSQL database: `postgres://user:password@host:port/dbname` (several instances may
    /// share it; the URL may also come from SECURE_LOGIN_DB, out of sight of `ps`).
    #[arg(long, visible_alias = "database", env = "SECURE_LOGIN_DB")]
    db: Option<PathBuf>,
    /// The key file sealing the factor secrets (created 0600 if missing). Without it,
    /// `SECURE_LOGIN_KEY` (base64 of 32 bytes) when set, else the file `DB.key` (an SQLite
    /// database only: with PostgreSQL one of the two is required).
    #[arg(long, env = "SECURE_LOGIN_KEY_FILE")]
    key_file: Option<PathBuf>,
}

impl DbArgs {
    /// The database given, else the one of the config file, else [`DEFAULT_DB`].
    fn database_or(&self, file: Option<&PathBuf>) -> Database {
        Database::parse(
            &self
                .db
                .clone()
                .or_else(|| file.cloned())
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DB)),
        )
    }

    /// Where the key-encryption key of database `db` comes from: `--key-file`, else
    /// `SECURE_LOGIN_KEY` (the environment wins over the config file, as for every setting),
    /// else the config file's `key_file`, else the file beside an SQLite `db`. A PostgreSQL
    /// database has no "beside": the key must be named (every instance needs the same one).
    fn key(&self, file: Option<&PathBuf>, db: &Database) -> Result<KeySource, String> {
        if let Some(path) = &self.key_file {
            return Ok(KeySource::File(path.clone()));
        }
        if let Some(inline) = KeySource::from_env() {
            return Ok(inline);
        }
        if let Some(path) = file {
            return Ok(KeySource::File(path.clone()));
        }
        match db.sqlite_path() {
            Some(path) => Ok(KeySource::beside(path)),
            None => Err(
                "a PostgreSQL database needs its key named: --key-file (or key_file in \
                         the config file) or SECURE_LOGIN_KEY, the same for every instance"
                    .into(),
            ),
        }
    }
}

/// The policy's numbers; each defaults to its value in docs/design.md, "Defaults".
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
    /// Failed passwords in a row from which every attempt waits 15 minutes (default 100,
    /// NIST SP 800-63B-4's most; higher only to measure, as scripts/timing.sh does).
    #[arg(long, env = "SECURE_LOGIN_PASSWORD_SLOW_AFTER")]
    password_slow_after: Option<u32>,
}

impl PolicyArgs {
    fn policy(&self) -> Policy {
        self.policy_over(&PolicyFile::default())
    }

    /// The flags, else the config file's `[policy]`, else docs/design.md's "Defaults".
    fn policy_over(&self, file: &PolicyFile) -> Policy {
        let default = Policy::default();
        Policy {
            lockout_threshold: self
                .lockout_threshold
                .or(file.lockout_threshold)
                .unwrap_or(default.lockout_threshold),
            lockout_duration: self
                .lockout_duration
                .or(file.lockout_duration)
                .unwrap_or(default.lockout_duration),
            resend_interval: self
                .resend_interval
                .or(file.resend_interval)
                .unwrap_or(default.resend_interval),
            challenge_lifetime: self
                .challenge_lifetime
                .or(file.challenge_lifetime)
                .unwrap_or(default.challenge_lifetime),
            code_lifetime: self
                .code_lifetime
                .or(file.code_lifetime)
                .unwrap_or(default.code_lifetime),
            push_lifetime: self
                .push_lifetime
                .or(file.push_lifetime)
                .unwrap_or(default.push_lifetime),
            daily_message_cap: self
                .daily_message_cap
                .or(file.daily_message_cap)
                .unwrap_or(default.daily_message_cap),
            password_memory_kib: self
                .password_memory_kib
                .or(file.password_memory_kib)
                .unwrap_or(default.password_memory_kib),
            password_iterations: self
                .password_iterations
                .or(file.password_iterations)
                .unwrap_or(default.password_iterations),
            password_free_failures: self
                .password_free_failures
                .or(file.password_free_failures)
                .unwrap_or(default.password_free_failures),
            source_free_failures: self
                .source_free_failures
                .or(file.source_free_failures)
                .unwrap_or(default.source_free_failures),
            password_slow_after: self
                .password_slow_after
                .or(file.password_slow_after)
                .unwrap_or(default.password_slow_after),
            ..default
        }
    }
}

/// How to serve. Flags (and their environment variables) win over the config file.
#[derive(Args, Debug, Clone)]
struct ServeArgs {
    /// A TOML file with the settings below (docs/deploy.md); flags override it.
    #[arg(long, env = "SECURE_LOGIN_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port; the line printed on start names it)
    /// [default: 127.0.0.1:8080].
    #[arg(long, env = "SECURE_LOGIN_ADDR")]
    addr: Option<SocketAddr>,
    /// The origin browsers reach the portal at (`https://portal.example`): the only Host served
    /// and the only Origin that may change state. Required unless listening on loopback.
    #[arg(long, env = "SECURE_LOGIN_PUBLIC_ORIGIN")]
    public_origin: Option<String>,
    /// A reverse proxy (IP address or CIDR block) whose X-Forwarded-For names the client; repeatable.
    #[arg(
        long = "trusted-proxy",
        env = "SECURE_LOGIN_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// The issuer named in Key URIs and activations [default: secure-login].
    #[arg(long, env = "SECURE_LOGIN_ISSUER")]
    issuer: Option<String>,
    /// Log level or filter when RUST_LOG is not set (error, warn, info, debug, trace) [default: info].
    #[arg(long)]
    log_level: Option<String>,
    /// Log lines as `text` or `json` [default: text].
    #[arg(long)]
    log_format: Option<LogFormat>,
    /// Serve the pages from this directory (while developing them) instead of the copy built
    /// into the binary.
    #[arg(long)]
    www: Option<PathBuf>,
    /// Serve the wasm package from this directory (scripts/build-wasm.sh makes `pkg/`) instead
    /// of the copy built into the binary.
    #[arg(long)]
    pkg: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Send SMS and voice codes as JSON to this URL (required unless --demo or --test-clock,
    /// which otherwise use the demo phone).
    #[arg(long, env = "SECURE_LOGIN_WEBHOOK")]
    webhook: Option<String>,
    /// Seconds to wait for the webhook [default: 10].
    #[arg(long)]
    webhook_timeout: Option<u64>,
    /// A file holding the secret that signs webhook requests (else SECURE_LOGIN_WEBHOOK_SECRET;
    /// never on the command line, where other users of the machine can read it, nor in the
    /// config file, which names the file as `webhook_secret_file`).
    #[arg(long, env = "SECURE_LOGIN_WEBHOOK_SECRET_FILE")]
    webhook_secret_file: Option<PathBuf>,
    /// The domain of the WebOTP line ending each SMS (`@DOMAIN #123456`) [default: the host of
    /// --public-origin, else localhost].
    #[arg(long, env = "SECURE_LOGIN_SMS_DOMAIN")]
    sms_domain: Option<String>,
    /// Names this instance in the outbox's claims (instances sharing a database: one name
    /// each) [default: portal].
    #[arg(long, env = "SECURE_LOGIN_INSTANCE")]
    instance_id: Option<String>,
    /// Demo start: create the demo accounts on a new database, print them, serve the demo phone
    /// and `/api/demo/cards`. Loopback only; only on a database a demo start created.
    #[arg(long)]
    demo: bool,
    /// A clock that stands still until `POST /api/test/clock` sets it (tests only; a demo start:
    /// loopback only, on a database a demo start created).
    #[arg(long)]
    test_clock: bool,
    /// Seconds a session lasts at most, however active [default: 43200].
    #[arg(long)]
    session_lifetime: Option<u64>,
    /// Seconds without a request after which a session ends [default: 1800].
    #[arg(long)]
    session_idle_timeout: Option<u64>,
    /// Seconds a new binding can be undone ("this wasn't me"), in which a soft token a migration
    /// replaced keeps working; 0 retires it at once [default: 86400].
    #[arg(long)]
    binding_cooling_off: Option<u64>,
}

/// `admin` and its command.
#[derive(Args, Debug)]
struct AdminArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    policy: PolicyArgs,
    /// The issuer named in the Key URIs printed (the portal's `--issuer`).
    #[arg(long, env = "SECURE_LOGIN_ISSUER", default_value = "secure-login")]
    issuer: String,
    #[command(subcommand)]
    command: AdminCommand,
}

/// The directory given on the command line or in the config file, else what the binary holds.
fn files(given: Option<PathBuf>) -> Files {
    given.map_or(Files::Embedded, Files::Dir)
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
        Some(Command::Admin(admin)) => return run_admin(*admin).await,
        Some(Command::Serve(serve)) => serve_portal(*serve).await,
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
        let db = args.db.database_or(None);
        if let AdminCommand::Backup { dest } = &args.command {
            // The file alone: no key, no verifier (a backup never reads a secret).
            return match &db {
                Database::Sqlite(path) => secure_login_server::admin::backup(path, dest),
                Database::Postgres(_) => Err(secure_login_verifier::Error::InvalidInput(
                    "admin backup copies an SQLite database; back up PostgreSQL with pg_dump",
                )),
            };
        }
        let store = db.open()?;
        let vault = args
            .db
            .key(None, &db)
            .map_err(secure_login_verifier::Error::Store)?
            .vault()
            .map_err(|e| secure_login_verifier::Error::Store(e.0))?;
        let verifier = Verifier::new(
            store,
            args.policy.policy(),
            Arc::new(SystemClock),
            Arc::new(SystemEntropy),
            Arc::new(NoCourier),
            vault,
        )?;
        secure_login_server::check_key(&verifier)?;
        secure_login_server::admin::run(&verifier, args.command, &args.issuer)
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

/// What a start needs besides the portal's [`Config`].
struct Start {
    config: Config,
    addr: SocketAddr,
    log_level: String,
    log_format: LogFormat,
}

/// The portal's configuration from the arguments over the config file.
fn config(args: ServeArgs) -> Result<Start, String> {
    let file = match &args.config {
        Some(path) => ConfigFile::read(path)?,
        None => ConfigFile::default(),
    };
    let www = files(args.www.or(file.www));
    let pkg = files(args.pkg.or(file.pkg));
    let db = args.db.database_or(file.db.as_ref());
    let key = args.db.key(file.key_file.as_ref(), &db)?;
    let mut config = Config::new(PathBuf::new(), www, pkg);
    config.db = db;
    config.key = key;
    config.policy = args.policy.policy_over(&file.policy);
    config.demo = args.demo;
    config.test_clock = args.test_clock;
    if let Some(lifetime) = args.session_lifetime.or(file.session_lifetime) {
        config.policy.session_lifetime = lifetime;
    }
    if let Some(idle) = args.session_idle_timeout.or(file.session_idle_timeout) {
        config.policy.session_idle_timeout = idle;
    }
    if let Some(cooling_off) = args.binding_cooling_off.or(file.binding_cooling_off) {
        config.policy.binding_cooling_off = cooling_off;
    }
    if let Some(issuer) = args.issuer.or(file.issuer) {
        config.issuer = issuer;
    }
    if let Some(instance) = args.instance_id.or(file.instance_id) {
        config.instance = instance;
    }
    if let Some(url) = args.webhook.or(file.webhook) {
        let timeout = args.webhook_timeout.or(file.webhook_timeout).unwrap_or(10);
        let secret_file = args.webhook_secret_file.or(file.webhook_secret_file);
        config.courier = CourierConfig::Webhook {
            url,
            timeout: Duration::from_secs(timeout.max(1)),
            secret: webhook_secret(secret_file.as_deref())?,
        };
    }
    config.public_origin = args
        .public_origin
        .or(file.public_origin)
        .map(|o| PublicOrigin::parse(&o))
        .transpose()?;
    // WebOTP binds the code to the site the browser is on: the public origin's host, unless
    // named apart.
    if let Some(domain) = args.sms_domain.or(file.sms_domain).or_else(|| {
        config
            .public_origin
            .as_ref()
            .map(|origin| origin.host().to_owned())
    }) {
        config.sms_domain = domain;
    }
    let proxies = if args.trusted_proxies.is_empty() {
        file.trusted_proxies.unwrap_or_default()
    } else {
        args.trusted_proxies
    };
    config.trusted_proxies = TrustedProxies::parse(&proxies)?;
    let addr = match args.addr.or(file.addr) {
        Some(addr) => addr,
        None => DEFAULT_ADDR.parse().map_err(|_| "the default address")?,
    };
    let log_format = match (args.log_format, file.log_format) {
        (Some(format), _) => format,
        (None, Some(text)) => text.parse()?,
        (None, None) => LogFormat::Text,
    };
    let log_level = args
        .log_level
        .or(file.log_level)
        .unwrap_or_else(|| "info".into());
    check_exposure(&config, addr)?;
    Ok(Start {
        config,
        addr,
        log_level,
        log_format,
    })
}

/// Refuses a start that would expose what must stay local: a demo start on a non-loopback
/// address, or a production start reachable from outside with no public origin to check
/// `Host` and `Origin` against.
fn check_exposure(config: &Config, addr: SocketAddr) -> Result<(), String> {
    let loopback = addr.ip().is_loopback();
    match Mode::of(config.demo, config.test_clock) {
        Mode::Demo if !loopback => Err(format!(
            "--demo and --test-clock listen on loopback only (127.0.0.1 or [::1]), not on {addr}: \
             their codes, passwords and clock are public"
        )),
        Mode::Production if !loopback && config.public_origin.is_none() => Err(format!(
            "listening on {addr} (not loopback) needs --public-origin https://your.host (or \
             `public_origin` in the config file): the Host and Origin every request is checked against"
        )),
        _ => Ok(()),
    }
}

/// The webhook's signing secret: from the file given (readable by its owner only), else from
/// `SECURE_LOGIN_WEBHOOK_SECRET`.
fn webhook_secret(file: Option<&Path>) -> Result<WebhookSecret, String> {
    let text = match file {
        Some(file) => {
            refuse_if_others_can_read(file)?;
            std::fs::read_to_string(file).map_err(|e| {
                format!("cannot read the webhook secret file {}: {e}", file.display())
            })?
        }
        None => std::env::var("SECURE_LOGIN_WEBHOOK_SECRET").map_err(|_| {
            "a webhook needs a signing secret: --webhook-secret-file FILE or SECURE_LOGIN_WEBHOOK_SECRET"
                .to_owned()
        })?,
    };
    WebhookSecret::new(&text)
}

/// A secret file that group or others may read is refused: anyone on the machine could sign.
#[cfg(unix)]
fn refuse_if_others_can_read(file: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file)
        .map_err(|e| {
            format!(
                "cannot read the webhook secret file {}: {e}",
                file.display()
            )
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "the webhook secret file {} is readable by others (mode {:o}): chmod 600 it",
            file.display(),
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_others_can_read(_file: &Path) -> Result<(), String> {
    Ok(())
}

/// Serves until Ctrl-C or SIGTERM.
async fn serve_portal(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let Start {
        config,
        addr,
        log_level,
        log_format,
    } = config(args)?;
    logging::init(&log_level, log_format)?;
    let mode_line = secure_login_server::mode_line(&config);
    if let Files::Dir(www) = &config.www {
        if !www.is_dir() {
            return Err(format!("{} is not a directory", www.display()).into());
        }
    }
    if let Some(missing) = missing_package(&config.pkg) {
        return Err(missing.into());
    }
    if let Files::Dir(pkg) = &config.pkg {
        if !pkg.join("secure_login.js").is_file() {
            tracing::warn!(
                "{} has no secure_login.js; build it with scripts/build-wasm.sh",
                pkg.display()
            );
        }
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
    println!("{mode_line}");
    tracing::info!(%addr, "{mode_line}");
    println!("database: {db}");
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
    fn a_given_directory_wins_over_the_built_in_files() {
        assert_eq!(
            files(Some(PathBuf::from("/srv/www"))),
            Files::Dir(PathBuf::from("/srv/www"))
        );
        assert_eq!(files(None), Files::Embedded);
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
        assert_eq!(cli.serve.addr, Some("127.0.0.1:0".parse().unwrap()));
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
            "--pin-file",
            "-",
        ])
        .unwrap();
        let Some(Command::Admin(admin)) = cli.command else {
            panic!("not admin");
        };
        assert_eq!(admin.db.db, Some(PathBuf::from("x.sqlite3")));
        assert_eq!(
            admin.command,
            AdminCommand::IssueCard {
                name: "alice".into(),
                pin_file: Some(PathBuf::from("-"))
            }
        );
        assert!(
            Cli::try_parse_from(["secure-login-server", "--demo", "admin", "show", "a"]).is_err()
        );
    }
}
