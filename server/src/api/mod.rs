//! The JSON API of `docs/api.md`: one module per part, one router with the CSRF check, the body
//! limit, `Cache-Control: no-store`, and JSON 404/405 answers for anything it does not know.

mod account;
mod events;
mod login;
mod openapi;
pub(crate) mod passkey;
mod phone;
mod testing;
mod token;
pub(crate) mod wire;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::routing::any;
use axum::{Extension, Router};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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
/// answer 404 like any unknown route, and its document does not list them.
fn demo_routes(state: &AppState) -> OpenApiRouter<Arc<AppState>> {
    let mut routes = OpenApiRouter::new();
    if state.outbox.is_some() {
        routes = routes
            .routes(routes!(phone::messages))
            .routes(routes!(events::phone_events));
    }
    if state.demo_cards.is_some() {
        routes = routes.routes(routes!(testing::demo_cards));
    }
    if state.test_clock.is_some() {
        routes = routes.routes(routes!(testing::set_clock));
    }
    routes
}

/// Every route of the API with its OpenAPI entry: `routes!` registers a handler at the method
/// and path of its `#[utoipa::path]` and adds that entry to the document, so neither can be
/// had without the other. No route under `/api` is added any other way but the catch-alls of
/// [`router`] (`openapi::tests` holds the sources to that).
fn documented_routes(state: &AppState) -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(demo_routes(state))
        .routes(routes!(openapi::document))
        .routes(routes!(login::start))
        .routes(routes!(login::choose_factor))
        .routes(routes!(login::resend))
        .routes(routes!(login::response))
        .routes(routes!(login::push))
        .routes(routes!(login::status))
        .routes(routes!(login::session))
        .routes(routes!(token::begin_activation))
        .routes(routes!(token::complete_activation))
        .routes(routes!(token::challenge))
        .routes(routes!(token::pending_pushes))
        .routes(routes!(token::stream_ticket))
        .routes(routes!(events::token_events))
        .routes(routes!(token::answer_push))
        .routes(routes!(account::show))
        .routes(routes!(account::totp_start))
        .routes(routes!(account::totp_confirm))
        .routes(routes!(account::change_phone))
        .routes(routes!(account::confirm_phone))
        .routes(routes!(account::end_all_sessions))
        .routes(routes!(account::change_password))
        .routes(routes!(account::recovery_codes))
        .routes(routes!(account::device_code))
        .routes(routes!(account::undo_change))
        .routes(routes!(account::rename_factor))
        .routes(routes!(account::remove_factor))
        .routes(routes!(account::logout))
        .routes(routes!(passkey::register_start))
        .routes(routes!(passkey::register_finish))
        .routes(routes!(passkey::second_factor_start))
        .routes(routes!(passkey::passwordless_start))
        .routes(routes!(passkey::login_finish))
}

/// The API's routes, all under `/api`; `policy` says which `Origin` may change state.
pub fn router(state: Arc<AppState>, policy: Arc<HostPolicy>) -> Router {
    let (routes, mut doc) = documented_routes(&state).split_for_parts();
    openapi::add_shared_answers(&mut doc);
    let json = doc.to_json().unwrap_or_default();
    routes
        .route("/api", any(route_not_found))
        .route("/api/", any(route_not_found))
        .route("/api/{*rest}", any(route_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(openapi::DocumentJson(json.into())))
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
