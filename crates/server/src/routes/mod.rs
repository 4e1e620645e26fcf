//! HTTP routes, one file per resource. `configure_api` mounts everything under `/api/v1`;
//! the operational probes live at the root where load balancers expect them.

pub mod docs;
pub mod health;

use actix_web::web;

use crate::error::ApiError;
use protocol::ErrorCode;

/// Mounts the probes at the root.
pub fn configure_root(cfg: &mut web::ServiceConfig) {
    cfg.service(health::get_healthz).service(health::get_readyz);
}

/// Mounts the versioned API; unknown API paths answer a JSON 404, never the web app.
pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(protocol::API_PREFIX)
            .service(docs::get_openapi)
            .service(docs::get_docs)
            .default_service(web::to(unknown_route)),
    );
}

async fn unknown_route() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::new(ErrorCode::NotFound, "no such API route"))
}
