//! `/api/v1/admin/stats`: numbers for the operators' dashboard.

use actix_web::{get, web};
use db::queries::admin::{self as queries};
use protocol::ErrorBody;
use protocol::admin::Stats;

use crate::admin::{Admin, retention};
use crate::error::ApiError;
use crate::state::AppState;

/// Numbers for the operators' dashboard.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/stats", security(("bearer" = [])),
    responses((status = 200, body = Stats), (status = 403, body = ErrorBody)))]
#[get("/admin/stats")]
pub async fn get_stats(state: web::Data<AppState>, _admin: Admin) -> Result<web::Json<Stats>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let (users_total, conversations, messages_today, messages_total, database_bytes) =
        queries::totals(&mut conn).await?;
    drop(conn);
    let hub = state.presence.counts().await;
    let policy = retention::policy(&state).await?;
    let sweep = retention::stats(&state).await?;
    Ok(web::Json(Stats {
        users_total,
        users_online: hub.users as i64,
        conversations,
        messages_today,
        messages_total,
        websocket_connections: hub.connections as i64,
        database_bytes,
        retention_days: policy.days,
        retention_removed_total: sweep.removed_total,
        retention_last_run_at: sweep.last_run_at,
    }))
}
