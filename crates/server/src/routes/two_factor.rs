//! `/users/me/two-factor`: the caller's second factor (see `auth::two_factor`).

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use protocol::ErrorBody;
use protocol::auth::{
    DisableTwoFactorRequest, EnableTwoFactorRequest, RecoveryCodes, TwoFactorSetup, TwoFactorSetupRequest,
    TwoFactorStatus,
};

use crate::auth::{SessionUser, two_factor};
use crate::error::ApiError;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;

/// Whether two-factor authentication is on.
#[utoipa::path(tag = "users", path = "/api/v1/users/me/two-factor", security(("bearer" = [])),
    responses((status = 200, body = TwoFactorStatus)))]
#[get("/users/me/two-factor")]
pub async fn get_two_factor(
    state: web::Data<AppState>,
    auth: SessionUser,
) -> Result<web::Json<TwoFactorStatus>, ApiError> {
    Ok(web::Json(two_factor::status(&state, auth.id()).await?))
}

/// Begins set-up: a new secret and its QR code, pending until the first code is confirmed.
#[utoipa::path(tag = "users", path = "/api/v1/users/me/two-factor/setup", security(("bearer" = [])),
    request_body = TwoFactorSetupRequest,
    responses((status = 200, body = TwoFactorSetup),
        (status = 403, description = "`wrong_password` (field `password`)", body = ErrorBody),
        (status = 409, description = "`conflict`: already on; turn it off first", body = ErrorBody)))]
#[post("/users/me/two-factor/setup")]
pub async fn setup_two_factor(
    state: web::Data<AppState>,
    auth: SessionUser,
    body: JsonBody<TwoFactorSetupRequest>,
) -> Result<HttpResponse, ApiError> {
    let setup = two_factor::setup(&state, &auth.user, body.into_inner().password).await?;
    Ok(private(setup))
}

/// Puts it in force with the app's first code; answers the recovery codes, shown only now.
#[utoipa::path(tag = "users", path = "/api/v1/users/me/two-factor/enable", security(("bearer" = [])),
    request_body = EnableTwoFactorRequest,
    responses((status = 200, body = RecoveryCodes),
        (status = 401, description = "`invalid_credentials` (field `totp_code`): wrong code", body = ErrorBody),
        (status = 409, description = "`conflict`: no set-up pending", body = ErrorBody)))]
#[post("/users/me/two-factor/enable")]
pub async fn enable_two_factor(
    state: web::Data<AppState>,
    auth: SessionUser,
    body: JsonBody<EnableTwoFactorRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(private(two_factor::enable(&state, &auth.user, &body.code).await?))
}

/// A JSON answer holding secrets: never kept in a browser's or a proxy's cache.
fn private(body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(body)
}

/// Turns it off, with the password and a current or recovery code.
#[utoipa::path(tag = "users", path = "/api/v1/users/me/two-factor", security(("bearer" = [])),
    request_body = DisableTwoFactorRequest,
    responses((status = 204, description = "Off"),
        (status = 401, description = "`invalid_credentials` (field `totp_code`): wrong code", body = ErrorBody),
        (status = 403, description = "`wrong_password` (field `password`)", body = ErrorBody),
        (status = 409, description = "`conflict`: it is not on", body = ErrorBody)))]
#[delete("/users/me/two-factor")]
pub async fn disable_two_factor(
    state: web::Data<AppState>,
    auth: SessionUser,
    body: JsonBody<DisableTwoFactorRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    two_factor::disable(&state, &auth.user, body.password, &body.code).await?;
    Ok(HttpResponse::NoContent().finish())
}
