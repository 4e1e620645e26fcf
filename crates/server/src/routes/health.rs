//! Operational probes: `/healthz` answers while the process can serve or recover by itself
//! (it fails once the embedded database was given up, see `healing`), `/readyz` only while the
//! database answers too, so an orchestrator stops routing traffic to a server that cannot serve
//! and restarts one that cannot heal.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use protocol::{ErrorBody, ErrorCode, Health, Readiness};

use crate::error::ApiError;
use crate::state::AppState;

/// How long readiness waits for the database before declaring it unavailable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: the process is up and can recover from what it meets by itself.
#[utoipa::path(
    tag = "ops",
    responses(
        (status = 200, description = "The process is up", body = Health),
        (status = 503, description = "The process cannot recover by itself (the embedded database could not be \
            restarted) and is about to exit (`database_unavailable`, with the reason)", body = ErrorBody),
    )
)]
#[get("/healthz")]
pub async fn get_healthz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    if let Some(reason) = state.liveness.failure() {
        return Err(ApiError::new(ErrorCode::DatabaseUnavailable, reason));
    }
    Ok(web::Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() }))
}

/// Readiness: the database answers a query.
#[utoipa::path(
    tag = "ops",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "The database cannot be reached (`database_unavailable`)", body = ErrorBody),
    )
)]
#[get("/readyz")]
pub async fn get_readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let unavailable = || ApiError::new(ErrorCode::DatabaseUnavailable, "the database is not reachable");
    match tokio::time::timeout(READY_TIMEOUT, db::pool::ping(&state.pool)).await {
        Ok(Ok(latency)) => Ok(HttpResponse::Ok().json(Readiness {
            status: "ready".into(),
            database_latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(unavailable())
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            Err(unavailable())
        }
    }
}
