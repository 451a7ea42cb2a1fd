//! Passkeys (issue 14): the WebAuthn ceremonies of the portal, over the verifier's rules.
//!
//! The cryptography is `webauthn_rp`'s (docs/design.md, "Passkeys"): challenges, signatures,
//! the origin and RP ID, user verification. Its server-side state is encoded and kept in the
//! verifier's store (`save_passkey_ceremony`), never in this process, so any instance finishes
//! what another began and a ceremony is used once. `webauthn_rp` draws its challenges from the
//! OS (`rand`'s thread generator) and reads the system clock for its own 5-minute timeout: the
//! server crate is the edge where the OS's randomness and clock may enter (ARCHITECTURE.md); the
//! verifier's test clock still bounds each ceremony (`challenge_lifetime`).
//!
//! Routes: `POST /api/account/passkey` and `/confirm` (registration, from a session in the
//! re-authentication window), `POST /api/login/{id}/passkey` (the second factor of a login),
//! `POST /api/passkey/login` (passwordless), `POST /api/passkey/finish` (both logins).

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use webauthn_rp::bin::{Decode, Encode};
use webauthn_rp::request::auth::{
    AllowedCredential, AllowedCredentials, AuthenticationVerificationOptions,
    DiscoverableAuthenticationServerState, DiscoverableCredentialRequestOptions,
    NonDiscoverableAuthenticationServerState, NonDiscoverableCredentialRequestOptions,
    SignatureCounterEnforcement,
};
use webauthn_rp::request::register::{
    CredProtect, PublicKeyCredentialCreationOptions, PublicKeyCredentialUserEntity,
    RegistrationServerState, RegistrationVerificationOptions, ResidentKeyRequirement, UserHandle,
    Username,
};
use webauthn_rp::request::{
    AsciiDomain, Credentials, ExtensionInfo, PublicKeyCredentialDescriptor, RpId,
    UserVerificationRequirement,
};
use webauthn_rp::response::auth::{DiscoverableAuthentication, NonDiscoverableAuthentication};
use webauthn_rp::response::register::{CompressedPubKey, DynamicState, StaticState};
use webauthn_rp::response::{AuthTransports, CredentialId, Origin};
use webauthn_rp::{AuthenticatedCredential, Registration};

use secure_login_verifier::{
    CeremonyPurpose, FoundPasskey, NewPasskey, PasskeyCeremony, PasskeyRefusal, PasskeyUse,
};

use super::openapi::NoParameters;
use super::wire;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiId, ApiJson, Empty};
use crate::origin::PublicOrigin;
use crate::session::SignedIn;
use crate::state::AppState;

/// The WebAuthn user handle: the account id's 16 random bytes.
const USER_LEN: usize = 16;

/// The stored public key type `webauthn_rp` decodes.
type StoredKey = CompressedPubKey<[u8; 32], [u8; 32], [u8; 48], Vec<u8>>;

/// The relying party: the RP ID (the public origin's host) and the one origin whose ceremonies
/// count (the public origin itself; a page anywhere else, a phishing relay, is refused).
#[derive(Debug)]
pub struct RelyingParty {
    rp_id: RpId,
    origin: String,
}

impl RelyingParty {
    /// The relying party of `--public-origin`, when its host is a domain name (WebAuthn has no
    /// RP ID for an IP address): `http://localhost:8080` for development, `https://portal.example`.
    /// `None` otherwise: the passkey routes then answer 404 `PasskeysOff`.
    pub fn of(public_origin: Option<&PublicOrigin>) -> Option<Self> {
        let origin = public_origin?;
        let host = origin.host();
        if host.starts_with('[') || host.parse::<IpAddr>().is_ok() {
            return None;
        }
        let domain = AsciiDomain::try_from(host.to_owned()).ok()?;
        Some(Self {
            rp_id: RpId::Domain(domain),
            origin: origin.to_string(),
        })
    }

    fn verify_origins(&self) -> [Origin<'_>; 1] {
        [Origin(self.origin.as_str().into())]
    }
}

/// `{"ceremony", "credential"}`: the page's answer, `credential` as `PublicKeyCredential`'s
/// `toJSON()` writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = PasskeyAnswer)]
pub struct Answer {
    ceremony: String,
    #[schema(value_type = Object)]
    credential: serde_json::Value,
    #[serde(default)]
    label: Option<String>,
}

fn passkeys_off() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "PasskeysOff",
        "passkeys need the portal's --public-origin with a domain name",
    )
}

fn relying_party(state: &AppState) -> ApiResult<&RelyingParty> {
    state.passkeys.as_deref().ok_or_else(passkeys_off)
}

