//! Extractors whose refusals are [`ApiError`]s: a JSON body and path parameters.
//!
//! Messages name the problem (not JSON, a missing field) but never repeat a value from the
//! request, which may be a password typed into the wrong field.

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest request body: 64 KiB.
pub const MAX_BODY: usize = 64 * 1024;

/// A JSON request body: `application/json` (or `+json`), at most [`MAX_BODY`] bytes.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

/// The body `{}` of requests that carry no parameters (any object; its fields are ignored).
pub type Empty = serde_json::Map<String, serde_json::Value>;

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// What is wrong with a body that did not deserialise, without quoting it.
fn describe(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => "the body is not valid JSON".into(),
        Category::Data => {
            let text = error.to_string();
            // "missing field `name` at line 1 column 2" names only the field.
            match text.split(" at line").next() {
                Some(head) if head.starts_with("missing field") => head.to_owned(),
                _ => "a field has the wrong type or shape".into(),
            }
        }
    }
}

/// A body over the limit is still read (and dropped) up to this size before the 413 goes out:
/// a server that answers while the client is still sending closes the connection under it, and
/// the client may never see the answer.
const DRAIN_LIMIT: usize = 4 * 1024 * 1024;

/// The body, at most [`MAX_BODY`] bytes.
async fn read_body(request: Request) -> Result<Vec<u8>, ApiError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(ApiError::too_large());
    }
    let mut stream = request.into_body().into_data_stream();
    let mut body = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid_input("the body could not be read"))?;
        total = total.saturating_add(chunk.len());
        if total <= MAX_BODY {
            body.extend_from_slice(&chunk);
        } else if total > DRAIN_LIMIT {
            break;
        }
    }
    if total > MAX_BODY {
        return Err(ApiError::too_large());
    }
    Ok(body)
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::unsupported_media_type());
        }
        let bytes = read_body(request).await?;
        parse_body(&bytes).map(Self)
    }
}

/// A body's bytes as `T`: a JSON object, or a 400 `InvalidInput` that does not quote it.
pub(crate) fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::invalid_input(describe(&e)))?;
    if !value.is_object() {
        return Err(ApiError::invalid_input("the body must be a JSON object"));
    }
    T::deserialize(value).map_err(|e| ApiError::invalid_input(describe(&e)))
}

/// An id from the path: 1 to 128 letters, digits, `-` or `_`.
#[derive(Debug, Clone)]
pub struct ApiId(pub String);

/// Whether `id` has the shape of an id (login, push request, activation, device).
pub fn valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl<S: Send + Sync> FromRequestParts<S> for ApiId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::invalid_input("the path is not valid"))?;
        if valid_id(&id) {
            Ok(Self(id))
        } else {
            Err(ApiError::invalid_input(
                "an id is 1 to 128 letters, digits, '-' or '_'",
            ))
        }
    }
}

/// A factor id from the path: a number from 1 up.
#[derive(Debug, Clone, Copy)]
pub struct FactorId(pub u32);

impl<S: Send + Sync> FromRequestParts<S> for FactorId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ApiId(id) = ApiId::from_request_parts(parts, state).await?;
        match id.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Self(n)),
            _ => Err(ApiError::invalid_input("a factor id is a number from 1")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_types() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, value.parse().unwrap());
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/jsonx"));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn messages_never_quote_the_body() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Login {
            username: String,
            password: String,
        }
        let wrong =
            serde_json::from_str::<Login>(r#"{"username": 1, "password": "hunter2"}"#).unwrap_err();
        assert_eq!(describe(&wrong), "a field has the wrong type or shape");
        let wrong =
            serde_json::from_str::<Login>(r#"{"username": "a", "password": 12345}"#).unwrap_err();
        assert!(!describe(&wrong).contains("12345"));
        let missing = serde_json::from_str::<Login>(r#"{"username": "a"}"#).unwrap_err();
        assert_eq!(describe(&missing), "missing field `password`");
        let broken = serde_json::from_str::<Login>(r#"{"username": "#).unwrap_err();
        assert_eq!(describe(&broken), "the body is not valid JSON");
    }

    #[test]
    fn ids() {
        assert!(valid_id("0123abcdef"));
        assert!(valid_id("device-1_a"));
        assert!(!valid_id(""));
        assert!(!valid_id("a/b"));
        assert!(!valid_id("a\0b"));
        assert!(!valid_id(&"a".repeat(129)));
    }
}
