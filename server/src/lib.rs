//! The reference portal of `secure-login`: the JSON API of `docs/api.md` over the verifier,
//! the pages (`www/`) at `/` and the wasm package (`pkg/`) at `/pkg/`, both built into the
//! binary (or served from disk with `--www`/`--pkg`), with a strict
//! Content-Security-Policy and the other security headers on every response.
//!
//! [`portal`] builds the whole router from a [`Config`]; [`SqliteStore`] keeps the verifier's
//! records and audit log in an SQLite file, [`PgStore`] in a PostgreSQL database that several
//! instances share ([`Database`] chooses); [`admin`] is the command-line administration.

pub mod admin;
mod api;
pub mod assets;
pub mod client_addr;
pub mod clock;
pub mod config;
pub mod config_file;
pub mod courier;
mod csrf;
pub mod database;
pub mod demo;
pub mod enroll;
pub mod entropy;
pub mod error;
pub mod extract;
mod headers;
mod health;
pub mod kek;
pub mod logging;
pub mod mode;
pub mod origin;
pub mod password_gate;
pub mod pg_store;
mod request_log;
pub mod session;
pub mod signals;
pub mod source;
pub mod sqlite_store;
pub mod state;
pub mod static_files;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Response;
use axum::response::IntoResponse;
use axum::Router;
use secure_login_verifier::{Clock, Courier, DeliveryPolicy, Verifier};

use crate::entropy::SystemEntropy;
use tokio::sync::broadcast;
use tower_http::catch_panic::CatchPanicLayer;

pub use config::{Config, CourierConfig};
pub use csrf::CSRF_HEADER;
pub use database::{Database, PortalStore};
pub use headers::{security_headers, CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY};
pub use pg_store::{PgOptions, PgStore};
pub use sqlite_store::{SqliteOptions, SqliteStore};
pub use state::AppState;
pub use static_files::{app, Files};

use clock::{system_now, SystemClock, TestClock};
use courier::{DeliveryWorker, MessageTexts, Outbox, OutboxCourier, WebhookCourier};
use error::ApiError;
use mode::Mode;
use origin::HostPolicy;
use password_gate::PasswordGate;
use session::Sessions;

/// Why a portal could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl From<secure_login_verifier::Error> for StartError {
    fn from(error: secure_login_verifier::Error) -> Self {
        Self(error.to_string())
    }
}

/// A portal ready to serve.
#[derive(Debug)]
pub struct Portal {
    /// Everything: API, pages, package, headers.
    pub router: Router,
    /// The shared state (tests reach the verifier through it).
    pub state: Arc<AppState>,
    /// With `--demo`: the demo accounts, to print.
    pub demo_report: Option<String>,
}

/// A 503 instead of the 500 a panic would give (there should be none: this is the last net).
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    ApiError::unavailable().into_response()
}

/// For the `server_json` fuzz target: `bytes` deserialised as the JSON body of every route that
/// takes one, exactly as the route's extractor does, and for each route (named) either `Ok` or the
/// refusal it would answer with. Not part of the API.
#[doc(hidden)]
pub fn fuzz_parse_bodies(bytes: &[u8]) -> Vec<(&'static str, Result<(), ApiError>)> {
    api::parse_every_body(bytes)
}

/// `scheme://host[:port]` of a webhook URL: no user, password, path or query (any may hold a
/// token).
fn webhook_origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    format!("{scheme}://{host}")
}

/// The first line a start prints: its mode, courier and origin (never the webhook's user, path or
/// query, which may hold a token).
pub fn mode_line(config: &Config) -> String {
    let courier = match &config.courier {
        CourierConfig::Outbox => "the demo phone (/phone.html)".to_owned(),
        CourierConfig::Webhook { url, .. } => format!("webhook to {}", webhook_origin(url)),
    };
    let mode = Mode::of(config.demo, config.test_clock);
    let origin = HostPolicy::new(config.public_origin.clone());
    format!("mode: {mode}; courier: {courier}; origin: {origin}")
}

/// Checks that the database's secrets are sealed under the verifier's key; seals those of a
/// database that kept them in clear, and then lets no copy of them stay in SQLite's WAL.
///
/// # Errors
/// [`secure_login_verifier::Error::Sealed`] for another key, store failures.
pub fn check_key(verifier: &Verifier<PortalStore>) -> secure_login_verifier::Result<()> {
    if verifier.check_key()? > 0 {
        verifier.store().after_sealing()?;
    }
    Ok(())
}

