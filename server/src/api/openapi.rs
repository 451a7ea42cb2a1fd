//! The OpenAPI 3.1 document of the API, served at `GET /api/openapi.json`.
//!
//! It is made from the code: each handler's `#[utoipa::path]` names its method, path, body and
//! answers, the `wire` types give the schemas, and the router registers every route through
//! `utoipa_axum::routes!`, so a route and its entry are one line (`api::router`). What every
//! route shares is added here once: the error answers (`4XX`, `5XX`: [`ErrorBody`] with its
//! codes) and, on the routes that change state, the CSRF header.

use std::sync::Arc;

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr, Required, ResponseBuilder};
use utoipa::{Modify, ToSchema};

use super::wire::ErrorBody;
use crate::csrf::CSRF_HEADER;
use crate::session::COOKIE_NAME;

/// The document's fixed parts; the paths come from the router.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "secure-login portal API",
        description = "The JSON API of the secure-login reference portal (docs/api.md). Every \
            error answer is `{\"error\": {\"code\", \"message\", \"retryAfter\"?}}` with a 4xx or \
            5xx status; the routes that change state need the header `X-Secure-Login: 1`; the \
            account routes need the session cookie a login sets.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(ErrorBody)),
    modifiers(&Shared),
)]
pub(crate) struct ApiDoc;

/// The security scheme of the account routes: the session cookie.
struct Shared;

impl Modify for Shared {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                COOKIE_NAME,
                "the session a login opened (`__Host-sl_session` when the portal is served \
                 over https)",
            ))),
        );
    }
}

/// The `4XX` and `5XX` answers (an [`ErrorBody`]) and, where the method changes state, the CSRF
/// header, on every operation of `doc`. Called once the router has added its paths.
pub(crate) fn add_shared_answers(doc: &mut OpenApi) {
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        ErrorBody::name(),
                    ))))
                    .build(),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        let operations: [(HttpMethod, &mut Option<Operation>); 8] = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Head, &mut item.head),
            (HttpMethod::Options, &mut item.options),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
            (HttpMethod::Trace, &mut item.trace),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            let responses = &mut operation.responses.responses;
            responses.insert(
                "4XX".into(),
                RefOr::T(error(
                    "refused: the error's code says why (see ErrorCode for each code's status)",
                )),
            );
            responses.insert(
                "5XX".into(),
                RefOr::T(error(
                    "something behind the server failed (Unavailable, Busy, StorageFailure, ...)",
                )),
            );
            // The CSRF check's safe methods (crate::csrf).
            if !matches!(
                method,
                HttpMethod::Get | HttpMethod::Head | HttpMethod::Options
            ) {
                operation
                    .parameters
                    .get_or_insert_with(Vec::new)
                    .push(csrf_header());
            }
        }
    }
}

fn csrf_header() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(CSRF_HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::True)
        .description(Some(
            "`1`: a cross-site page cannot send it without a CORS preflight, which this server \
             never grants (403 Forbidden without it)",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["1"])),
        ))
        .build()
}

/// The finished document as JSON, shared by the route.
#[derive(Clone)]
pub(crate) struct DocumentJson(pub Arc<str>);

/// `GET /api/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "document",
    responses((status = 200, description = "this document (OpenAPI 3.1)", content_type = "application/json", body = Object)),
)]
pub async fn document(Extension(json): Extension<DocumentJson>) -> Response {
    ([(CONTENT_TYPE, "application/json")], json.0.to_string()).into_response()
}

/// `{}`: the body of a request without parameters (any object; its fields are ignored).
#[derive(utoipa::ToSchema)]
pub struct NoParameters {}
