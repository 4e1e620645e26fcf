//! Pins: a group's owners and admins (either member of a DM) pin up to 50 messages, which the
//! conversation's header shows; pinning and unpinning are events through the writer.

use db::queries::changes::Command;
use db::queries::{messages as queries, reactions};
use protocol::conversations::{Message, PinnedMessages};
use protocol::{ConversationId, MessageId, UserId};

use crate::chat::messages::{authors, changed_message, require_member};
use crate::error::ApiError;
use crate::state::AppState;

/// Pins (`pinned`) or unpins a message; doing either twice changes nothing.
pub async fn pin(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    message: MessageId,
    pinned: bool,
) -> Result<Message, ApiError> {
    let command = Command::Pin { conversation, actor: user, message, pinned };
    changed_message(state.writer.queue(command).await?).await
}

/// The conversation's pinned messages, most recently pinned first.
pub async fn pinned(state: &AppState, user: UserId, conversation: ConversationId) -> Result<PinnedMessages, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    require_member(&mut conn, conversation, user).await?;
    let rows = queries::pinned(&mut conn, conversation).await?;
    let mut items: Vec<Message> = rows.iter().map(|m| m.to_protocol()).collect();
    reactions::attach(&mut conn, &mut items).await?;
    db::queries::media::fill(&mut conn, &mut items).await?;
    let users = authors(&mut conn, rows.iter().map(|m| m.sender_id)).await?;
    Ok(PinnedMessages { items, users })
}
