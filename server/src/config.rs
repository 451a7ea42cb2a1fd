//! What a portal is started with: files, policy, courier, and the demo and test switches.

use std::path::PathBuf;
use std::time::Duration;

use secure_login_verifier::Policy;

use crate::client_addr::TrustedProxies;
use crate::courier::WebhookSecret;
use crate::database::Database;
use crate::kek::KeySource;
use crate::origin::PublicOrigin;
use crate::static_files::Files;

/// Where SMS and voice codes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CourierConfig {
    /// The demo phone's outbox (`/api/phone/*`): a demo start's only (`--demo`,
    /// `--test-clock`); a production start with it refuses to begin.
    Outbox,
    /// A signed JSON webhook; the phone endpoints are then 404.
    Webhook {
        /// `http://` or `https://` URL.
        url: String,
        /// How long to wait for the gateway.
        timeout: Duration,
        /// Signs each request (`X-Secure-Login-Signature`).
        secret: WebhookSecret,
    },
}

/// The portal's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite database file (created if missing) or the PostgreSQL database.
    pub db: Database,
    /// The pages: built into the binary, or a directory (`--www`).
    pub www: Files,
    /// The wasm package: built into the binary, or a directory (`--pkg`).
    pub pkg: Files,
    /// The key-encryption key of the factor secrets (default: the file `DB.key`).
    pub key: KeySource,
    /// The verifier's numbers.
    pub policy: Policy,
    /// Where codes go.
    pub courier: CourierConfig,
    /// `--test-clock`: a clock that stands still until `POST /api/test/clock` sets it.
    pub test_clock: bool,
    /// `--demo`: demo accounts on an empty database, and `GET /api/demo/cards`.
    pub demo: bool,
    /// The issuer named in Key URIs and activations.
    pub issuer: String,
    /// `--public-origin`: the only `Host` and `Origin` served; None on a loopback start (the
    /// loopback names only).
    pub public_origin: Option<PublicOrigin>,
    /// `--trusted-proxy`: peers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// The domain of the WebOTP line ending each SMS (`@domain #code`): the portal's own.
    pub sms_domain: String,
    /// Names this server instance in the claims of the outbox (several instances sharing a
    /// database need different names).
    pub instance: String,
}

impl Config {
    /// The defaults for an SQLite database file (the key file beside it) and where the pages
    /// and the package come from.
    pub fn new(db: impl Into<PathBuf>, www: impl Into<Files>, pkg: impl Into<Files>) -> Self {
        let db = db.into();
        Self {
            key: KeySource::beside(&db),
            db: Database::Sqlite(db),
            www: www.into(),
            pkg: pkg.into(),
            policy: Policy::default(),
            courier: CourierConfig::Outbox,
            test_clock: false,
            demo: false,
            issuer: "secure-login".into(),
            public_origin: None,
            trusted_proxies: TrustedProxies::default(),
            sms_domain: "localhost".into(),
            instance: "portal".into(),
        }
    }
}
