//! `/api/login/*`: password, factor choice (M2FS), codes, responses, push, session.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secure_login_verifier::{Channel, CodeSent, DeliveryState, LoginOutcome, Prompt};
use serde::Deserialize;
use utoipa::ToSchema;

use super::openapi::NoParameters;
use super::wire;

use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiId, ApiJson, Empty};
use crate::source::ClientSource;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    username: String,
    password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FactorChoice {
    factor_id: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Resend {
    #[schema(value_type = wire::ChannelName)]
    channel: Channel,
}

/// The response or code the person typed (`LoginResponse` in the OpenAPI document: the passkey
/// module has an `Answer` too).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = LoginResponse)]
pub struct Answer {
    response: String,
}

/// How the first attempt at a queued message went, for the page: `sent`; `retrying` or
/// `failed` (the throttle no longer counts it: a new code may be asked for at once); `queued` when
/// the attempt is still under way after the wait (it counts until it fails).
pub(crate) struct FirstAttempt {
    pub delivery: &'static str,
    pub counted: bool,
}

/// Waits for the delivery worker's first attempt at message `id`.
pub(crate) async fn first_attempt(state: &AppState, id: &str) -> FirstAttempt {
    let (delivery, counted) = match state.delivery.wait_for(id).await.map(|s| s.state) {
        Some(DeliveryState::Sent) => ("sent", true),
        Some(DeliveryState::Retrying) => ("retrying", false),
        Some(DeliveryState::Failed) => ("failed", false),
        None => ("queued", true),
    };
    FirstAttempt { delivery, counted }
}

/// The prompt for a code sent, once the first delivery attempt has been waited for.
async fn code_sent(state: &AppState, sent: &CodeSent) -> Response {
    let attempt = first_attempt(state, &sent.message_id).await;
    let resend_after = if attempt.counted {
        sent.resend_after
    } else {
        state.now()
    };
    Json(wire::Prompt::CodeSent {
        channel: sent.channel.as_str(),
        to: &sent.to,
        digits: sent.digits,
        expires_at: sent.expires_at,
        resend_after,
        delivery: attempt.delivery,
    })
    .into_response()
}

async fn prompt(state: &AppState, prompt: &Prompt) -> Response {
    let body = match prompt {
        Prompt::Challenge {
            challenge,
            response_digits,
            expires_at,
        } => wire::Prompt::Challenge {
            challenge,
            response_digits: *response_digits,
            expires_at: *expires_at,
        },
        Prompt::Code { digits } => wire::Prompt::Code { digits: *digits },
        Prompt::CodeSent(sent) => return code_sent(state, sent).await,
        Prompt::Passcode => wire::Prompt::Passcode,
        Prompt::RecoveryCode => wire::Prompt::RecoveryCode,
    };
    Json(body).into_response()
}

/// Opens the session of a completed login and answers `body` with its cookie.
async fn signed_in(
    state: &AppState,
    login_id: &str,
    body: impl serde::Serialize,
) -> ApiResult<Response> {
    let session = state.open_session(login_id).await?;
    let cookie = state.sessions.set_cookie(&session);
    Ok(([(SET_COOKIE, cookie)], Json(body)).into_response())
}

/// `POST /api/login`.
#[utoipa::path(post, path = "/api/login", tag = "login",
    request_body = Credentials,
    responses((status = 200, description = "the password is right: the login and its factors to choose from", body = wire::LoginStarted)))]
pub async fn start(
    State(state): State<Arc<AppState>>,
    ClientSource(source): ClientSource,
    ApiJson(body): ApiJson<Credentials>,
) -> ApiResult<Response> {
    let _admitted = state.password_gate.enter().await?;
    let username = body.username.clone();
    let from = source.clone();
    let started = state
        .verify(move |v| v.start_login_from(&body.username, &body.password, &from))
        .await
        .inspect_err(|e| log_password_refusal(e, &username, &source))?;
    Ok(Json(wire::LoginStarted {
        login_id: &started.login_id,
        factors: started.factors.iter().map(wire::Factor::from).collect(),
    })
    .into_response())
}

/// A warning for each password refused (never the password itself).
pub fn log_password_refusal(error: &ApiError, username: &str, source: &str) {
    match error.code() {
        "BadCredentials" => tracing::warn!(
            event = "password_rejected",
            username = %username.chars().take(64).collect::<String>(),
            source,
            "a wrong password or an unknown username"
        ),
        "PasswordThrottled" => tracing::warn!(
            event = "password_throttled",
            username = %username.chars().take(64).collect::<String>(),
            source,
            "a password refused unchecked: too many failures"
        ),
        _ => {}
    }
}

