//! The one error type of the HTTP API: every refusal is `{"error": {"code", "message"}}` with a
//! 4xx status, or 502/503 when something behind the server failed. Never a 500.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use secure_login_verifier::Error as VerifierError;

use crate::api::wire;

/// Every code an error answer can carry, with its status (docs/api.md, "Errors"): the OpenAPI
/// document lists them as the values of `error.code`.
pub const ERROR_CODES: &[(&str, u16)] = &[
    ("InvalidInput", 400),
    ("WrongCode", 400),
    ("PasskeyRefused", 400),
    ("BadCredentials", 401),
    ("NotSignedIn", 401),
    ("Forbidden", 403),
    ("AccountDisabled", 403),
    ("StrongerFactorNeeded", 403),
    ("NotFound", 404),
    ("PasskeysOff", 404),
    ("MethodNotAllowed", 405),
    ("NotAllowed", 409),
    ("UsernameTaken", 409),
    ("Expired", 410),
    ("TooLarge", 413),
    ("UnsupportedMediaType", 415),
    ("MisdirectedRequest", 421),
    ("Throttled", 429),
    ("PasswordThrottled", 429),
    ("CorruptRecord", 500),
    ("CourierFailed", 502),
    ("Unavailable", 503),
    ("Busy", 503),
    ("StorageFailure", 503),
    ("EntropyUnavailable", 503),
    ("SealedSecret", 503),
];

/// The schema of `error.code`: a string, one of [`ERROR_CODES`].
pub struct ErrorCode;

impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let statuses = ERROR_CODES
            .iter()
            .map(|(code, status)| format!("{code} ({status})"))
            .collect::<Vec<_>>()
            .join(", ");
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(ERROR_CODES.iter().map(|(code, _)| *code)))
            .description(Some(format!(
                "The stable code of the error, with the HTTP status it comes with: {statuses}."
            )))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

