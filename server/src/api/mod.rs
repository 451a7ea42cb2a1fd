//! The JSON API of `docs/api.md`: one module per part, one router with the CSRF check, the body
//! limit, `Cache-Control: no-store`, and JSON 404/405 answers for anything it does not know.

mod account;
mod events;
mod login;
pub(crate) mod passkey;
mod phone;
mod testing;
mod token;
pub(crate) mod wire;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::routing::{any, get, post};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::ApiError;
use crate::extract::MAX_BODY;
use crate::origin::HostPolicy;
use crate::state::AppState;

async fn route_not_found() -> ApiError {
    ApiError::not_found("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "this route does not take that method",
    )
}

/// `bytes` read as the body of every route that takes one, as its handler reads it: for each
/// route, `Ok` or the refusal it would answer with (see [`crate::fuzz_parse_bodies`]).
pub(crate) fn parse_every_body(bytes: &[u8]) -> Vec<(&'static str, Result<(), ApiError>)> {
    use crate::extract::{parse_body, Empty};
    fn one<T: serde::de::DeserializeOwned>(
        route: &'static str,
        bytes: &[u8],
    ) -> (&'static str, Result<(), ApiError>) {
        (route, parse_body::<T>(bytes).map(drop))
    }
    vec![
        one::<login::Credentials>("POST /api/login", bytes),
        one::<login::FactorChoice>("POST /api/login/{id}/factor", bytes),
        one::<login::Resend>("POST /api/login/{id}/resend", bytes),
        one::<login::Answer>("POST /api/login/{id}/response", bytes),
        one::<Empty>(
            "POST /api/login/{id}/push, /session, /api/account/totp, /sessions/end, /factors/{id}/remove, /recovery-codes, /api/logout",
            bytes,
        ),
        one::<token::Activate>("POST /api/token/activate", bytes),
        one::<token::ActivationCode>("POST /api/token/activate/{id}", bytes),
        one::<token::ChallengeRequest>("POST /api/token/challenge", bytes),
        one::<token::DeviceProof>("POST /api/token/pushes, /api/token/stream", bytes),
        one::<token::PushReply>("POST /api/push/{id}", bytes),
        one::<account::TotpCode>("POST /api/account/totp/confirm, /phone/{id}/confirm", bytes),
        one::<account::NewPhone>("POST /api/account/phone", bytes),
        one::<account::NewLabel>("POST /api/account/factors/{id}/rename", bytes),
        one::<account::NewPassword>("POST /api/account/password", bytes),
        one::<testing::SetClock>("POST /api/test/clock", bytes),
        one::<passkey::Answer>(
            "POST /api/account/passkey/confirm, /api/passkey/finish",
            bytes,
        ),
    ]
}

/// The demo start's routes: the demo phone (when the outbox is the courier), the demo cards
/// (`--demo`) and the test clock (`--test-clock`). A production start has none of them: they
/// answer 404 like any unknown route.
fn demo_routes(state: &AppState) -> Router<Arc<AppState>> {
    let mut routes = Router::new();
    if state.outbox.is_some() {
        routes = routes
            .route("/api/phone/messages", get(phone::messages))
            .route("/api/phone/events", get(events::phone_events));
    }
    if state.demo_cards.is_some() {
        routes = routes.route("/api/demo/cards", get(testing::demo_cards));
    }
    if state.test_clock.is_some() {
        routes = routes.route("/api/test/clock", post(testing::set_clock));
    }
    routes
}

/// The API's routes, all under `/api`; `policy` says which `Origin` may change state.
pub fn router(state: Arc<AppState>, policy: Arc<HostPolicy>) -> Router {
    Router::new()
        .merge(demo_routes(&state))
        .route("/api/login", post(login::start))
        .route("/api/login/{id}/factor", post(login::choose_factor))
        .route("/api/login/{id}/resend", post(login::resend))
        .route("/api/login/{id}/response", post(login::response))
        .route("/api/login/{id}/push", post(login::push))
        .route("/api/login/{id}/status", get(login::status))
        .route("/api/login/{id}/session", post(login::session))
        .route("/api/token/activate", post(token::begin_activation))
        .route("/api/token/activate/{id}", post(token::complete_activation))
        .route("/api/token/challenge", post(token::challenge))
        .route("/api/token/pushes", post(token::pending_pushes))
        .route("/api/token/stream", post(token::stream_ticket))
        .route("/api/token/events/{ticket}", get(events::token_events))
        .route("/api/push/{id}", post(token::answer_push))
        .route("/api/account", get(account::show))
        .route("/api/account/totp", post(account::totp_start))
        .route("/api/account/totp/confirm", post(account::totp_confirm))
        .route("/api/account/phone", post(account::change_phone))
        .route(
            "/api/account/phone/{id}/confirm",
            post(account::confirm_phone),
        )
        .route("/api/account/sessions/end", post(account::end_all_sessions))
        .route("/api/account/password", post(account::change_password))
        .route("/api/account/recovery-codes", post(account::recovery_codes))
        .route("/api/account/device-code", post(account::device_code))
        .route("/api/account/changes/{id}/undo", post(account::undo_change))
        .route(
            "/api/account/factors/{id}/rename",
            post(account::rename_factor),
        )
        .route(
            "/api/account/factors/{id}/remove",
            post(account::remove_factor),
        )
        .route("/api/logout", post(account::logout))
        .route("/api/account/passkey", post(passkey::register_start))
        .route(
            "/api/account/passkey/confirm",
            post(passkey::register_finish),
        )
        .route(
            "/api/login/{id}/passkey",
            post(passkey::second_factor_start),
        )
        .route("/api/passkey/login", post(passkey::passwordless_start))
        .route("/api/passkey/finish", post(passkey::login_finish))
        .route("/api", any(route_not_found))
        .route("/api/", any(route_not_found))
        .route("/api/{*rest}", any(route_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            policy,
            crate::csrf::csrf,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}
