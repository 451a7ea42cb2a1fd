//! `/api/phone/messages`: what the outbox courier "sent", for the demo phone page.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;

use crate::courier::PhoneMessage;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `GET /api/phone/messages` (404 when a webhook is the courier).
#[utoipa::path(get, path = "/api/phone/messages", tag = "demo",
    responses((status = 200, description = "demo start only: the demo phone's messages", body = Vec<PhoneMessage>)))]
pub async fn messages(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<PhoneMessage>>> {
    let outbox = state
        .outbox
        .as_ref()
        .ok_or_else(|| ApiError::not_found("demo phone (the courier is a webhook)"))?;
    Ok(Json(outbox.messages()))
}