/// A credential the browser sent that is no WebAuthn answer at all.
fn malformed(error: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_input(format!("not a passkey answer: {error}"))
}

/// A WebAuthn check that failed (signature, challenge, origin, RP ID, user verification).
fn refused(error: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "PasskeyRefused",
        format!("the passkey's answer is refused: {error}"),
    )
}

fn internal(what: &str) -> ApiError {
    tracing::error!(what, "a passkey ceremony could not be encoded");
    ApiError::unavailable()
}

fn user_handle(account_id: &str) -> ApiResult<UserHandle<USER_LEN>> {
    let bytes = secure_login_otp::hex_decode(account_id).map_err(|_| internal("user handle"))?;
    let array: [u8; USER_LEN] = bytes.try_into().map_err(|_| internal("user handle"))?;
    UserHandle::<USER_LEN>::decode(array).map_err(|_| internal("user handle"))
}

fn descriptor(id: Vec<u8>) -> ApiResult<PublicKeyCredentialDescriptor<Vec<u8>>> {
    Ok(PublicKeyCredentialDescriptor {
        id: CredentialId::decode(id).map_err(|_| internal("credential id"))?,
        transports: AuthTransports::decode(0).map_err(|_| internal("transports"))?,
    })
}

/// `{"ceremony", "options"}`.
fn options_answer(ceremony: &str, options: &impl serde::Serialize) -> ApiResult<Response> {
    let options = serde_json::to_value(options).map_err(|_| internal("options"))?;
    Ok(Json(wire::PasskeyOptions {
        ceremony,
        options: &options,
    })
    .into_response())
}

/// `POST /api/account/passkey`: creation options for a new passkey of the signed-in person.
#[utoipa::path(post, path = "/api/account/passkey", tag = "passkey", security(("session" = [])),
    request_body = NoParameters,
    responses((status = 200, description = "creation options for navigator.credentials.create", body = wire::PasskeyOptions)))]
pub async fn register_start(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Response> {
    let rp = relying_party(&state)?;
    let token = signed_in.id;
    let who = state.verify(move |v| v.passkey_registrant(&token)).await?;
    let handle = user_handle(&who.account)?;
    let name = Username::try_from(who.username.as_str()).map_err(|_| internal("username"))?;
    let exclude = who
        .existing
        .into_iter()
        .map(descriptor)
        .collect::<ApiResult<Vec<_>>>()?;
    let user = PublicKeyCredentialUserEntity {
        name,
        id: &handle,
        display_name: None,
    };
    let mut options = PublicKeyCredentialCreationOptions::passkey(&rp.rp_id, user, exclude);
    // credProtect asked for, not enforced: an authenticator without the extension (Chromium's
    // virtual one, many security keys) still registers; user verification is required at
    // every use anyway.
    options.extensions.cred_protect =
        CredProtect::UserVerificationRequired(ExtensionInfo::AllowDontEnforceValue);
    let (server, client) = options
        .start_ceremony()
        .map_err(|_| internal("creation options"))?;
    let encoded = server
        .encode()
        .map_err(|_| internal("registration state"))?;
    let purpose = CeremonyPurpose::Register {
        account: who.account,
        login: who.login,
    };
    let id = state
        .verify(move |v| v.save_passkey_ceremony(purpose, &encoded))
        .await?;
    options_answer(&id, &client)
}

/// Takes the ceremony `id` out of the store (used once, whatever follows).
async fn take(state: &AppState, id: String) -> ApiResult<PasskeyCeremony> {
    state.verify(move |v| v.take_passkey_ceremony(&id)).await
}

/// `POST /api/account/passkey/confirm`: checks the new credential and adds it as a factor.
#[utoipa::path(post, path = "/api/account/passkey/confirm", tag = "passkey", security(("session" = [])),
    request_body = Answer,
    responses((status = 200, description = "the passkey is added", body = wire::FactorAdded)))]
