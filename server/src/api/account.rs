//! `/api/account/*` and `/api/logout`: the signed-in person's factors and security events,
//! authenticator-app enrollment, phone change.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secure_login_verifier::{FactorSummary, PhoneChangeOutcome};
use serde::Deserialize;
use utoipa::ToSchema;

use super::openapi::NoParameters;
use super::wire;
use crate::enroll;
use crate::error::ApiResult;
use crate::extract::{ApiId, ApiJson, Empty, FactorId};
use crate::session::SignedIn;
use crate::source::ClientSource;
use crate::state::AppState;

/// Events shown on the account page.
const RECENT_EVENTS: usize = 50;

#[derive(Debug, Deserialize, ToSchema)]
pub struct TotpCode {
    code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPhone {
    phone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLabel {
    label: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPassword {
    current: String,
    new: String,
}

/// `GET /api/account`.
#[utoipa::path(get, path = "/api/account", tag = "account", security(("session" = [])),
    responses((status = 200, description = "the signed-in person's factors and newest security events", body = wire::Account)))]
pub async fn show(State(state): State<Arc<AppState>>, signed_in: SignedIn) -> ApiResult<Response> {
    let id = signed_in.info.account;
    let (account, events, last_used, changes, now) = state
        .verify(move |v| {
            Ok((
                v.account(&id)?,
                v.recent_events(&id, RECENT_EVENTS)?,
                v.factors_last_used(&id)?,
                v.recent_bindings(&id)?,
                v.now(),
            ))
        })
        .await?;
    let factors: Vec<(FactorSummary, u64)> = account
        .live_factors(now)
        .map(|f| (FactorSummary::from(f), f.created_at))
        .collect();
    Ok(Json(wire::Account {
        username: &account.username,
        factors: factors
            .iter()
            .map(|(summary, created_at)| wire::AccountFactor {
                factor: wire::Factor::from(summary),
                created_at: *created_at,
                last_used: last_used.get(&summary.id).copied(),
            })
            .collect(),
        events: events.iter().map(wire::Event::from).collect(),
        changes: changes
            .into_iter()
            .map(|c| wire::Change {
                id: c.id,
                kind: c.kind.as_str(),
                factor_id: c.factor,
                replaces: c.replaces,
                at: c.at,
                until: c.until,
            })
            .collect(),
    })
    .into_response())
}

/// `POST /api/account/totp`: a new key, shown only within the re-authentication window of the
/// session's second factor (the confirmation checks it again).
#[utoipa::path(post, path = "/api/account/totp", tag = "account", security(("session" = [])),
    request_body = NoParameters,
    responses((status = 200, description = "a new authenticator-app key (Key URI and QR code)", body = wire::TotpStarted)))]
pub async fn totp_start(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Response> {
    let token = signed_in.id;
    let shown = state
        .verify(move |v| v.begin_totp_enrollment(&token))
        .await?;
    let key = enroll::show_key(&shown.username, &state.issuer, shown.secret)?;
    Ok(Json(wire::TotpStarted {
        uri: &key.uri,
        qr_svg: &key.qr_svg,
    })
    .into_response())
}

/// `POST /api/account/totp/confirm`.
#[utoipa::path(post, path = "/api/account/totp/confirm", tag = "account", security(("session" = [])),
    request_body = TotpCode,
    responses((status = 200, description = "the app's first code was right: the factor is added", body = wire::FactorAdded)))]
pub async fn totp_confirm(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<TotpCode>,
) -> ApiResult<Json<wire::FactorAdded>> {
    let token = signed_in.id;
    let factor_id = state
        .verify(move |v| v.confirm_totp_enrollment(&token, "authenticator app", &body.code))
        .await?;
    // The phone's notice of the new factor goes out now, not at the next round.
    state.delivery.wake();
    Ok(Json(wire::FactorAdded { factor_id }))
}

