//! `GET /healthz`: the process answers (200). `GET /readyz`: the database answers too (200),
//! else 503 `Unavailable`. Both answer any `Host`, for load balancers that probe by address.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use secure_login_verifier::Store;

use crate::api::wire::Health;

use crate::error::ApiResult;
use crate::state::AppState;

/// The record read to see that the database answers (it need not exist).
const PROBE_KEY: &str = "portal/readyz";

async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

async fn readyz(State(state): State<Arc<AppState>>) -> ApiResult<Json<Health>> {
    state.verify(|v| v.store().get(PROBE_KEY)).await?;
    Ok(Json(Health { status: "ready" }))
}

/// The two routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}
