//! Friend requests: send (a request to someone who already asked you accepts both), list,
//! accept and decline (the recipient), cancel (the sender). Others see 404.

use actix_web::{HttpResponse, delete, get, post, web};
use db::queries::social::{self, RequestRow, SendOutcome};
use db::queries::users as user_queries;
use protocol::ErrorBody;
use protocol::ErrorCode;
use protocol::social::{Friend, FriendRequest, FriendRequests, SendFriendRequest, SendFriendRequestOutcome};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ws::bus::BusMessage;
use protocol::ws::ServerFrame;

/// Most pending requests listed each way.
const MAX_LISTED: i64 = 200;

/// Pending requests to and from the caller.
#[utoipa::path(tag = "friends", path = "/api/v1/friend-requests", security(("bearer" = [])),
    responses((status = 200, body = FriendRequests), (status = 401, body = ErrorBody)))]
#[get("/friend-requests")]
pub async fn list_requests(state: web::Data<AppState>, auth: AuthUser) -> Result<web::Json<FriendRequests>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    Ok(web::Json(load_requests(&mut conn, auth.id()).await?))
}

/// Asks a user to be friends.
#[utoipa::path(tag = "friends", path = "/api/v1/friend-requests", security(("bearer" = [])), request_body = SendFriendRequest,
    responses(
        (status = 201, description = "Pending, or accepted at once when they had asked you", body = SendFriendRequestOutcome),
        (status = 404, description = "`not_found`: no such user (or they blocked you)", body = ErrorBody),
        (status = 409, description = "`conflict`: already friends, or already asked", body = ErrorBody),
        (status = 422, description = "`unprocessable`: yourself, or someone you blocked", body = ErrorBody),
    ))]
#[post("/friend-requests")]
pub async fn send_request(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<SendFriendRequest>,
) -> Result<HttpResponse, ApiError> {
    let to = body.user_id.0;
    if to == auth.id() {
        return Err(ApiError::new(ErrorCode::Unprocessable, "you cannot befriend yourself"));
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
            let frame = ServerFrame::FriendRequestReceived { request: request.clone() };
            state.bus.publish(BusMessage::ToUsers { user_ids: vec![to], frame }).await;
            SendFriendRequestOutcome::Pending { request }
        }
        SendOutcome::Accepted { since, recipient } => {
            let friend = Friend { user: recipient.to_public(), since };
            publish_friendship(&state, &auth.user, &friend).await;
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
    publish_friendship(&state, &auth.user, &friend).await;
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
            publish_request_removed(&state, &row).await;
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
            publish_request_removed(&state, &row).await;
            Ok(HttpResponse::NoContent().finish())
        }
        None => Err(ApiError::not_found("friend request")),
    }
}

/// Pending requests to and from `user`, with both profiles (also sent in the gateway's `ready`).
pub async fn load_requests(conn: &mut diesel_async::AsyncPgConnection, user: Uuid) -> Result<FriendRequests, ApiError> {
    let (incoming, outgoing) = social::requests_of(conn, user, MAX_LISTED).await?;
    let ids: Vec<Uuid> = incoming.iter().chain(&outgoing).flat_map(|r| [r.from_user, r.to_user]).collect();
    let users = user_queries::by_ids(conn, &ids).await?;
    let view = |rows: Vec<RequestRow>| -> Vec<FriendRequest> {
        rows.into_iter()
            .filter_map(|r| {
                Some(FriendRequest {
                    id: r.id,
                    from: users.get(&r.from_user)?.to_public(),
                    to: users.get(&r.to_user)?.to_public(),
                    created_at: r.created_at,
                })
            })
            .collect()
    };
    Ok(FriendRequests { incoming: view(incoming), outgoing: view(outgoing) })
}

/// Tells both users' live connections about a new friendship.
async fn publish_friendship(state: &AppState, me: &db::models::User, friend: &Friend) {
    let mine = BusMessage::FriendAdded { user_id: me.id, friend: friend.clone() };
    let theirs = BusMessage::FriendAdded {
        user_id: friend.user.id.0,
        friend: Friend { user: me.to_public(), since: friend.since },
    };
    state.bus.publish(mine).await;
    state.bus.publish(theirs).await;
}

/// Tells both users a pending request is gone (declined or cancelled).
async fn publish_request_removed(state: &AppState, row: &RequestRow) {
    let frame = ServerFrame::FriendRequestRemoved { request_id: row.id };
    state.bus.publish(BusMessage::ToUsers { user_ids: vec![row.from_user, row.to_user], frame }).await;
}