/// An API error: a status, a stable code and a message for people (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `InvalidInput`.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidInput", message)
    }

    /// 401 `NotSignedIn`.
    pub fn not_signed_in() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "NotSignedIn", "sign in first")
    }

    /// 403 `Forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", message)
    }

    /// 404 `NotFound`.
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", format!("no such {what}"))
    }

    /// 409 `NotAllowed`.
    pub fn not_allowed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "NotAllowed", message)
    }

    /// 413 `TooLarge`.
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "TooLarge",
            "the body is over 64 KiB",
        )
    }

    /// 415 `UnsupportedMediaType`.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "send the body as application/json",
        )
    }

    /// 503 `Unavailable`: the request could not be finished (a task of the server failed).
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Unavailable",
            "the request could not be completed; try again",
        )
    }

    /// 503 `Busy`: too many password checks are running or waiting; retry after a second.
    pub fn busy() -> Self {
        Self {
            retry_after: Some(1),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy",
                "too many sign-ins at once; try again in a second",
            )
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message for people.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<VerifierError> for ApiError {
    fn from(error: VerifierError) -> Self {
        let status = match &error {
            VerifierError::BadCredentials => StatusCode::UNAUTHORIZED,
            VerifierError::NotFound(_) => StatusCode::NOT_FOUND,
            VerifierError::NotAllowed(_) | VerifierError::UsernameTaken => StatusCode::CONFLICT,
            VerifierError::Expired => StatusCode::GONE,
            VerifierError::Throttled { .. } | VerifierError::PasswordThrottled { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            VerifierError::InvalidInput(_)
            | VerifierError::Otp(_)
            | VerifierError::WrongCode { .. } => StatusCode::BAD_REQUEST,
            VerifierError::Courier(_) => StatusCode::BAD_GATEWAY,
            VerifierError::CorruptRecord { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            VerifierError::AccountDisabled | VerifierError::StrongerFactorNeeded { .. } => {
                StatusCode::FORBIDDEN
            }
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        let code = match &error {
            // The core's own codes (suite, secret, ...) only arise from stored or server-made
            // parameters; to a client they are one more kind of refused input.
            VerifierError::Otp(_) => "InvalidInput",
            other => other.code(),
        };
        let retry_after = match error {
            VerifierError::Throttled { retry_after }
            | VerifierError::PasswordThrottled { retry_after } => Some(retry_after),
            _ => None,
        };
        let message = match &error {
            // The operator's matter: the log names the record, the client learns only that it failed.
            VerifierError::CorruptRecord { record, reason } => {
                tracing::error!(record, reason, "corrupt record");
                "a stored record is damaged: the operator must repair it".to_owned()
            }
            other => other.to_string(),
        };
        Self {
            status,
            code,
            message,
            retry_after,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = wire::ErrorBody {
            error: wire::ErrorDetail {
                code: self.code,
                message: &self.message,
                retry_after: self.retry_after,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        response.extensions_mut().insert(ErrorLogged {
            code: self.code,
            message: self.message,
        });
        if let Some(retry_after) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// What an error answer tells the request log (`request_log`): its code, and its message,
/// which is logged for 5xx answers only (it never holds a secret).
#[derive(Debug, Clone)]
pub struct ErrorLogged {
    /// The stable code.
    pub code: &'static str,
    /// The message for people.
    pub message: String,
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_errors_keep_their_codes_and_get_a_4xx_or_5xx() {
        let cases = [
            (VerifierError::BadCredentials, 401, "BadCredentials"),
            (VerifierError::NotFound("login"), 404, "NotFound"),
            (VerifierError::NotAllowed("x"), 409, "NotAllowed"),
            (VerifierError::Expired, 410, "Expired"),
            (
                VerifierError::Throttled { retry_after: 7 },
                429,
                "Throttled",
            ),
            (
                VerifierError::PasswordThrottled { retry_after: 2 },
                429,
                "PasswordThrottled",
            ),
            (VerifierError::Sealed("x"), 503, "SealedSecret"),
            (
                VerifierError::CorruptRecord {
                    record: "account/a/factor/1".into(),
                    reason: "x",
                },
                500,
                "CorruptRecord",
            ),
            (VerifierError::InvalidInput("x"), 400, "InvalidInput"),
            (
                VerifierError::WrongCode { attempts_left: 2 },
                400,
                "WrongCode",
            ),
            (VerifierError::AccountDisabled, 403, "AccountDisabled"),
            (
                VerifierError::StrongerFactorNeeded {
                    required: secure_login_verifier::Strength::Possession,
                },
                403,
                "StrongerFactorNeeded",
            ),
            (VerifierError::Courier("x".into()), 502, "CourierFailed"),
            (VerifierError::Store("x".into()), 503, "StorageFailure"),
            (
                VerifierError::Entropy("x".into()),
                503,
                "EntropyUnavailable",
            ),
            (
                VerifierError::Otp(secure_login_otp::Error::InvalidHash),
                400,
                "InvalidInput",
            ),
        ];
        for (error, status, code) in cases {
            let api = ApiError::from(error);
            assert_eq!(api.status().as_u16(), status, "{code}");
            assert_eq!(api.code(), code);
            assert!(ERROR_CODES.contains(&(code, status)), "{code} {status}");
        }
    }

    /// Every code the server makes is among the documented ones, with its status: the helpers'
    /// and each literal code given to `ApiError::new` in the sources.
    #[test]
    fn every_code_is_documented_with_its_status() {
        let helpers = [
            ApiError::invalid_input("x"),
            ApiError::not_signed_in(),
            ApiError::forbidden("x"),
            ApiError::not_found("x"),
            ApiError::not_allowed("x"),
            ApiError::too_large(),
            ApiError::unsupported_media_type(),
            ApiError::unavailable(),
            ApiError::busy(),
        ];
        for error in helpers {
            let pair = (error.code(), error.status().as_u16());
            assert!(ERROR_CODES.contains(&pair), "{pair:?}");
        }
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        let mut made = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (at, _) in text.match_indices("ApiError::new(") {
                    let args: Vec<&str> = text[at + 14..].splitn(3, ',').collect();
                    let status = args[0].trim().trim_start_matches("axum::http::");
                    let Some(code) = args[1].trim().strip_prefix('"') else {
                        continue; // this function's own definition and its callers' variables
                    };
                    let code = code.trim_end_matches('"');
                    let documented =
                        ERROR_CODES
                            .iter()
                            .find(|(c, _)| *c == code)
                            .unwrap_or_else(|| {
                                panic!("{code} ({}) is not in ERROR_CODES", path.display())
                            });
                    let status = status.trim_start_matches("StatusCode::");
                    let number = axum::http::StatusCode::from_u16(documented.1).unwrap();
                    let name = number.canonical_reason().unwrap_or("");
                    assert_eq!(status, name.to_uppercase().replace(' ', "_"), "{code}");
                    made += 1;
                }
            }
        }
        assert!(made >= 4, "ApiError::new with a literal code: {made} found");
    }
}
