//! Server-sent events: `/api/token/events/{ticket}` (event `pushes`: the token's waiting pushes
//! on connect, whenever a push starts or is answered, and every few seconds; the ticket, from an
//! authenticated `POST /api/token/stream`, opens one stream once) and
//! `/api/phone/events` (event `message` per new message of the demo phone).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use super::token::pushes;
use super::wire;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiId;
use crate::state::AppState;

/// An event of `name` whose data is `body` as JSON.
fn json_event(name: &str, body: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(body).unwrap_or_default())
}

/// How often the list is sent again even when nothing changed (it is also the keep-alive, and
/// shows expired pushes gone).
pub const PUSHES_EVERY: Duration = Duration::from_secs(5);

async fn pushes_event(state: &AppState, handle: &str) -> Event {
    let handle = handle.to_owned();
    match state.verify(move |v| v.pending_pushes(&handle)).await {
        Ok(pending) => json_event("pushes", &pushes(&pending)),
        Err(error) => json_event("error", &wire::StreamError { code: error.code() }),
    }
}

/// `GET /api/token/events/{ticket}`: 403 `NotAllowed` for a used, expired or unknown ticket.
#[utoipa::path(get, path = "/api/token/events/{ticket}", tag = "token",
    params(("ticket" = String, Path, description = "the ticket of POST /api/token/stream (used once)")),
    responses((status = 200, description = "server-sent events: `pushes` (data: the PendingPush list) on connect, on each change and every 5 s; `error` (data: {\"code\"}) when the list cannot be read", content_type = "text/event-stream", body = String)))]
pub async fn token_events(
    State(state): State<Arc<AppState>>,
    ApiId(ticket): ApiId,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let device_id = state.verify(move |v| v.open_stream(&ticket)).await?;
    let changes = state.push_changes.subscribe();
    let mut tick = tokio::time::interval(PUSHES_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let events = stream::unfold(
        (state, device_id, changes, tick),
        |(state, device_id, mut changes, mut tick)| async move {
            // The first tick is immediate: the list on connect.
            tokio::select! {
                _ = tick.tick() => {}
                changed = changes.recv() => {
                    if matches!(changed, Err(RecvError::Closed)) {
                        return None;
                    }
                    // A change (or several missed ones): send the list now, and the next
                    // periodic one a full period later.
                    tick.reset();
                }
            }
            let event = pushes_event(&state, &device_id).await;
            Some((Ok(event), (state, device_id, changes, tick)))
        },
    );
    Ok(Sse::new(events))
}

/// `GET /api/phone/events` (404 when a webhook is the courier).
#[utoipa::path(get, path = "/api/phone/events", tag = "demo",
    responses((status = 200, description = "demo start only: server-sent events, `message` (data: a PhoneMessage) for each message the demo phone gets", content_type = "text/event-stream", body = String)))]
pub async fn phone_events(
    State(state): State<Arc<AppState>>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let outbox = state
        .outbox
        .as_ref()
        .ok_or_else(|| ApiError::not_found("demo phone (the courier is a webhook)"))?;
    let messages = outbox.subscribe();
    let events = stream::unfold(messages, |mut messages| async move {
        loop {
            match messages.recv().await {
                Ok(message) => {
                    let data = serde_json::to_string(&message).unwrap_or_default();
                    let event = Event::default().event("message").data(data);
                    return Some((Ok(event), messages));
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
