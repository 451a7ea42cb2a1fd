//! The configuration file (`--config FILE` or `SECURE_LOGIN_CONFIG`), TOML. Every key is
//! optional; a flag or its environment variable wins over the file; an unknown key is an error
//! (a misspelt `public_orgin` must not silently leave the portal on its defaults).
//!
//! ```toml
//! issuer = "Example Bank"
//! public_origin = "https://portal.example"
//! trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]
//! addr = "127.0.0.1:8080"
//! db = "/var/lib/secure-login/portal.sqlite3"
//! key_file = "/etc/secure-login/portal.key"
//! webhook = "https://sms-gateway.internal/send"
//! webhook_secret_file = "/etc/secure-login/webhook-secret"
//! log_level = "info"
//! log_format = "json"
//!
//! [policy]
//! lockout_threshold = 10
//! resend_interval = 120
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The policy's numbers (each as the flag of the same name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// `--lockout-threshold`.
    pub lockout_threshold: Option<u32>,
    /// `--lockout-duration`.
    pub lockout_duration: Option<u64>,
    /// `--resend-interval`.
    pub resend_interval: Option<u64>,
    /// `--challenge-lifetime`.
    pub challenge_lifetime: Option<u64>,
    /// `--code-lifetime`.
    pub code_lifetime: Option<u64>,
    /// `--push-lifetime`.
    pub push_lifetime: Option<u64>,
    /// `--daily-message-cap`.
    pub daily_message_cap: Option<u32>,
    /// `--password-memory-kib`.
    pub password_memory_kib: Option<u32>,
    /// `--password-iterations`.
    pub password_iterations: Option<u32>,
    /// `--password-free-failures`.
    pub password_free_failures: Option<u32>,
    /// `--source-free-failures`.
    pub source_free_failures: Option<u32>,
    /// `--password-slow-after`.
    pub password_slow_after: Option<u32>,
}

/// The file's keys (each as the flag of the same name, `-` written `_`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `--issuer`.
    pub issuer: Option<String>,
    /// `--public-origin`.
    pub public_origin: Option<String>,
    /// `--trusted-proxy`, each.
    pub trusted_proxies: Option<Vec<String>>,
    /// `--addr`.
    pub addr: Option<SocketAddr>,
    /// `--db`.
    pub db: Option<PathBuf>,
    /// `--key-file`: the path of the key file only (never the key: this file is often readable
    /// by more than the portal).
    pub key_file: Option<PathBuf>,
    /// `--www`.
    pub www: Option<PathBuf>,
    /// `--pkg`.
    pub pkg: Option<PathBuf>,
    /// `--webhook`.
    pub webhook: Option<String>,
    /// `--webhook-timeout`.
    pub webhook_timeout: Option<u64>,
    /// `--webhook-secret-file`: the path of the file only (the secret itself is never in this
    /// file, which is often readable by more than the portal).
    pub webhook_secret_file: Option<PathBuf>,
    /// `--sms-domain`.
    pub sms_domain: Option<String>,
    /// `--instance-id`.
    pub instance_id: Option<String>,
    /// `--session-lifetime`.
    pub session_lifetime: Option<u64>,
    /// `--session-idle-timeout`.
    pub session_idle_timeout: Option<u64>,
    /// `--binding-cooling-off`.
    pub binding_cooling_off: Option<u64>,
    /// `--log-level`.
    pub log_level: Option<String>,
    /// `--log-format`.
    pub log_format: Option<String>,
    /// The `[policy]` table.
    #[serde(default)]
    pub policy: PolicyFile,
}

impl ConfigFile {
    /// Parses the text of a file.
    ///
    /// # Errors
    /// TOML's message (it names the line, and the key when one is unknown).
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Reads and parses `path`.
    ///
    /// # Errors
    /// A message naming the file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("config file {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_unknown_ones_are_errors() {
        let file = ConfigFile::parse(
            "issuer = \"Bank\"\ntrusted_proxies = [\"10.0.0.0/8\"]\n[policy]\nlockout_threshold = 3\n",
        )
        .unwrap();
        assert_eq!(file.issuer.as_deref(), Some("Bank"));
        assert_eq!(file.trusted_proxies, Some(vec!["10.0.0.0/8".to_owned()]));
        assert_eq!(file.policy.lockout_threshold, Some(3));
        let error = ConfigFile::parse("public_orgin = \"https://x\"\n").unwrap_err();
        assert!(error.contains("public_orgin"), "{error}");
        let error = ConfigFile::parse("[policy]\nlockout = 3\n").unwrap_err();
        assert!(error.contains("lockout"), "{error}");
        assert!(ConfigFile::parse("addr = \"not an address\"\n").is_err());
    }
}