/// `POST /api/account/phone`: a confirmation code goes to the new number; nothing changes
/// until it comes back.
#[utoipa::path(post, path = "/api/account/phone", tag = "account", security(("session" = [])),
    request_body = NewPhone,
    responses((status = 200, description = "a confirmation code is on its way to the new number", body = wire::PhoneChangeStarted)))]
pub async fn change_phone(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<NewPhone>,
) -> ApiResult<Response> {
    let login = signed_in.info.login;
    let started = state
        .verify(move |v| v.begin_phone_change(&login, &body.phone))
        .await?;
    let attempt = super::login::first_attempt(&state, &started.message_id).await;
    Ok(Json(wire::PhoneChangeStarted {
        change_id: &started.change_id,
        to: &started.to,
        expires_at: started.expires_at,
        resend_after: started.resend_after,
        delivery: attempt.delivery,
    })
    .into_response())
}

/// `POST /api/account/phone/{changeId}/confirm`: the code the new number received.
#[utoipa::path(post, path = "/api/account/phone/{id}/confirm", tag = "account", security(("session" = [])),
    params(("id" = String, Path, description = "the change id")),
    request_body = TotpCode,
    responses((status = 200, description = "the outcome", body = wire::PhoneChangeOutcome)))]
pub async fn confirm_phone(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiId(change_id): ApiId,
    ApiJson(body): ApiJson<TotpCode>,
) -> ApiResult<Json<wire::PhoneChangeOutcome>> {
    let login = signed_in.info.login;
    let outcome = state
        .verify(move |v| v.confirm_phone_change(&login, &change_id, &body.code))
        .await?;
    Ok(Json(match outcome {
        PhoneChangeOutcome::Changed => {
            // The old number's notice goes out now, not at the next round.
            state.delivery.wake();
            wire::PhoneChangeOutcome::Changed
        }
        PhoneChangeOutcome::WrongCode { attempts_left } => {
            wire::PhoneChangeOutcome::WrongCode { attempts_left }
        }
        PhoneChangeOutcome::Locked { until } => wire::PhoneChangeOutcome::Locked { until },
        PhoneChangeOutcome::Expired => wire::PhoneChangeOutcome::Expired,
    }))
}

/// `POST /api/account/factors/{id}/rename`.
#[utoipa::path(post, path = "/api/account/factors/{id}/rename", tag = "account", security(("session" = [])),
    params(("id" = u32, Path, description = "the factor id (1 up)")),
    request_body = NewLabel,
    responses((status = 200, description = "renamed", body = wire::Empty)))]
pub async fn rename_factor(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    FactorId(factor): FactorId,
    ApiJson(body): ApiJson<NewLabel>,
) -> ApiResult<Json<wire::Empty>> {
    let login = signed_in.info.login;
    state
        .verify(move |v| v.rename_factor(&login, factor, &body.label))
        .await?;
    Ok(Json(wire::Empty {}))
}

/// `POST /api/account/factors/{id}/remove`: the factor is retired; every other session ends.
#[utoipa::path(post, path = "/api/account/factors/{id}/remove", tag = "account", security(("session" = [])),
    params(("id" = u32, Path, description = "the factor id (1 up)")),
    request_body = NoParameters,
    responses((status = 200, description = "retired; every other session ended", body = wire::Empty)))]
pub async fn remove_factor(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    FactorId(factor): FactorId,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Json<wire::Empty>> {
    let login = signed_in.info.login;
    state
        .verify(move |v| v.remove_factor(&login, factor))
        .await?;
    Ok(Json(wire::Empty {}))
}

/// `POST /api/account/password`: the current password is checked (and throttled) like a
/// login's; every other session ends.
#[utoipa::path(post, path = "/api/account/password", tag = "account", security(("session" = [])),
    request_body = NewPassword,
    responses((status = 200, description = "changed; every other session ended", body = wire::Empty)))]
