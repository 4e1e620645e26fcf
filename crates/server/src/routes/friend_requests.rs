//! Friend requests: send (a request to someone who already asked you accepts both), list,
//! accept and decline (the recipient), cancel (the sender). Others see 404.

use actix_web::{HttpResponse, delete, get, post, web};
use db::queries::social::{self, SendOutcome};
use protocol::ErrorBody;
use protocol::ErrorCode;
use protocol::social::{Friend, FriendRequest, FriendRequests, SendFriendRequest, SendFriendRequestOutcome};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;

/// Pending requests to and from the caller.
#[utoipa::path(tag = "friends", path = "/api/v1/friend-requests", security(("bearer" = [])),
    responses((status = 200, body = FriendRequests), (status = 401, body = ErrorBody)))]
#[get("/friend-requests")]
pub async fn list_requests(state: web::Data<AppState>, auth: AuthUser) -> Result<web::Json<FriendRequests>, ApiError> {
    let conn = db::pool::checkout(&state.pool).await?;
    Ok(web::Json(crate::social::load_requests(&conn, auth.id()).await?))
}

/// Asks a user to be friends.
#[utoipa::path(tag = "friends", path = "/api/v1/friend-requests", security(("bearer" = [])), request_body = SendFriendRequest,
    responses(
        (status = 201, description = "Pending; or accepted at once when they had asked you, or when they are a bot (that is how a bot is added)", body = SendFriendRequestOutcome),
        (status = 403, description = "`forbidden`: bots cannot send friend requests", body = ErrorBody),
        (status = 404, description = "`not_found`: no such user (or they blocked you)", body = ErrorBody),
        (status = 409, description = "`conflict`: already friends, or already asked", body = ErrorBody),
        (status = 422, description = "`unprocessable`: yourself, or someone you blocked", body = ErrorBody),
    ))]
#[post("/friend-requests")]
pub async fn send_request(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: JsonBody<SendFriendRequest>,
) -> Result<HttpResponse, ApiError> {
    let to = body.user_id;
    if to == auth.id() {
        return Err(ApiError::new(ErrorCode::Unprocessable, "you cannot befriend yourself"));
    }
    if auth.user.is_bot() {
        // People add bots, never the other way round: a bot cannot reach strangers.
        return Err(ApiError::new(ErrorCode::Forbidden, "bots cannot send friend requests; people add bots"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let outcome = social::send_request(&mut conn, auth.id(), to).await?;
    drop(conn);
    let body = match outcome {
        SendOutcome::Pending { row, recipient } => {
            let request = FriendRequest {
                id: row.id,
                from: auth.user.to_public(),
                to: recipient.to_public(),
                created_at: row.created_at,
            };
            crate::social::request_sent(&state, &request).await;
            SendFriendRequestOutcome::Pending { request }
        }
        SendOutcome::Accepted { since, recipient } => {
            let friend = Friend { user: recipient.to_public(), since };
            crate::social::friendship_started(&state, &auth.user, &friend).await;
            SendFriendRequestOutcome::Accepted { friend }
        }
        SendOutcome::AlreadyFriends => return Err(ApiError::new(ErrorCode::Conflict, "you are already friends")),
        SendOutcome::AlreadyRequested => {
            return Err(ApiError::new(ErrorCode::Conflict, "you already sent this request"));
        }
        SendOutcome::SenderBlocked => {
            return Err(ApiError::new(ErrorCode::Unprocessable, "you blocked this user; unblock them first"));
        }
        SendOutcome::NotFound => return Err(ApiError::not_found("user")),
    };
    Ok(HttpResponse::Created().json(body))
}

/// Accepts a request addressed to the caller.
#[utoipa::path(tag = "friends", path = "/api/v1/friend-requests/{id}/accept", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    responses((status = 200, description = "Now friends", body = Friend), (status = 404, description = "`not_found`: no such pending request to you", body = ErrorBody)))]
#[post("/friend-requests/{id}/accept")]
pub async fn accept_request(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<Friend>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let Some((sender, since)) = social::accept_request(&mut conn, path.into_inner(), auth.id()).await? else {
        return Err(ApiError::not_found("friend request"));
    };
    drop(conn);
    let friend = Friend { user: sender.to_public(), since };
    crate::social::friendship_started(&state, &auth.user, &friend).await;
    Ok(web::Json(friend))
}

/// Declines a request addressed to the caller.
#[utoipa::path(tag = "friends", path = "/api/v1/friend-requests/{id}/decline", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    responses((status = 204, description = "Declined"), (status = 404, description = "`not_found`", body = ErrorBody)))]
#[post("/friend-requests/{id}/decline")]
pub async fn decline_request(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    match social::decline_request(&mut conn, path.into_inner(), auth.id()).await? {
        Some(row) => {
            drop(conn);
            crate::social::request_removed(&state, &row).await;
            Ok(HttpResponse::NoContent().finish())
        }
        None => Err(ApiError::not_found("friend request")),
    }
}

/// Cancels a request the caller sent.
#[utoipa::path(tag = "friends", path = "/api/v1/friend-requests/{id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    responses((status = 204, description = "Cancelled"), (status = 404, description = "`not_found`", body = ErrorBody)))]
#[delete("/friend-requests/{id}")]
pub async fn cancel_request(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    match social::cancel_request(&mut conn, path.into_inner(), auth.id()).await? {
        Some(row) => {
            drop(conn);
            crate::social::request_removed(&state, &row).await;
            Ok(HttpResponse::NoContent().finish())
        }
        None => Err(ApiError::not_found("friend request")),
    }
}
