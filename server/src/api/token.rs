//! `/api/token/*` and `/api/push/*`: soft token activation (and Add User, and migration),
//! the pushes waiting on a device, and the token's answer to one.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secure_login_otp::{hex_encode, PushDecision};
use secure_login_verifier::{ActivationOutcome, DeviceCall, PendingPush, PushAnswer};
use serde::Deserialize;
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::wire;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiId, ApiJson};
use crate::source::ClientSource;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Activate {
    username: String,
    password: String,
    device_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivationCode {
    code: String,
    device_id: String,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Deny,
}

/// `POST /api/token/challenge`: the token's handle (from activation, never its device id).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChallengeRequest {
    handle: String,
}

/// A proved call: the handle, a nonce from `POST /api/token/challenge`, the MAC in hex.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeviceProof {
    handle: String,
    nonce: String,
    proof: String,
}

impl DeviceProof {
    fn call(&self) -> DeviceCall<'_> {
        DeviceCall {
            handle: &self.handle,
            nonce: &self.nonce,
            proof: &self.proof,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PushReply {
    decision: Decision,
    mac: String,
    #[serde(flatten)]
    device: DeviceProof,
}

/// The pending pushes of a device, as the token page and its event stream get them.
pub fn pushes(pushes: &[PendingPush]) -> Vec<wire::PendingPush<'_>> {
    pushes.iter().map(wire::PendingPush::from).collect()
}

/// `POST /api/token/activate`.
///
/// The same answer whatever the password (see `Verifier::begin_activation_from`); a wrong one is
/// logged here, as at `POST /api/login`.
#[utoipa::path(post, path = "/api/token/activate", tag = "token",
    request_body = Activate,
    responses((status = 200, description = "an activation code is on its way by SMS (the same answer whatever the password)", body = wire::ActivationStarted)))]
pub async fn begin_activation(
    State(state): State<Arc<AppState>>,
    ClientSource(source): ClientSource,
    ApiJson(body): ApiJson<Activate>,
) -> ApiResult<Response> {
    let _admitted = state.password_gate.enter().await?;
    let username = body.username.clone();
    let from = source.clone();
    let started = state
        .verify(move |v| {
            v.begin_activation_from(&body.username, &body.password, &body.device_id, &from)
        })
        .await
        .inspect_err(|e| super::login::log_password_refusal(e, &username, &source))?;
    if started.password_rejected {
        super::login::log_password_refusal(
            &ApiError::from(secure_login_verifier::Error::BadCredentials),
            &username,
            &source,
        );
    }
    // A decoy (no message queued) answers as a message the gateway took.
    let delivery = if started.message_id.is_empty() {
        "sent"
    } else {
        super::login::first_attempt(&state, &started.message_id)
            .await
            .delivery
    };
    Ok(Json(wire::ActivationStarted {
        activation_id: &started.activation_id,
        expires_at: started.expires_at,
        delivery,
    })
    .into_response())
}

/// `POST /api/token/activate/{id}`.
#[utoipa::path(post, path = "/api/token/activate/{id}", tag = "token",
    params(("id" = String, Path, description = "the activation id")),
    request_body = ActivationCode,
    responses((status = 200, description = "the outcome; `activated` holds the token's secret and device key, shown once", body = wire::ActivationOutcome)))]
