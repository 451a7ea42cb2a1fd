//! Every JSON body the API answers with, as serde types in one place: the wire format is written
//! once, here, and docs/api.md documents each. Field names are camelCase; the tag of a variant
//! (`prompt`, `outcome`, `answer`) and every enum value are snake_case.

use serde::Serialize;
use utoipa::ToSchema;

use secure_login_verifier::{
    AuditEvent, Channel, EventKind, FactorSummary, LoginStatus, PendingPush as VerifierPendingPush,
};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// The schema of a string field whose values are a fixed set (written as `&'static str`).
fn one_of(values: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .into()
}

/// How the first attempt at a message went: `sent`, `retrying`, `failed` or `queued`.
pub struct Delivery;

impl utoipa::PartialSchema for Delivery {
    fn schema() -> RefOr<Schema> {
        one_of(["sent", "retrying", "failed", "queued"])
    }
}

impl ToSchema for Delivery {}

/// A login's status: `LoginStatus::as_str`.
pub struct LoginStatusName;

impl utoipa::PartialSchema for LoginStatusName {
    fn schema() -> RefOr<Schema> {
        one_of(
            [
                LoginStatus::Pending,
                LoginStatus::Succeeded,
                LoginStatus::Denied,
                LoginStatus::Expired,
            ]
            .map(|s| s.as_str()),
        )
    }
}

impl ToSchema for LoginStatusName {}

/// A code's channel: `Channel::as_str`.
pub struct ChannelName;

impl utoipa::PartialSchema for ChannelName {
    fn schema() -> RefOr<Schema> {
        one_of([Channel::Sms, Channel::Voice].map(|c| c.as_str()))
    }
}

impl ToSchema for ChannelName {}

/// An audit event's kind: `EventKind::as_str` of every kind.
pub struct EventKindName;

impl utoipa::PartialSchema for EventKindName {
    fn schema() -> RefOr<Schema> {
        one_of(EventKind::ALL.map(|k| k.as_str()))
    }
}

impl ToSchema for EventKindName {}

/// Every error: `{"error": {"code", "message", "retryAfter"?}}` (docs/api.md, "Errors").
#[derive(Serialize, ToSchema)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

/// The error object: a stable code, a message for people, the seconds to wait where it applies.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail<'a> {
    #[schema(value_type = crate::error::ErrorCode)]
    pub code: &'static str,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// A passkey ceremony begun (`POST /api/account/passkey`, `/api/login/{id}/passkey`,
/// `/api/passkey/login`): its id, and the options for `navigator.credentials` in the JSON form
/// `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` read.
#[derive(Serialize, ToSchema)]
pub struct PasskeyOptions<'a> {
    pub ceremony: &'a str,
    #[schema(value_type = Object)]
    pub options: &'a serde_json::Value,
}

/// An empty object, `{}`.
#[derive(Serialize, ToSchema)]
pub struct Empty {}

/// A factor as the login and account pages list it (a phone only masked).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Factor<'a> {
    pub id: u32,
    pub kind: &'a str,
    pub label: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codes_left: Option<usize>,
    /// A soft token a migration replaced: it works until then (the cooling-off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retires_at: Option<u64>,
}

impl<'a> From<&'a FactorSummary> for Factor<'a> {
    fn from(factor: &'a FactorSummary) -> Self {
        Self {
            id: factor.id,
            kind: &factor.kind,
            label: &factor.label,
            phone: factor.phone.as_deref(),
            codes_left: factor.codes_left,
            retires_at: factor.retires_at,
        }
    }
}

/// `POST /api/login`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginStarted<'a> {
    pub login_id: &'a str,
    pub factors: Vec<Factor<'a>>,
}

/// What the page asks for next (`POST /api/login/{id}/factor`, `.../resend`).
#[derive(Serialize, ToSchema)]
#[serde(tag = "prompt", rename_all = "snake_case")]
pub enum Prompt<'a> {
    #[serde(rename_all = "camelCase")]
    Challenge {
        challenge: &'a str,
        response_digits: u8,
        expires_at: u64,
    },
    #[serde(rename_all = "camelCase")]
    Code {
        digits: u32,
    },
    #[serde(rename_all = "camelCase")]
    CodeSent {
        #[schema(value_type = ChannelName)]
        channel: &'static str,
        to: &'a str,
        digits: u32,
        expires_at: u64,
        resend_after: u64,
        /// `sent`, `retrying`, `failed` or `queued`.
        #[schema(value_type = Delivery)]
        delivery: &'static str,
    },
    Passcode,
    RecoveryCode,
}

/// `POST /api/login/{id}/response`.
#[derive(Serialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LoginOutcome<'a> {
    #[serde(rename_all = "camelCase")]
    Success {
        username: &'a str,
    },
    #[serde(rename_all = "camelCase")]
    WrongCode {
        attempts_left: u32,
    },
    #[serde(rename_all = "camelCase")]
    Locked {
        until: u64,
    },
    Expired,
}

/// `POST /api/login/{id}/push`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushStarted<'a> {
    pub request_id: &'a str,
    pub number: u32,
    pub expires_at: u64,
}

/// `GET /api/login/{id}/status`: `pending`, `succeeded`, `denied` or `expired`.
#[derive(Serialize, ToSchema)]
pub struct Status {
    #[schema(value_type = LoginStatusName)]
    pub status: &'static str,
}

