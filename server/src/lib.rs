//! The reference portal of `secure-login`: the JSON API of `docs/api.md` over the verifier,
//! the pages (`www/`) at `/` and the wasm package (`pkg/`) at `/pkg/`, with a strict
//! Content-Security-Policy and the other security headers on every response.
//!
//! [`portal`] builds the whole router from a [`Config`]; [`SqliteStore`] keeps the verifier's
//! records and audit log in an SQLite file; [`admin`] is the command-line administration.

pub mod admin;
mod api;
pub mod clock;
pub mod config;
pub mod courier;
mod csrf;
pub mod demo;
pub mod enroll;
pub mod error;
pub mod extract;
mod headers;
pub mod kek;
pub mod password_gate;
pub mod session;
pub mod source;
pub mod sqlite_store;
pub mod state;
mod static_files;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Response;
use axum::response::IntoResponse;
use axum::Router;
use secure_login::verifier::{Clock, Courier, SystemEntropy, Verifier};
use tokio::sync::broadcast;
use tower_http::catch_panic::CatchPanicLayer;

pub use config::{Config, CourierConfig};
pub use csrf::CSRF_HEADER;
pub use headers::{security_headers, CONTENT_SECURITY_POLICY};
pub use sqlite_store::{SqliteOptions, SqliteStore};
pub use state::AppState;
pub use static_files::app;

use clock::{system_now, SystemClock, TestClock};
use courier::{Outbox, OutboxCourier, WebhookCourier};
use error::ApiError;
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

impl From<secure_login::verifier::Error> for StartError {
    fn from(error: secure_login::verifier::Error) -> Self {
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

/// Checks that the database's secrets are sealed under the verifier's key; seals those of a
/// database that kept them in clear, and then lets no copy of them stay in the WAL.
///
/// # Errors
/// [`secure_login::verifier::Error::Sealed`] for another key, store failures.
pub fn check_key(verifier: &Verifier<SqliteStore>) -> secure_login::verifier::Result<()> {
    if verifier.check_key()? > 0 {
        verifier.store().truncate_wal()?;
    }
    Ok(())
}

/// Opens the database, builds the verifier with the configured courier and clock, prepares
/// the demo accounts with `--demo`, and returns the router. Blocking (SQLite and Argon2): call
/// it before serving, or from `spawn_blocking`.
///
/// # Errors
/// [`StartError`] when the database cannot be opened, the webhook URL is not http(s), or the
/// policy is impossible.
pub fn portal(config: Config) -> Result<Portal, StartError> {
    let test_clock = config
        .test_clock
        .then(|| Arc::new(TestClock::new(system_now())));
    let clock: Arc<dyn Clock> = match &test_clock {
        Some(clock) => clock.clone(),
        None => Arc::new(SystemClock),
    };
    let store = SqliteStore::open(&config.db)?;
    let (courier, outbox): (Arc<dyn Courier>, Option<Arc<Outbox>>) = match &config.courier {
        CourierConfig::Outbox => {
            let outbox = Arc::new(Outbox::open(&config.db, clock.clone())?);
            (Arc::new(OutboxCourier(outbox.clone())), Some(outbox))
        }
        CourierConfig::Webhook { url, timeout } => (
            Arc::new(WebhookCourier::new(url, *timeout).map_err(StartError)?),
            None,
        ),
    };
    let verifier = Verifier::new(
        store,
        config.policy.clone(),
        clock.clone(),
        Arc::new(SystemEntropy),
        courier,
        config.key.vault()?,
    )?;
    check_key(&verifier)?;
    let demo = if config.demo {
        Some(demo::prepare(&verifier, clock.now(), &config.issuer)?)
    } else {
        None
    };
    let (push_changes, _) = broadcast::channel(64);
    let state = Arc::new(AppState {
        verifier: Arc::new(verifier),
        sessions: Sessions::new(config.session_lifetime),
        outbox,
        push_changes,
        clock,
        test_clock,
        demo_cards: demo.as_ref().map(|d| d.cards.clone()),
        issuer: config.issuer.clone(),
        password_gate: PasswordGate::per_core(),
    });
    let router = api::router(state.clone()).merge(static_files::site(config.www, config.pkg));
    let router = security_headers(router).layer(CatchPanicLayer::custom(panic_response));
    Ok(Portal {
        router,
        state,
        demo_report: demo.map(|d| d.report),
    })
}