pub async fn complete_activation(
    State(state): State<Arc<AppState>>,
    ApiId(activation_id): ApiId,
    ApiJson(body): ApiJson<ActivationCode>,
) -> ApiResult<Response> {
    let outcome = state
        .verify(move |v| v.complete_activation(&activation_id, &body.code, &body.device_id))
        .await?;
    let body = match &outcome {
        ActivationOutcome::Activated(token) => {
            // The old token of the account (if any) is retired: its pushes are gone.
            state.pushes_changed();
            // The phone is told of the new token now, not at the worker's next round.
            if let Some(notice) = &token.notice {
                super::login::first_attempt(&state, notice).await;
            }
            let secret = Zeroizing::new(hex_encode(token.secret.expose_secret()));
            let device_key = Zeroizing::new(hex_encode(token.device_key.expose_secret()));
            return Ok(Json(wire::ActivationOutcome::Activated {
                username: &token.username,
                issuer: &state.issuer,
                suite: &token.suite,
                secret: &secret,
                factor_id: token.factor,
                device_handle: &token.device_handle,
                device_key: &device_key,
            })
            .into_response());
        }
        ActivationOutcome::WrongCode { attempts_left } => wire::ActivationOutcome::WrongCode {
            attempts_left: *attempts_left,
        },
        ActivationOutcome::Locked { until } => wire::ActivationOutcome::Locked { until: *until },
        ActivationOutcome::Expired => wire::ActivationOutcome::Expired,
    };
    Ok(Json(body).into_response())
}

/// `POST /api/token/challenge`: a one-time nonce for the token's next call.
#[utoipa::path(post, path = "/api/token/challenge", tag = "token",
    request_body = ChallengeRequest,
    responses((status = 200, description = "a one-time nonce for the token's next proved call", body = wire::DeviceNonce)))]
pub async fn challenge(
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<ChallengeRequest>,
) -> ApiResult<Json<wire::DeviceNonce>> {
    let issued = state
        .verify(move |v| v.device_challenge(&body.handle))
        .await?;
    Ok(Json(wire::DeviceNonce {
        nonce: issued.nonce,
        expires_at: issued.expires_at,
    }))
}

/// `POST /api/token/pushes`: the pushes waiting for the token that proves itself.
#[utoipa::path(post, path = "/api/token/pushes", tag = "token",
    request_body = DeviceProof,
    responses((status = 200, description = "the pushes waiting for this token", body = Vec<wire::PendingPush>)))]
pub async fn pending_pushes(
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<DeviceProof>,
) -> ApiResult<Response> {
    let pending = state.verify(move |v| v.device_pushes(body.call())).await?;
    Ok(Json(pushes(&pending)).into_response())
}

/// `POST /api/token/stream`: a single-use ticket for `GET /api/token/events/{ticket}`.
#[utoipa::path(post, path = "/api/token/stream", tag = "token",
    request_body = DeviceProof,
    responses((status = 200, description = "a single-use ticket for GET /api/token/events/{ticket}", body = wire::StreamTicket)))]
pub async fn stream_ticket(
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<DeviceProof>,
) -> ApiResult<Json<wire::StreamTicket>> {
    let ticket = state.verify(move |v| v.stream_ticket(body.call())).await?;
    Ok(Json(wire::StreamTicket {
        ticket: ticket.nonce,
        expires_at: ticket.expires_at,
    }))
}

/// `POST /api/push/{requestId}`.
#[utoipa::path(post, path = "/api/push/{id}", tag = "token",
    params(("id" = String, Path, description = "the push request id")),
    request_body = PushReply,
    responses((status = 200, description = "the token's answer, as the server took it", body = wire::PushAnswer)))]
pub async fn answer_push(
    State(state): State<Arc<AppState>>,
    ApiId(request_id): ApiId,
    ApiJson(body): ApiJson<PushReply>,
) -> ApiResult<Json<wire::PushAnswer>> {
    let decision = match body.decision {
        Decision::Approve => PushDecision::Approve,
        Decision::Deny => PushDecision::Deny,
    };
    let answer = state
        .verify(move |v| v.answer_push(body.device.call(), &request_id, decision, &body.mac))
        .await?;
    state.pushes_changed();
    Ok(Json(match answer {
        PushAnswer::Approved => wire::PushAnswer::Approved,
        PushAnswer::Denied => wire::PushAnswer::Denied,
        PushAnswer::Rejected { attempts_left } => wire::PushAnswer::Rejected { attempts_left },
        PushAnswer::Expired => wire::PushAnswer::Expired,
    }))
}
