//! Finding people, friend requests, friends and blocks.

use gloo_net::http::Method;
use protocol::UserId;
use protocol::social::{BlockedUser, Friend, FriendRequests, SendFriendRequest, SendFriendRequestOutcome};
use protocol::users::{Page, PublicUser};
use uuid::Uuid;

use super::http::{self, ApiError, encode};
use crate::state::session::Session;

/// Users whose username or display name starts with `q`.
pub async fn search(session: Session, q: String) -> Result<Page<PublicUser>, ApiError> {
    http::authed::<_, ()>(session, Method::GET, &format!("/api/v1/users?q={}&limit=20", encode(&q)), None).await
}

/// A user's public profile.
pub async fn user(session: Session, id: UserId) -> Result<PublicUser, ApiError> {
    http::authed::<_, ()>(session, Method::GET, &format!("/api/v1/users/{id}"), None).await
}

/// Friends (first page: up to 200).
pub async fn friends(session: Session) -> Result<Page<Friend>, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/friends?limit=200", None).await
}

/// Ends a friendship.
pub async fn unfriend(session: Session, user: UserId) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::DELETE, &format!("/api/v1/friends/{user}"), None).await
}

/// Pending requests both ways.
pub async fn requests(session: Session) -> Result<FriendRequests, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/friend-requests", None).await
}

/// Asks someone to be friends.
pub async fn send_request(session: Session, user_id: UserId) -> Result<SendFriendRequestOutcome, ApiError> {
    http::authed(session, Method::POST, "/api/v1/friend-requests", Some(&SendFriendRequest { user_id })).await
}

/// Accepts a request.
pub async fn accept(session: Session, id: Uuid) -> Result<Friend, ApiError> {
    http::authed::<_, ()>(session, Method::POST, &format!("/api/v1/friend-requests/{id}/accept"), None).await
}

/// Declines a request.
pub async fn decline(session: Session, id: Uuid) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::POST, &format!("/api/v1/friend-requests/{id}/decline"), None).await
}

/// Cancels a request you sent.
pub async fn cancel(session: Session, id: Uuid) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::DELETE, &format!("/api/v1/friend-requests/{id}"), None).await
}

/// Users you blocked.
pub async fn blocks(session: Session) -> Result<Vec<BlockedUser>, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/blocks", None).await
}

/// Blocks a user.
pub async fn block(session: Session, user: UserId) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::PUT, &format!("/api/v1/blocks/{user}"), None).await
}

/// Unblocks a user.
pub async fn unblock(session: Session, user: UserId) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::DELETE, &format!("/api/v1/blocks/{user}"), None).await
}
