//! The log: `tracing` events to stderr, one line each, as text or JSON. The level comes from
//! `RUST_LOG` when set (`info`, `secure_login_server=debug`, ...), else `--log-level` (default
//! `info`). Only this program's own events are written: there is no bridge from the `log`
//! crate, whose users (the HTTP client of the webhook) would print message bodies.

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `2026-12-02T03:04:05Z  INFO request method=GET route=/healthz status=200 ...`
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!("{other}: the log format is text or json")),
        }
    }
}

/// Installs the subscriber (once per process; later calls do nothing).
///
/// # Errors
/// A message when `level` is not a valid filter (`info`, `warn,secure_login_server=debug`).
pub fn init(level: &str, format: LogFormat) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(from_env) if !from_env.trim().is_empty() => EnvFilter::try_new(from_env),
        _ => EnvFilter::try_new(level),
    }
    .map_err(|e| format!("log level: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    // Err means a subscriber is already set: keep it.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    Ok(())
}
