//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations and the
//! `protocol` types, so it cannot drift from the code. Served at `/api/v1/openapi.json`.

use utoipa::OpenApi;

/// Root of the generated OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Confab API",
        description = "REST API of Confab, a real-time chat server. Errors are `{\"error\": code, \"message\": text}` \
                       with the codes of the `ErrorCode` schema.",
    ),
    paths(
        crate::routes::health::get_healthz,
        crate::routes::health::get_readyz,
        crate::routes::docs::get_openapi,
        crate::routes::docs::get_docs,
    ),
    components(schemas(protocol::ErrorBody, protocol::ErrorCode)),
    tags(
        (name = "ops", description = "Probes and documentation"),
    )
)]
pub struct ApiDoc;

/// The document, built once.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