pub async fn register_finish(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<Answer>,
) -> ApiResult<Json<wire::FactorAdded>> {
    let rp = relying_party(&state)?;
    let registration: Registration = serde_json::from_value(body.credential).map_err(malformed)?;
    let ceremony = take(&state, body.ceremony).await?;
    let CeremonyPurpose::Register { account, login } = &ceremony.purpose else {
        return Err(ApiError::not_found("ceremony"));
    };
    if *login != signed_in.info.login {
        return Err(ApiError::not_found("ceremony"));
    }
    let server = RegistrationServerState::<USER_LEN>::decode(ceremony.state.as_slice())
        .map_err(|_| internal("registration state"))?;
    let origins = rp.verify_origins();
    let options = RegistrationVerificationOptions::<Origin<'_>, Origin<'_>> {
        allowed_origins: &origins,
        ..RegistrationVerificationOptions::default()
    };
    let credential = server
        .verify(&rp.rp_id, &registration, &options)
        .map_err(refused)?;
    let (id, _, user, static_state, dynamic_state, metadata) = credential.into_parts();
    if user.as_ref() != user_handle(account)?.as_ref() {
        return Err(refused("another account's user handle"));
    }
    let passkey = NewPasskey {
        credential_id: id.as_ref().to_vec(),
        public_key: static_state.encode().map_err(|_| internal("public key"))?,
        discoverable: matches!(metadata.resident_key, ResidentKeyRequirement::Required),
        first_use: PasskeyUse {
            sign_count: dynamic_state.sign_count,
            dynamic: dynamic_state
                .encode()
                .map_err(|_| internal("dynamic state"))?
                .to_vec(),
        },
    };
    let label = body.label.unwrap_or_default();
    let purpose = ceremony.purpose.clone();
    let factor_id = state
        .verify(move |v| v.add_passkey(&purpose, &label, passkey))
        .await?;
    // The phone's notice of the new factor goes out now, not at the next round.
    state.delivery.wake();
    Ok(Json(wire::FactorAdded { factor_id }))
}

/// `POST /api/login/{id}/passkey`: request options for the account's passkeys, the second
/// factor of a login whose password was accepted.
#[utoipa::path(post, path = "/api/login/{id}/passkey", tag = "passkey",
    params(("id" = String, Path, description = "the login id")),
    request_body = NoParameters,
    responses((status = 200, description = "request options for navigator.credentials.get", body = wire::PasskeyOptions)))]
pub async fn second_factor_start(
    State(state): State<Arc<AppState>>,
    ApiId(login_id): ApiId,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Response> {
    let rp = relying_party(&state)?;
    let id = login_id.clone();
    let (account, credentials) = state.verify(move |v| v.passkeys_for_login(&id)).await?;
    let mut allowed = AllowedCredentials::with_capacity(credentials.len());
    for credential in credentials {
        allowed.push(AllowedCredential::from(descriptor(credential)?));
    }
    let mut options = NonDiscoverableCredentialRequestOptions::second_factor(&rp.rp_id, allowed)
        .map_err(|_| ApiError::not_found("passkey"))?;
    // The passkey verifies the person too (PIN or biometrics), as for a passwordless login.
    options.options().user_verification = UserVerificationRequirement::Required;
    let (server, client) = options
        .start_ceremony()
        .map_err(|_| internal("request options"))?;
    let encoded = server
        .encode()
        .map_err(|_| internal("authentication state"))?;
    let purpose = CeremonyPurpose::SecondFactor {
        login: login_id,
        account,
    };
    let id = state
        .verify(move |v| v.save_passkey_ceremony(purpose, &encoded))
        .await?;
    options_answer(&id, &client)
}

/// `POST /api/passkey/login`: request options for a passwordless login (any discoverable
/// passkey of this portal; the browser offers the person's own).
#[utoipa::path(post, path = "/api/passkey/login", tag = "passkey",
    request_body = NoParameters,
    responses((status = 200, description = "request options for a passwordless login", body = wire::PasskeyOptions)))]
pub async fn passwordless_start(
    State(state): State<Arc<AppState>>,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Response> {
    let rp = relying_party(&state)?;
    let (server, client) = DiscoverableCredentialRequestOptions::passkey(&rp.rp_id)
        .start_ceremony()
        .map_err(|_| internal("request options"))?;
    let encoded = server
        .encode()
        .map_err(|_| internal("authentication state"))?;
    let id = state
        .verify(move |v| v.save_passkey_ceremony(CeremonyPurpose::Passwordless, &encoded))
        .await?;
    options_answer(&id, &client)
}

/// The credential id the answer names (its `rawId`), before anything else is checked.
fn raw_id(credential: &serde_json::Value) -> ApiResult<Vec<u8>> {
    let text = credential
        .get("rawId")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| malformed("no rawId"))?;
    use base64ct::Encoding;
    base64ct::Base64UrlUnpadded::decode_vec(text).map_err(|_| malformed("rawId is not base64url"))
}

/// The signature count in raw authenticator data (WebAuthn: rpIdHash 32 bytes, flags 1, then
/// the count, 4 bytes big-endian), after the library has parsed and checked it.
fn sign_count(authenticator_data: &[u8]) -> ApiResult<u32> {
    authenticator_data
        .get(33..37)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| malformed("short authenticator data"))
}

/// `POST /api/passkey/finish`: checks a login's passkey answer; a success opens the session.
#[utoipa::path(post, path = "/api/passkey/finish", tag = "passkey",
    request_body = Answer,
    responses((status = 200, description = "signed in; sets the session cookie", body = wire::SignedIn)))]
