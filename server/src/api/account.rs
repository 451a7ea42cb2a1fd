//! `/api/account/*` and `/api/logout`: the signed-in person's factors and security events,
//! authenticator-app enrollment, phone change.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secure_login_verifier::FactorSummary;
use serde::Deserialize;

use super::wire;
use crate::enroll;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Empty};
use crate::session::SignedIn;
use crate::state::AppState;

/// Events shown on the account page.
const RECENT_EVENTS: usize = 50;

#[derive(Debug, Deserialize)]
pub struct TotpCode {
    code: String,
}

#[derive(Debug, Deserialize)]
pub struct NewPhone {
    phone: String,
}

/// `GET /api/account`.
pub async fn show(State(state): State<Arc<AppState>>, signed_in: SignedIn) -> ApiResult<Response> {
    let id = signed_in.info.account;
    let (account, events) = state
        .verify(move |v| Ok((v.account(&id)?, v.recent_events(&id, RECENT_EVENTS)?)))
        .await?;
    let summaries: Vec<FactorSummary> = account.active_factors().map(FactorSummary::from).collect();
    Ok(Json(wire::Account {
        username: &account.username,
        factors: summaries.iter().map(wire::Factor::from).collect(),
        events: events.iter().map(wire::Event::from).collect(),
    })
    .into_response())
}

/// `POST /api/account/totp`: a new key, shown only within the re-authentication window of the
/// session's second factor (the confirmation checks it again).
pub async fn totp_start(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Response> {
    let login = signed_in.info.login.clone();
    let account = state
        .verify(move |v| {
            let id = v.recently_authenticated(&login)?;
            v.account(&id)
        })
        .await?;
    let key = enroll::new_key(&account.username, &state.issuer)?;
    state
        .sessions
        .with_pending_totp(&signed_in.id, state.now(), |pending| {
            *pending = Some(key.pending);
        })
        .ok_or_else(ApiError::not_signed_in)?;
    Ok(Json(wire::TotpStarted {
        uri: &key.uri,
        qr_svg: &key.qr_svg,
    })
    .into_response())
}

/// `POST /api/account/totp/confirm`.
pub async fn totp_confirm(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<TotpCode>,
) -> ApiResult<Json<wire::FactorAdded>> {
    let now = state.now();
    let factor = state
        .sessions
        .with_pending_totp(&signed_in.id, now, |slot| {
            let Some(pending) = slot.as_mut() else {
                return Err(ApiError::not_allowed(
                    "no authenticator key is waiting: start again",
                ));
            };
            let checked = enroll::confirm(pending, &body.code, now);
            if checked.is_ok() || enroll::exhausted(pending) {
                *slot = None;
            }
            checked
        })
        .ok_or_else(ApiError::not_signed_in)??;
    let login = signed_in.info.login;
    let (factor, used_step) = factor;
    let factor_id = state
        .verify(move |v| v.enroll_totp(&login, "authenticator app", factor, used_step))
        .await?;
    Ok(Json(wire::FactorAdded { factor_id }))
}

/// `POST /api/account/phone`.
pub async fn change_phone(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<NewPhone>,
) -> ApiResult<Json<wire::Empty>> {
    let login = signed_in.info.login;
    state
        .verify(move |v| v.change_phone(&login, &body.phone))
        .await?;
    Ok(Json(wire::Empty {}))
}

/// `POST /api/logout`: ends the session, if there is one.
pub async fn logout(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ApiJson(_): ApiJson<Empty>,
) -> Response {
    if let Some(id) = state.sessions.id_in(&headers) {
        state.sessions.remove(&id);
    }
    (
        [(SET_COOKIE, state.sessions.clear_cookie())],
        Json(wire::Empty {}),
    )
        .into_response()
}
