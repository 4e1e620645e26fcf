//! Friends, friend requests and blocks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::UserId;
use crate::users::PublicUser;

/// A friend, with when the friendship began.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Friend {
    /// The friend's profile.
    pub user: PublicUser,
    /// When the request was accepted.
    pub since: DateTime<Utc>,
}

/// A pending friend request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FriendRequest {
    /// Request id (for accept, decline, cancel).
    pub id: Uuid,
    /// Who asked.
    pub from: PublicUser,
    /// Who was asked.
    pub to: PublicUser,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/friend-requests`: both directions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FriendRequests {
    /// Requests others sent to the caller.
    pub incoming: Vec<FriendRequest>,
    /// Requests the caller sent.
    pub outgoing: Vec<FriendRequest>,
}

/// `POST /api/v1/friend-requests`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendFriendRequest {
    /// Whom to ask.
    pub user_id: UserId,
}

/// What sending a request did: a new pending request, or, when the other user had already
/// asked the caller, an immediate friendship.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SendFriendRequestOutcome {
    /// The request waits for the other user.
    Pending {
        /// The new request.
        request: FriendRequest,
    },
    /// The other user had asked too: you are friends now.
    Accepted {
        /// The new friend.
        friend: Friend,
    },
}

/// A user the caller blocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockedUser {
    /// Their profile.
    pub user: PublicUser,
    /// When they were blocked.
    pub since: DateTime<Utc>,
}
