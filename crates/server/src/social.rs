//! Social changes as the live side sees them: after a friend request, a friendship or its end,
//! or a profile change is committed, these tell the users' connections through the bus, and
//! the pending requests are read the way both the API and `ready` show them.

use db::queries::social::{self, RequestRow};
use db::queries::users as user_queries;
use diesel_async::AsyncPgConnection;
use protocol::UserId;
use protocol::social::{Friend, FriendRequest, FriendRequests};
use protocol::ws::ServerFrame;

use crate::bus::BusMessage;
use crate::error::ApiError;
use crate::state::AppState;

/// Most pending requests listed each way.
const MAX_LISTED: i64 = 200;

/// Pending requests to and from `user`, with both profiles.
pub async fn load_requests(conn: &AsyncPgConnection, user: UserId) -> Result<FriendRequests, ApiError> {
    let (incoming, outgoing) = social::requests_of(conn, user, MAX_LISTED).await?;
    let ids: Vec<UserId> = incoming.iter().chain(&outgoing).flat_map(|r| [r.from_user, r.to_user]).collect();
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

/// Tells the recipient's connections about a new request.
pub async fn request_sent(state: &AppState, request: &FriendRequest) {
    let frame = ServerFrame::FriendRequestReceived { request: request.clone() };
    state.bus.publish(BusMessage::ToUsers { user_ids: vec![request.to.id], frame }).await;
}

/// Tells both users' connections about a new friendship (and starts presence between them).
pub async fn friendship_started(state: &AppState, me: &db::models::User, friend: &Friend) {
    let mine = BusMessage::FriendAdded { user_id: me.id, friend: friend.clone() };
    let theirs = BusMessage::FriendAdded {
        user_id: friend.user.id,
        friend: Friend { user: me.to_public(), since: friend.since },
    };
    state.bus.publish(mine).await;
    state.bus.publish(theirs).await;
}

/// Tells both users a pending request is gone (declined or cancelled).
pub async fn request_removed(state: &AppState, row: &RequestRow) {
    let frame = ServerFrame::FriendRequestRemoved { request_id: row.id };
    state.bus.publish(BusMessage::ToUsers { user_ids: vec![row.from_user, row.to_user], frame }).await;
}

/// Tells both users' connections a friendship ended (and stops presence between them).
pub async fn friendship_ended(state: &AppState, a: UserId, b: UserId) {
    state.bus.publish(BusMessage::FriendRemoved { user_id: a, other: b }).await;
    state.bus.publish(BusMessage::FriendRemoved { user_id: b, other: a }).await;
}

/// Tells everyone who sees `user`'s profile (themself, friends, co-members) that it changed:
/// a new name, bio, colour or photo shows at once, without a reload.
pub async fn profile_changed(state: &AppState, user: &db::models::User) {
    let audience = match db::pool::checkout(&state.pool).await {
        Ok(mut conn) => user_queries::audience(&mut conn, user.id).await,
        Err(e) => {
            tracing::warn!(error = %e, "profile change not announced: no database connection");
            return;
        }
    };
    match audience {
        Ok(user_ids) => {
            let frame = ServerFrame::UserUpdated { user: user.to_public() };
            state.bus.publish(BusMessage::ToUsers { user_ids, frame }).await;
        }
        Err(e) => tracing::warn!(error = %e, "profile change not announced"),
    }
}
