//! Ending sessions on the live side: once a sign-out, a revocation, a password change, a
//! disabled or deleted account is committed, the affected WebSockets are closed at once on
//! every server (through the bus), so an ended session cannot keep listening.

use protocol::UserId;
use protocol::ws::close;
use uuid::Uuid;

use crate::bus::BusMessage;
use crate::state::AppState;

/// Closes the connections of one session (sign-out, revocation, a reused refresh token).
pub async fn session_ended(state: &AppState, session_id: Uuid) {
    state.bus.publish(BusMessage::CloseSession { session_id, code: close::SESSION_ENDED }).await;
}

/// Closes every connection of a user but those of `except_session` (a password change keeps
/// the session that made it), with `code` telling the client why.
pub async fn user_sessions_ended(state: &AppState, user_id: UserId, except_session: Option<Uuid>, code: u16) {
    state.bus.publish(BusMessage::CloseUser { user_id, except_session, code }).await;
}
