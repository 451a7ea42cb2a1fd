//! Demo and test only: `GET /api/demo/cards` (`--demo`) and `POST /api/test/clock`
//! (`--test-clock`); 404 without their switch.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::wire;

use crate::demo::DemoCard;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// The latest time the test clock may be set to: 9999-12-31 23:59:59 UTC. Later ones (the
/// body takes any u64) would not fit the database's signed 64-bit times once lifetimes are
/// added, and every request would then fail as a storage failure.
pub const MAX_TEST_CLOCK: u64 = 253_402_300_799;

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetClock {
    now: u64,
}

/// `GET /api/demo/cards`.
#[utoipa::path(get, path = "/api/demo/cards", tag = "demo",
    responses((status = 200, description = "--demo only: the demo cards", body = Vec<DemoCard>)))]
pub async fn demo_cards(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<DemoCard>>> {
    state
        .demo_cards
        .clone()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("route (start the server with --demo)"))
}

/// `POST /api/test/clock`.
#[utoipa::path(post, path = "/api/test/clock", tag = "demo",
    request_body = SetClock,
    responses((status = 200, description = "--test-clock only: the test clock, set", body = wire::TestClock)))]
pub async fn set_clock(
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<SetClock>,
) -> ApiResult<Json<wire::TestClock>> {
    let clock = state
        .test_clock
        .as_ref()
        .ok_or_else(|| ApiError::not_found("route (start the server with --test-clock)"))?;
    if body.now > MAX_TEST_CLOCK {
        return Err(ApiError::invalid_input(
            "now must be at most 253402300799 (9999-12-31)",
        ));
    }
    clock.set(body.now);
    // Pushes may have expired: token pages re-read their lists.
    state.pushes_changed();
    // Retries may have come due.
    state.delivery.wake();
    Ok(Json(wire::TestClock { now: body.now }))
}