/// `POST /api/login/{id}/session` and `POST /api/demo/...` sign-ins.
#[derive(Serialize, ToSchema)]
pub struct SignedIn<'a> {
    pub username: &'a str,
}

/// `POST /api/token/activate`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivationStarted<'a> {
    pub activation_id: &'a str,
    pub expires_at: u64,
    #[schema(value_type = Delivery)]
    pub delivery: &'static str,
}

/// `POST /api/token/activate/{id}`.
#[derive(Serialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ActivationOutcome<'a> {
    #[serde(rename_all = "camelCase")]
    Activated {
        username: &'a str,
        issuer: &'a str,
        suite: &'a str,
        /// Hex; the token wraps it under the PIN at once.
        secret: &'a str,
        factor_id: u32,
        /// Names the token in its calls (never its device id).
        device_handle: &'a str,
        /// Hex; the key of the token's device proofs, shown once.
        device_key: &'a str,
    },
    #[serde(rename_all = "camelCase")]
    WrongCode {
        attempts_left: u32,
    },
    #[serde(rename_all = "camelCase")]
    Locked {
        until: u64,
    },
    Expired,
}

/// `POST /api/token/push/{requestId}`.
#[derive(Serialize, ToSchema)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum PushAnswer {
    Approved,
    Denied,
    #[serde(rename_all = "camelCase")]
    Rejected {
        attempts_left: u32,
    },
    Expired,
}

/// `POST /api/token/challenge`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceNonce {
    pub nonce: String,
    pub expires_at: u64,
}

/// `POST /api/token/stream`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamTicket {
    pub ticket: String,
    pub expires_at: u64,
}

/// One login waiting for a token's push answer (`POST /api/token/pushes` and the event stream).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingPush<'a> {
    pub request_id: &'a str,
    pub username: &'a str,
    pub factor_id: u32,
    pub expires_at: u64,
}

impl<'a> From<&'a VerifierPendingPush> for PendingPush<'a> {
    fn from(push: &'a VerifierPendingPush) -> Self {
        Self {
            request_id: &push.request_id,
            username: &push.username,
            factor_id: push.factor,
            expires_at: push.expires_at,
        }
    }
}

/// `GET /api/account`.
#[derive(Serialize, ToSchema)]
pub struct Account<'a> {
    pub username: &'a str,
    pub factors: Vec<AccountFactor<'a>>,
    pub events: Vec<Event<'a>>,
    /// Bindings within their cooling-off, which "this wasn't me" undoes.
    pub changes: Vec<Change>,
}

/// A binding the account page offers to undo.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub id: String,
    pub kind: &'static str,
    pub factor_id: u32,
    pub replaces: Vec<u32>,
    pub at: u64,
    pub until: u64,
}

/// A factor on the account page: what the login lists, and when it was added and last used.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountFactor<'a> {
    #[serde(flatten)]
    pub factor: Factor<'a>,
    pub created_at: u64,
    pub last_used: Option<u64>,
}

/// One audit event of the account page.
#[derive(Serialize, ToSchema)]
pub struct Event<'a> {
    pub at: u64,
    #[schema(value_type = EventKindName)]
    pub kind: &'static str,
    pub factor: Option<u32>,
    pub detail: &'a str,
}

impl<'a> From<&'a AuditEvent> for Event<'a> {
    fn from(event: &'a AuditEvent) -> Self {
        Self {
            at: event.at,
            kind: event.kind.as_str(),
            factor: event.factor,
            detail: &event.detail,
        }
    }
}

/// `POST /api/account/totp`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpStarted<'a> {
    pub uri: &'a str,
    pub qr_svg: &'a str,
}

/// `POST /api/account/totp/confirm`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FactorAdded {
    pub factor_id: u32,
}

/// `POST /api/account/phone`: the confirmation code is on its way to the new number.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhoneChangeStarted<'a> {
    pub change_id: &'a str,
    pub to: &'a str,
    pub expires_at: u64,
    pub resend_after: u64,
    /// As a login's code: `sent`, `retrying`, `failed` or `queued`.
    #[schema(value_type = Delivery)]
    pub delivery: &'static str,
}

/// `POST /api/account/phone/{changeId}/confirm`.
#[derive(Serialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PhoneChangeOutcome {
    Changed,
    #[serde(rename_all = "camelCase")]
    WrongCode {
        attempts_left: u32,
    },
    #[serde(rename_all = "camelCase")]
    Locked {
        until: u64,
    },
    Expired,
}

/// `POST /api/account/recovery-codes`: the new set, shown once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    pub factor_id: u32,
    pub codes: Vec<String>,
}

/// `POST /api/account/device-code`: the code that activates a soft token on a new device,
/// shown once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCode {
    pub code: String,
    pub expires_at: u64,
}

/// `POST /api/account/sessions/end`: how many sessions ended.
#[derive(Serialize, ToSchema)]
pub struct SessionsEnded {
    pub ended: usize,
}

/// `/healthz` (`ok`) and `/readyz` (`ready`).
#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// `POST /api/test/clock`.
#[derive(Serialize, ToSchema)]
pub struct TestClock {
    pub now: u64,
}

/// The `error` event of an event stream.
#[derive(Serialize, ToSchema)]
pub struct StreamError {
    pub code: &'static str,
}
