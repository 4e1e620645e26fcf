//! `/api/v1/admin/retention`: how long messages are kept (a change sweeps at once), and
//! `/api/v1/admin/security`: whether administrators need a second factor.

use actix_web::{get, put, web};
use protocol::ErrorBody;
use protocol::ErrorCode;
use protocol::admin::{Retention, SecurityPolicy};
use serde_json::json;

use crate::admin::{Admin, retention, security};
use crate::auth::two_factor;
use crate::error::ApiError;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;

/// The longest retention an operator can set, in days (a hundred years); the OpenAPI document
/// states it from here.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// The retention policy.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/retention", security(("bearer" = [])),
    responses((status = 200, body = Retention), (status = 403, body = ErrorBody)))]
#[get("/admin/retention")]
pub async fn get_retention(state: web::Data<AppState>, _admin: Admin) -> Result<web::Json<Retention>, ApiError> {
    Ok(web::Json(retention::policy(&state).await?))
}

/// Sets the retention policy (`days: null` keeps messages forever) and sweeps at once.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/retention", security(("bearer" = [])), request_body = Retention,
    responses((status = 200, body = Retention), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[put("/admin/retention")]
pub async fn set_retention(
    state: web::Data<AppState>,
    admin: Admin,
    body: JsonBody<Retention>,
) -> Result<web::Json<Retention>, ApiError> {
    if body.days.is_some_and(|d| d == 0 || d > MAX_RETENTION_DAYS) {
        return Err(ApiError::invalid_field("days", "1 to 36,500, or null to keep messages forever"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let value = serde_json::to_value(&*body).map_err(ApiError::internal)?;
    db::queries::admin::set_setting(&mut conn, retention::POLICY_KEY, value).await?;
    drop(conn);
    admin.audit(&state, "retention.set", ("settings", None), json!({"days": body.days})).await?;
    retention::sweep(&state).await?;
    Ok(web::Json(body.into_inner()))
}

/// The security policy.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/security", security(("bearer" = [])),
    responses((status = 200, body = SecurityPolicy), (status = 403, body = ErrorBody)))]
#[get("/admin/security")]
pub async fn get_security(state: web::Data<AppState>, _admin: Admin) -> Result<web::Json<SecurityPolicy>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    Ok(web::Json(security::policy(&mut conn).await?))
}

/// Sets the security policy. Requiring two-factor authentication of administrators needs the
/// acting one to have it on, so nobody locks themselves out by accident.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/security", security(("bearer" = [])), request_body = SecurityPolicy,
    responses((status = 200, body = SecurityPolicy),
        (status = 403, description = "`forbidden`, or `two_factor_required`: turn yours on first", body = ErrorBody)))]
#[put("/admin/security")]
pub async fn set_security(
    state: web::Data<AppState>,
    admin: Admin,
    body: JsonBody<SecurityPolicy>,
) -> Result<web::Json<SecurityPolicy>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    if body.require_two_factor_for_admins && !two_factor::is_enabled(&mut conn, admin.id()).await? {
        return Err(ApiError::new(
            ErrorCode::TwoFactorRequired,
            "turn on two-factor authentication for your own account before requiring it of administrators",
        ));
    }
    let value = serde_json::to_value(&*body).map_err(ApiError::internal)?;
    db::queries::admin::set_setting(&mut conn, security::POLICY_KEY, value).await?;
    drop(conn);
    let detail = json!({"require_two_factor_for_admins": body.require_two_factor_for_admins});
    admin.audit(&state, "security.set", ("settings", None), detail).await?;
    Ok(web::Json(body.into_inner()))
}
