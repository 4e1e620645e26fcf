//! Reactions: a member adds or takes back an emoji on a message, through the writer, so every
//! member sees it live and a client that was away gets it on resync.

use db::queries::changes::Command;
use protocol::conversations::{Message, normalize_emoji};
use protocol::{ConversationId, ErrorCode, MessageId, UserId};

use crate::chat::messages::changed_message;
use crate::error::ApiError;
use crate::state::AppState;

/// Adds (`add`) or takes back the caller's `emoji` on a message; doing either twice changes
/// nothing. Answers the message with its reactions.
pub async fn react(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    message: MessageId,
    emoji: &str,
    add: bool,
) -> Result<Message, ApiError> {
    // 422, not 400: any text is a well-formed path segment; whether it is one emoji of the
    // Unicode set is a rule the OpenAPI document cannot state without listing them all.
    let emoji =
        normalize_emoji(emoji).ok_or_else(|| ApiError::field(ErrorCode::Unprocessable, "emoji", "give one emoji"))?;
    let command = Command::React { conversation, user, message, emoji: emoji.to_owned(), add };
    changed_message(state.writer.queue(command).await?).await
}