/// Opens the database, builds the verifier with the configured courier and clock, prepares
/// the demo accounts with `--demo`, and returns the router. Blocking (SQLite and Argon2): call
/// it before serving, or from `spawn_blocking`.
///
/// # Errors
/// [`StartError`] when a production start has no real courier, the database is not one this
/// mode may run on (see [`mode`]), the database cannot be opened, the webhook URL is not
/// http(s), or the policy is impossible.
pub fn portal(config: Config) -> Result<Portal, StartError> {
    let mode = Mode::of(config.demo, config.test_clock);
    if mode == Mode::Production && config.courier == CourierConfig::Outbox {
        return Err(StartError(
            "a production start needs a courier for SMS and voice codes: pass --webhook URL \
             (or `webhook` in the config file); the demo phone exists only with --demo"
                .into(),
        ));
    }
    let test_clock = config
        .test_clock
        .then(|| Arc::new(TestClock::new(system_now())));
    let clock: Arc<dyn Clock> = match &test_clock {
        Some(clock) => clock.clone(),
        None => Arc::new(SystemClock),
    };
    let store = config.db.open()?;
    mode::check_database(&store, mode)?.map_err(StartError)?;
    let texts = MessageTexts {
        issuer: config.issuer.clone(),
        domain: config.sms_domain.clone(),
    };
    let (courier, outbox, lease): (Arc<dyn Courier>, Option<Arc<Outbox>>, u64) = match &config
        .courier
    {
        CourierConfig::Outbox => {
            let outbox = Arc::new(match config.db.sqlite_path() {
                Some(path) => Outbox::open(path, clock.clone(), texts)?,
                None => Outbox::in_memory(clock.clone(), texts),
            });
            // The demo phone answers at once: a short lease.
            (Arc::new(OutboxCourier(outbox.clone())), Some(outbox), 5)
        }
        CourierConfig::Webhook {
            url,
            timeout,
            secret,
        } => (
            Arc::new(
                WebhookCourier::new(url, *timeout, secret.clone(), texts).map_err(StartError)?,
            ),
            None,
            // Longer than an attempt can take, so a live claim never runs out.
            timeout.as_secs().saturating_mul(2).saturating_add(5),
        ),
    };
    let verifier = Arc::new(Verifier::new(
        store,
        config.policy.clone(),
        clock.clone(),
        Arc::new(SystemEntropy),
        courier,
        config.key.vault()?,
    )?);
    check_key(&verifier)?;
    let delivery = Arc::new(DeliveryWorker::new(
        verifier.clone(),
        &config.instance,
        DeliveryPolicy {
            lease,
            ..DeliveryPolicy::default()
        },
    )?);
    let demo = if config.demo {
        Some(demo::prepare(&verifier, clock.now(), &config.issuer)?)
    } else {
        None
    };
    let (push_changes, _) = broadcast::channel(64);
    let policy = Arc::new(HostPolicy::new(config.public_origin.clone()));
    let state = Arc::new(AppState {
        verifier,
        delivery,
        sessions: if policy.is_https() {
            Sessions::new(config.policy.session_lifetime).with_host_prefix()
        } else {
            Sessions::new(config.policy.session_lifetime)
        },
        outbox,
        push_changes,
        clock,
        test_clock,
        demo_cards: demo.as_ref().map(|d| d.cards.clone()),
        issuer: config.issuer.clone(),
        password_gate: PasswordGate::per_core(),
        passkeys: api::passkey::RelyingParty::of(config.public_origin.as_ref()).map(Arc::new),
    });
    // Started once the portal is whole, when there is a runtime (the server's, a test's); its
    // first round sends what a crash left.
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(state.delivery.clone().run(state.test_clock.is_some()));
        let _entered = runtime.enter();
        signals::relay(&state)?;
    }
    let router = api::router(state.clone(), policy.clone())
        .merge(health::router(state.clone()))
        .merge(static_files::site(config.www, config.pkg));
    // Innermost first: the Host check, the request log (which sees its refusals), and the
    // client address (which the log and every handler read).
    let router = router
        .layer(axum::middleware::from_fn_with_state(
            policy.clone(),
            origin::check_host,
        ))
        .layer(axum::middleware::from_fn(request_log::log))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(config.trusted_proxies.clone()),
            client_addr::resolve,
        ));
    let router = if policy.is_https() {
        headers::strict_transport_security(router)
    } else {
        router
    };
    let router = security_headers(router).layer(CatchPanicLayer::custom(panic_response));
    Ok(Portal {
        router,
        state,
        demo_report: demo.map(|d| d.report),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_is_named_by_its_origin_only() {
        assert_eq!(
            webhook_origin("https://user:s3cret@gw.example:8443/send?key=abc#x"),
            "https://gw.example:8443"
        );
        assert_eq!(
            webhook_origin("http://127.0.0.1:9/sms"),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            webhook_origin("https://gw.example?token=t"),
            "https://gw.example"
        );
    }
}
