//! A member's own settings of a conversation (muted until a time, archived), stored with their
//! membership and sent to all their connections, so every device of theirs agrees at once.

use chrono::Utc;
use db::queries::conversations as queries;
use protocol::conversations::{ConversationSettings, UpdateConversationSettings};
use protocol::ws::ServerFrame;
use protocol::{ConversationId, ErrorCode, UserId};

use crate::bus::BusMessage;
use crate::error::ApiError;
use crate::state::AppState;

/// Mutes, unmutes, archives or brings back `conversation` for `user`.
pub async fn update(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    input: UpdateConversationSettings,
) -> Result<ConversationSettings, ApiError> {
    if input.muted_until.is_some_and(|until| until <= Utc::now()) {
        // 422, not 400: the value is well formed, only already past (no schema can say "future").
        return Err(ApiError::field(
            ErrorCode::Unprocessable,
            "muted_until",
            "must be in the future (or null to unmute)",
        ));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let (muted_until, archived_at) =
        queries::update_settings(&mut conn, conversation, user, input.muted_until, input.archived)
            .await?
            .ok_or_else(|| ApiError::not_found("conversation"))?;
    drop(conn);
    let settings = ConversationSettings { muted_until, archived_at };
    let frame = ServerFrame::ConversationSettingsChanged { conversation_id: conversation, settings };
    state.bus.publish(BusMessage::ToUsers { user_ids: vec![user], frame }).await;
    Ok(settings)
}
