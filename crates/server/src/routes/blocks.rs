//! Blocks: blocking ends a friendship and pending requests both ways, refuses new requests both
//! ways, and hides the blocker from the blocked user (search, profile).

use actix_web::{HttpResponse, delete, get, put, web};
use db::queries::social;
use protocol::ErrorBody;
use protocol::ErrorCode;
use protocol::UserId;
use protocol::social::BlockedUser;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Most blocks listed.
const MAX_LISTED: i64 = 500;

/// Users the caller blocked, newest first.
#[utoipa::path(tag = "blocks", path = "/api/v1/blocks", security(("bearer" = [])),
    responses((status = 200, body = [BlockedUser]), (status = 401, body = ErrorBody)))]
#[get("/blocks")]
pub async fn list_blocks(state: web::Data<AppState>, auth: AuthUser) -> Result<web::Json<Vec<BlockedUser>>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = social::blocked_by(&mut conn, auth.id(), MAX_LISTED).await?;
    Ok(web::Json(rows.into_iter().map(|(user, since)| BlockedUser { user: user.to_public(), since }).collect()))
}

/// Blocks a user (idempotent).
#[utoipa::path(tag = "blocks", path = "/api/v1/blocks/{user_id}", security(("bearer" = [])),
    params(("user_id" = UserId, Path, description = "Whom to block")),
    responses((status = 204, description = "Blocked"), (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`unprocessable`: yourself", body = ErrorBody)))]
#[put("/blocks/{user_id}")]
pub async fn block_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let target = path.into_inner();
    if target == auth.id() {
        return Err(ApiError::new(ErrorCode::Unprocessable, "you cannot block yourself"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let were_friends = social::are_friends(&mut conn, auth.id(), target).await?;
    if !social::block(&mut conn, auth.id(), target).await? {
        return Err(ApiError::not_found("user"));
    }
    drop(conn);
    // Only a friendship's end is visible to the blocked user, as an unfriending would be.
    if were_friends {
        crate::social::friendship_ended(&state, auth.id(), target).await;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Lifts a block.
#[utoipa::path(tag = "blocks", path = "/api/v1/blocks/{user_id}", security(("bearer" = [])),
    params(("user_id" = UserId, Path, description = "Whom to unblock")),
    responses((status = 204, description = "Unblocked"), (status = 404, description = "`not_found`: not blocked", body = ErrorBody)))]
#[delete("/blocks/{user_id}")]
pub async fn unblock_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    if !social::unblock(&mut conn, auth.id(), path.into_inner()).await? {
        return Err(ApiError::not_found("block"));
    }
    Ok(HttpResponse::NoContent().finish())
}