pub async fn change_password(
    State(state): State<Arc<AppState>>,
    ClientSource(source): ClientSource,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<NewPassword>,
) -> ApiResult<Json<wire::Empty>> {
    let _admitted = state.password_gate.enter().await?;
    let login = signed_in.info.login;
    state
        .verify(move |v| v.change_password(&login, &body.current, &body.new, &source))
        .await?;
    Ok(Json(wire::Empty {}))
}

/// `POST /api/account/recovery-codes`: a new set of recovery codes, shown this once; it
/// replaces any earlier set, and every other session ends.
#[utoipa::path(post, path = "/api/account/recovery-codes", tag = "account", security(("session" = [])),
    request_body = NoParameters,
    responses((status = 200, description = "a new set of recovery codes, shown once", body = wire::RecoveryCodes)))]
pub async fn recovery_codes(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Json<wire::RecoveryCodes>> {
    let login = signed_in.info.login;
    let issued = state
        .verify(move |v| v.issue_recovery_codes(&login))
        .await?;
    Ok(Json(wire::RecoveryCodes {
        factor_id: issued.factor,
        codes: issued.codes,
    }))
}

/// `POST /api/account/device-code`: a device code that moves the soft token to a new device
/// (typed there instead of an SMS code); it needs a session signed in with a possession factor.
#[utoipa::path(post, path = "/api/account/device-code", tag = "account", security(("session" = [])),
    request_body = NoParameters,
    responses((status = 200, description = "a device code, shown once", body = wire::DeviceCode)))]
pub async fn device_code(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Json<wire::DeviceCode>> {
    let login = signed_in.info.login;
    let issued = state.verify(move |v| v.issue_device_code(&login)).await?;
    Ok(Json(wire::DeviceCode {
        code: issued.code,
        expires_at: issued.expires_at,
    }))
}

/// `POST /api/account/changes/{id}/undo`: "this wasn't me": the binding is undone (its factor
/// retired, the token it replaced kept), from a login with a factor the account had before it.
#[utoipa::path(post, path = "/api/account/changes/{id}/undo", tag = "account", security(("session" = [])),
    params(("id" = String, Path, description = "the change id (GET /api/account, changes)")),
    request_body = NoParameters,
    responses((status = 200, description = "undone; every other session ended", body = wire::Empty)))]
pub async fn undo_change(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiId(id): ApiId,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Json<wire::Empty>> {
    let login = signed_in.info.login;
    state.verify(move |v| v.undo_binding(&login, &id)).await?;
    Ok(Json(wire::Empty {}))
}

/// `POST /api/account/sessions/end`: "sign out everywhere": every session of the account ends,
/// this one too.
#[utoipa::path(post, path = "/api/account/sessions/end", tag = "account", security(("session" = [])),
    request_body = NoParameters,
    responses((status = 200, description = "every session of the account ended, this one too; clears the cookie", body = wire::SessionsEnded)))]
pub async fn end_all_sessions(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Response> {
    let account = signed_in.info.account;
    let ended = state.verify(move |v| v.end_all_sessions(&account)).await?;
    Ok((
        [(SET_COOKIE, state.sessions.clear_cookie())],
        Json(wire::SessionsEnded { ended }),
    )
        .into_response())
}

/// `POST /api/logout`: ends the session, if there is one.
#[utoipa::path(post, path = "/api/logout", tag = "account",
    request_body = NoParameters,
    responses((status = 200, description = "the session ended (if there was one); clears the cookie", body = wire::Empty)))]
pub async fn logout(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ApiJson(_): ApiJson<Empty>,
) -> Response {
    if let Some(token) = state.sessions.id_in(&headers) {
        // Signing out always clears the cookie; a store failure only leaves the session to time out.
        if let Err(e) = state.verify(move |v| v.end_session(&token)).await {
            tracing::warn!(code = e.code(), "a session could not be ended in the store");
        }
    }
    (
        [(SET_COOKIE, state.sessions.clear_cookie())],
        Json(wire::Empty {}),
    )
        .into_response()
}