pub async fn login_finish(
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<Answer>,
) -> ApiResult<Response> {
    let rp = relying_party(&state)?;
    let credential_id = raw_id(&body.credential)?;
    // Used once, whatever follows: an answer that fails is not tried again.
    let ceremony = take(&state, body.ceremony).await?;
    let id = credential_id.clone();
    let found = state
        .verify(move |v| v.passkey_by_credential(&id))
        .await?
        .ok_or_else(|| refused("this passkey is not registered here"))?;
    let checked = check_assertion(rp, &ceremony, &found, body.credential);
    let used = match checked {
        Ok(used) => used,
        Err(error) => {
            let reason = error.message().to_owned();
            let passkey = found.clone();
            state
                .verify(move |v| v.record_passkey_refusal(&passkey, &reason))
                .await?;
            return Err(error);
        }
    };
    let purpose = ceremony.purpose.clone();
    let outcome = state
        .verify(move |v| v.complete_passkey_login(&purpose, &found, &used))
        .await?;
    let signed_in = match outcome {
        Ok(signed_in) => signed_in,
        Err(PasskeyRefusal::CounterWentBack { stored, presented }) => {
            tracing::warn!(
                event = "passkey_refused",
                stored,
                presented,
                "a passkey's signature count did not go up: a copy of it?"
            );
            return Err(refused(
                "its signature count did not go up: a copy of this passkey may be in use",
            ));
        }
    };
    let session = state.open_session(&signed_in.login_id).await?;
    let cookie = state.sessions.set_cookie(&session);
    Ok((
        [(SET_COOKIE, cookie)],
        Json(wire::SignedIn {
            username: &signed_in.username,
        }),
    )
        .into_response())
}

/// The library's checks of an assertion against the ceremony and the stored credential; the
/// new counter and flags when they pass (the counter rule itself is the verifier's).
fn check_assertion(
    rp: &RelyingParty,
    ceremony: &PasskeyCeremony,
    found: &FoundPasskey,
    answer: serde_json::Value,
) -> ApiResult<PasskeyUse> {
    let handle = user_handle(&found.account)?;
    let static_state = StaticState::<StoredKey>::decode(found.public_key.as_slice())
        .map_err(|_| internal("stored public key"))?;
    let dynamic_bytes: [u8; 7] = found
        .last_use
        .dynamic
        .as_slice()
        .try_into()
        .map_err(|_| internal("stored dynamic state"))?;
    let dynamic = DynamicState::decode(dynamic_bytes).map_err(|_| internal("dynamic state"))?;
    let mut credential = AuthenticatedCredential::new(
        CredentialId::<&[u8]>::decode(found.credential_id.as_slice())
            .map_err(|_| internal("credential id"))?,
        &handle,
        static_state,
        dynamic,
    )
    .map_err(|_| internal("stored credential"))?;
    let origins = rp.verify_origins();
    let options = AuthenticationVerificationOptions::<Origin<'_>, Origin<'_>> {
        allowed_origins: &origins,
        update_uv: true,
        // The verifier applies the counter rule against the stored record, compare-and-set,
        // and records a refusal: the library only reports the count.
        sig_counter_enforcement: SignatureCounterEnforcement::Ignore,
        ..AuthenticationVerificationOptions::default()
    };
    let count = match &ceremony.purpose {
        CeremonyPurpose::Passwordless => {
            let answer: DiscoverableAuthentication<USER_LEN> =
                serde_json::from_value(answer).map_err(malformed)?;
            let server = DiscoverableAuthenticationServerState::decode(ceremony.state.as_slice())
                .map_err(|_| internal("authentication state"))?;
            server
                .verify(&rp.rp_id, &answer, &mut credential, &options)
                .map_err(refused)?;
            sign_count(answer.response().authenticator_data())?
        }
        CeremonyPurpose::SecondFactor { .. } => {
            let answer: NonDiscoverableAuthentication<USER_LEN> =
                serde_json::from_value(answer).map_err(malformed)?;
            let server =
                NonDiscoverableAuthenticationServerState::decode(ceremony.state.as_slice())
                    .map_err(|_| internal("authentication state"))?;
            server
                .verify(&rp.rp_id, &answer, &mut credential, &options)
                .map_err(refused)?;
            sign_count(answer.response().authenticator_data())?
        }
        CeremonyPurpose::Register { .. } => return Err(ApiError::not_found("ceremony")),
    };
    let dynamic = credential.dynamic_state();
    Ok(PasskeyUse {
        sign_count: count,
        dynamic: dynamic
            .encode()
            .map_err(|_| internal("dynamic state"))?
            .to_vec(),
    })
}