/// `POST /api/login/{id}/factor`.
#[utoipa::path(post, path = "/api/login/{id}/factor", tag = "login",
    params(("id" = String, Path, description = "the login id")),
    request_body = FactorChoice,
    responses((status = 200, description = "what to ask for next", body = wire::Prompt)))]
pub async fn choose_factor(
    State(state): State<Arc<AppState>>,
    ApiId(login_id): ApiId,
    ApiJson(body): ApiJson<FactorChoice>,
) -> ApiResult<Response> {
    let chosen = state
        .verify(move |v| v.choose_factor(&login_id, body.factor_id))
        .await?;
    Ok(prompt(&state, &chosen).await)
}

/// `POST /api/login/{id}/resend`.
#[utoipa::path(post, path = "/api/login/{id}/resend", tag = "login",
    params(("id" = String, Path, description = "the login id")),
    request_body = Resend,
    responses((status = 200, description = "a new code is on its way", body = wire::Prompt)))]
pub async fn resend(
    State(state): State<Arc<AppState>>,
    ApiId(login_id): ApiId,
    ApiJson(body): ApiJson<Resend>,
) -> ApiResult<Response> {
    let sent = state
        .verify(move |v| v.resend_code(&login_id, body.channel))
        .await?;
    Ok(code_sent(&state, &sent).await)
}

/// `POST /api/login/{id}/response`.
#[utoipa::path(post, path = "/api/login/{id}/response", tag = "login",
    params(("id" = String, Path, description = "the login id")),
    request_body = Answer,
    responses((status = 200, description = "the outcome; `success` sets the session cookie", body = wire::LoginOutcome)))]
pub async fn response(
    State(state): State<Arc<AppState>>,
    ClientAddr(client): ClientAddr,
    ApiId(login_id): ApiId,
    ApiJson(body): ApiJson<Answer>,
) -> ApiResult<Response> {
    let id = login_id.clone();
    let outcome = state
        .verify(move |v| v.submit_response(&id, &body.response))
        .await?;
    let body = match outcome {
        LoginOutcome::Success { username, .. } => {
            let body = wire::LoginOutcome::Success {
                username: &username,
            };
            return signed_in(&state, &login_id, body).await;
        }
        LoginOutcome::WrongCode { attempts_left } => {
            tracing::warn!(event = "code_rejected", %client, attempts_left, "a wrong second-factor response");
            wire::LoginOutcome::WrongCode { attempts_left }
        }
        LoginOutcome::Locked { until } => {
            tracing::warn!(event = "factor_locked", %client, until, "a second factor is locked");
            wire::LoginOutcome::Locked { until }
        }
        LoginOutcome::Expired => wire::LoginOutcome::Expired,
    };
    Ok(Json(body).into_response())
}

/// `POST /api/login/{id}/push`.
#[utoipa::path(post, path = "/api/login/{id}/push", tag = "login",
    params(("id" = String, Path, description = "the login id")),
    request_body = NoParameters,
    responses((status = 200, description = "a push to the soft token, with the number to match", body = wire::PushStarted)))]
pub async fn push(
    State(state): State<Arc<AppState>>,
    ApiId(login_id): ApiId,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Response> {
    let started = state.verify(move |v| v.start_push(&login_id)).await?;
    state.pushes_changed();
    Ok(Json(wire::PushStarted {
        request_id: &started.request_id,
        number: started.number,
        expires_at: started.expires_at,
    })
    .into_response())
}

/// `GET /api/login/{id}/status`.
#[utoipa::path(get, path = "/api/login/{id}/status", tag = "login",
    params(("id" = String, Path, description = "the login id")),
    responses((status = 200, description = "where a push login stands", body = wire::Status)))]
pub async fn status(
    State(state): State<Arc<AppState>>,
    ApiId(login_id): ApiId,
) -> ApiResult<Json<wire::Status>> {
    let status = state.verify(move |v| v.login_status(&login_id)).await?;
    Ok(Json(wire::Status {
        status: status.as_str(),
    }))
}

/// `POST /api/login/{id}/session`.
#[utoipa::path(post, path = "/api/login/{id}/session", tag = "login",
    params(("id" = String, Path, description = "the login id")),
    request_body = NoParameters,
    responses((status = 200, description = "the session of a completed (push) login; sets the session cookie", body = wire::SignedIn)))]
pub async fn session(
    State(state): State<Arc<AppState>>,
    ApiId(login_id): ApiId,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Response> {
    let id = login_id.clone();
    let account = state
        .verify(move |v| v.completed_login(&id))
        .await?
        .ok_or_else(|| ApiError::not_allowed("the login is not complete"))?;
    let body = wire::SignedIn {
        username: &account.username,
    };
    signed_in(&state, &login_id, body).await
}
